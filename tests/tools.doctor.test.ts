/**
 * The doctor against real servers on loopback: dnsmasq answers the SRV and A queries, TCP listeners stand
 * in for KMS hosts' ports, a UDP socket that never answers stands in for a dead DNS server.
 */
import { diagnose, DoctorReport, formatReport } from "../tools/doctor";
import {
  closedTcpPort,
  Dnsmasq,
  freeUdpPort,
  startDnsmasq,
  startSilentDnsServer,
  startTcpListener,
} from "./helpers/dnsmasq";
import { describeWithTool } from "./helpers/tools";

const T = 1000; // per-step bound for cases that get an answer

let dns: Dnsmasq;
let kms: { port: number; stop(): Promise<void> };
let kms2: { port: number; stop(): Promise<void> };
let closed: number;

const run = (domains: string[], extra: Partial<Parameters<typeof diagnose>[0]> = {}) =>
  diagnose({ domains, dnsServers: [dns.server], timeoutMs: T, random: () => 0, ...extra });

const checks = (r: DoctorReport) => r.findings.map((f) => `${f.severity}:${f.check}`);

describeWithTool("dnsmasq", "kms-doctor against dnsmasq", () => {
  beforeAll(async () => {
    kms = await startTcpListener();
    kms2 = await startTcpListener();
    closed = await closedTcpPort();
    dns = await startDnsmasq({
      localDomains: [
        "ok.test",
        "closed.test",
        "missing.test",
        "nodata.test",
        "prio.test",
        "fallback.test",
        "ghost.test",
      ],
      srvHosts: [
        { name: "_vlmcs._tcp.ok.test", target: "kms1.ok.test", port: kms.port },
        { name: "_vlmcs._tcp.closed.test", target: "kms1.closed.test", port: closed },
        // the higher priority number is listed first: the order must come from the priorities
        {
          name: "_vlmcs._tcp.prio.test",
          target: "backup.prio.test",
          port: kms2.port,
          priority: 10,
          weight: 0,
        },
        {
          name: "_vlmcs._tcp.prio.test",
          target: "main.prio.test",
          port: kms.port,
          priority: 0,
          weight: 0,
        },
        {
          name: "_vlmcs._tcp.fallback.test",
          target: "old.fallback.test",
          port: closed,
          priority: 0,
        },
        {
          name: "_vlmcs._tcp.fallback.test",
          target: "new.fallback.test",
          port: kms2.port,
          priority: 5,
        },
        { name: "_vlmcs._tcp.ghost.test", target: "gone.ghost.test", port: kms.port },
      ],
      hostRecords: [
        { name: "kms1.ok.test", address: "127.0.0.1" },
        { name: "kms1.closed.test", address: "127.0.0.1" },
        { name: "main.prio.test", address: "127.0.0.1" },
        { name: "backup.prio.test", address: "127.0.0.1" },
        { name: "old.fallback.test", address: "127.0.0.1" },
        { name: "new.fallback.test", address: "127.0.0.1" },
      ],
      txtRecords: [{ name: "_vlmcs._tcp.nodata.test", text: "not-an-srv-record" }],
    });
  }, 20000);

  afterAll(async () => {
    await dns?.stop();
    await kms?.stop();
    await kms2?.stop();
  });

  test("a reachable host: the client would use it", async () => {
    const r = await run(["ok.test"]);
    expect(r.ok).toBe(true);
    expect(r.mode).toBe("dns");
    expect(r.dnsServers).toEqual([dns.server]);
    expect(r.clientWouldUse).toEqual({
      domain: "ok.test",
      target: "kms1.ok.test",
      port: kms.port,
      address: "127.0.0.1",
    });
    expect(r.clientError).toBeUndefined();
    expect(r.domains).toEqual([
      {
        domain: "ok.test",
        query: "_vlmcs._tcp.ok.test",
        status: "found",
        records: [
          {
            target: "kms1.ok.test",
            port: kms.port,
            priority: 0,
            weight: 0,
            order: 1,
            resolution: "resolved",
            addresses: ["127.0.0.1"],
            connections: [{ address: "127.0.0.1", port: kms.port, status: "open" }],
            reachable: true,
          },
        ],
      },
    ]);
    expect(r.findings).toEqual([]);
    expect(formatReport(r)).toContain(
      `Result: a client would activate against kms1.ok.test:${kms.port} (127.0.0.1).`,
    );
  });

  test("the port is closed: 0xC004F074", async () => {
    const r = await run(["closed.test"]);
    expect(r.ok).toBe(false);
    expect(r.clientWouldUse).toBeUndefined();
    expect(r.domains[0].records[0].connections).toEqual([
      {
        address: "127.0.0.1",
        port: closed,
        status: "refused",
        detail: "connection refused: nothing listens on the port, or a firewall rejects it",
      },
    ]);
    expect(r.clientError?.code).toBe("0xC004F074");
    expect(r.clientError?.meaning).toBe("No KMS host could be contacted");
    expect(r.clientError?.detail).toBe(
      `SRV records found, but no host accepted a TCP connection (tried kms1.closed.test:${closed})`,
    );
    expect(checks(r)).toEqual(["warning:port-closed", "error:no-host"]);
    const text = formatReport(r);
    expect(text).toContain("Result: a client would find no KMS host and report 0xC004F074.");
    expect(text).toContain("Meaning: No KMS host could be contacted");
  });

  test("no SRV record (NXDOMAIN): 0x8007232B", async () => {
    const r = await run(["missing.test"]);
    expect(r.ok).toBe(false);
    expect(r.domains).toEqual([
      {
        domain: "missing.test",
        query: "_vlmcs._tcp.missing.test",
        status: "nxdomain",
        detail: "the name does not exist (NXDOMAIN)",
        records: [],
      },
    ]);
    expect(r.clientError?.code).toBe("0x8007232B");
    expect(r.clientError?.symbol).toBe("DNS_ERROR_RCODE_NAME_ERROR");
    expect(r.clientError?.hint).toContain(
      "create the record _vlmcs._tcp.missing.test SRV 0 0 1688 <host fqdn>",
    );
    expect(checks(r)).toEqual(["info:srv-missing", "error:no-host"]);
  });

  test("the name exists without an SRV record (NODATA): 0x8007251D", async () => {
    const r = await run(["nodata.test"]);
    expect(r.domains[0].status).toBe("nodata");
    expect(r.clientError?.code).toBe("0x8007251D");
    expect(r.clientError?.symbol).toBe("DNS_INFO_NO_RECORDS");
  });

  test("two hosts with different priorities: the lower number first", async () => {
    const r = await run(["prio.test"]);
    expect(r.ok).toBe(true);
    expect(r.clientOrder).toEqual([
      { domain: "prio.test", target: "main.prio.test", port: kms.port, priority: 0, weight: 0 },
      { domain: "prio.test", target: "backup.prio.test", port: kms2.port, priority: 10, weight: 0 },
    ]);
    expect(r.domains[0].records.map((x) => [x.order, x.target])).toEqual([
      [1, "main.prio.test"],
      [2, "backup.prio.test"],
    ]);
    expect(r.clientWouldUse?.target).toBe("main.prio.test");
  });

  test("the first host is closed: the client falls back to the next priority", async () => {
    const r = await run(["fallback.test"]);
    expect(r.ok).toBe(true);
    expect(r.clientOrder.map((o) => o.target)).toEqual(["old.fallback.test", "new.fallback.test"]);
    expect(r.clientWouldUse).toEqual({
      domain: "fallback.test",
      target: "new.fallback.test",
      port: kms2.port,
      address: "127.0.0.1",
    });
    expect(checks(r)).toEqual(["warning:port-closed"]);
  });

  test("a target that does not resolve", async () => {
    const r = await run(["ghost.test"]);
    expect(r.ok).toBe(false);
    const rec = r.domains[0].records[0];
    expect(rec.resolution).toBe("nxdomain");
    expect(rec.addresses).toEqual([]);
    expect(rec.connections).toEqual([]);
    expect(r.findings[0]).toEqual({
      severity: "warning",
      check: "target-unresolved",
      message:
        "_vlmcs._tcp.ghost.test points to gone.ghost.test, which does not resolve: the name does not exist (NXDOMAIN)",
      code: "0xC004F074",
      hint: "create the A record for gone.ghost.test, or remove this SRV entry if the host is gone (stale record)",
    });
    expect(r.clientError?.code).toBe("0xC004F074");
  });

  test("domains in suffix order: a missing first domain, found in the second", async () => {
    const r = await run(["missing.test", "ok.test"]);
    expect(r.ok).toBe(true);
    expect(r.domains.map((d) => [d.domain, d.status])).toEqual([
      ["missing.test", "nxdomain"],
      ["ok.test", "found"],
    ]);
    expect(r.clientWouldUse?.domain).toBe("ok.test");
  });

  test("a DNS server that never answers: bounded, 0x8007232A", async () => {
    const silent = await startSilentDnsServer();
    try {
      const r = await diagnose({
        domains: ["ok.test"],
        dnsServers: [silent.server],
        timeoutMs: 300,
      });
      expect(r.ok).toBe(false);
      expect(r.domains[0].status).toBe("timeout");
      expect(r.domains[0].detail).toBe("no answer from the DNS server within 300 ms");
      expect(r.clientError?.code).toBe("0x8007232A");
      expect(r.clientError?.hint).toContain("the DNS server did not answer");
    } finally {
      await silent.stop();
    }
  }, 5000);

  test("a dead first DNS server (as a dead first nameserver in resolv.conf): the next one answers", async () => {
    const silent = await startSilentDnsServer();
    try {
      const r = await diagnose({
        domains: ["ok.test"],
        dnsServers: [silent.server, dns.server],
        timeoutMs: 1000,
      });
      expect(r.ok).toBe(true);
      expect(r.domains[0].status).toBe("found");
      expect(r.clientWouldUse?.port).toBe(kms.port);
      // Each server gets its share of the bound, so the second is asked before the bound ends.
      expect(r.findings.map((f) => [f.check, f.severity])).toEqual([
        ["dns-server-unanswered", "warning"],
      ]);
      expect(r.findings[0].message).toBe(
        `DNS server ${silent.server} did not answer within 500 ms; ${dns.server} answered.`,
      );
    } finally {
      await silent.stop();
    }
  }, 10_000);

  test("every DNS server dead: bounded by the overall timeout, 0x8007232A", async () => {
    const a = await startSilentDnsServer();
    const b = await startSilentDnsServer();
    try {
      const started = Date.now();
      const r = await diagnose({
        domains: ["ok.test"],
        dnsServers: [a.server, b.server],
        timeoutMs: 400,
      });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(r.domains[0].status).toBe("timeout");
      expect(r.domains[0].detail).toBe("no answer from any of 2 DNS servers (200 ms each)");
      expect(r.clientError?.code).toBe("0x8007232A");
    } finally {
      await a.stop();
      await b.stop();
    }
  }, 10_000);

  test("nothing listens on the DNS server's port: 0x8007232A", async () => {
    const port = await freeUdpPort();
    const r = await diagnose({
      domains: ["ok.test"],
      dnsServers: [`127.0.0.1:${port}`],
      timeoutMs: 300,
    });
    expect(r.domains[0].status).toBe("servfail");
    expect(r.clientError?.code).toBe("0x8007232A");
  }, 5000);

  test("a zone the server does not serve (REFUSED): 0x8007232A", async () => {
    const r = await run(["elsewhere.test"]);
    expect(r.domains[0].detail).toBe("the DNS server refused the query (REFUSED)");
    expect(r.clientError?.code).toBe("0x8007232A");
  });

  test("--host: a fixed host by address, no SRV lookup (the DNS server never answers)", async () => {
    const silent = await startSilentDnsServer();
    try {
      const r = await diagnose({
        host: `127.0.0.1:${kms.port}`,
        dnsServers: [silent.server],
        timeoutMs: 300,
      });
      expect(r.ok).toBe(true);
      expect(r.mode).toBe("fixedHost");
      expect(r.domains).toEqual([]);
      expect(r.clientWouldUse).toEqual({
        target: "127.0.0.1",
        port: kms.port,
        address: "127.0.0.1",
      });
    } finally {
      await silent.stop();
    }
  }, 5000);

  test("--host: a fixed host by name, closed and unresolvable", async () => {
    const byName = await diagnose({
      host: `kms1.ok.test:${kms.port}`,
      dnsServers: [dns.server],
      timeoutMs: T,
    });
    expect(byName.ok).toBe(true);
    expect(byName.fixedHost?.addresses).toEqual(["127.0.0.1"]);

    const shut = await diagnose({
      host: `kms1.ok.test:${closed}`,
      dnsServers: [dns.server],
      timeoutMs: T,
    });
    expect(shut.ok).toBe(false);
    expect(checks(shut)).toEqual(["error:port-closed"]);
    expect(shut.clientError?.code).toBe("0xC004F074");

    const unknown = await diagnose({
      host: "nohost.ok.test",
      dnsServers: [dns.server],
      timeoutMs: T,
    });
    expect(unknown.fixedHost?.port).toBe(1688);
    expect(checks(unknown)).toEqual(["error:target-unresolved"]);
    expect(unknown.clientError?.detail).toBe(
      "nohost.ok.test does not resolve: the name does not exist (NXDOMAIN)",
    );
  });

  test("the report is one JSON document that round-trips", async () => {
    const r = await run(["closed.test"]);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  describe("--stack-outputs", () => {
    const outputs = (port: number) => ({
      kmsServer: `kms1.ok.test:${port}`,
      srvRecordName: "_vlmcs._tcp.ok.test",
      hostPrivateIp: "127.0.0.1",
      dnsZoneName: "ok.test",
    });

    test("the record points to the stack's host and port; the zone is the default domain", async () => {
      const r = await diagnose({
        dnsServers: [dns.server],
        timeoutMs: T,
        stackOutputs: outputs(kms.port),
      });
      expect(r.ok).toBe(true);
      expect(r.domains.map((d) => d.domain)).toEqual(["ok.test"]);
      expect(r.stack).toEqual({
        kmsServer: `kms1.ok.test:${kms.port}`,
        expectedHost: "kms1.ok.test",
        expectedPort: kms.port,
        expectedDomain: "ok.test",
        hostPrivateIp: "127.0.0.1",
        matchingRecord: { target: "kms1.ok.test", port: kms.port },
      });
      expect(r.findings).toEqual([]);
      expect(formatReport(r)).toContain(
        `Stack: the SRV record points to the stack's host kms1.ok.test:${kms.port}.`,
      );
    });

    test("the stack declares another port: an error, even though something answers", async () => {
      const r = await diagnose({
        dnsServers: [dns.server],
        timeoutMs: T,
        stackOutputs: outputs(kms2.port),
      });
      expect(r.ok).toBe(false);
      expect(r.clientWouldUse?.port).toBe(kms.port);
      expect(r.stack?.declaredPortConnections).toEqual([
        { address: "127.0.0.1", port: kms2.port, status: "open" },
      ]);
      expect(r.findings).toEqual([
        {
          severity: "error",
          check: "stack-port-mismatch",
          message: `_vlmcs._tcp.ok.test sends clients to kms1.ok.test:${kms.port}, but the stack's host listens on port ${kms2.port} (and port ${kms2.port} accepts connections)`,
          code: "0xC004F074",
          hint: `set the record's port to ${kms2.port} (KmsSrvRecord hosts[].port / KmsHost port), or the host's port with slmgr /sprt ${kms.port}`,
        },
      ]);
      expect(formatReport(r)).toContain("FAILED: 1 error above");
    });

    test("no record points to the stack's host: an error, the other records are flagged stale", async () => {
      const r = await diagnose({
        dnsServers: [dns.server],
        timeoutMs: T,
        stackOutputs: { kmsServer: "new.prio.test:1688", srvRecordName: "_vlmcs._tcp.prio.test" },
      });
      expect(r.ok).toBe(false);
      expect(checks(r)).toEqual([
        "warning:stack-stale-record",
        "warning:stack-stale-record",
        "error:stack-host-missing",
      ]);
      expect(r.findings[2].message).toBe(
        `no record of _vlmcs._tcp.prio.test points to the stack's host new.prio.test (found: main.prio.test:${kms.port}, backup.prio.test:${kms2.port})`,
      );
    });

    test("the host name resolves to another address than the host's private IP: a warning", async () => {
      const r = await diagnose({
        dnsServers: [dns.server],
        timeoutMs: T,
        stackOutputs: { ...outputs(kms.port), hostPrivateIp: "10.0.0.4" },
      });
      expect(r.ok).toBe(true);
      expect(r.findings).toEqual([
        {
          severity: "warning",
          check: "stack-address-mismatch",
          message:
            "kms1.ok.test resolves to 127.0.0.1, not to the host's private IP 10.0.0.4 (stale A record?)",
          hint: "update the A record of kms1.ok.test to 10.0.0.4",
        },
      ]);
    });

    test("--domain other than the stack's zone: the zone is reported as not checked", async () => {
      const r = await diagnose({
        domains: ["prio.test"],
        dnsServers: [dns.server],
        timeoutMs: T,
        stackOutputs: outputs(kms.port),
      });
      expect(checks(r)).toEqual(["warning:stack-domain-not-checked"]);
    });
  });
});
