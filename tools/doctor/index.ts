/**
 * kms-doctor: answers the question a Windows KMS client asks when it looks for its host.
 *
 * DNS discovery (`_vlmcs._tcp.<domain>` SRV, [DNS-TS], [O-DNS]: docs/sources.md): for each domain in order (like a
 * client's primary suffix then its suffix search list), query the SRV record, order the records as RFC 2782
 * does (priority, then weighted random), resolve each target (A/AAAA) and try a TCP connection to each
 * target and port. Fixed host (`slmgr /skms host:port`): resolve and connect to that host only.
 *
 * Every network step is bounded by `timeoutMs`. Queries go through Node's own `dns.promises.Resolver`
 * (c-ares) and connections through `net`; no DNS packet is written by hand.
 *
 * The result is reported in the client's terms: the host a client would use or, when there is none, the
 * error code a client would get, with its meaning and fix from the catalog ([ERR]).
 *
 * Files: types.ts (options, report), inputs.ts (arguments, SRV order), stackOutputs.ts, network.ts (DNS
 * and TCP steps), diagnose.ts (`diagnose()`, fixed host), discovery.ts (DNS discovery), stackCheck.ts,
 * clientErrors.ts (the client's error code and hints), report.ts (text, exit code).
 */
export { DEFAULT_TIMEOUT_MS, DISCOVERY_CODES, MAX_TIMEOUT_MS, VLMCS_PREFIX } from "./types";
export type {
  ClientError,
  ConnectionResult,
  DoctorOptions,
  DoctorReport,
  DomainResult,
  Finding,
  NameStatus,
  Severity,
  SrvStatus,
  StackCheck,
  StackOutputs,
  TargetResult,
  TcpStatus,
} from "./types";
export {
  normalizeName,
  orderSrvRecords,
  parseDnsServer,
  parseDomain,
  parseHostPort,
  parseTimeoutMs,
} from "./inputs";
export type { SrvLike } from "./inputs";
export { parseStackOutputs, readStackOutputs, stackDomain } from "./stackOutputs";
export { probeTcp } from "./network";
export { diagnose } from "./diagnose";
export { exitCodeFor, formatReport } from "./report";
