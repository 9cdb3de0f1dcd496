/**
 * Attribution of each KmsClient to the KmsHost it activates against: by name, by `kmsServer`, or by the
 * SRV records of its DNS domain (lowest priority first, shared by weight), or why that cannot be told.
 */
import { hostPart, quoteList } from "./text";
import { isKnownString } from "./values";
import {
  type ClientEntry,
  type HostEntry,
  type SrvEntry,
  type SrvRecordEntry,
  type StackView,
  clientLookupDomain,
  hostNames,
  hostSrvDomain,
} from "./stack";

/** KMS hosts of one DNS domain that share its clients: the SRV entries of the lowest priority. */
export interface SharedHosts {
  domain: string;
  /** The SRV priority they share (the lowest in the domain). */
  priority: number;
  /** Each host with its SRV weight (0 when not given). */
  hosts: { host: HostEntry; weight: number }[];
}

/**
 * Where a client activates, as far as the stack tells:
 * - `host`: that KmsHost;
 * - `shared`: any of several KmsHosts of its DNS domain (equal lowest SRV priority);
 * - `reason`: it cannot be told. `advisory: true` when the information is not in the stack at all (a
 *   host outside it, a domain the policy cannot see): the finding then says what to add, and it is
 *   reported as advisory, so that a correct stack is never blocked.
 */
export type Attribution =
  | { host: HostEntry; shared?: undefined; reason?: undefined; advisory?: undefined }
  | { host?: undefined; shared: SharedHosts; reason?: undefined; advisory?: undefined }
  | { host?: undefined; shared?: undefined; reason: string; advisory?: boolean };

function hostList(hosts: readonly HostEntry[]): string {
  return quoteList(
    hosts.map((h) => h.name),
    "and",
  );
}

/** One server of a domain: a stack host, a machine outside the stack, or an entry not known at preview. */
interface DomainServer {
  host?: HostEntry;
  /** Known target that is no KmsHost of this stack. */
  outside?: string;
  priority?: number;
  weight?: number;
}

function serverOf(entry: SrvEntry, record: SrvRecordEntry, view: StackView): DomainServer {
  const byName = (n: string | undefined) =>
    n === undefined ? undefined : view.hosts.find((h) => h.name === n);
  const host =
    byName(entry.hostName) ??
    (entry.target ? view.hosts.find((h) => hostNames(h).includes(entry.target!)) : undefined) ??
    (record.entries.length === 1 ? byName(record.ownerHost) : undefined);
  return {
    host,
    outside: host ? undefined : entry.target,
    priority: entry.priority,
    weight: entry.weight,
  };
}

/** Every server of `_vlmcs._tcp.<domain>` the stack declares: SRV entries and hosts with `dns` there. */
function domainServers(domain: string, view: StackView): DomainServer[] {
  const out: DomainServer[] = [];
  for (const r of view.srvRecords) {
    if (r.domain !== domain) continue;
    for (const e of r.entries) {
      const s = serverOf(e, r, view);
      if (s.host && out.some((o) => o.host === s.host)) continue;
      out.push(s);
    }
  }
  for (const h of view.hosts) {
    if (hostSrvDomain(h) === domain && !out.some((o) => o.host === h)) {
      out.push({ host: h, priority: 0, weight: 0 });
    }
  }
  return out;
}

/** Hosts that clients looking up `_vlmcs._tcp.<domain>` can reach, by the hosts' dns and the SRV records. */
export function hostsServingDomain(domain: string, view: StackView): HostEntry[] {
  return domainServers(domain, view)
    .map((s) => s.host)
    .filter((h): h is HostEntry => h !== undefined);
}

/** Every domain the stack's SRV records and hosts' `dns` serve. */
function stackDomains(view: StackView): string[] {
  const domains = new Set<string>();
  for (const r of view.srvRecords) if (r.domain) domains.add(r.domain);
  for (const h of view.hosts) {
    const d = hostSrvDomain(h);
    if (d) domains.add(d);
  }
  return [...domains].sort();
}

