/**
 * `kms-doctor` as a process: exit codes 0 (a client finds a host), 1 (it does not), 2 (usage), text and
 * JSON output, --stack-outputs. Real dnsmasq and TCP listeners on loopback.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { DoctorReport } from "../tools/doctor";
import { main } from "../tools/doctor-cli";
import { closedTcpPort, Dnsmasq, startDnsmasq, startTcpListener } from "./helpers/dnsmasq";
import { describeWithTool } from "./helpers/tools";

const ROOT = path.resolve(__dirname, "..");
const CLI = path.join("tools", "doctor-cli.ts");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", CLI, ...args],
      {
        cwd: ROOT,
        timeout: 50_000,
        env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") },
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") return reject(error);
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** main() in this process, as the bin runs it: exit code, stdout and stderr (fast; no ts-node start). */
async function runMain(...args: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-doctor-"));
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function stackFile(name: string, port: number): string {
  const file = path.join(tmp, name);
  const outputs = {
    kmsServer: `kms.corp.test:${port}`,
    srvRecordName: "_vlmcs._tcp.corp.test",
    hostPrivateIp: "127.0.0.1",
    dnsZoneName: "corp.test",
  };
  fs.writeFileSync(file, JSON.stringify(outputs, null, 2));
  return file;
}

describeWithTool("dnsmasq", "kms-doctor CLI against a real DNS server", () => {
  let dns: Dnsmasq;
  let kms: { port: number; stop(): Promise<void> };
  let closed: number;

  beforeAll(async () => {
    kms = await startTcpListener();
    closed = await closedTcpPort();
    dns = await startDnsmasq({
      localDomains: ["corp.test", "down.test", "missing.test"],
      srvHosts: [
        { name: "_vlmcs._tcp.corp.test", target: "kms.corp.test", port: kms.port },
        { name: "_vlmcs._tcp.down.test", target: "kms.down.test", port: closed },
      ],
      hostRecords: [
        { name: "kms.corp.test", address: "127.0.0.1" },
        { name: "kms.down.test", address: "127.0.0.1" },
      ],
    });
  }, 20000);

  afterAll(async () => {
    await dns?.stop();
    await kms?.stop();
  });

  test("as a process: exit 0 and the host a client would use", async () => {
    const r = await cli("--domain", "corp.test", "--dns-server", dns.server, "--timeout", "1000");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `  _vlmcs._tcp.corp.test SRV: 1 record, in the order a client would try them:\n`,
    );
    expect(r.stdout).toContain(
      `    1. kms.corp.test:${kms.port} (priority 0, weight 0) -> 127.0.0.1 TCP open\n`,
    );
    expect(r.stdout).toContain(
      `Result: a client would activate against kms.corp.test:${kms.port} (127.0.0.1).\n`,
    );
    expect(r.stdout.endsWith("\nOK\n")).toBe(true);
    expect(r.stderr).toBe("");
  }, 60_000);

  test("exit 1 with --json: one JSON document naming the client's error", async () => {
    const r = await runMain(
      "--domain",
      "missing.test",
      "--domain",
      "down.test",
      "--dns-server",
      dns.server,
      "--timeout",
      "1000",
      "--json",
    );
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.ok).toBe(false);
    expect(report.domains.map((d) => [d.domain, d.status])).toEqual([
      ["missing.test", "nxdomain"],
      ["down.test", "found"],
    ]);
    expect(report.clientError?.code).toBe("0xC004F074");
    expect(report.clientError?.detail).toBe(
      `SRV records found, but no host accepted a TCP connection (tried kms.down.test:${closed})`,
    );
  });

  test("exit 1 in text: code, meaning and fix for a missing record", async () => {
    const r = await runMain("-d", "missing.test", "--dns-server", dns.server, "--timeout", "1000");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "Result: a client would find no KMS host and report 0x8007232B (DNS_ERROR_RCODE_NAME_ERROR).\n",
    );
    expect(r.stdout).toContain(
      "  Seen: _vlmcs._tcp.missing.test: the name does not exist (NXDOMAIN)\n",
    );
    expect(r.stdout).toContain("  Fix: Create the _vlmcs._tcp SRV record");
  });

  test("--host: exit 0 for the listener, exit 1 for a closed port", async () => {
    const open = await runMain("--host", `127.0.0.1:${kms.port}`, "--timeout", "1000");
    expect(open.code).toBe(0);
    expect(open.stdout).toContain(`  127.0.0.1:${kms.port} -> 127.0.0.1 TCP open\n`);
    const shut = await runMain("--host", `127.0.0.1:${closed}`, "--timeout", "1000", "--json");
    expect(shut.code).toBe(1);
    expect((JSON.parse(shut.stdout) as DoctorReport).clientError?.code).toBe("0xC004F074");
  });

  test("--stack-outputs: exit 0 when the record matches, 1 when the port differs", async () => {
    const good = await runMain(
      "--stack-outputs",
      stackFile("good.json", kms.port),
      "--dns-server",
      dns.server,
      "--timeout",
      "1000",
    );
    expect(good.code).toBe(0);
    expect(good.stdout).toContain(
      `Stack: the SRV record points to the stack's host kms.corp.test:${kms.port}.\n`,
    );

    const bad = await runMain(
      "--stack-outputs",
      stackFile("bad.json", 1688),
      "--dns-server",
      dns.server,
      "--timeout",
      "1000",
      "--json",
    );
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout) as DoctorReport;
    expect(report.findings.map((f) => f.check)).toEqual(["stack-port-mismatch"]);
  });
});

