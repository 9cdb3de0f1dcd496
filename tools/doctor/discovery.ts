/** DNS discovery as a client does it: `_vlmcs._tcp` in each domain, records in RFC 2782 order, each target tried. */
import { clientError, describeConnections, srvFailureCode, srvFailureHint } from "./clientErrors";
import { hp, normalizeName, orderSrvRecords } from "./inputs";
import { checkTarget, classifyDnsError } from "./network";
import type { DnsClient } from "./network";
import { checkAgainstStack } from "./stackCheck";
import { DISCOVERY_CODES, VLMCS_PREFIX } from "./types";
import type { DomainResult, DoctorReport, SrvStatus, TargetResult } from "./types";

export async function diagnoseDns(
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
