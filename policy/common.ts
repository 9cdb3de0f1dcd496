/**
 * Shared reading for the kms-guard policies: turning what the engine hands a policy (props that may be
 * wrapped in `unknownCheckingProxy` at preview) into plain values, finding the KMS components and their
 * summaries, and attributing each KmsClient to the KmsHost it activates against.
 *
 * No Pulumi resources are imported here: the pack compares type tokens, so it never loads azure-native.
 */
import type { PolicyConfigSchema, PolicyResource } from "@pulumi/policy";
import * as policyProxy from "@pulumi/policy/proxy";
import { quoteList } from "./lib/catalog/names";
import { KMS_SRV_SERVICE } from "./lib/srv";
import {
  KMS_CLIENT_TYPE,
  KMS_HOST_TYPE,
  KMS_SRV_RECORD_TYPE,
  type KmsClientSummary,
  type KmsHostSummary,
  type KmsSrvRecordSummary,
} from "./lib/summary";

export { quoteList };

/** Type tokens of the raw azure-native resources the pack reads (compared as strings). */
export const AZURE_TYPES = {
  networkSecurityGroup: "azure-native:network:NetworkSecurityGroup",
  securityRule: "azure-native:network:SecurityRule",
  dnsRecordSet: "azure-native:dns:RecordSet",
  privateRecordSet: "azure-native:privatedns:PrivateRecordSet",
  virtualMachine: "azure-native:compute:VirtualMachine",
} as const;

// ---------------------------------------------------------------- unknown values

/** Marks a value the engine reported as unknown during preview. */
export const UNKNOWN: unique symbol = Symbol("unknown at preview");
export type Unknown = typeof UNKNOWN;

interface ProxyModule {
  unknownBooleanValue?: string;
  unknownNumberValue?: string;
  unknownStringValue?: string;
  unknownArrayValue?: string;
  unknownAssetValue?: string;
  unknownArchiveValue?: string;
  unknownObjectValue?: string;
}

/**
 * The engine's sentinels for values unknown at preview (the same strings in every Pulumi SDK; read from
 * `@pulumi/policy/proxy` when it has them, whose typings hide them).
 */
const SENTINELS: ReadonlySet<unknown> = new Set<unknown>(
  [
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
    ...Object.values(policyProxy as unknown as ProxyModule),
  ].filter((v) => typeof v === "string"),
);

/** True for the `UnknownValueError` the preview proxy throws when an unknown value is touched. */
export function isUnknownValueError(e: unknown): boolean {
  return (
    typeof e === "object" &&
    e !== null &&
    "unknownTypeSentinel" in e &&
    Array.isArray((e as { props?: unknown }).props)
  );
}

function readProperty(obj: object, key: string | number, unknownAs: unknown): unknown {
  try {
    return convert((obj as Record<string | number, unknown>)[key], unknownAs);
  } catch (e) {
    if (isUnknownValueError(e)) return unknownAs;
    throw e;
  }
}

/**
 * A plain deep copy of props as the engine gives them: values unknown at preview (whether the proxy
 * throws for them or they are raw sentinels) become `unknownAs` (`UNKNOWN` by default).
 */
export function toPlain(value: unknown, ...as: [unknownAs?: unknown]): unknown {
  return convert(value, as.length > 0 ? as[0] : UNKNOWN);
}

// (`unknownAs` is a rest parameter above: a default parameter would turn an explicit `undefined` into UNKNOWN.)
function convert(value: unknown, unknownAs: unknown): unknown {
  if (SENTINELS.has(value)) return unknownAs;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    const length = readProperty(value, "length", 0) as number;
    for (let i = 0; i < length; i++) out.push(readProperty(value, i, unknownAs));
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = readProperty(value, key, unknownAs);
  return out;
}

/** One property of props, as a plain value (`UNKNOWN` when not known at preview). */
export function plainProperty(props: unknown, key: string, ...as: [unknownAs?: unknown]): unknown {
  if (props === null || typeof props !== "object") return undefined;
  return readProperty(props, key, as.length > 0 ? as[0] : UNKNOWN);
}

export function isKnownString(v: unknown): v is string {
  return typeof v === "string" && !SENTINELS.has(v);
}

export function isKnownNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

// ---------------------------------------------------------------- config

type ConfigValue = string | number | boolean | null | ConfigValue[] | { [k: string]: ConfigValue };

