/**
 * Shared reading for the kms-guard policies: turning what the engine hands a policy (props that may be
 * wrapped in `unknownCheckingProxy` at preview) into plain values, finding the KMS components and their
 * summaries, and attributing each KmsClient to the KmsHost it activates against.
 *
 * No Pulumi resources are imported here: the pack compares type tokens, so it never loads azure-native.
 */
import type { PolicyConfigSchema, PolicyResource } from "@pulumi/policy";
import * as policyProxy from "@pulumi/policy/proxy";
import { quoteList } from "../components/catalog/names";
import { KMS_SRV_SERVICE } from "../components/srv";
import {
  KMS_CLIENT_TYPE,
  KMS_HOST_TYPE,
  KMS_SRV_RECORD_TYPE,
  type KmsClientSummary,
  type KmsHostSummary,
  type KmsSrvRecordSummary,
} from "../components/summary";

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

/** What the stack policies need of a resource (a `PolicyResource` or the plan tool's equivalent). */
export type StackResource = Pick<PolicyResource, "type" | "name" | "urn" | "props">;

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
}

/** A `_vlmcs._tcp` SRV record set, from a KmsSrvRecord summary or a raw record set resource. */
export interface SrvRecordEntry {
  /** "KmsSrvRecord", "dns.RecordSet" or "privatedns.PrivateRecordSet". */
  kind: string;
  name: string;
  urn: string;
  /** The domain clients look up; undefined when the zone or relative name is not known at preview. */
  domain?: string;
  entries: { target?: string; port?: number }[];
  /** True when the entries themselves are not known at preview. */
  entriesUnknown: boolean;
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
        };
      })
    : [];
  return {
    kind: zoneKey === "zoneName" ? "dns.RecordSet" : "privatedns.PrivateRecordSet",
    name: r.name,
    urn: r.urn,
    domain,
    entries,
    entriesUnknown: !Array.isArray(records),
  };
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
    entries: (hosts ?? []).map((h) => ({
      target: isKnownString(h?.target) ? normalizeDnsName(h.target) : undefined,
      port: isKnownNumber(h?.port) ? h.port : undefined,
    })),
    entriesUnknown: hosts === undefined,
  };
}

/** Finds the KMS components (with their summaries) and every `_vlmcs._tcp` SRV record set. */
export function readStack(resources: readonly StackResource[]): StackView {
  const view: StackView = { hosts: [], clients: [], srvRecords: [] };
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
      case KMS_SRV_RECORD_TYPE:
        view.srvRecords.push(srvFromSummary(r));
        break;
      case AZURE_TYPES.dnsRecordSet:
      case AZURE_TYPES.privateRecordSet: {
        const e = srvFromRaw(
          r,
          r.type === AZURE_TYPES.dnsRecordSet ? "zoneName" : "privateZoneName",
        );
        if (e) view.srvRecords.push(e);
        break;
      }
    }
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

export type Attribution =
  { host: HostEntry; reason?: undefined } | { host?: undefined; reason: string };

function hostList(hosts: readonly HostEntry[]): string {
  return quoteList(
    hosts.map((h) => h.name),
    "and",
  );
}

/** Hosts that clients looking up `_vlmcs._tcp.<domain>` can reach, by the hosts' dns and the SRV records. */
export function hostsServingDomain(domain: string, view: StackView): HostEntry[] {
  const targets = new Set<string>();
  for (const r of view.srvRecords) {
    if (r.domain === domain) for (const e of r.entries) if (e.target) targets.add(e.target);
  }
  return view.hosts.filter(
    (h) => hostSrvDomain(h) === domain || hostNames(h).some((n) => targets.has(n)),
  );
}

/**
 * The KmsHost in this stack a client activates against, or why that cannot be told:
 * - `host`: the KmsHost of that name;
 * - `kmsServer`: the KmsHost whose fqdn / dns host name is the server's host part;
 * - `lookupDomain`: the KmsHost whose dns, or an SRV record in that domain, serves the domain;
 * - with exactly one KmsHost in the stack, every client that does not visibly point elsewhere (its
 *   kmsServer names another machine, or the SRV records of its lookupDomain name only other machines);
 * - anything else (own-domain DNS discovery with several hosts, several candidate hosts, no host) cannot
 *   be attributed, and the policies say they cannot decide for that client.
 */
export function attributeClient(client: ClientEntry, view: StackView): Attribution {
  const hosts = view.hosts;
  const s = client.summary;
  if (!s) return { reason: "its summary is not readable (not known at preview)" };
  if (hosts.length === 0) return { reason: "this stack declares no KmsHost" };
  const only = hosts.length === 1 ? hosts[0] : undefined;
  switch (s.discovery) {
    case "host": {
      if (!isKnownString(s.hostName)) return { reason: "its host is not known at preview" };
      const h = hosts.find((x) => x.name === s.hostName);
      return h
        ? { host: h }
        : { reason: `its host "${s.hostName}" is not a KmsHost in this stack` };
    }
    case "kmsServer": {
      if (!isKnownString(s.kmsServer)) return { reason: "its kmsServer is not known at preview" };
      const name = hostPart(s.kmsServer);
      const matches = hosts.filter((h) => name !== undefined && hostNames(h).includes(name));
      if (matches.length === 1) return { host: matches[0] };
      if (matches.length > 1) {
        return { reason: `its kmsServer "${s.kmsServer}" names KMS hosts ${hostList(matches)}` };
      }
      if (only && hostNames(only).length === 0) return { host: only };
      return {
        reason: `its kmsServer "${s.kmsServer}" is not the name of a KmsHost in this stack`,
      };
    }
    case "lookupDomain": {
      const domain = clientLookupDomain(client);
      if (!domain) return { reason: "its lookupDomain is not known at preview" };
      const matches = hostsServingDomain(domain, view);
      if (matches.length === 1) return { host: matches[0] };
      if (matches.length > 1) {
        return {
          reason: `KMS hosts ${hostList(matches)} all serve "${domain}" and a client picks one of them at random, so no single host's count applies`,
        };
      }
      const recordsThere = view.srvRecords.filter((r) => r.domain === domain);
      if (only && recordsThere.length === 0) return { host: only };
      return { reason: `no KmsHost in this stack serves its lookupDomain "${domain}"` };
    }
    case "dns":
    default:
      if (only) return { host: only };
      return {
        reason: `it finds its host through DNS in its own domain, which a policy cannot see, and this stack has ${hosts.length} KMS hosts`,
      };
  }
}

/** Every client with its attribution, in stack order. */
export function attributeAll(view: StackView): { client: ClientEntry; attribution: Attribution }[] {
  return view.clients.map((client) => ({ client, attribution: attributeClient(client, view) }));
}
