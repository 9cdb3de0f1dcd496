/** `diagnose()`: the checks a client would do, for a fixed host or DNS discovery, and their outcome. */
import { ACTIVATION, KmsConfigError } from "pulumi-kms-activation-catalog";
import { clientError, describeConnections } from "./clientErrors";
import { diagnoseDns } from "./discovery";
import {
  hp,
  normalizeName,
  parseDnsServer,
  parseDomain,
  parseHostPort,
  parseTimeoutMs,
} from "./inputs";
import { checkTarget, DnsClient } from "./network";
import { stackDomain } from "./stackOutputs";
import { CONTEXT, DEFAULT_TIMEOUT_MS, DISCOVERY_CODES } from "./types";
import type { DoctorOptions, DoctorReport, Finding, StackCheck, TargetResult } from "./types";

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

  // Stack outputs with kmsServer but no record name or zone (a program that exports only
  // `host.kmsServer`, as the README's example did): check that host as a fixed host, as the stack's
  // clients given `host` or `kmsServer` reach it, and say what to export to check the SRV record too.
  const fixedFromStack =
    options.host === undefined &&
    (options.domains ?? []).length === 0 &&
    stackCheck?.expectedDomain === undefined &&
    stack?.kmsServer !== undefined
      ? stack.kmsServer
      : undefined;
  if (fixedFromStack !== undefined) {
    report.mode = "fixedHost";
    findings.push({
      severity: "info",
      check: "stack-no-domain",
      message:
        `the stack outputs have kmsServer but no srvRecordName or dnsZoneName: checked ${fixedFromStack} as a ` +
        "fixed host (as clients given host or kmsServer use it). To check the _vlmcs._tcp record that clients on " +
        "DNS discovery use, export srvRecordName (`export const srvRecordName = host.srvRecordName;`) or give --domain.",
    });
  }
  if (options.host !== undefined || fixedFromStack !== undefined) {
    await diagnoseFixedHost(report, dns, options.host ?? fixedFromStack!, timeoutMs, expected);
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