/** The policy's config with the `configSchema` defaults filled in (the engine may not have done it). */
export function configWithDefaults<T>(
  schema: PolicyConfigSchema | undefined,
  getConfig: () => unknown,
): T {
  let given: Record<string, unknown> = {};
  try {
    const c = getConfig();
    if (c && typeof c === "object") given = c as Record<string, unknown>;
  } catch {
    given = {};
  }
  const out: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(schema?.properties ?? {})) {
    const value = given[key] ?? (prop as { default?: ConfigValue }).default;
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}

// ---------------------------------------------------------------- text

/** "KmsClient" or "KmsClients", with the quoted names. */
export function clientsPhrase(names: readonly string[]): string {
  return `${names.length === 1 ? "KmsClient" : "KmsClients"} ${quoteList(names, "and")}`;
}

/** DNS names compared the way DNS does: lower case, no trailing dot. */
export function normalizeDnsName(name: string): string {
  return name.trim().replace(/\.$/, "").toLowerCase();
}

/** The host part of "name", "name:port", "[v6]:port"; undefined for an empty string. */
export function hostPart(kmsServer: string): string | undefined {
  const s = kmsServer.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracketed) return bracketed[1].toLowerCase();
  const colons = s.split(":").length - 1;
  const host = colons === 1 ? s.slice(0, s.indexOf(":")) : s;
  return host === "" ? undefined : normalizeDnsName(host);
}

/** The port of "name:port" / "[v6]:port", or undefined when none is given. */
export function portPart(kmsServer: string): number | undefined {
  const m = /(?:^\[[^\]]+\]|^[^:]+):(\d+)$/.exec(kmsServer.trim());
  return m ? Number(m[1]) : undefined;
}

/**
 * The DNS domain a `_vlmcs._tcp[.sub]` record set in `zone` serves (what clients look up), or
 * undefined when the relative name is not a KMS SRV name.
 */
export function srvDomainOf(zone: string, relativeName: string): string | undefined {
  const rel = normalizeDnsName(relativeName);
  const z = normalizeDnsName(zone);
  if (rel === KMS_SRV_SERVICE) return z;
  if (rel.startsWith(`${KMS_SRV_SERVICE}.`)) return `${rel.slice(KMS_SRV_SERVICE.length + 1)}.${z}`;
  return undefined;
}

/** The Pulumi name in a URN (the part after the last `::`). */
export function nameFromUrn(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i < 0 ? urn : urn.slice(i + 2);
}

/** The resource's own type in a URN (last `$`-separated part of the qualified type). */
export function typeFromUrn(urn: string): string | undefined {
  const parts = urn.split("::");
  if (parts.length < 4) return undefined;
  const qualified = parts[parts.length - 2];
  return qualified.split("$").pop();
}

// ---------------------------------------------------------------- the stack as the policies see it

/**
 * What the stack policies need of a resource (a `PolicyResource` or the plan tool's equivalent): the
 * parent and property dependencies are optional (hand-built test resources may leave them out).
 */
export type StackResource = Pick<PolicyResource, "type" | "name" | "urn" | "props"> & {
  parent?: { urn: string };
  propertyDependencies?: Record<string, readonly { urn: string }[]>;
};

export interface HostEntry {
  name: string;
  urn: string;
  /** The summary with unknown fields as undefined; undefined when it cannot be read at all. */
  summary?: KmsHostSummary;
}

export interface ClientEntry {
  name: string;
  urn: string;
  summary?: KmsClientSummary;
  /**
   * The KmsHosts whose resources the client's own resources take values from (the engine's property
   * dependencies): `kmsServer: host.kmsServer` from another language arrives as such a dependency.
   */
  dependencyHosts?: string[];
}

/** A `_vlmcs._tcp` SRV record set, from a KmsSrvRecord summary or a raw record set resource. */
export interface SrvRecordEntry {
  /** "KmsSrvRecord", "dns.RecordSet" or "privatedns.PrivateRecordSet". */
  kind: string;
  name: string;
  urn: string;
  /** The domain clients look up; undefined when the zone or relative name is not known at preview. */
  domain?: string;
  /** Private DNS zone (privatedns) or public zone: the same name in both is two record sets. */
  private: boolean;
  entries: SrvEntry[];
  /** True when the entries themselves are not known at preview. */
  entriesUnknown: boolean;
  /** The KmsHost whose own `dns` argument created this record (the record is its child). */
  ownerHost?: string;
}

/** One SRV entry (a host in the record): unknown fields are undefined. */
export interface SrvEntry {
  target?: string;
  port?: number;
  priority?: number;
  weight?: number;
  /** The KmsHost whose own `fqdn` output was given as the target. */
  hostName?: string;
}

export interface StackView {
  hosts: HostEntry[];
  clients: ClientEntry[];
  srvRecords: SrvRecordEntry[];
}

