import type { StackValidationPolicy } from "@pulumi/policy";
import {
  type ClientEntry,
  type HostEntry,
  type SrvRecordEntry,
  attributeAll,
  clientLookupDomain,
  clientsPhrase,
  hostNames,
  hostSrvDomain,
  isKnownNumber,
  readStack,
} from "./common";

interface DomainGroup {
  domain: string;
  /** The KMS host the clients are attributed to, when there is one. */
  host?: HostEntry;
  clients: ClientEntry[];
}

function recordLabel(r: SrvRecordEntry): string {
  return `${r.kind} "${r.name}"`;
}

function checkDomain(
  group: DomainGroup,
  records: readonly SrvRecordEntry[],
  report: (message: string, urn?: string) => void,
): void {
  const { domain, host, clients } = group;
  const names = clients.map((c) => c.name);
  const urn = clients[0].urn;
  const finds = names.length === 1 ? "finds" : "find";
  const matching = records.filter((r) => r.domain === domain);
  const undetermined = records.filter((r) => r.domain === undefined);
  if (matching.length === 0) {
    if (undetermined.length > 0) {
      report(
        `Cannot decide whether ${clientsPhrase(names)} ${finds} a _vlmcs._tcp SRV record in "${domain}": ` +
          `${undetermined.map(recordLabel).join(", ")} ${undetermined.length === 1 ? "has" : "have"} a zone or ` +
          "record name not known at preview.",
        urn,
      );
      return;
    }
    if (host?.summary?.dnsPublishing === true) {
      report(
        `Cannot decide whether ${clientsPhrase(names)} ${finds} a _vlmcs._tcp SRV record in "${domain}": no record ` +
          `for it is declared in this stack, and KMS host "${host.name}" publishes its own by dynamic DNS ` +
          "(dnsPublishing), which a policy cannot see (Azure DNS does not accept dynamic updates).",
        urn,
      );
      return;
    }
    report(
      `${clientsPhrase(names)} ${names.length === 1 ? "finds its" : "find their"} KMS host through DNS in ` +
        `"${domain}", but this stack declares no _vlmcs._tcp SRV record there (the client would fail with ` +
        `0x8007232B, DNS name does not exist). Add a KmsSrvRecord for "${domain}" (zoneName, and recordName for ` +
        "a sub-domain), give the KmsHost a dns argument, or point the clients at the host with host or kmsServer.",
      urn,
    );
    return;
  }
  const port = host?.summary?.port;
  if (!host) return;
  if (!isKnownNumber(port)) {
    report(
      `Cannot decide whether the _vlmcs._tcp SRV record in "${domain}" has the port of KMS host "${host.name}": ` +
        "the host's port is not known at preview.",
      urn,
    );
    return;
  }
  const targets = hostNames(host);
  for (const r of matching) {
    if (r.entriesUnknown) continue;
    const own = r.entries.filter((e) => e.target !== undefined && targets.includes(e.target));
    const considered = own.length > 0 ? own : r.entries;
    if (considered.some((e) => e.port === port)) return;
  }
  const unknownPort = matching.find(
    (r) => r.entriesUnknown || r.entries.some((e) => e.port === undefined),
  );
  if (unknownPort) {
    report(
      `Cannot decide whether ${recordLabel(unknownPort)} (the _vlmcs._tcp SRV record in "${domain}") has the ` +
        `port of KMS host "${host.name}": its entries are not known at preview.`,
      urn,
    );
    return;
  }
  const r = matching[0];
  const recordPorts = [...new Set(r.entries.map((e) => e.port))].join(", ");
  report(
    `${recordLabel(r)} (the _vlmcs._tcp SRV record in "${domain}") sends clients to port ${recordPorts}, but KMS ` +
      `host "${host.name}" listens on ${port}: ${clientsPhrase(names)} would fail with 0xC004F074 (no KMS host ` +
      `could be contacted). Set the record's port to ${port}.`,
    urn,
  );
}

/**
 * Clients on DNS discovery need a `_vlmcs._tcp` SRV record in the domain they look in, pointing at the
 * port their host listens on.
 */
export const requireSrvRecordForDiscovery: StackValidationPolicy = {
  name: "require-srv-record-for-discovery",
  description:
    "KMS clients that find their host through DNS (a lookupDomain, or none of host, kmsServer and lookupDomain) need a " +
    "_vlmcs._tcp SRV record in the domain they look in, with the port their KMS host listens on. Azure DNS takes " +
    "no dynamic updates, so the host cannot publish the record itself.",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps:
    "Create the record with a KmsSrvRecord (or the KmsHost's dns argument) in the zone the clients look in, with " +
    "the host's port, or give the clients host or kmsServer. Records created outside this stack (for example in " +
    "on-premises Active Directory DNS) are not visible to the policy: that is why it is advisory by default.",
  validateStack: (args, report) => {
    const view = readStack(args.resources);
    const groups = new Map<string, DomainGroup>();
    for (const { client, attribution } of attributeAll(view)) {
      const discovery = client.summary?.discovery;
      if (discovery !== "dns" && discovery !== "lookupDomain") continue;
      let domain: string | undefined;
      if (discovery === "lookupDomain") {
        domain = clientLookupDomain(client);
        if (!domain) {
          report(
            `Cannot decide whether KmsClient "${client.name}" finds a _vlmcs._tcp SRV record: its lookupDomain is ` +
              "not known at preview.",
            client.urn,
          );
          continue;
        }
      } else {
        const host = attribution.host;
        if (!host) {
          report(
            `Cannot decide whether KmsClient "${client.name}" finds a _vlmcs._tcp SRV record: ${attribution.reason}.`,
            client.urn,
          );
          continue;
        }
        domain = hostSrvDomain(host);
        if (!domain) {
          if (view.srvRecords.length === 0 && host.summary?.dnsPublishing !== true) {
            report(
              `KmsClient "${client.name}" finds its KMS host through DNS in its own domain, but this stack declares ` +
                `no _vlmcs._tcp SRV record and KMS host "${host.name}" does not publish one (dnsPublishing is off). ` +
                "Give the KmsHost a dns argument or add a KmsSrvRecord in the client's DNS domain, or point the " +
                "client at the host with host or kmsServer.",
              client.urn,
            );
          } else {
            report(
              `Cannot decide whether KmsClient "${client.name}" finds a _vlmcs._tcp SRV record: it looks in its own ` +
                `DNS domain, which a policy cannot see, and KMS host "${host.name}" has no dns zone known at preview.`,
              client.urn,
            );
          }
          continue;
        }
      }
      const key = `${domain}\u0000${attribution.host?.urn ?? ""}`;
      const group = groups.get(key) ?? { domain, host: attribution.host, clients: [] };
      group.clients.push(client);
      groups.set(key, group);
    }
    for (const group of groups.values()) checkDomain(group, view.srvRecords, report);
  },
};