/**
 * Where clients looking up `_vlmcs._tcp.<domain>` activate. Windows 7 / Server 2008 R2 and later
 * clients honour SRV priority and weight ([O-DNS] in docs/sources.md; [DNS-TS] says KMS ignores
 * them, which the forecast treats as a reason to keep every host able to serve every client): the lowest priority number
 * first; among equal priorities, a pick by weight.
 */
export function attributeDomain(domain: string, view: StackView): Attribution {
  const servers = domainServers(domain, view);
  const only = view.hosts.length === 1 ? view.hosts[0] : undefined;
  if (servers.length === 0) {
    const recordsThere = view.srvRecords.filter((r) => r.domain === domain);
    if (only && recordsThere.length === 0) return { host: only };
    return {
      reason:
        `no KmsHost in this stack serves "${domain}" (its _vlmcs._tcp record names none of them), so its KMS ` +
        "host is outside this stack: declare that host in this stack (KmsHost with azureVm or ssh), or check its " +
        "count by hand",
      advisory: true,
    };
  }
  if (servers.some((s) => !s.host && s.outside === undefined)) {
    return {
      reason: `the target of an entry of the _vlmcs._tcp record in "${domain}" is not known at preview`,
    };
  }
  // A priority not known at preview counts as KmsSrvRecord's default, 0.
  const priority = (s: DomainServer) => s.priority ?? 0;
  const lowest = Math.min(...servers.map(priority));
  const top = servers.filter((s) => priority(s) === lowest);
  const outside = top.filter((s) => !s.host).map((s) => `"${s.outside}"`);
  if (outside.length > 0) {
    return {
      reason:
        `the _vlmcs._tcp record in "${domain}" sends clients first (priority ${lowest}) to ${outside.join(", ")}, ` +
        "which is not a KmsHost in this stack: declare it in this stack (KmsHost with azureVm or ssh), or check " +
        "its count by hand",
      advisory: true,
    };
  }
  if (top.length === 1) return { host: top[0].host! };
  return {
    shared: {
      domain,
      priority: lowest,
      hosts: top.map((s) => ({ host: s.host!, weight: s.weight ?? 0 })),
    },
  };
}

/**
 * The KmsHost in this stack a client activates against, or why that cannot be told:
 * - `host`: the KmsHost of that name;
 * - `kmsServer`: the KmsHost whose own output it is (summary `hostName`, or the engine's property
 *   dependencies: other languages), else whose fqdn / dns host name is the server's host part; a name
 *   that is none of a host's names belongs to no host of the stack (never to "the only host");
 * - `lookupDomain`: the domain's SRV records and hosts with `dns` there, by priority (`attributeDomain`);
 * - DNS discovery in the machine's own domain: the stack's only SRV domain (or its only KmsHost);
 * - DNS discovery with exactly one KmsHost and no SRV record in the stack: that host.
 */
