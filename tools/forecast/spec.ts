/** The forecast's input from what kms-plan records: the components' summaries. */
import type { KmsClientSummary, KmsHostSummary } from "../../components/summary";
import type { ForecastSpec } from "./types";

/** Builds a forecast spec from the component summaries (components/summary.ts), in declaration order. */
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
      barrier: c.discovery === "host",
      kmsServer: c.discovery === "kmsServer" ? c.kmsServer : undefined,
      lookupDomain: c.discovery === "lookupDomain" ? c.lookupDomain : undefined,
      machine: c.machine,
      activate: c.activate,
    })),
  };
}

/** A VM the program creates, as the forecast needs it: its name and the image it is made from. */
export interface PlannedVm {
  vmName?: unknown;
  resourceGroupName?: unknown;
  imageReference?: unknown;
}

/**
 * Marks the clients on VMs made from one Azure Marketplace image and not rearmed: Marketplace images are
 * generalized with SkipRearm=1, so their VMs share one client machine ID until rearmed (Microsoft,
 * "Windows activation - duplicate Client Machine ID"), and the host counts them once. A VM made from an
 * image id (a custom image) is left alone: how it was generalized is unknown here.
 */
export function withSharedCmids(
  spec: ForecastSpec,
  clients: KmsClientSummary[],
  vms: PlannedVm[],
): ForecastSpec {
  const imageOf = new Map<string, string>();
  for (const vm of vms) {
    const ref = vm.imageReference as Record<string, unknown> | undefined;
    if (typeof vm.vmName !== "string" || ref === undefined || ref === null) continue;
    if (typeof ref.id === "string" && ref.id !== "") continue;
    const parts = [ref.publisher, ref.offer, ref.sku, ref.version ?? "latest"];
    if (!parts.every((p) => typeof p === "string" && p !== "")) continue;
    const image = `marketplace:${(parts as string[]).join(":").toLowerCase()}`;
    const rg = typeof vm.resourceGroupName === "string" ? vm.resourceGroupName.toLowerCase() : "*";
    imageOf.set(`${rg}/${vm.vmName.toLowerCase()}`, image);
  }
  const shared = new Map<string, string>();
  for (const c of clients) {
    if (c.rearm === true || c.transport !== "runCommand" || c.machine === undefined) continue;
    const m = /^azure:([^/]+)\/(.+)$/.exec(c.machine);
    if (!m) continue;
    const image = imageOf.get(`${m[1]}/${m[2]}`) ?? imageOf.get(`*/${m[2]}`);
    if (image !== undefined) shared.set(c.name, image);
  }
  if (shared.size === 0) return spec;
  return {
    hosts: spec.hosts,
    clients: spec.clients.map((c) =>
      shared.has(c.name) ? { ...c, sharedCmid: shared.get(c.name) } : c,
    ),
  };
}
