/**
 * The options of the created host VM that enterprise policies commonly require (Trusted Launch, boot
 * diagnostics, an availability zone, Azure Hybrid Benefit, a pinned image version, encryption, the OS
 * disk type): each checked when plain, with its default, before anything registers. vm.ts builds the
 * VM from the result. Sources and defaults: docs/azure-notes.md "The host VM in a governed subscription".
 */
import type * as pulumi from "@pulumi/pulumi";
import { KmsConfigError, showValue } from "pulumi-kms-activation-catalog";
import { plainBoolean } from "../inputs";
import { plainValue } from "../validate";
import type { KmsHostArgs } from "./args";

/** Arguments that only a created VM takes (refused with `azureVm` or `ssh`, like `vmSize`). */
export const VM_OPTION_ARGS = [
  "zone",
  "trustedLaunch",
  "secureBoot",
  "vTpm",
  "bootDiagnostics",
  "licenseType",
  "imageVersion",
  "osDiskType",
  "diskEncryptionSetId",
  "encryptionAtHost",
] as const;

export const DEFAULT_IMAGE_VERSION = "latest";
export const DEFAULT_OS_DISK_TYPE = "StandardSSD_LRS";

/** Managed disk types Azure accepts for an OS disk (Premium SSD v2 and Ultra Disk are data disks only). */
const OS_DISK_TYPES = [
  "Standard_LRS",
  "StandardSSD_LRS",
  "StandardSSD_ZRS",
  "Premium_LRS",
  "Premium_ZRS",
];
/** Azure Hybrid Benefit for Windows Server; "None" removes it from a VM that had it. */
const LICENSE_TYPES = ["Windows_Server", "None"];
const ZONES = ["1", "2", "3"];
/** `Major.Minor.Build` of a Marketplace image version, e.g. "20348.1006.220908". */
const IMAGE_VERSION = /^\d+\.\d+\.\d+$/;
const DISK_ENCRYPTION_SET_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/diskEncryptionSets\/[^/]+$/i;

/**
 * Sizes of the series that Azure offers only as Generation 1 (Microsoft Learn, "Support for generation 2
 * VMs on Azure": Av2, Dv2, Dv3, Ev3; "Trusted Launch for Azure VMs" lists A, Dv2 and Dv3 as not
 * supported). The host's images are Gen2 (`-datacenter-g2`), so such a size cannot run them at all.
 */
const GEN1_ONLY_SIZE = /^Standard_(A\d+m?_v2|D\d+_v2|D\d+_v3|E\d+_v3)$/i;

/** The created VM's options, validated, with defaults applied. */
export interface HostVmOptions {
  zone?: string;
  trustedLaunch: boolean;
  secureBoot: boolean;
  vTpm: boolean;
  bootDiagnostics: boolean;
  licenseType?: string;
  imageVersion: string;
  osDiskType: string;
  diskEncryptionSetId?: pulumi.Input<string>;
  encryptionAtHost: boolean;
}

function oneOf(argument: string, value: unknown, allowed: string[], what: string): string {
  if (typeof value !== "string" || !allowed.includes(value)) {
    throw new KmsConfigError(
      argument,
      showValue(value),
      `${what}: ${allowed.map((a) => `"${a}"`).join(", ")}`,
    );
  }
  return value;
}

/** A known size must be able to run the host's Gen2 image (and so Trusted Launch). */
function validateGen2Size(vmSize: KmsHostArgs["vmSize"]): void {
  const size = plainValue(vmSize);
  if (typeof size === "string" && GEN1_ONLY_SIZE.test(size)) {
    throw new KmsConfigError(
      "vmSize",
      showValue(size),
      'a size that supports Generation 2 VMs, which the host\'s images are (e.g. "Standard_B2s", "Standard_D2s_v5"; Av2, Dv2, Dv3 and Ev3 sizes are Generation 1 only)',
    );
  }
}

/** Trusted Launch and its two parts. Secure Boot and vTPM exist only under Trusted Launch. */
function trustedLaunchOptions(args: KmsHostArgs) {
  const trustedLaunch = plainBoolean("trustedLaunch", args.trustedLaunch, true);
  const secureBoot = plainBoolean("secureBoot", args.secureBoot, trustedLaunch);
  const vTpm = plainBoolean("vTpm", args.vTpm, trustedLaunch);
  if (!trustedLaunch) {
    for (const [argument, value] of [
      ["secureBoot", args.secureBoot],
      ["vTpm", args.vTpm],
    ] as const) {
      if (value === true) {
        throw new KmsConfigError(
          argument,
          "true",
          "left out or false when trustedLaunch is false (Secure Boot and vTPM are parts of Trusted Launch)",
        );
      }
    }
  }
  return { trustedLaunch, secureBoot, vTpm };
}

/** Validates the created VM's options (plain values; an Output disk encryption set is taken as given). */
export function validateVmOptions(args: KmsHostArgs): HostVmOptions {
  validateGen2Size(args.vmSize);
  const options: HostVmOptions = {
    ...trustedLaunchOptions(args),
    bootDiagnostics: plainBoolean("bootDiagnostics", args.bootDiagnostics, true),
    encryptionAtHost: plainBoolean("encryptionAtHost", args.encryptionAtHost, false),
    imageVersion: DEFAULT_IMAGE_VERSION,
    osDiskType: DEFAULT_OS_DISK_TYPE,
  };
  if (args.zone !== undefined) {
    options.zone = oneOf("zone", args.zone, ZONES, "an availability zone of the region");
  }
  if (args.licenseType !== undefined) {
    options.licenseType = oneOf(
      "licenseType",
      args.licenseType,
      LICENSE_TYPES,
      "Azure Hybrid Benefit for Windows Server",
    );
  }
  if (args.imageVersion !== undefined) {
    const v = args.imageVersion;
    if (typeof v !== "string" || (v !== "latest" && !IMAGE_VERSION.test(v))) {
      throw new KmsConfigError(
        "imageVersion",
        showValue(v),
        'a Marketplace image version "Major.Minor.Build" such as "20348.1006.220908" (az vm image list --all --publisher MicrosoftWindowsServer --offer WindowsServer --sku <sku>), or "latest"',
      );
    }
    options.imageVersion = v;
  }
  if (args.osDiskType !== undefined) {
    options.osDiskType = oneOf(
      "osDiskType",
      args.osDiskType,
      OS_DISK_TYPES,
      "a managed disk type for an OS disk",
    );
  }
  if (args.diskEncryptionSetId !== undefined) {
    const id = plainValue(args.diskEncryptionSetId);
    if (id !== undefined && (typeof id !== "string" || !DISK_ENCRYPTION_SET_ID.test(id))) {
      throw new KmsConfigError(
        "diskEncryptionSetId",
        showValue(id),
        'the Azure resource ID of a disk encryption set ("/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Compute/diskEncryptionSets/<name>"), e.g. its id output',
      );
    }
    options.diskEncryptionSetId = args.diskEncryptionSetId;
  }
  return options;
}
