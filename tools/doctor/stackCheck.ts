/** Whether what clients find is the stack's own KMS host (`--stack-outputs`). */
import { hp, normalizeName } from "./inputs";
import { probeTcp } from "./network";
import type { DnsClient } from "./network";
import { srvFailureCode, srvLine } from "./clientErrors";
import { DISCOVERY_CODES, VLMCS_PREFIX } from "./types";
import type { DoctorReport, SrvStatus, StackCheck } from "./types";

export async function checkAgainstStack(
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
