import type { StackValidationPolicy } from "@pulumi/policy";
import { isKnownNumber, isKnownString } from "./values";
import { clientsPhrase, quoteList, reportAdvisory } from "./text";
import {
  type ClientEntry,
  type HostEntry,
  type SrvRecordEntry,
  clientLookupDomain,
  hostNames,
  hostSrvDomain,
  readStack,
} from "./stack";
import { attributeAll, ownDomainWithoutRecord } from "./attribution";

interface DomainGroup {
  domain: string;
  /** The KMS hosts the clients are attributed to (several when they share the domain). */
  hosts: HostEntry[];
  clients: ClientEntry[];
}

function recordLabel(r: SrvRecordEntry): string {
  return r.ownerHost ? `KmsHost "${r.ownerHost}" (its dns argument)` : `${r.kind} "${r.name}"`;
}

/** The entries of `record` that name `host` (by its own fqdn output, its names, or its own record). */
function entriesOf(host: HostEntry, record: SrvRecordEntry): SrvRecordEntry["entries"] {
  const names = hostNames(host);
  return record.entries.filter(
    (e) =>
      e.hostName === host.name ||
      (e.target !== undefined && names.includes(e.target)) ||
      (record.ownerHost === host.name && record.entries.length === 1),
  );
}

type Report = (message: string, urn?: string) => void;

function checkPort(
  domain: string,
  host: HostEntry,
  matching: readonly SrvRecordEntry[],
  names: string[],
  urn: string,
  report: Report,
): void {
  const port = host.summary?.port;
  if (!isKnownNumber(port)) {
    report(
      `Cannot decide whether the _vlmcs._tcp SRV record in "${domain}" has the port of KMS host "${host.name}": ` +
        "the host's port is not known at preview.",
      urn,
    );
    return;
  }
  for (const r of matching) {
    if (r.entriesUnknown) continue;
    const own = entriesOf(host, r);
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
  const r = matching.find((m) => entriesOf(host, m).length > 0) ?? matching[0];
  const own = entriesOf(host, r);
  const recordPorts = [...new Set((own.length > 0 ? own : r.entries).map((e) => e.port))].join(
    ", ",
  );
  report(
    `${recordLabel(r)} (the _vlmcs._tcp SRV record in "${domain}") sends clients to port ${recordPorts}, but KMS ` +
      `host "${host.name}" listens on ${port}: ${clientsPhrase(names)} would fail with 0xC004F074 (no KMS host ` +
      `could be contacted). Set the record's port to ${port}.`,
    urn,
  );
}

function checkDomain(group: DomainGroup, records: readonly SrvRecordEntry[], report: Report): void {
  const { domain, hosts, clients } = group;
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
    const publishing = hosts.find((h) => h.summary?.dnsPublishing === true);
    if (publishing) {
      reportAdvisory(
        report,
        `Cannot decide whether ${clientsPhrase(names)} ${finds} a _vlmcs._tcp SRV record in "${domain}": no record ` +
          `for it is declared in this stack, and KMS host "${publishing.name}" publishes its own by dynamic DNS ` +
          "(dnsPublishing), which a policy cannot see (Azure DNS does not accept dynamic updates).",
        urn,
      );
      return;
    }
    // The record may exist outside the stack (on-premises AD DNS): the information is not here.
    reportAdvisory(
      report,
      `${clientsPhrase(names)} ${names.length === 1 ? "finds its" : "find their"} KMS host through DNS in ` +
        `"${domain}", but this stack declares no _vlmcs._tcp SRV record there (the client would fail with ` +
        `0x8007232B, DNS name does not exist, unless the record exists outside this stack). Add a KmsSrvRecord ` +
        `for "${domain}" (zoneName, and recordName for a sub-domain), give the KmsHost a dns argument, or point ` +
        "the clients at the host with host or kmsServer.",
      urn,
    );
    return;
  }
  for (const host of hosts) checkPort(domain, host, matching, names, urn, report);
}

function joinAnd(items: string[]): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/**
 * Two record sets for the same `_vlmcs._tcp` name in the same kind of zone are one record set in Azure:
 * each deployment overwrites the other's entries, and clients see only one host.
 */