describe("kms-doctor CLI process: usage (no DNS server)", () => {
  test("a usage error: exit 2, message on stderr", async () => {
    const r = await cli("--timeout", "soon", "--domain", "corp.test");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      'error: kms-doctor: --timeout must be a whole number of milliseconds from 1 to 600000; received "soon".\n(run kms-doctor --help for usage)\n',
    );
  }, 60_000);
});

describe("kms-doctor main() in process (usage only, no network)", () => {
  test.each([
    [
      [],
      "error: kms-doctor: --domain must be at least one DNS domain (or --stack-outputs, or --host); received none.",
    ],
    [
      ["--domain", "corp.test", "--dns-server", "dns.corp.test"],
      "error: kms-doctor: --dns-server must be an IP address",
    ],
    [
      ["--domain", "corp..test"],
      'error: kms-doctor: --domain must be a DNS domain such as corp.contoso.com; received "corp..test".',
    ],
    [
      ["--domain", "corp.test", "--host", "kms.corp.test"],
      "error: kms-doctor: --host must be used without --domain",
    ],
    [
      ["--host", "kms.corp.test:99999"],
      "error: kms-doctor: --host must be a host name or address with an optional port",
    ],
    [
      ["--stack-outputs", "/nonexistent/outputs.json"],
      "error: kms-doctor: --stack-outputs must be a readable file",
    ],
    [["--frobnicate"], "error: unknown option '--frobnicate'"],
    [["--domain"], "error: option '-d, --domain <domain>' argument missing"],
  ])("usage error %j: exit 2", async (args, message) => {
    const r = await runMain(...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(message);
  });

  test("a stack outputs file that is not JSON: exit 2", async () => {
    const file = path.join(tmp, "not.json");
    fs.writeFileSync(file, "kmsServer = kms:1688");
    const r = await runMain("--stack-outputs", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "--stack-outputs must be a JSON file written by `pulumi stack output --json`",
    );
  });

  test("--help: exit 0 with the options", async () => {
    const r = await runMain("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: kms-doctor [options]");
    expect(r.stdout).toContain("--stack-outputs <file>");
  });
});

describe("kms-doctor fixed host by address (loopback TCP only, no DNS server)", () => {
  test("an IPv6 address is printed in brackets, and the Fix names the real host and port", async () => {
    const closed = await closedTcpPort();
    const r = await runMain("--host", `[::1]:${closed}`, "--timeout", "2000");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`  [::1]:${closed} -> `);
    expect(r.stdout).not.toMatch(/(^|\s)::1:\d/m);
    expect(r.stdout).toContain(`Test-NetConnection ::1 -Port ${closed}`);
    expect(r.stdout).not.toContain("-Port 1688");
  }, 30_000);

  test("an IPv4 host on another port: the Fix uses that port", async () => {
    const closed = await closedTcpPort();
    const r = await runMain("--host", `127.0.0.1:${closed}`, "--timeout", "2000", "--json");
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.clientError?.fix).toContain(`Test-NetConnection 127.0.0.1 -Port ${closed}`);
  }, 30_000);
});
