/** The forecast's input from what kms-plan records: the components' summaries. */
import type { KmsClientSummary, KmsHostSummary } from "../../components/summary";
import type { ForecastSpec } from "./types";
import { type CreatedVm, sharedCmidClients } from "../../components/catalog/clones";

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
 * (components/catalog/clones.ts).
 */
export function withSharedCmids(
  spec: ForecastSpec,
  clients: KmsClientSummary[],
  vms: readonly CreatedVm[],
): ForecastSpec {
  const shared = sharedCmidClients(clients, vms);
  if (shared.size === 0) return spec;
  return {
    hosts: spec.hosts,
    clients: spec.clients.map((c) =>
      shared.has(c.name) ? { ...c, sharedCmid: shared.get(c.name) } : c,
    ),
  };
}
