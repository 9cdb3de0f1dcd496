/** kms-doctor's report as text, and its exit code. */
import { hp } from "./inputs";
import type { DoctorReport, TargetResult } from "./types";

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