export function attributeClient(client: ClientEntry, view: StackView): Attribution {
  const hosts = view.hosts;
  const s = client.summary;
  if (!s) return { reason: "its summary is not readable (not known at preview)" };
  if (hosts.length === 0) {
    return {
      reason:
        "this stack declares no KmsHost: declare its KMS host in this stack (KmsHost with azureVm or ssh), or " +
        "check the host's count by hand",
      advisory: true,
    };
  }
  const only = hosts.length === 1 ? hosts[0] : undefined;
  const byName = (n: string) => hosts.find((x) => x.name === n);
  const deps = (client.dependencyHosts ?? []).map(byName).filter((h) => h !== undefined);
  switch (s.discovery) {
    case "host": {
      if (!isKnownString(s.hostName)) return { reason: "its host is not known at preview" };
      const h = byName(s.hostName);
      return h
        ? { host: h }
        : { reason: `its host "${s.hostName}" is not a KmsHost in this stack` };
    }
    case "kmsServer": {
      if (isKnownString(s.hostName) && byName(s.hostName)) return { host: byName(s.hostName)! };
      if (!isKnownString(s.kmsServer)) {
        if (deps.length === 1) return { host: deps[0] };
        return { reason: "its kmsServer is not known at preview" };
      }
      const name = hostPart(s.kmsServer);
      const matches = hosts.filter((h) => name !== undefined && hostNames(h).includes(name));
      if (matches.length === 1) return { host: matches[0] };
      if (matches.length > 1) {
        return { reason: `its kmsServer "${s.kmsServer}" names KMS hosts ${hostList(matches)}` };
      }
      if (deps.length === 1) return { host: deps[0] };
      // A name that is none of a host's names belongs to no host of this stack. When the only host's
      // names are not known at preview, whether the name is it cannot be told: say so (advisory), never
      // count the client against that host (a false block of a client that uses another host).
      if (only && hostNames(only).length === 0) {
        return {
          reason:
            `its kmsServer "${s.kmsServer}" names no KmsHost of this stack (KMS host "${only.name}" has no name ` +
            `known at preview: give it dns or fqdn to compare): declare that host in this stack (KmsHost with ` +
            "azureVm or ssh), pass the host's own kmsServer output, or check its count by hand",
          advisory: true,
        };
      }
      return {
        reason:
          `its kmsServer "${s.kmsServer}" is not the name of a KmsHost in this stack: declare that host in this ` +
          "stack (KmsHost with azureVm or ssh), pass the host's own kmsServer output, or check its count by hand",
        advisory: true,
      };
    }
    case "lookupDomain": {
      const domain = clientLookupDomain(client);
      if (!domain) return { reason: "its lookupDomain is not known at preview" };
      return attributeDomain(domain, view);
    }
    case "dns":
    default: {
      const domains = stackDomains(view);
      if (domains.length === 1) return attributeDomain(domains[0], view);
      if (only && domains.length === 0) return { host: only };
      return {
        reason:
          `it finds its host through DNS in its own domain, which a policy cannot see, and this stack ` +
          (domains.length === 0
            ? `has ${hosts.length} KMS hosts and no _vlmcs._tcp record`
            : `has _vlmcs._tcp records in ${quoteList(domains, "and")}`) +
          ": give it lookupDomain (the domain whose record it uses)",
        advisory: true,
      };
    }
  }
}

/**
 * A client on DNS discovery in its own domain, attributed to the stack's only KmsHost because the stack
 * declares no `_vlmcs._tcp` record at all: what it would meet, or undefined for any other client. On
 * Azure a VM outside a domain looks in its VNet's internal DNS suffix, where no record is, and fails with
 * 0x8007232B; a record outside the stack (Active Directory DNS) is invisible here. The policy reports it
 * as advisory; the forecast does not count the client as activated.
 */
export function ownDomainWithoutRecord(client: ClientEntry, view: StackView): string | undefined {
  if (client.summary?.discovery !== "dns" || view.hosts.length !== 1) return undefined;
  if (view.srvRecords.length > 0 || stackDomains(view).length > 0) return undefined;
  const host = view.hosts[0];
  const start =
    "finds its KMS host through DNS in its own domain, but this stack declares no _vlmcs._tcp SRV record";
  const fix =
    "Give the KmsHost a dns argument or add a KmsSrvRecord in the client's DNS domain, or point the client " +
    "at the host with host or kmsServer";
  if (host.summary?.dnsPublishing === true) {
    return (
      `${start}, and KMS host "${host.name}" publishes its own by dynamic DNS (dnsPublishing), which Azure DNS ` +
      "does not accept: whether it finds one cannot be told (0x8007232B, DNS name does not exist, if not). " +
      fix
    );
  }
  return (
    `${start} and KMS host "${host.name}" does not publish one (dnsPublishing is off): it would fail with ` +
    "0x8007232B (DNS name does not exist) unless the record exists outside this stack. " +
    fix
  );
}

/** Every client with its attribution, in stack order. */
export function attributeAll(view: StackView): { client: ClientEntry; attribution: Attribution }[] {
  return view.clients.map((client) => ({ client, attribution: attributeClient(client, view) }));
}
