/** parseScriptResult, describeFailure and KmsScriptError on outputs as Run Command and SSH return them. */
import * as fs from "fs";
import * as path from "path";
import {
  ClientResult,
  HostResult,
  KmsScriptError,
  describeFailure,
  isClientResult,
  isHostResult,
  parseScriptResult,
  scriptFailure,
} from "../components/scripts";
import { describeErrorCode } from "pulumi-kms-activation-catalog";

const fixture = (name: string) =>
  fs.readFileSync(path.join(__dirname, "fixtures", "script-output", name), "utf8");

/** The JSON result line of a fixture, parsed on its own. */
const lastLine = (text: string) =>
  JSON.parse(text.trim().split("\n").pop()!) as Record<string, unknown>;

describe("parseScriptResult on realistic outputs", () => {
  test("host activated", () => {
    const r = parseScriptResult(fixture("host-activated.txt"), "host-setup") as HostResult;
    expect(isHostResult(r)).toBe(true);
    expect(r).toEqual({
      script: "host-setup",
      role: "host",
      ok: true,
      changed: ["productKey", "activation", "dnsPublishing", "firewall"],
      errorCode: null,
      message: "This machine is an activated KMS host listening on TCP 1688; current count 0.",
      licenseStatus: "Licensed",
      licenseStatusCode: 1,
      partialProductKey: "3QXKD",
      productName: "Windows(R), ServerDatacenter edition",
      productKeyChannel: "Volume:CSVLK",
      isKmsHost: true,
      currentCount: 0,
      requiredClientCount: 5,
      port: 1688,
      dnsPublishing: false,
      lowPriority: false,
      activationIntervalMinutes: 120,
      renewalIntervalMinutes: 10080,
      serviceRestarted: true,
      firewallRule: "SPPSVC-In-TCP",
    });
  });

  test("client activated", () => {
    const r = parseScriptResult(fixture("client-activated.txt"), "client-setup") as ClientResult;
    expect(isClientResult(r)).toBe(true);
    expect(r).toEqual({
      ...lastLine(fixture("client-activated.txt")),
      script: "client-setup",
      role: "client",
    });
    expect(r.activated).toBe(true);
    expect(r.kmsServer).toBe("kms1.corp.contoso.com:1688");
    expect(r.cmid).toBe("6a1e7cc3-4a21-4b5e-9b3e-0d5c0a7c1f42");
    expect(r.remainingRearmCount).toBe(1001);
  });

  test("client pending on 0xC004F038 is ok, not activated, with the reason", () => {
    const r = parseScriptResult(fixture("client-pending.txt"), "client-setup") as ClientResult;
    expect({
      ok: r.ok,
      activated: r.activated,
      pending: r.pending,
      errorCode: r.errorCode,
    }).toEqual({
      ok: true,
      activated: false,
      pending: true,
      errorCode: "0xC004F038",
    });
    // PowerShell 5.1 writes ' as \u0027; JSON.parse restores it.
    expect(r.pendingReason).toBe(
      "0xC004F038: The KMS host's count is too low: it has seen fewer distinct machines in the last 30 days than this product needs (25 for Windows client, 5 for Windows Server and Office)",
    );
    expect(r.lookupDomain).toBe("corp.contoso.com");
  });

  test("client failed with 0xC004F074: ok=false, fields kept for the caller", () => {
    const r = parseScriptResult(fixture("client-failed-f074.txt"), "client-setup") as ClientResult;
    expect(r.ok).toBe(false);
    expect(r.errorCode).toBe("0xC004F074");
    expect(r.cmid).toBe("5d8e2f1a-7b3c-4e9d-8a6f-1c2b3d4e5f60");
    expect(r.kmsServer).toBeNull();
    // The script's own message: what it was doing, then the code's meaning and fix.
    expect(describeFailure(r)).toBe(r.message);
    expect(describeFailure(r)).toMatch(
      /^Activation failed\. 0xC004F074: No KMS host could be contacted\. Fix: On the host, /,
    );
  });

  test("noise: BOM, CRLF, blank lines and an appended error stream after the result", () => {
    const noisy =
      "\uFEFF" +
      fixture("client-activated.txt").replace(/\n/g, "\r\n") +
      "\r\n\r\n   \r\n" +
      "WARNING: The VM agent reported a transient status.\r\n\r\n";
    const r = parseScriptResult(noisy, "client-setup");
    expect(r).toEqual(parseScriptResult(fixture("client-activated.txt"), "client-setup"));
  });

  test("a BOM right before the JSON line and a lone CR line end", () => {
    const json = JSON.stringify({ ...lastLine(fixture("host-activated.txt")), script: "status" });
    const r = parseScriptResult(`[status] Activated KMS host.\r\uFEFF${json}`, "status");
    expect(r.role).toBe("host");
    expect(r.script).toBe("status");
    expect((r as HostResult).currentCount).toBe(0);
  });

  test("front cut off by Run Command's 4 KB limit", () => {
    const logs = Array.from(
      { length: 80 },
      (_, i) => `[client-setup] log line ${i} with some padding text.`,
    ).join("\n");
    const full = `${logs}\n${fixture("client-pending.txt")}`;
    const truncated = Buffer.from(full, "utf8").subarray(-4096).toString("utf8");
    expect(truncated.startsWith("[client-setup] log line 0")).toBe(false);
    const r = parseScriptResult(truncated, "client-setup") as ClientResult;
    expect(r.pending).toBe(true);
  });

  test("a result line a console wrapped into several lines", () => {
    const line = JSON.stringify(lastLine(fixture("client-activated.txt")));
    const wrapped = `[client-setup] Activating.\n${line.match(/.{1,120}/g)!.join("\n")}\n`;
    expect(parseScriptResult(wrapped, "client-setup")).toEqual(
      parseScriptResult(fixture("client-activated.txt"), "client-setup"),
    );
  });

  test("status as a client fills the client fields", () => {
    const line = JSON.stringify({
      script: "status",
      role: "client",
      ok: true,
      changed: [],
      errorCode: null,
      message: "Activated (Office 24, Office24ProPlus2024Volume edition).",
      licenseStatus: "Licensed",
      licenseStatusCode: 1,
      partialProductKey: "8Y9WP",
      productName: "Office 24, Office24ProPlus2024Volume edition",
      productKeyChannel: "Volume:GVLK",
      activated: true,
      pending: false,
      pendingReason: null,
      cmid: "11111111-2222-3333-4444-555555555555",
      kmsServer: "kms1.corp.contoso.com:1688",
      lookupDomain: null,
      remainingRearmCount: 5,
      applicationId: "0ff1ce15-a989-479d-af46-f275c6370663",
    });
    const r = parseScriptResult(`[status] Activated.\n${line}\n`, "status");
    expect(isClientResult(r)).toBe(true);
    expect((r as ClientResult).applicationId).toBe("0ff1ce15-a989-479d-af46-f275c6370663");
  });

  test("status as a host keeps the request counters", () => {
    const line = JSON.stringify({
      script: "status",
      role: "host",
      ok: true,
      changed: [],
      errorCode: null,
      message: "Activated KMS host on TCP 1688; current count 7.",
      licenseStatus: "Licensed",
      licenseStatusCode: 1,
      partialProductKey: "3QXKD",
      productName: "Windows(R), ServerDatacenter edition",
      productKeyChannel: "Volume:CSVLK",
      isKmsHost: true,
      currentCount: 7,
      requiredClientCount: 5,
      port: 1688,
      dnsPublishing: false,
      lowPriority: false,
      activationIntervalMinutes: 120,
      renewalIntervalMinutes: 10080,
      serviceRestarted: false,
      firewallRule: null,
      requests: {
        total: 12,
        failed: 1,
        unlicensed: 0,
        licensed: 4,
        oobGrace: 0,
        ootGrace: 0,
        nonGenuineGrace: 0,
        notification: 7,
      },
    });
    const r = parseScriptResult(line, "status") as HostResult;
    expect(r.role).toBe("host");
    expect(r.currentCount).toBe(7);
    expect(r.requests).toEqual({
      total: 12,
      failed: 1,
      unlicensed: 0,
      licensed: 4,
      oobGrace: 0,
      ootGrace: 0,
      nonGenuineGrace: 0,
      notification: 7,
    });
  });

  test("a parameter error (exit 2) keeps its message and missing fields become null", () => {
    const line =
      '{"script":"host-setup","role":"host","ok":false,"changed":[],"errorCode":null,"message":"Port must be an integer from 1 to 65535 (the KMS default is 1688); received 70000."}';
    const r = parseScriptResult(
      `[host-setup] Port must be ...\n${line}`,
      "host-setup",
    ) as HostResult;
    expect(r.ok).toBe(false);
    expect(r.port).toBeNull();
    expect(r.isKmsHost).toBe(false);
    expect(r.licenseStatus).toBeNull();
    expect(describeFailure(r)).toBe(
      "Port must be an integer from 1 to 65535 (the KMS default is 1688); received 70000.",
    );
  });

  test.each([
    ["-1073418184", "0xC004F038"],
    ["0xc004f074", "0xC004F074"],
    ["C004F042", "0xC004F042"],
  ])("errorCode %s is normalised to %s", (given, expected) => {
    const line = JSON.stringify({
      ...lastLine(fixture("client-failed-f074.txt")),
      errorCode: given,
    });
    expect(parseScriptResult(line, "client-setup").errorCode).toBe(expected);
  });
});

