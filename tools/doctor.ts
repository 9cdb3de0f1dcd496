/**
 * kms-doctor: answers the question a Windows KMS client asks when it looks for its host.
 *
 * DNS discovery (`_vlmcs._tcp.<domain>` SRV, kms-domain.md §2.4, §2.5): for each domain in order (like a
 * client's primary suffix then its suffix search list), query the SRV record, order the records as RFC 2782
 * does (priority, then weighted random), resolve each target (A/AAAA) and try a TCP connection to each
 * target and port. Fixed host (`slmgr /skms host:port`): resolve and connect to that host only.
 *
 * Every network step is bounded by `timeoutMs`. Queries go through Node's own `dns.promises.Resolver`
 * (c-ares) and connections through `net`; no DNS packet is written by hand.
 *
 * The result is reported in the client's terms: the host a client would use or, when there is none, the
 * error code a client would get, with its meaning and fix from the catalog (kms-domain.md §5).
 */
import { promises as dnsPromises } from "node:dns";
import * as fs from "node:fs";
import * as net from "node:net";
import { ACTIVATION, lookupErrorCode } from "../components/catalog";
import { KmsConfigError, showValue } from "../components/errors";
import { formatHostPort, validateHostPort } from "../components/validate";

/** The service and protocol labels KMS clients query, in front of their DNS domain. */
export const VLMCS_PREFIX = "_vlmcs._tcp";
/** Default bound for each DNS query and each TCP connection attempt. */
export const DEFAULT_TIMEOUT_MS = 3000;
export const MAX_TIMEOUT_MS = 600000;
const CONTEXT = "kms-doctor";

/**
 * Error codes the doctor reports (all in the catalog, kms-domain.md §5).
 *
 * A DNS server that does not answer, or answers with a failure (SERVFAIL, REFUSED, closed port), is
 * reported as 0x8007232A (DNS_ERROR_RCODE_SERVER_FAILURE, [ERR]: "DNS server failure → troubleshoot
 * DNS"). kms-domain.md lists the other candidate, 0x800705B4, only as an Azure activation timeout whose fix
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

// ---------------------------------------------------------------------------------------------------------
// Pure helpers

export interface SrvLike {
  priority: number;
  weight: number;
}

/**
 * Orders SRV records as RFC 2782 does: ascending priority; within one priority, repeatedly pick a record
 * with probability proportional to its weight (records of weight 0 first, so they are picked only when the
 * draw is 0). `random` returns uniform numbers in [0, 1); inject it for a deterministic order.
 */
export function orderSrvRecords<T extends SrvLike>(
  records: readonly T[],
  random: () => number = Math.random,
): T[] {
  const priorities = [...new Set(records.map((r) => r.priority))].sort((a, b) => a - b);
  const ordered: T[] = [];
  for (const priority of priorities) {
    const group = records.filter((r) => r.priority === priority);
    const remaining = [
      ...group.filter((r) => r.weight === 0),
      ...group.filter((r) => r.weight !== 0),
    ];
    while (remaining.length > 0) {
      const sum = remaining.reduce((s, r) => s + r.weight, 0);
      const draw = Math.min(sum, Math.floor(random() * (sum + 1)));
      let running = 0;
      let index = remaining.length - 1;
      for (let i = 0; i < remaining.length; i++) {
        running += remaining[i].weight;
        if (running >= draw) {
          index = i;
          break;
        }
      }
      ordered.push(remaining[index]);
      remaining.splice(index, 1);
    }
  }
  return ordered;
}

/** Lower-case, no trailing dot: how DNS names are compared. */
export function normalizeName(name: string): string {
  return name.trim().replace(/\.$/, "").toLowerCase();
}

const LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;

function isDnsName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split(".").every((l) => LABEL.test(l));
}

/** Validates a `--domain`; a leading `_vlmcs._tcp.` is accepted and removed. */
export function parseDomain(input: string, argument = "--domain"): string {
  let domain = input.trim().replace(/\.$/, "");
  if (domain.toLowerCase().startsWith(`${VLMCS_PREFIX}.`))
    domain = domain.slice(VLMCS_PREFIX.length + 1);
  if (!isDnsName(domain)) {
    throw new KmsConfigError(
      argument,
      showValue(input),
      "a DNS domain such as corp.contoso.com",
      CONTEXT,
    );
  }
  return domain;
}

