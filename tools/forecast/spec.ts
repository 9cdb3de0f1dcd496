/** The forecast's input from what kms-plan records: the components' summaries. */
import {
  type KmsClientSummary,
  type KmsHostSummary,
  type CreatedVm,
  marketplaceImageKey,
  sharedCmidClients,
  marketplaceImage,
} from "pulumi-kms-activation-catalog";
import type { ForecastSpec } from "./types";

/** Builds a forecast spec from the component summaries (catalog/summary.ts), in declaration order. */
export function specFromSummaries(
  hosts: KmsHostSummary[],
  clients: KmsClientSummary[],
): ForecastSpec {
  return {
    hosts: hosts.map((h) => ({
      name: h.name,
      activationIntervalMinutes: h.activationIntervalMinutes,
      renewalIntervalMinutes: h.renewalIntervalMinutes,
      externalClients: h.externalClients,
      officeHostKey: h.officeVersions === undefined ? undefined : h.officeVersions.length > 0,
      dnsZone: h.dns?.zoneName,
      fqdn: h.dns?.hostFqdn,
    })),
    clients: clients.map((c) => ({
      name: c.name,
      family: c.family,
      host: c.discovery === "host" ? c.hostName : undefined,
      // Clients given `host`, and clients given its kmsServer or fqdn that joined its barrier.
      barrier: c.discovery === "host" || c.barrier === true,
      kmsServer: c.discovery === "kmsServer" ? c.kmsServer : undefined,
      lookupDomain: c.discovery === "lookupDomain" ? c.lookupDomain : undefined,
      machine: c.machine,
      activate: c.activate,
    })),
  };
}

/**
 * Marks the clients on VMs made from one Azure Marketplace image and not rearmed (they share one client
 * machine ID until rearmed, so the host counts them once); the same rule as the threshold policy's
 * (catalog/clones.ts).
 *
 * Clients on an existing Azure VM (one the program does not create, so its image is not visible here)
 * may share a CMID too: Marketplace Windows images are generalized with SkipRearm=1. Unless the machine is
 * rearmed (`rearm: true` on a KmsClient of it), the forecast counts them pessimistically, as clones of the
 * Marketplace image of their Windows product (with the program's VMs of that image, if any), and marks
 * them `imageUnknown`.
 */
export function withSharedCmids(
  spec: ForecastSpec,
  clients: KmsClientSummary[],
  vms: readonly CreatedVm[],
): ForecastSpec {
  const shared = sharedCmidClients(clients, vms);
  const unknown = unknownImageClients(clients, vms);
  if (shared.size === 0 && unknown.size === 0) return spec;
  return {
    hosts: spec.hosts,
    clients: spec.clients.map((c) =>
      shared.has(c.name)
        ? { ...c, sharedCmid: shared.get(c.name) }
        : unknown.has(c.name)
          ? { ...c, sharedCmid: unknown.get(c.name), imageUnknown: true }
          : c,
    ),
  };
}

/**
 * Clients on existing Azure VMs (not created by the program) that no KmsClient rearms, each with the
 * CMID group it may share: the Marketplace image key of its machine's Windows product, else the product.
 */
function unknownImageClients(
  clients: KmsClientSummary[],
  vms: readonly CreatedVm[],
): Map<string, string> {
  const created = new Set<string>();
  for (const vm of vms) {
    if (typeof vm.vmName !== "string") continue;
    const rg = typeof vm.resourceGroupName === "string" ? vm.resourceGroupName.toLowerCase() : "*";
    created.add(`${rg}/${vm.vmName.toLowerCase()}`);
  }
  const byMachine = new Map<string, KmsClientSummary[]>();
  for (const c of clients) {
    if (c.transport !== "runCommand" || typeof c.machine !== "string") continue;
    const m = /^azure:([^/]+)\/(.+)$/.exec(c.machine.toLowerCase());
    if (!m || created.has(`${m[1]}/${m[2]}`) || created.has(`*/${m[2]}`)) continue;
    byMachine.set(c.machine, [...(byMachine.get(c.machine) ?? []), c]);
  }
  const out = new Map<string, string>();
  for (const list of byMachine.values()) {
    if (list.some((c) => c.rearm === true)) continue;
    const windows = list.find((c) => c.family !== "office" && c.product !== undefined)?.product;
    const image = windows ? marketplaceImage(windows) : undefined;
    const key =
      (image ? marketplaceImageKey({ ...image }) : undefined) ??
      `image-unknown:${(windows ?? "windows").toLowerCase()}`;
    for (const c of list) out.set(c.name, key);
  }
  return out;
}
