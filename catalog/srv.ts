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