function parsePort(text: string, argument: string, input: string, allowed: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535))
    throw new KmsConfigError(argument, showValue(input), allowed, CONTEXT);
  return port;
}

/** Parses "name", "name:port", "ipv4:port", "ipv6" or "[ipv6]:port" (the `slmgr /skms` forms). */
export function parseHostPort(
  input: string,
  defaultPort: number = ACTIVATION.defaultPort,
  argument = "--host",
): { host: string; port: number } {
  // The same rules as a KmsClient's kmsServer (slmgr /skms), with the doctor's name in the message.
  try {
    const { host, port } = validateHostPort(argument, input.trim());
    return { host, port: port ?? defaultPort };
  } catch (e) {
    throw e instanceof KmsConfigError ? e.withContext(CONTEXT) : e;
  }
}

/** Validates a DNS server as Node's `setServers` takes it: "ip", "ip:port" or "[ipv6]:port". */
export function parseDnsServer(input: string, argument = "--dns-server"): string {
  const allowed =
    'an IP address with an optional port, e.g. "10.0.0.4", "127.0.0.1:5353" or "[::1]:5353"';
  const text = input.trim();
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    if (!net.isIPv6(bracketed[1]))
      throw new KmsConfigError(argument, showValue(input), allowed, CONTEXT);
    if (bracketed[2] !== undefined) parsePort(bracketed[2], argument, input, allowed);
    return text;
  }
  if (net.isIPv6(text)) return text;
  const [ip, port, ...rest] = text.split(":");
  if (!net.isIPv4(ip) || rest.length > 0)
    throw new KmsConfigError(argument, showValue(input), allowed, CONTEXT);
  if (port !== undefined) parsePort(port, argument, input, allowed);
  return text;
}

/** Validates `--timeout` (milliseconds). */
export function parseTimeoutMs(input: string | number, argument = "--timeout"): number {
  const value = typeof input === "number" ? input : /^\s*\d+\s*$/.test(input) ? Number(input) : NaN;
  if (!Number.isInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
    throw new KmsConfigError(
      argument,
      showValue(input),
      `a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`,
      CONTEXT,
    );
  }
  return value;
}

/** Reads the fields the doctor needs from `pulumi stack output --json` (already parsed). */
export function parseStackOutputs(value: unknown, argument = "--stack-outputs"): StackOutputs {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new KmsConfigError(
      argument,
      showValue(value),
      "the JSON object printed by `pulumi stack output --json`",
      CONTEXT,
    );
  }
  const source = value as Record<string, unknown>;
  const out: StackOutputs = {};
  for (const key of ["kmsServer", "srvRecordName", "hostPrivateIp", "dnsZoneName"] as const) {
    const v = source[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string")
      throw new KmsConfigError(`${argument} ${key}`, showValue(v), "a string", CONTEXT);
    out[key] = v;
  }
  if (
    out.kmsServer === undefined &&
    out.srvRecordName === undefined &&
    out.dnsZoneName === undefined
  ) {
    throw new KmsConfigError(
      argument,
      `an object with keys ${showValue(Object.keys(source))}`,
      "stack outputs with kmsServer, srvRecordName or dnsZoneName (the reference stack's outputs)",
      CONTEXT,
    );
  }
  return out;
}

/** Reads and parses a stack outputs file. */
export function readStackOutputs(file: string): StackOutputs {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new KmsConfigError(
      "--stack-outputs",
      showValue(file),
      `a readable file (${(e as Error).message})`,
      CONTEXT,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KmsConfigError(
      "--stack-outputs",
      showValue(file),
      "a JSON file written by `pulumi stack output --json`",
      CONTEXT,
    );
  }
  return parseStackOutputs(parsed);
}

