/** SRV naming and formatting for KMS discovery (no Pulumi inside). */

/** The service and protocol labels Windows clients query: `_vlmcs._tcp.<their DNS domain>`. */
export const KMS_SRV_SERVICE = "_vlmcs._tcp";

/** Default TTL of the SRV record. Microsoft mandates none; community examples use one hour. */
export const DEFAULT_SRV_TTL_SECONDS = 3600;

/** Relative record-set name inside the zone: `_vlmcs._tcp` or `_vlmcs._tcp.<recordName>`. */
export function srvRecordSetName(recordName?: string): string {
  const sub = recordName?.replace(/\.$/, "");
  return sub ? `${KMS_SRV_SERVICE}.${sub}` : KMS_SRV_SERVICE;
}

/** The name a client queries: `_vlmcs._tcp[.<recordName>].<zone>`. */
export function srvQueryName(zoneName: string, recordName?: string): string {
  return `${srvRecordSetName(recordName)}.${zoneName.replace(/\.$/, "")}`;
}

/** The DNS domain a client must be in (or look up) to find this record. */
export function srvLookupDomain(zoneName: string, recordName?: string): string {
  const zone = zoneName.replace(/\.$/, "");
  const sub = recordName?.replace(/\.$/, "");
  return sub ? `${sub}.${zone}` : zone;
}

export interface SrvEntry {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

/** The zone-file form `priority weight port target`, as `nslookup -type=srv` shows it. */
export function formatSrvEntry(e: SrvEntry): string {
  return `${e.priority} ${e.weight} ${e.port} ${e.target}`;
}

/** `fqdn:port` as `slmgr /skms` takes it; IPv6 literals in brackets. */
export function formatKmsServer(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}
