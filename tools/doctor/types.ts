/** kms-doctor's constants, options and report types. */

/** The service and protocol labels KMS clients query, in front of their DNS domain. */
export const VLMCS_PREFIX = "_vlmcs._tcp";
/** Default bound for each DNS query and each TCP connection attempt. */
export const DEFAULT_TIMEOUT_MS = 3000;
export const MAX_TIMEOUT_MS = 600000;
export const CONTEXT = "kms-doctor";

/**
 * Error codes the doctor reports (all in the catalog, [ERR]).
 *
 * A DNS server that does not answer, or answers with a failure (SERVFAIL, REFUSED, closed port), is
 * reported as 0x8007232A (DNS_ERROR_RCODE_SERVER_FAILURE, [ERR]: "DNS server failure → troubleshoot
 * DNS"). The sources list the other candidate, 0x800705B4, only as an Azure activation timeout whose fix
 * is `slmgr /skms azkms.core.windows.net:1688`, the wrong advice for a self-hosted host, so the doctor does
 * not use it; the report's detail says whether the server was silent or answered with an error.
 */
export const DISCOVERY_CODES = {
  nameDoesNotExist: "0x8007232B",
  noRecords: "0x8007251D",
  dnsServerFailure: "0x8007232A",
  noKmsContacted: "0xC004F074",
} as const;

/** `pulumi stack output --json` of the reference stack (only the fields the doctor reads). */
export interface StackOutputs {
  /** "fqdn:port" of the KMS host, as clients are told to use it. */
  kmsServer?: string;
  /** Full name of the SRV record, e.g. "_vlmcs._tcp.kms.internal". */
  srvRecordName?: string;
  /** Private IP address of the host VM. */
  hostPrivateIp?: string;
  /** DNS zone holding the SRV record, e.g. "kms.internal". */
  dnsZoneName?: string;
}

export interface DoctorOptions {
  /** DNS domains to search, in the order a client would (primary suffix first). */
  domains?: string[];
  /** DNS servers as "ip" or "ip:port" ("[v6]:port"); default: the system's servers. */
  dnsServers?: string[];
  /** A fixed host "name[:port]" (like `slmgr /skms`): no SRV lookup. */
  host?: string;
  /** Bound for each DNS query and each TCP connection, in milliseconds. @default 3000 */
  timeoutMs?: number;
  /** Outputs of the reference stack: the SRV record must point to its host and port. */
  stackOutputs?: StackOutputs;
  /** Uniform random numbers in [0, 1) for the weighted order (RFC 2782). @default Math.random */
  random?: () => number;
}

export type Severity = "error" | "warning" | "info";

export interface Finding {
  severity: Severity;
  /** Stable id of the check, e.g. "srv-missing", "port-closed", "stack-port-mismatch". */
  check: string;
  message: string;
  /** Error code a client would see because of this finding, when there is one. */
  code?: string;
  /** What to do, in this situation. */
  hint?: string;
}

export type TcpStatus = "open" | "refused" | "timeout" | "error";

export interface ConnectionResult {
  address: string;
  port: number;
  status: TcpStatus;
  detail?: string;
}

export type NameStatus = "resolved" | "nxdomain" | "nodata" | "timeout" | "servfail" | "error";

export interface TargetResult {
  /** Host name (or address) as the record or `--host` gives it, without a trailing dot. */
  target: string;
  port: number;
  priority?: number;
  weight?: number;
  /** 1-based position in the order a client would try; undefined for a fixed host. */
  order?: number;
  resolution: NameStatus;
  resolutionDetail?: string;
  addresses: string[];
  connections: ConnectionResult[];
  reachable: boolean;
}

export type SrvStatus = "found" | "nxdomain" | "nodata" | "timeout" | "servfail" | "error";

export interface DomainResult {
  domain: string;
  /** The name queried, `_vlmcs._tcp.<domain>`. */
  query: string;
  status: SrvStatus;
  detail?: string;
  /** Records in the order a client would try them (RFC 2782). */
  records: TargetResult[];
}

export interface ClientError {
  code: string;
  symbol?: string;
  /** Microsoft's meaning, from the catalog. */
  meaning: string;
  /** Microsoft's fix, from the catalog. */
  fix: string;
  source?: string;
  /** What the doctor saw that leads to this code. */
  detail: string;
  /** What to do here. */
  hint?: string;
}

export interface StackCheck {
  kmsServer?: string;
  expectedHost?: string;
  expectedPort?: number;
  expectedDomain?: string;
  hostPrivateIp?: string;
  /** The record in the expected domain that points to the stack's host, if any. */
  matchingRecord?: { target: string; port: number };
  /** TCP result on the stack's declared port when the record points elsewhere. */
  declaredPortConnections?: ConnectionResult[];
}

export interface DoctorReport {
  /** true when a client would find a reachable host (and, with stack outputs, the stack's host). */
  ok: boolean;
  mode: "dns" | "fixedHost";
  timeoutMs: number;
  /** DNS servers used, or the system's. */
  dnsServers: string[];
  domains: DomainResult[];
  fixedHost?: TargetResult;
  /** Every target:port in the order a client would try it, across the domains. */
  clientOrder: {
    domain?: string;
    target: string;
    port: number;
    priority?: number;
    weight?: number;
  }[];
  /** The host a client would activate against. */
  clientWouldUse?: { domain?: string; target: string; port: number; address: string };
  /** When no host would be used: the error a client would get. */
  clientError?: ClientError;
  findings: Finding[];
  stack?: StackCheck;
}