/** The domain clients search for the stack's record: the SRV name without `_vlmcs._tcp.`, else the zone. */
export function stackDomain(outputs: StackOutputs): string | undefined {
  const srv = outputs.srvRecordName?.trim().replace(/\.$/, "");
  if (srv && srv.toLowerCase().startsWith(`${VLMCS_PREFIX}.`))
    return srv.slice(VLMCS_PREFIX.length + 1);
  const zone = outputs.dnsZoneName?.trim().replace(/\.$/, "");
  return zone || undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Network steps, each bounded in time

interface DnsFailure {
  status: Exclude<SrvStatus, "found">;
  detail: string;
}

function classifyDnsError(e: unknown, timeoutMs: number): DnsFailure {
  const code = (e as NodeJS.ErrnoException)?.code ?? "";
  switch (code) {
    case "ENOTFOUND":
      return { status: "nxdomain", detail: "the name does not exist (NXDOMAIN)" };
    case "ENODATA":
      return {
        status: "nodata",
        detail: "the name exists but has no record of this type (NODATA)",
      };
    case "ETIMEOUT":
    case "ECANCELLED":
      return {
        status: "timeout",
        detail:
          (e as { detail?: string }).detail ??
          `no answer from the DNS server within ${timeoutMs} ms`,
      };
    case "ESERVFAIL":
      return { status: "servfail", detail: "the DNS server answered SERVFAIL" };
    case "EREFUSED":
      return { status: "servfail", detail: "the DNS server refused the query (REFUSED)" };
    case "ECONNREFUSED":
      return {
        status: "servfail",
        detail: "nothing listens on the DNS server's port (connection refused)",
      };
    default:
      return {
        status: "error",
        detail: `${code || "error"}: ${(e as Error)?.message ?? String(e)}`,
      };
  }
}

/** Errors after which a resolver asks the next DNS server; NXDOMAIN and NODATA are answers, not failures. */
const TRY_NEXT_SERVER = new Set([
  "ETIMEOUT",
  "ECANCELLED",
  "ESERVFAIL",
  "EREFUSED",
  "ECONNREFUSED",
  "EBADRESP",
  "EFORMERR",
  "ECONNRESET",
]);

/**
 * Asks the DNS servers in order, as the Windows DNS client fails over: each server gets an equal share of
 * the bound (`timeoutMs / servers`), so a dead first server (a stale first `nameserver` in resolv.conf,
 * a decommissioned DNS server in the client's list) leaves time for the next one.
 */
class DnsClient {
  /** Servers that did not answer, and the server that answered after them (for the report). */
  readonly skipped = new Map<string, { detail: string; answeredBy: string }>();
  private readonly list: string[];

  constructor(
    servers: string[] | undefined,
    private readonly timeoutMs: number,
  ) {
    this.list = servers ? [...servers] : new dnsPromises.Resolver().getServers();
  }

  /** Milliseconds each server gets. */
  get perServerMs(): number {
    return Math.max(1, Math.floor(this.timeoutMs / Math.max(1, this.list.length)));
  }

  /** One query, server by server, each on a fresh resolver cancelled at its share of the bound. */
  async query<T>(run: (r: dnsPromises.Resolver) => Promise<T>): Promise<T> {
    const each = this.perServerMs;
    const failed: { server: string; detail: string }[] = [];
    let last: unknown;
    for (const server of this.list) {
      try {
        const answer = await this.ask(server, each, run);
        for (const f of failed) {
          if (!this.skipped.has(f.server))
            this.skipped.set(f.server, { detail: f.detail, answeredBy: server });
        }
        return answer;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException)?.code ?? "";
        if (!TRY_NEXT_SERVER.has(code)) throw e;
        last = e;
        failed.push({ server, detail: classifyDnsError(e, each).detail });
      }
    }
    if (this.list.length > 1 && failed.every((f) => /^no answer/.test(f.detail))) {
      throw Object.assign(new Error("no DNS server answered"), {
        code: "ETIMEOUT",
        detail: `no answer from any of ${this.list.length} DNS servers (${each} ms each)`,
      });
    }
    throw last ?? Object.assign(new Error("no DNS server configured"), { code: "ECONNREFUSED" });
  }

  private async ask<T>(
    server: string,
    timeoutMs: number,
    run: (r: dnsPromises.Resolver) => Promise<T>,
  ): Promise<T> {
    const resolver = new dnsPromises.Resolver({ timeout: timeoutMs, tries: 1 });
    resolver.setServers([server]);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        resolver.cancel();
        reject(Object.assign(new Error("DNS query timed out"), { code: "ETIMEOUT" }));
      }, timeoutMs);
    });
    try {
      return await Promise.race([run(resolver), bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  serversInUse(): string[] {
    return [...this.list];
  }
}

interface Resolution {
  resolution: NameStatus;
  detail?: string;
  addresses: string[];
}

async function resolveTarget(dns: DnsClient, name: string, timeoutMs: number): Promise<Resolution> {
  if (net.isIP(name)) return { resolution: "resolved", addresses: [name] };
  const [v4, v6] = await Promise.allSettled([
    dns.query((r) => r.resolve4(name)),
    dns.query((r) => r.resolve6(name)),
  ]);
  const addresses = [
    ...(v4.status === "fulfilled" ? v4.value : []),
    ...(v6.status === "fulfilled" ? v6.value : []),
  ];
  if (addresses.length > 0) return { resolution: "resolved", addresses };
  const failures = [v4, v6].map((r) =>
    r.status === "rejected" ? classifyDnsError(r.reason, timeoutMs) : undefined,
  );
  const first = failures.find((f) => f && f.status !== "nodata") ?? failures[0];
  if (failures.every((f) => f?.status === "nodata") || !first) {
    return { resolution: "nodata", detail: "the name has no A or AAAA record", addresses: [] };
  }
  return { resolution: first.status, detail: first.detail, addresses: [] };
}

/** Opens a TCP connection and closes it at once; bounded by `timeoutMs`. */
export function probeTcp(
  address: string,
  port: number,
  timeoutMs: number,
): Promise<ConnectionResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    let settled = false;
    const done = (status: TcpStatus, detail?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(detail === undefined ? { address, port, status } : { address, port, status, detail });
    };
    const timer = setTimeout(
      () => done("timeout", `no answer within ${timeoutMs} ms (filtered?)`),
      timeoutMs,
    );
    socket.once("connect", () => done("open"));
    socket.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ECONNREFUSED")
        done(
          "refused",
          "connection refused: nothing listens on the port, or a firewall rejects it",
        );
      else done("error", `${e.code ?? "error"}: ${e.message}`);
    });
  });
}

