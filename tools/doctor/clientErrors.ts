/** The error a client would get, in the catalog's words with the real host and port, and the doctor's hints. */
import { ACTIVATION, lookupErrorCode } from "pulumi-kms-activation-catalog";
import { hp } from "./inputs";
import { DISCOVERY_CODES, VLMCS_PREFIX } from "./types";
import type { ClientError, ConnectionResult, SrvStatus } from "./types";

export function clientError(
  code: string,
  detail: string,
  hint?: string,
  target?: { host: string; port: number },
): ClientError {
  const found = lookupErrorCode(code);
  // The catalog's fix speaks of the default port and a placeholder host: say the real ones when known.
  const entry =
    found && target
      ? {
          ...found,
          fix: found.fix
            .split("Test-NetConnection <host> -Port 1688")
            .join(`Test-NetConnection ${target.host} -Port ${target.port}`)
            .split("(0 0 1688 <host FQDN>)")
            .join(`(0 0 ${target.port} ${target.host})`)
            .split("slmgr /skms <host>:<port>")
            .join(`slmgr /skms ${hp(target.host, target.port)}`)
            .split("its TCP port (1688 by default)")
            .join(`its TCP port (${target.port})`),
        }
      : found;
  const base: ClientError = entry
    ? {
        code: entry.code,
        meaning: entry.meaning,
        fix: entry.fix,
        detail,
        ...(entry.symbol ? { symbol: entry.symbol } : {}),
        ...(entry.source ? { source: entry.source } : {}),
      }
    : { code, meaning: "(not in the catalog)", fix: "(not in the catalog)", detail };
  return hint === undefined ? base : { ...base, hint };
}

export const srvLine = (target: string, port: number) => `SRV 0 0 ${port} ${target}`;

export function srvFailureCode(status: Exclude<SrvStatus, "found">): string {
  switch (status) {
    case "nxdomain":
      return DISCOVERY_CODES.nameDoesNotExist;
    case "nodata":
      return DISCOVERY_CODES.noRecords;
    case "timeout":
    case "servfail":
    case "error":
      return DISCOVERY_CODES.dnsServerFailure;
  }
}

export function srvFailureHint(
  domain: string,
  status: Exclude<SrvStatus, "found">,
  stackHost?: string,
  stackPort?: number,
): string {
  const record = `${VLMCS_PREFIX}.${domain} ${srvLine(stackHost ?? "<host fqdn>", stackPort ?? ACTIVATION.defaultPort)}`;
  switch (status) {
    case "nxdomain":
    case "nodata":
      return (
        `create the record ${record} (KmsSrvRecord, or KmsHost with dns), or check that clients search ` +
        `another domain where it exists (primary DNS suffix, suffix search list, slmgr /skms-domain); ` +
        `or pin the host on clients with slmgr /skms <host>:<port>`
      );
    case "timeout":
      return "the DNS server did not answer: check the address clients use as DNS server, UDP/TCP 53 to it, and that it is running";
    case "servfail":
    case "error":
      return "the DNS server answered with a failure: check its forwarders and that it serves (or forwards) this zone; an Azure private zone must be linked to the client's VNet";
  }
}

export function describeConnections(connections: ConnectionResult[]): string {
  if (connections.length === 0) return "no address";
  return connections.map((c) => `${c.address}: ${c.status}`).join(", ");
}