describe("parseScriptResult without a result", () => {
  test("missing line: KmsScriptError quoting the last five lines", () => {
    const out = fixture("killed-no-result.txt");
    let error: unknown;
    try {
      parseScriptResult(out, "client-setup");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KmsScriptError);
    const e = error as KmsScriptError;
    expect(e.name).toBe("KmsScriptError");
    expect(e.script).toBe("client-setup");
    expect(e.errorCode).toBeUndefined();
    const expectedTail = out
      .trim()
      .split("\n")
      .slice(-5)
      .map((l) => l.trim())
      .join("\n");
    expect(e.outputTail).toBe(expectedTail);
    expect(e.message).toBe(
      `client-setup.ps1 printed no result: its last line should be one JSON object with "ok". ` +
        `The script may have been stopped, or failed before it could report. Last lines of output:\n${expectedTail}`,
    );
    expect(e.message).toContain("FullyQualifiedErrorId : HRESULT 0x80041003");
  });

  test.each([
    ["empty output", "", "(no output)"],
    ["blank lines only", "\r\n\r\n", "(no output)"],
    [
      "garbled result line",
      '[host-setup] x\n{"script":"host-setup","ok":tru',
      '[host-setup] x\n{"script":"host-setup","ok":tru',
    ],
    ["a JSON array", "[1,2]", "[1,2]"],
    ["an object without ok", '{"script":"host-setup"}', '{"script":"host-setup"}'],
  ])("%s: KmsScriptError", (_label, output, tail) => {
    expect(() => parseScriptResult(output, "host-setup")).toThrow(KmsScriptError);
    try {
      parseScriptResult(output, "host-setup");
    } catch (e) {
      expect((e as KmsScriptError).outputTail).toBe(tail);
    }
  });

  test("the result of another script is refused", () => {
    expect(() => parseScriptResult(fixture("client-activated.txt"), "host-setup")).toThrow(
      /^Expected the result of host-setup\.ps1, found one of "client-setup"\./,
    );
  });

  test("long lines are shortened in the quoted tail", () => {
    const long = "x".repeat(1000);
    try {
      parseScriptResult(long, "status");
      throw new Error("expected a KmsScriptError");
    } catch (e) {
      expect((e as KmsScriptError).outputTail).toBe(`${"x".repeat(300)}…`);
    }
  });
});