function summaryOf<S>(resource: StackResource): S | undefined {
  const s = plainProperty(resource.props, "summary", undefined);
  return s !== null && typeof s === "object" && !Array.isArray(s) ? (s as S) : undefined;
}

function srvFromRaw(
  r: StackResource,
  zoneKey: "zoneName" | "privateZoneName",
): SrvRecordEntry | undefined {
  const p = toPlain(r.props) as Record<string, unknown>;
  const recordType = p.recordType;
  if (isKnownString(recordType) && recordType.toUpperCase() !== "SRV") return undefined;
  const rel = p.relativeRecordSetName;
  const zone = p[zoneKey];
  // A known relative name that is not `_vlmcs._tcp[.sub]` is some other SRV record.
  if (isKnownString(rel) && srvDomainOf("zone", rel) === undefined) return undefined;
  const domain = isKnownString(rel) && isKnownString(zone) ? srvDomainOf(zone, rel) : undefined;
  const records = p.srvRecords;
  const entries = Array.isArray(records)
    ? records.map((e) => {
        const o = (e ?? {}) as Record<string, unknown>;
        return {
          target: isKnownString(o.target) ? normalizeDnsName(o.target) : undefined,
          port: isKnownNumber(o.port) ? o.port : undefined,
          priority: isKnownNumber(o.priority) ? o.priority : undefined,
          weight: isKnownNumber(o.weight) ? o.weight : undefined,
        };
      })
    : [];
  return {
    kind: zoneKey === "zoneName" ? "dns.RecordSet" : "privatedns.PrivateRecordSet",
    name: r.name,
    urn: r.urn,
    domain,
    private: zoneKey === "privateZoneName",
    entries,
    entriesUnknown: !Array.isArray(records),
  };
}

/** True when the resource's URN puts it under a component of type `type` (its parent chain). */
function underType(urn: string, type: string): boolean {
  const parts = urn.split("::");
  return parts.length >= 4 && parts[parts.length - 2].split("$").slice(0, -1).includes(type);
}

function srvFromSummary(r: StackResource): SrvRecordEntry {
  const s = summaryOf<KmsSrvRecordSummary>(r);
  const zone = s?.zoneName;
  const rel = s?.recordName;
  const hosts = Array.isArray(s?.hosts) ? s.hosts : undefined;
  return {
    kind: "KmsSrvRecord",
    name: s?.name ?? r.name,
    urn: r.urn,
    domain: isKnownString(zone) && isKnownString(rel) ? srvDomainOf(zone, rel) : undefined,
    private: s?.private === true,
    entries: (hosts ?? []).map((h) => ({
      target: isKnownString(h?.target) ? normalizeDnsName(h.target) : undefined,
      port: isKnownNumber(h?.port) ? h.port : undefined,
      priority: isKnownNumber(h?.priority) ? h.priority : undefined,
      weight: isKnownNumber(h?.weight) ? h.weight : undefined,
      hostName: isKnownString(h?.hostName) ? h.hostName : undefined,
    })),
    entriesUnknown: hosts === undefined,
  };
}

