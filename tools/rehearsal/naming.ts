/** Names and products of lab machines: what a target, an image or a summary makes of them. */
import type { RemoteStep } from "../plan/mocks";
import type { ObservedProgram } from "./observed";
import type { RehearsalConditions } from "./types";
import {
  normalizeHostOs,
  marketplaceImage,
  PRODUCTS_WITH_IMAGES,
} from "pulumi-kms-activation-catalog";

export const DEFAULT_HOST_VERSION = "2022";
export const DEFAULT_CLIENT_OS = "Windows Server 2022 Datacenter";

/** A computer name, as the lab takes it: letters, digits and hyphens, at most 63. */
export function labName(s: string): string {
  return (
    s
      .replace(/[^A-Za-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 63) || "machine"
  );
}

/** Product of a Windows host of that version: Datacenter for servers (the image KmsHost creates). */
export function hostProduct(version: string | undefined): string {
  const osName = normalizeHostOs(version ?? DEFAULT_HOST_VERSION) ?? "Windows Server 2022";
  return osName.startsWith("Windows Server") ? `${osName} Datacenter` : `${osName} Enterprise`;
}

export function imageProduct(image: Record<string, unknown> | undefined): string | undefined {
  if (!image) return undefined;
  for (const p of PRODUCTS_WITH_IMAGES) {
    const m = marketplaceImage(p)!;
    if (m.offer === image.offer && m.sku === image.sku) return p;
  }
  const sku = typeof image.sku === "string" ? image.sku : "";
  const server = /^(2012-r2|2016|2019|2022|2025)-datacenter/i.exec(sku);
  if (server) return `Windows Server ${server[1].replace("-r2", " R2")} Datacenter`;
  return undefined;
}

/** "LTSC2024" (as the parameter travels, without spaces) → "LTSC 2024"; "2019" stays. */
export function officeVersionName(v: string | undefined): string | undefined {
  if (v === undefined || v === "") return undefined;
  return v.replace(/_/g, " ").replace(/^LTSC\s*(\d{4})$/i, "LTSC $1");
}

export const OFFICE_CLIENT_PRODUCT: Record<string, string> = {
  "LTSC 2024": "Office LTSC Professional Plus 2024",
  "LTSC 2021": "Office LTSC Professional Plus 2021",
  "2019": "Office Professional Plus 2019",
  "2016": "Office Professional Plus 2016",
};

/** The lab machine a step runs on: "azure:<rg>/<vm>" or "ssh:<host>:<port>" (lowercase). */
export function machineKey(step: RemoteStep): string {
  if (step.transport === "runCommand") {
    return `azure:${step.vm!.resourceGroupName.toLowerCase()}/${step.vm!.vmName.toLowerCase()}`;
  }
  return `ssh:${step.ssh!.host.toLowerCase()}:${step.ssh!.port}`;
}

/**
 * What the lab machine for `key` runs, from what the program registered: a host's Windows from its
 * summary; a client's Windows and Office from the KmsClient summaries on it, else its VM's image. An
 * Azure VM is licensed by Azure's KMS first unless it comes from an image id ("custom") or `images` says.
 */
export function machineProducts(
  program: ObservedProgram,
  key: string,
  step: RemoteStep,
  role: "host" | "client",
  images: RehearsalConditions["images"],
): { os: string; office?: string; marketplace: boolean } {
  const vm = program.vms.get(key);
  const storage = vm?.storageProfile as { imageReference?: Record<string, unknown> } | undefined;
  const image = storage?.imageReference;
  let osName: string;
  let office: string | undefined;
  if (role === "host") {
    const summary = step.parentName ? program.hosts.get(step.parentName) : undefined;
    osName = hostProduct(summary?.windowsServerVersion);
  } else {
    const mine = program.clients.filter((c) => c.machine === key);
    const windows = mine.find((c) => c.family !== "office" && c.product);
    office = mine.find((c) => c.family === "office" && c.product)?.product;
    osName = windows?.product ?? imageProduct(image) ?? DEFAULT_CLIENT_OS;
  }
  const marketplace =
    step.transport !== "runCommand"
      ? false
      : images !== undefined
        ? images === "marketplace"
        : !(image && typeof image.id === "string" && image.id !== "");
  return { os: osName, ...(office ? { office } : {}), marketplace };
}

/** The names clients may use for a host: its summary fqdn, DNS name, VM or SSH name, addresses, computer name. */
export function hostNames(program: ObservedProgram, key: string, step: RemoteStep): Set<string> {
  const names = new Set<string>();
  const summary = step.parentName ? program.hosts.get(step.parentName) : undefined;
  if (summary?.fqdn) names.add(summary.fqdn);
  if (summary?.dns?.hostFqdn) names.add(summary.dns.hostFqdn);
  if (step.transport === "ssh") names.add(step.ssh!.host);
  else {
    names.add(step.vm!.vmName);
    const vm = program.vms.get(key);
    const nics = (vm?.networkProfile as { networkInterfaces?: { id?: unknown }[] } | undefined)
      ?.networkInterfaces;
    for (const n of nics ?? []) {
      const ip = typeof n.id === "string" ? program.nicIps.get(n.id) : undefined;
      if (ip) names.add(ip);
    }
    const computerName = (vm?.osProfile as { computerName?: unknown } | undefined)?.computerName;
    if (typeof computerName === "string") names.add(computerName);
  }
  return names;
}