describe("describeFailure and scriptFailure", () => {
  test("pending: the script's message, with 0xC004F038's meaning and fix", () => {
    const r = parseScriptResult(fixture("client-pending.txt"), "client-setup");
    expect(describeFailure(r)).toBe(r.message);
    expect(describeFailure(r)).toContain("0xC004F038: The KMS host's count is too low");
  });

  test("a message that does not name its code gets the catalog's text added", () => {
    const line = JSON.stringify({
      ...lastLine(fixture("client-failed-f074.txt")),
      errorCode: "0xC004FFFF",
    });
    const r = parseScriptResult(line, "client-setup");
    expect(describeFailure(r)).toBe(
      `${r.message} 0xC004FFFF: not a known KMS activation error. Run slui.exe 0x2a 0xC004FFFF on the machine for Windows' own description.`,
    );
  });

  test("no message: the catalog's meaning and fix", () => {
    const line = JSON.stringify({ ...lastLine(fixture("client-failed-f074.txt")), message: "" });
    expect(describeFailure(parseScriptResult(line, "client-setup"))).toBe(
      describeErrorCode("0xC004F074"),
    );
  });

  test("scriptFailure carries the script, the code and the script's own message", () => {
    const r = parseScriptResult(fixture("client-failed-f074.txt"), "client-setup");
    const e = scriptFailure(r);
    expect(e).toBeInstanceOf(KmsScriptError);
    expect(e.script).toBe("client-setup");
    expect(e.errorCode).toBe("0xC004F074");
    expect(e.message).toBe(`client-setup.ps1 failed: ${r.message}`);
  });
});