async function checkTarget(
  dns: DnsClient,
  target: string,
  port: number,
  timeoutMs: number,
): Promise<
  Pick<TargetResult, "resolution" | "resolutionDetail" | "addresses" | "connections" | "reachable">
> {
  const r = await resolveTarget(dns, target, timeoutMs);
  const connections = await Promise.all(r.addresses.map((a) => probeTcp(a, port, timeoutMs)));
  return {
    resolution: r.resolution,
    ...(r.detail === undefined ? {} : { resolutionDetail: r.detail }),
    addresses: r.addresses,
    connections,
    reachable: connections.some((c) => c.status === "open"),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Diagnosis

function clientError(
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

const srvLine = (target: string, port: number) => `SRV 0 0 ${port} ${target}`;

/** "host:port", an IPv6 address in brackets ("[fd00::4]:1688"), as slmgr /skms takes it. */
const hp = (host: string, port: number) => formatHostPort({ host, port });

function srvFailureCode(status: Exclude<SrvStatus, "found">): string {
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

function srvFailureHint(
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

/** Runs the checks a client would do and describes the outcome. */
export async function diagnose(options: DoctorOptions): Promise<DoctorReport> {
  const timeoutMs = parseTimeoutMs(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const servers = options.dnsServers?.length
    ? options.dnsServers.map((s) => parseDnsServer(s))
    : undefined;
  const dns = new DnsClient(servers, timeoutMs);
  const random = options.random ?? Math.random;
  const findings: Finding[] = [];
  const stack = options.stackOutputs;

  let expected: { host: string; port: number } | undefined;
  let stackCheck: StackCheck | undefined;
  if (stack) {
    stackCheck = {};
    if (stack.kmsServer !== undefined) {
      expected = parseHostPort(
        stack.kmsServer,
        ACTIVATION.defaultPort,
        "--stack-outputs kmsServer",
      );
      stackCheck.kmsServer = stack.kmsServer;
      stackCheck.expectedHost = expected.host;
      stackCheck.expectedPort = expected.port;
    }
    const d = stackDomain(stack);
    if (d !== undefined)
      stackCheck.expectedDomain = parseDomain(d, "--stack-outputs srvRecordName");
    if (stack.hostPrivateIp !== undefined) stackCheck.hostPrivateIp = stack.hostPrivateIp;
  }

  const report: DoctorReport = {
    ok: false,
    mode: options.host !== undefined ? "fixedHost" : "dns",
    timeoutMs,
    dnsServers: dns.serversInUse(),
    domains: [],
    clientOrder: [],
    findings,
    ...(stackCheck ? { stack: stackCheck } : {}),
  };

  if (options.host !== undefined) {
    await diagnoseFixedHost(report, dns, options.host, timeoutMs, expected);
  } else {
    const domains = (options.domains ?? []).map((d) => parseDomain(d));
    if (domains.length === 0 && stackCheck?.expectedDomain) domains.push(stackCheck.expectedDomain);
    if (domains.length === 0) {
      throw new KmsConfigError(
        "--domain",
        "none",
        "at least one DNS domain (or --stack-outputs, or --host)",
        CONTEXT,
      );
    }
    await diagnoseDns(report, dns, domains, timeoutMs, random, expected);
  }

  for (const [server, { detail, answeredBy }] of dns.skipped) {
    findings.push({
      severity: "warning",
      check: "dns-server-unanswered",
      message: `DNS server ${server} ${detail.replace(/^no answer from the DNS server/, "did not answer")}; ${answeredBy} answered.`,
      hint: "Windows clients wait for a server that does not answer before they ask the next one: fix it, or remove it from the clients' DNS server list.",
    });
  }
  report.ok = report.clientWouldUse !== undefined && !findings.some((f) => f.severity === "error");
  return report;
}

async function diagnoseFixedHost(
  report: DoctorReport,
  dns: DnsClient,
  hostInput: string,
  timeoutMs: number,
  expected: { host: string; port: number } | undefined,
): Promise<void> {
  const { host, port } = parseHostPort(hostInput);
  const result: TargetResult = {
    target: host,
    port,
    ...(await checkTarget(dns, host, port, timeoutMs)),
  };
  report.fixedHost = result;
  report.clientOrder.push({ target: host, port });
  const findings = report.findings;
  if (result.reachable) {
    const address = result.connections.find((c) => c.status === "open")?.address ?? "";
    report.clientWouldUse = { target: host, port, address };
  } else {
    const detail =
      result.resolution !== "resolved"
        ? `${host} does not resolve: ${result.resolutionDetail ?? result.resolution}`
        : `${hp(host, port)} did not accept a TCP connection (${describeConnections(result.connections)})`;
    findings.push({
      severity: "error",
      check: result.resolution !== "resolved" ? "target-unresolved" : "port-closed",
      message: detail,
      code: DISCOVERY_CODES.noKmsContacted,
    });
    report.clientError = clientError(
      DISCOVERY_CODES.noKmsContacted,
      detail,
      result.resolution !== "resolved"
        ? `fix the host's A record, or set the right name with slmgr /skms <host>:<port>`
        : `on the host: sppsvc running, listening port (slmgr /sprt), firewall rule SPPSVC-In-TCP; in Azure: the NSG allows TCP ${port} from the clients`,
      { host, port },
    );
  }
  if (expected) {
    if (normalizeName(expected.host) !== normalizeName(host) || expected.port !== port) {
      findings.push({
        severity: "warning",
        check: "stack-host-mismatch",
        message: `the fixed host ${hp(host, port)} is not the stack's KMS host ${hp(expected.host, expected.port)}`,
        hint: `set it on clients with slmgr /skms ${hp(expected.host, expected.port)}, or return them to DNS discovery with slmgr /ckms`,
      });
    }
  }
}

function describeConnections(connections: ConnectionResult[]): string {
  if (connections.length === 0) return "no address";
  return connections.map((c) => `${c.address}: ${c.status}`).join(", ");
}

async function diagnoseDns(
  report: DoctorReport,
  dns: DnsClient,
  domains: string[],
  timeoutMs: number,
  random: () => number,
  expected: { host: string; port: number } | undefined,
): Promise<void> {
  const findings = report.findings;
  const answers = await Promise.all(
    domains.map(async (domain) => {
      const query = `${VLMCS_PREFIX}.${domain}`;
      try {
        return { domain, query, records: await dns.query((r) => r.resolveSrv(query)) };
      } catch (e) {
        return { domain, query, failure: classifyDnsError(e, timeoutMs) };
      }
    }),
  );

  // Resolve and connect to every target of every domain at once: the whole run stays within a few bounds.
  const results = await Promise.all(
    answers.map(async (a): Promise<DomainResult> => {
      if (a.failure)
        return {
          domain: a.domain,
          query: a.query,
          status: a.failure.status,
          detail: a.failure.detail,
          records: [],
        };
      const usable = a.records.filter((r) => normalizeName(r.name) !== "");
      if (usable.length < a.records.length) {
        findings.push({
          severity: "warning",
          check: "srv-not-available",
          message: `${a.query} has a record with target "." (service not available here, RFC 2782)`,
        });
      }
      if (usable.length === 0) {
        return {
          domain: a.domain,
          query: a.query,
          status: "nodata",
          detail: 'the only record has target "."',
          records: [],
        };
      }
      const ordered = orderSrvRecords(usable, random);
      const records = await Promise.all(
        ordered.map(async (r, i): Promise<TargetResult> => {
          const target = r.name.replace(/\.$/, "");
          return {
            target,
            port: r.port,
            priority: r.priority,
            weight: r.weight,
            order: i + 1,
            ...(await checkTarget(dns, target, r.port, timeoutMs)),
          };
        }),
      );
      return { domain: a.domain, query: a.query, status: "found", records };
    }),
  );
  report.domains = results;

  for (const d of results) {
    for (const r of d.records) {
      report.clientOrder.push({
        domain: d.domain,
        target: r.target,
        port: r.port,
        priority: r.priority,
        weight: r.weight,
      });
      if (r.resolution !== "resolved") {
        findings.push({
          severity: "warning",
          check: "target-unresolved",
          message: `${d.query} points to ${r.target}, which does not resolve: ${r.resolutionDetail ?? r.resolution}`,
          code: DISCOVERY_CODES.noKmsContacted,
          hint: `create the A record for ${r.target}, or remove this SRV entry if the host is gone (stale record)`,
        });
      } else if (!r.reachable) {
        findings.push({
          severity: "warning",
          check: "port-closed",
          message: `${hp(r.target, r.port)} (from ${d.query}) did not accept a TCP connection: ${describeConnections(r.connections)}`,
          code: DISCOVERY_CODES.noKmsContacted,
          hint: `on the host: sppsvc running, port set with slmgr /sprt ${r.port}, firewall rule SPPSVC-In-TCP; in Azure: NSG allows TCP ${r.port} from the clients; or remove the entry if the host is gone`,
        });
      }
    }
    if (d.status !== "found") {
      findings.push({
        severity: "info",
        check: d.status === "nxdomain" || d.status === "nodata" ? "srv-missing" : "dns-failure",
        message: `${d.query}: ${d.detail ?? d.status}`,
        code: srvFailureCode(d.status),
      });
    }
  }

  // A client takes the first domain of its list that returns records and tries the hosts in that order;
  // the doctor also lets it continue to the next domain when none answers (the best case for the client).
  for (const d of results) {
    const hit = d.records.find((r) => r.reachable);
    if (hit) {
      const address = hit.connections.find((c) => c.status === "open")?.address ?? "";
      report.clientWouldUse = { domain: d.domain, target: hit.target, port: hit.port, address };
      break;
    }
  }

  if (!report.clientWouldUse) {
    const withRecords = results.filter((d) => d.status === "found");
    if (withRecords.length > 0) {
      const tried = report.clientOrder.map((o) => `${hp(o.target, o.port)}`).join(", ");
      report.clientError = clientError(
        DISCOVERY_CODES.noKmsContacted,
        `SRV records found, but no host accepted a TCP connection (tried ${tried})`,
        "see the findings for each host; test from a client with Test-NetConnection <host> -Port <port>",
        { host: report.clientOrder[0].target, port: report.clientOrder[0].port },
      );
    } else {
      // DNS failures hide the answer, so they come first; otherwise the primary domain's code.
      const failed =
        results.find((d) => d.status === "timeout") ??
        results.find((d) => d.status === "servfail" || d.status === "error") ??
        results[0];
      const status = failed.status as Exclude<SrvStatus, "found">;
      report.clientError = clientError(
        srvFailureCode(status),
        `${failed.query}: ${failed.detail ?? status}`,
        srvFailureHint(failed.domain, status, expected?.host, expected?.port),
        expected ? { host: expected.host, port: expected.port } : undefined,
      );
    }
    findings.push({
      severity: "error",
      check: "no-host",
      message: `a client would not find a KMS host and would get ${report.clientError.code}`,
      code: report.clientError.code,
    });
  }

  if (expected && report.stack) await checkAgainstStack(report, dns, timeoutMs, expected);
}

async function checkAgainstStack(
  report: DoctorReport,
  dns: DnsClient,
  timeoutMs: number,
  expected: { host: string; port: number },
): Promise<void> {
  const stack = report.stack as StackCheck;
  const findings = report.findings;
  const domain = stack.expectedDomain;
  const d = domain
    ? report.domains.find((x) => normalizeName(x.domain) === normalizeName(domain))
    : undefined;
  if (!d) {
    findings.push({
      severity: "warning",
      check: "stack-domain-not-checked",
      message: `the stack publishes its record as ${VLMCS_PREFIX}.${domain ?? "?"}, which is not among the domains checked (${report.domains.map((x) => x.domain).join(", ")})`,
      hint: `clients must search ${domain ?? "the stack's zone"} (primary DNS suffix, suffix search list, or slmgr /skms-domain ${domain ?? "<zone>"})`,
    });
    return;
  }
  if (d.status !== "found") {
    findings.push({
      severity: "error",
      check: "stack-srv-missing",
      message: `the stack declares ${d.query} -> ${hp(expected.host, expected.port)}, but the DNS server gives: ${d.detail ?? d.status}`,
      code: srvFailureCode(d.status as Exclude<SrvStatus, "found">),
      hint: "check that the clients' DNS server serves the stack's zone (Azure private zone linked to the VNet, or a forwarder to 168.63.129.16)",
    });
    return;
  }
  const sameHost = d.records.filter(
    (r) => normalizeName(r.target) === normalizeName(expected.host),
  );
  const exact = sameHost.find((r) => r.port === expected.port);
  for (const r of d.records) {
    if (normalizeName(r.target) !== normalizeName(expected.host)) {
      findings.push({
        severity: "warning",
        check: "stack-stale-record",
        message: `${d.query} also points to ${hp(r.target, r.port)}, which is not the stack's host ${expected.host} (stale record for an old host?)`,
        hint: `remove it if that host is gone: clients pick among all records and may try it first`,
      });
    }
  }
  if (exact) {
    stack.matchingRecord = { target: exact.target, port: exact.port };
  } else if (sameHost.length > 0) {
    const found = sameHost[0];
    const addresses = found.addresses;
    const declared = await Promise.all(addresses.map((a) => probeTcp(a, expected.port, timeoutMs)));
    stack.declaredPortConnections = declared;
    const answers = declared.some((c) => c.status === "open");
    findings.push({
      severity: "error",
      check: "stack-port-mismatch",
      message:
        `${d.query} sends clients to ${hp(found.target, found.port)}, but the stack's host listens on port ${expected.port}` +
        (answers
          ? ` (and port ${expected.port} accepts connections)`
          : ` (port ${expected.port} did not accept a connection either)`),
      code: DISCOVERY_CODES.noKmsContacted,
      hint: `set the record's port to ${expected.port} (KmsSrvRecord hosts[].port / KmsHost port), or the host's port with slmgr /sprt ${found.port}`,
    });
  } else {
    findings.push({
      severity: "error",
      check: "stack-host-missing",
      message: `no record of ${d.query} points to the stack's host ${expected.host} (found: ${d.records.map((r) => `${hp(r.target, r.port)}`).join(", ")})`,
      code: DISCOVERY_CODES.noKmsContacted,
      hint: `add ${d.query} ${srvLine(expected.host, expected.port)} and remove entries for hosts that are gone`,
    });
  }
  if (stack.hostPrivateIp && sameHost.length > 0 && sameHost[0].resolution === "resolved") {
    if (!sameHost[0].addresses.includes(stack.hostPrivateIp)) {
      findings.push({
        severity: "warning",
        check: "stack-address-mismatch",
        message: `${sameHost[0].target} resolves to ${sameHost[0].addresses.join(", ")}, not to the host's private IP ${stack.hostPrivateIp} (stale A record?)`,
        hint: `update the A record of ${sameHost[0].target} to ${stack.hostPrivateIp}`,
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Output

function connectionText(r: TargetResult): string {
  if (r.resolution !== "resolved")
    return `does not resolve (${r.resolutionDetail ?? r.resolution})`;
  return r.connections
    .map((c) => `${c.address} TCP ${c.status}${c.status === "open" ? "" : ` (${c.detail ?? ""})`}`)
    .join("; ");
}

/** Human-readable report, in the client's terms. */
export function formatReport(report: DoctorReport): string {
  const lines: string[] = [];
  const servers = report.dnsServers.length ? report.dnsServers.join(", ") : "none";
  if (report.mode === "fixedHost") {
    lines.push(
      `kms-doctor: fixed KMS host, as set with slmgr /skms (DNS server ${servers}; timeout ${report.timeoutMs} ms)`,
    );
    const r = report.fixedHost as TargetResult;
    lines.push(`  ${hp(r.target, r.port)} -> ${connectionText(r)}`);
  } else {
    lines.push(
      `kms-doctor: DNS discovery, as a KMS client does it (DNS server ${servers}; timeout ${report.timeoutMs} ms)`,
    );
    for (const d of report.domains) {
      if (d.status !== "found") {
        lines.push(`  ${d.query} SRV: ${d.detail ?? d.status}`);
        continue;
      }
      lines.push(
        `  ${d.query} SRV: ${d.records.length} record${d.records.length === 1 ? "" : "s"}, in the order a client would try them:`,
      );
      for (const r of d.records) {
        lines.push(
          `    ${r.order}. ${hp(r.target, r.port)} (priority ${r.priority}, weight ${r.weight}) -> ${connectionText(r)}`,
        );
      }
    }
  }
  lines.push("");
  if (report.clientWouldUse) {
    const u = report.clientWouldUse;
    lines.push(`Result: a client would activate against ${hp(u.target, u.port)} (${u.address}).`);
  } else if (report.clientError) {
    const e = report.clientError;
    lines.push(
      `Result: a client would find no KMS host and report ${e.code}${e.symbol ? ` (${e.symbol})` : ""}.`,
    );
    lines.push(`  Seen: ${e.detail}`);
    lines.push(`  Meaning: ${e.meaning}`);
    lines.push(`  Fix: ${e.fix}`);
    if (e.hint) lines.push(`  Here: ${e.hint}`);
  }
  const shown = report.findings.filter((f) => f.check !== "no-host" && f.severity !== "info");
  if (shown.length > 0) {
    lines.push("");
    lines.push("Findings:");
    for (const f of shown) {
      lines.push(`  ${f.severity}: ${f.message}${f.code ? ` [${f.code}]` : ""}`);
      if (f.hint) lines.push(`    fix: ${f.hint}`);
    }
  }
  if (report.stack?.matchingRecord) {
    const m = report.stack.matchingRecord;
    lines.push("");
    lines.push(`Stack: the SRV record points to the stack's host ${hp(m.target, m.port)}.`);
  }
  lines.push("");
  const errors = report.findings.filter(
    (f) => f.severity === "error" && f.check !== "no-host",
  ).length;
  if (report.ok) lines.push("OK");
  else if (report.clientWouldUse)
    lines.push(`FAILED: ${errors} error${errors === 1 ? "" : "s"} above`);
  else lines.push("FAILED");
  return lines.join("\n") + "\n";
}

/** Process exit code for a report: 0 when a client would find a reachable host, 1 otherwise. */
export function exitCodeFor(report: DoctorReport): 0 | 1 {
  return report.ok ? 0 : 1;
}
