import type { ResourceValidationPolicy } from "@pulumi/policy";
import { KMS_HOST_TYPE } from "pulumi-kms-activation-catalog";
import { UNKNOWN, isKnownString, plainProperty, toPlain } from "./values";
import { nameFromUrn, typeFromUrn } from "./text";
import { AZURE_TYPES } from "./stack";

/** Marketplace SKUs of Windows Server Datacenter: Azure Edition contain this ("2022-datacenter-azure-edition"). */
export function isAzureEditionSku(sku: string): boolean {
  return /azure-?edition/i.test(sku);
}

/** windowsServerVersion values that name Azure Edition ("2022-azure-edition", "2025 Azure Edition"). */
export function isAzureEditionVersion(version: string): boolean {
  return /azure[\s-]*edition/i.test(version);
}

const WHY =
  "which cannot be a KMS host: Azure activates it itself, and it does not take a KMS host key. Use Windows Server " +
  'Standard or Datacenter (windowsServerVersion "2022" or "2025", image sku "2022-datacenter" or ' +
  '"2025-datacenter").';

/** The KmsHost a resource belongs to: its parent URN, else the first KmsHost in its own URN's type chain. */
function owningKmsHost(urn: string, parent: string | undefined): string | undefined {
  if (parent && typeFromUrn(parent) === KMS_HOST_TYPE) return nameFromUrn(parent);
  const parts = urn.split("::");
  if (
    parts.length >= 4 &&
    parts[parts.length - 2].split("$").slice(0, -1).includes(KMS_HOST_TYPE)
  ) {
    return "";
  }
  return undefined;
}

/**
 * A KMS host must not run Windows Server Datacenter: Azure Edition. Checks the KmsHost summary (image sku,
 * windowsServerVersion) and every compute VirtualMachine whose parent is a KmsHost.
 */
export const disallowAzureEditionHost: ResourceValidationPolicy = {
  name: "disallow-azure-edition-host",
  description:
    "A KMS host must not run Windows Server Datacenter: Azure Edition, which Azure activates itself and which " +
    "cannot be a KMS host. Checks KmsHost (image sku, windowsServerVersion) and the VMs a KmsHost creates.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    'Use Windows Server Standard or Datacenter for the KMS host (windowsServerVersion "2022" or "2025"; image ' +
    'sku such as "2022-datacenter"). A resource policy sees one resource: a VirtualMachine is tied to its ' +
    "KmsHost through its parent URN, so a VM declared outside the KmsHost (an existing machine given as azureVm) " +
    "is checked through the KmsHost's windowsServerVersion instead, which must then be declared.",
  validateResource: (args, report) => {
    if (args.type === KMS_HOST_TYPE) {
      const summary = plainProperty(args.props, "summary", undefined);
      if (!summary || typeof summary !== "object") {
        report(
          `Cannot decide whether KmsHost "${args.name}" runs Azure Edition: its summary is not known at preview.`,
        );
        return;
      }
      const s = toPlain(summary, undefined) as {
        createsVm?: boolean;
        windowsServerVersion?: unknown;
        image?: { sku?: unknown };
      };
      const sku = s.image?.sku;
      if (isKnownString(sku) && isAzureEditionSku(sku)) {
        report(
          `KmsHost "${args.name}" would run Windows Server Datacenter: Azure Edition (image sku "${sku}"), ${WHY}`,
        );
        return;
      }
      const version = s.windowsServerVersion;
      if (isKnownString(version) && isAzureEditionVersion(version)) {
        report(
          `KmsHost "${args.name}" would run Windows Server Datacenter: Azure Edition (windowsServerVersion ` +
            `"${version}"), ${WHY}`,
        );
        return;
      }
      if (!isKnownString(version) && !isKnownString(sku)) {
        report(
          s.createsVm === false
            ? `Cannot decide whether KmsHost "${args.name}" runs Azure Edition: it configures an existing machine ` +
                "whose OS is not declared. Set windowsServerVersion."
            : `Cannot decide whether KmsHost "${args.name}" runs Azure Edition: its image and windowsServerVersion ` +
                "are not known at preview.",
        );
      }
      return;
    }
    if (args.type === AZURE_TYPES.virtualMachine) {
      const host = owningKmsHost(args.urn, args.opts?.parent);
      if (host === undefined) return;
      const subject = host
        ? `VirtualMachine "${args.name}" of KmsHost "${host}"`
        : `VirtualMachine "${args.name}" (under a KmsHost)`;
      const storage = toPlain(plainProperty(args.props, "storageProfile")) as
        { imageReference?: { sku?: unknown } | typeof UNKNOWN } | typeof UNKNOWN | undefined;
      const image = storage === UNKNOWN ? UNKNOWN : storage?.imageReference;
      const sku = image === UNKNOWN ? UNKNOWN : image?.sku;
      if (!isKnownString(sku)) {
        report(
          `Cannot decide whether ${subject} runs Azure Edition: its image sku is not known at preview (or the ` +
            "image is not a marketplace image).",
        );
        return;
      }
      if (isAzureEditionSku(sku)) {
        report(
          `${subject} uses image sku "${sku}", Windows Server Datacenter: Azure Edition, ${WHY}`,
        );
      }
    }
  },
};