function checkDuplicates(records: readonly SrvRecordEntry[], report: Report): void {
  const byName = new Map<string, SrvRecordEntry[]>();
  for (const r of records) {
    if (r.domain === undefined) continue;
    const key = `${r.private ? "private" : "public"}\u0000${r.domain}`;
    byName.set(key, [...(byName.get(key) ?? []), r]);
  }
  for (const same of byName.values()) {
    if (same.length < 2) continue;
    const owners = same.map((r) => r.ownerHost).filter((h): h is string => h !== undefined);
    const fix =
      owners.length > 0
        ? `Declare one KmsSrvRecord for "${same[0].domain}" listing every host (hosts: [{ target: host.fqdn, ` +
          "port: host.port, priority, weight }, …]) and leave the SRV record out of the hosts (no dns argument " +
          `on ${quoteList(owners, "and")}).`
        : `Declare one record for "${same[0].domain}" listing every host.`;
    report(
      `${joinAnd(same.map(recordLabel))} each create the _vlmcs._tcp SRV record of "${same[0].domain}" ` +
        `in the same ${same[0].private ? "private" : "public"} zone: a zone holds one record set per name, so each ` +
        `deployment overwrites the other's entries and clients only ever see one of the hosts. ${fix}`,
      same[1].urn,
    );
  }
}

/**
 * Clients on DNS discovery need a `_vlmcs._tcp` SRV record in the domain they look in, pointing at the
 * port their host listens on; two records of one name in one zone overwrite each other.
 */
export const requireSrvRecordForDiscovery: StackValidationPolicy = {
  name: "require-srv-record-for-discovery",
  description:
    "KMS clients that find their host through DNS (a lookupDomain, or none of host, kmsServer and lookupDomain) need a " +
    "_vlmcs._tcp SRV record in the domain they look in, with the port their KMS host listens on, and a domain has " +
    "one such record: two KmsHosts (or records) creating it in one zone overwrite each other. Azure DNS takes no " +
    "dynamic updates, so the host cannot publish the record itself.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Create the record with a KmsSrvRecord (or the KmsHost's dns argument) in the zone the clients look in, with " +
    "the host's port, or give the clients host or kmsServer. Several hosts of one domain go in one KmsSrvRecord " +
    "(one entry per host, with priority and weight). A record created outside this stack (for example in " +
    "on-premises Active Directory DNS) is not visible to the policy: a missing record is therefore reported as " +
    "advisory, while a wrong port and two records of one name block.",
  validateStack: (args, report) => {
    const view = readStack(args.resources);
    checkDuplicates(view.srvRecords, report);
    const domains = [...new Set(view.srvRecords.map((r) => r.domain).filter(isKnownString))];
    for (const h of view.hosts) {
      const d = hostSrvDomain(h);
      if (d && !domains.includes(d)) domains.push(d);
    }
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
      } else if (attribution.reason !== undefined) {
        const message = `Cannot decide whether KmsClient "${client.name}" finds a _vlmcs._tcp SRV record: ${attribution.reason}.`;
        if (attribution.advisory) reportAdvisory(report, message, client.urn);
        else report(message, client.urn);
        continue;
      } else {
        domain =
          attribution.shared?.domain ??
          (attribution.host ? hostSrvDomain(attribution.host) : undefined) ??
          (domains.length === 1 ? domains[0] : undefined);
        if (!domain) {
          const host = attribution.host!;
          const missing = ownDomainWithoutRecord(client, view);
          if (missing && host.summary?.dnsPublishing !== true) {
            reportAdvisory(report, `KmsClient "${client.name}" ${missing}.`, client.urn);
          } else {
            reportAdvisory(
              report,
              `Cannot decide whether KmsClient "${client.name}" finds a _vlmcs._tcp SRV record: it looks in its own ` +
                `DNS domain, which a policy cannot see, and KMS host "${host.name}" has no dns zone known at preview. ` +
                "Give the client lookupDomain.",
              client.urn,
            );
          }
          continue;
        }
      }
      const hosts = attribution.shared
        ? attribution.shared.hosts.map((h) => h.host)
        : attribution.host
          ? [attribution.host]
          : [];
      const key = `${domain}\u0000${hosts.map((h) => h.urn).join("\u0000")}`;
      const group = groups.get(key) ?? { domain, hosts, clients: [] };
      group.clients.push(client);
      groups.set(key, group);
    }
    for (const group of groups.values()) checkDomain(group, view.srvRecords, report);
  },
};
