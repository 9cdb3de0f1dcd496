/**
 * Names and messages for the kms-guard policies: DNS names, `kmsServer` parts, SRV domains, URNs,
 * quoted lists of clients, and advisory findings.
 */
import { quoteList, KMS_SRV_SERVICE } from "pulumi-kms-activation-catalog";

export { quoteList };

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