/** Finds the KMS components (with their summaries) and every `_vlmcs._tcp` SRV record set. */
export function readStack(resources: readonly StackResource[]): StackView {
  const view: StackView = { hosts: [], clients: [], srvRecords: [] };
  const rawUnderComponent = new Map<string, SrvRecordEntry>();
  for (const r of resources) {
    switch (r.type) {
      case KMS_HOST_TYPE: {
        const summary = summaryOf<KmsHostSummary>(r);
        view.hosts.push({ name: summary?.name ?? r.name, urn: r.urn, summary });
        break;
      }
      case KMS_CLIENT_TYPE: {
        const summary = summaryOf<KmsClientSummary>(r);
        view.clients.push({ name: summary?.name ?? r.name, urn: r.urn, summary });
        break;
      }
      case KMS_SRV_RECORD_TYPE: {
        const e = srvFromSummary(r);
        // A KmsHost's own record (its `dns` argument): `<host>-srv` under the host.
        const parent = r.parent?.urn;
        if (parent && typeFromUrn(parent) === KMS_HOST_TYPE) e.ownerHost = nameFromUrn(parent);
        else if (underType(r.urn, KMS_HOST_TYPE) && r.name.endsWith("-srv")) {
          e.ownerHost = r.name.slice(0, -"-srv".length);
        }
        view.srvRecords.push(e);
        break;
      }
      case AZURE_TYPES.dnsRecordSet:
      case AZURE_TYPES.privateRecordSet: {
        // The record set a KmsSrvRecord creates (same name) fills in what its summary could not know.
        if (underType(r.urn, KMS_SRV_RECORD_TYPE)) {
          const e = srvFromRaw(
            r,
            r.type === AZURE_TYPES.dnsRecordSet ? "zoneName" : "privateZoneName",
          );
          if (e) rawUnderComponent.set(r.name, e);
          break;
        }
        const e = srvFromRaw(
          r,
          r.type === AZURE_TYPES.dnsRecordSet ? "zoneName" : "privateZoneName",
        );
        if (e) view.srvRecords.push(e);
        break;
      }
    }
  }
  // Which KmsHost a resource belongs to (itself, or an ancestor), by parent links.
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const hostOf = (urn: string): string | undefined => {
    for (let r = byUrn.get(urn), n = 0; r && n < 64; r = byUrn.get(r.parent?.urn ?? ""), n++) {
      if (r.type === KMS_HOST_TYPE) return view.hosts.find((h) => h.urn === r!.urn)?.name;
    }
    return typeFromUrn(urn) === KMS_HOST_TYPE ? nameFromUrn(urn) : undefined;
  };
  for (const c of view.clients) {
    const found = new Set<string>();
    for (const r of resources) {
      if (r.parent?.urn !== c.urn) continue;
      for (const deps of Object.values(r.propertyDependencies ?? {})) {
        for (const d of deps ?? []) {
          const h = d?.urn ? hostOf(d.urn) : undefined;
          if (h !== undefined) found.add(h);
        }
      }
    }
    if (found.size > 0) c.dependencyHosts = [...found].sort();
  }
  for (const e of view.srvRecords) {
    const raw = e.kind === "KmsSrvRecord" ? rawUnderComponent.get(e.name) : undefined;
    if (!raw) continue;
    if (e.domain === undefined) e.domain = raw.domain;
    if (e.entriesUnknown && !raw.entriesUnknown) {
      e.entries = raw.entries;
      e.entriesUnknown = false;
      continue;
    }
    e.entries.forEach((entry, k) => {
      const from = raw.entries[k];
      if (!from) return;
      entry.target ??= from.target;
      entry.port ??= from.port;
      entry.priority ??= from.priority;
      entry.weight ??= from.weight;
    });
  }
  return view;
}

/** Names clients may use for the host: its `fqdn` and the `dns` host name, normalised. */
export function hostNames(host: HostEntry): string[] {
  const names = [host.summary?.fqdn, host.summary?.dns?.hostFqdn]
    .filter(isKnownString)
    .map(normalizeDnsName);
  return [...new Set(names)];
}

/** The domain where the host's own `dns` argument puts the SRV record, when known. */
export function hostSrvDomain(host: HostEntry): string | undefined {
  const srvName = host.summary?.dns?.srvName;
  if (!isKnownString(srvName)) return undefined;
  const n = normalizeDnsName(srvName);
  return n.startsWith(`${KMS_SRV_SERVICE}.`) ? n.slice(KMS_SRV_SERVICE.length + 1) : undefined;
}

/** The lookup domain of a client on DNS discovery, when known. */
export function clientLookupDomain(client: ClientEntry): string | undefined {
  const d = client.summary?.lookupDomain;
  return isKnownString(d) ? normalizeDnsName(d) : undefined;
}

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
 * clients honour SRV priority and weight (kms-domain.md §2.5, [O-DNS]): the lowest priority number
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
 *   dependencies: other languages), else whose fqdn / dns host name is the server's host part;
 * - `lookupDomain`: the domain's SRV records and hosts with `dns` there, by priority (`attributeDomain`);
 * - DNS discovery in the machine's own domain: the stack's only SRV domain (or its only KmsHost);
 * - with exactly one KmsHost in the stack, every client that does not visibly point elsewhere.
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
      if (only && hostNames(only).length === 0) return { host: only };
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

/** Every client with its attribution, in stack order. */
export function attributeAll(view: StackView): { client: ClientEntry; attribution: Attribution }[] {
  return view.clients.map((client) => ({ client, attribution: attributeClient(client, view) }));
}

/**
 * Reports a finding at the advisory level, whatever the policy's level: for findings that lack
 * information the stack does not hold. (`@pulumi/policy`'s server and kms-plan both take the object form
 * of `reportViolation` with an `enforcementLevel`.)
 */
export function reportAdvisory(
  report: (message: string, urn?: string) => void,
  message: string,
  urn?: string,
): void {
  (report as unknown as (v: { message: string; urn?: string; enforcementLevel: string }) => void)({
    message,
    urn,
    enforcementLevel: "advisory",
  });
}
