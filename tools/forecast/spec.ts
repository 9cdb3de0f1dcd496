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
