/**
 * The stack as the policies see it: the KMS components with their summaries, every `_vlmcs._tcp` SRV
 * record set (from a KmsSrvRecord summary or a raw record set), and the names a host answers to.
 *
 * No Pulumi resources are imported here: the pack compares type tokens, so it never loads azure-native.
 */
import type { PolicyResource } from "@pulumi/policy";
import {
  KMS_SRV_SERVICE,
  createdVmOf,
  sharedCmidClients,
  type CreatedVm,
  KMS_CLIENT_TYPE,
  KMS_HOST_TYPE,
  KMS_SRV_RECORD_TYPE,
  type KmsClientSummary,
  type KmsHostSummary,
  type KmsSrvRecordSummary,
} from "pulumi-kms-activation-catalog";
import { isKnownNumber, isKnownString, plainProperty, toPlain } from "./values";
import { nameFromUrn, normalizeDnsName, srvDomainOf, typeFromUrn } from "./text";

/** Type tokens of the raw azure-native resources the pack reads (compared as strings). */
export const AZURE_TYPES = {
  networkSecurityGroup: "azure-native:network:NetworkSecurityGroup",
  securityRule: "azure-native:network:SecurityRule",
  dnsRecordSet: "azure-native:dns:RecordSet",
  privateRecordSet: "azure-native:privatedns:PrivateRecordSet",
  virtualMachine: "azure-native:compute:VirtualMachine",
} as const;

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
  /**
   * Set when the client is on a VM this stack creates from an Azure Marketplace image and is not rearmed:
   * the image's key. Clients with the same key share one client machine ID, and a host counts them once.
   */
  sharedCmid?: string;
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
  const vms: CreatedVm[] = [];
  for (const r of resources) {
    switch (r.type) {
      case AZURE_TYPES.virtualMachine: {
        vms.push(createdVmOf(toPlain(r.props) as Record<string, unknown>));
        break;
      }
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
  // Children by parent URN, once (a scan of every resource per client was quadratic).
  const children = new Map<string, StackResource[]>();
  for (const r of resources) {
    const parent = r.parent?.urn;
    if (parent === undefined) continue;
    const list = children.get(parent);
    if (list) list.push(r);
    else children.set(parent, [r]);
  }
  for (const c of view.clients) {
    const found = new Set<string>();
    for (const r of children.get(c.urn) ?? []) {
      for (const deps of Object.values(r.propertyDependencies ?? {})) {
        for (const d of deps ?? []) {
          const h = d?.urn ? hostOf(d.urn) : undefined;
          if (h !== undefined) found.add(h);
        }
      }
    }
    if (found.size > 0) c.dependencyHosts = [...found].sort();
  }
  const shared = sharedCmidClients(
    view.clients.map((c) => ({ ...c.summary, name: c.name })),
    vms,
  );
  for (const c of view.clients) {
    const image = shared.get(c.name);
    if (image !== undefined) c.sharedCmid = image;
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
