/**
 * host-setup.ps1 and status.ps1 (host role) in the lab, with the parameters KmsHost builds, as Managed
 * Run Command passes them. Each scenario names the behaviour it guards; docs/lab.md lists
 * the lab's behaviours and their sources.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Lab, labHostKey } from "../tools/lab";
import {
  HOST_KEY_PARAMETER,
  VOLUME_LICENSE_PACK_PARAMETER,
  encodeParameterValue,
  hostSetupParameters,
  officeHostSetupParameters,
  scriptFailure,
  statusParameters,
} from "../components/scripts";
import { describeWithTool } from "./helpers/tools";
import { HostRun, kmsFirewallRules, runCommand } from "./helpers/labScripts";
import { makeHost as makeHostByHand, ps } from "./helpers/lab";

jest.setTimeout(180_000);

const WS2022 = "Windows Server 2022 Datacenter";
const KEY_2022 = labHostKey("Windows Server 2022");
const hostKey = { [HOST_KEY_PARAMETER]: KEY_2022 };

describeWithTool("pwsh", "lab: host-setup.ps1 and status.ps1 on a KMS host", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open();
  });
  afterAll(async () => {
    await lab?.close();
  });

  test("a fresh host becomes an activated KMS host; a second run changes nothing ('not available' numbers)", async () => {
    await lab.addMachine({ name: "kms01", role: "host", os: WS2022 });
    const first: HostRun = await runCommand(
      lab,
      "kms01",
      "host-setup",
      hostSetupParameters(),
      hostKey,
    );
    expect(first.outcome.exitCode).toBe(0);
    expect(first.result).toMatchObject({
      ok: true,
      isKmsHost: true,
      licenseStatus: "Licensed",
      productKeyChannel: "Volume:CSVLK",
      // No client has asked yet: Windows reports 4294967295, the script null.
      currentCount: null,
      port: 1688,
      activationIntervalMinutes: 120,
      renewalIntervalMinutes: 10080,
      dnsPublishing: false,
      firewallRule: "SPPSVC-In-TCP",
      serviceRestarted: true,
    });
    expect(first.result.changed).toEqual(expect.arrayContaining(["productKey", "activation"]));
    expect(first.outcome.output).not.toContain(KEY_2022);
    expect(first.result.partialProductKey).toBe(KEY_2022.slice(-5));

    const second: HostRun = await runCommand(
      lab,
      "kms01",
      "host-setup",
      hostSetupParameters(),
      hostKey,
    );
    expect(second.outcome.exitCode).toBe(0);
    expect(second.result).toMatchObject({ ok: true, changed: [], serviceRestarted: false });
    expect((await lab.state("kms01")).changed).toEqual([]);
  });

  test("status.ps1 on a host no client has reached reads its state", async () => {
    // Made a host by hand (slmgr /ipk, /ato), so that only status.ps1 is under test.
    await lab.addMachine({ name: "kmsstat", role: "host", os: WS2022 });
    await ps(lab, "kmsstat", makeHostByHand(KEY_2022));
    const status: HostRun = await runCommand(
      lab,
      "kmsstat",
      "status",
      statusParameters("host", undefined, ["c01", "c 02"]),
    );
    expect(status.outcome.exitCode).toBe(0);
    expect(status.result).toMatchObject({
      ok: true,
      isKmsHost: true,
      licenseStatus: "Licensed",
      currentCount: null,
      port: 1688,
    });
    expect(status.outcome.output).toContain("Reading the state after clients c01,c 02.");
  });

  test("a port change: the new port only, for the KMS program only; back to 1688 closes it again", async () => {
    await lab.addMachine({ name: "kmsport", role: "host", os: WS2022 });
    expect(
      (await runCommand(lab, "kmsport", "host-setup", hostSetupParameters(), hostKey)).outcome
        .exitCode,
    ).toBe(0);
    expect(await kmsFirewallRules(lab, "kmsport")).toEqual([
      {
        name: "SPPSVC-In-TCP",
        enabled: true,
        localPort: "1688",
        program: "%SystemRoot%\\system32\\sppextcomobj.exe",
      },
    ]);

    const moved: HostRun = await runCommand(
      lab,
      "kmsport",
      "host-setup",
      hostSetupParameters({ port: 1700 }),
      hostKey,
    );
    expect(moved.outcome.exitCode).toBe(0);
    expect(moved.result).toMatchObject({
      ok: true,
      port: 1700,
      firewallRule: "KMS (TCP 1700)",
      serviceRestarted: true,
    });
    expect(moved.result.changed).toEqual(expect.arrayContaining(["port", "firewall"]));
    // 1688 is no longer open: the built-in rule opens TCP 1688, where nothing listens now.
    expect(await kmsFirewallRules(lab, "kmsport")).toEqual([
      {
        name: "KMS-TCP-1700",
        enabled: true,
        localPort: "1700",
        program: "%SystemRoot%\\system32\\sppextcomobj.exe",
      },
      {
        name: "SPPSVC-In-TCP",
        enabled: false,
        localPort: "1688",
        program: "%SystemRoot%\\system32\\sppextcomobj.exe",
      },
    ]);
    const again: HostRun = await runCommand(
      lab,
      "kmsport",
      "host-setup",
      hostSetupParameters({ port: 1700 }),
      hostKey,
    );
    expect(again.result.changed).toEqual([]);

    const back: HostRun = await runCommand(
      lab,
      "kmsport",
      "host-setup",
      hostSetupParameters(),
      hostKey,
    );
    expect(back.result).toMatchObject({ ok: true, port: 1688, firewallRule: "SPPSVC-In-TCP" });
    expect(await kmsFirewallRules(lab, "kmsport")).toEqual([
      {
        name: "KMS-TCP-1700",
        enabled: false,
        localPort: "1700",
        program: "%SystemRoot%\\system32\\sppextcomobj.exe",
      },
      {
        name: "SPPSVC-In-TCP",
        enabled: true,
        localPort: "1688",
        program: "%SystemRoot%\\system32\\sppextcomobj.exe",
      },
    ]);
  });

  test("an Office host: the version and a pack path with spaces arrive whole through Run Command", async () => {
    const pack = fs.mkdtempSync(path.join(os.tmpdir(), "Office Volume License Pack "));
    try {
      fs.writeFileSync(
        path.join(pack, "KMSHost-LTSC2024.xrm-ms"),
        '<kmslab:officeHostLicense version="LTSC 2024"/>\n',
      );
      await lab.addMachine({ name: "kmsoffice", role: "host", os: WS2022 });
      expect(
        (await runCommand(lab, "kmsoffice", "host-setup", hostSetupParameters(), hostKey)).outcome
          .exitCode,
      ).toBe(0);
      const officeKey = labHostKey("Office LTSC 2024");
      const built = officeHostSetupParameters({
        officeVersion: "LTSC 2024",
        volumeLicensePack: pack,
      });
      // As KmsHost sends it: the pack location protected (it may carry a token), encoded.
      const { VolumeLicensePack: _plain, ...plain } = built.parameters;
      const office: HostRun = await runCommand(lab, "kmsoffice", "host-setup", plain, {
        [HOST_KEY_PARAMETER]: officeKey,
        [VOLUME_LICENSE_PACK_PARAMETER]: encodeParameterValue(pack),
      });
      expect(office.outcome.exitCode).toBe(0);
      expect(office.result).toMatchObject({
        ok: true,
        isKmsHost: true,
        officeVersion: "LTSC 2024",
        licenseStatus: "Licensed",
      });
      // Read as a sentence: "...; Office count: no client has asked yet." (it read "Office no client ...").
      expect(office.result.message).toMatch(/; Office count: no client has asked yet\.$/);
      expect(office.result.changed).toEqual(
        expect.arrayContaining(["licenses", "productKey", "activation"]),
      );
      expect(office.outcome.output).not.toContain(officeKey);

      const status: HostRun = await runCommand(
        lab,
        "kmsoffice",
        "status",
        statusParameters("host"),
      );
      expect(status.result.officeHosts).toEqual([
        expect.objectContaining({
          partialProductKey: officeKey.slice(-5),
          licenseStatus: "Licensed",
          currentCount: null,
        }),
      ]);
    } finally {
      fs.rmSync(pack, { recursive: true, force: true });
    }
  });

  test("a value with a space sent as is fails loudly instead of binding to another parameter", async () => {
    await lab.addMachine({ name: "kmssplit", role: "host", os: WS2022 });
    const run = await runCommand(
      lab,
      "kmssplit",
      "host-setup",
      { OfficeVersion: "LTSC 2024" },
      { [HOST_KEY_PARAMETER]: labHostKey("Office LTSC 2024") },
    );
    // powershell.exe -File exits 1 when the script cannot bind its parameters.
    expect(run.outcome.exitCode).toBe(1);
    expect(run.outcome.error).toMatch(
      /positional parameter cannot be found that accepts argument '2024'/,
    );
    // No result line: the components fail the step and quote PowerShell's own error.
    expect(() => run.result).toThrow(/printed no result[\s\S]*accepts argument '2024'/);
    expect((await lab.state("kmssplit")).changed).toEqual([]);
  });

  test("Microsoft's activation service flaky: bounded retries, then an activated host", async () => {
    await lab.addMachine({ name: "kmsflaky", role: "host", os: WS2022 });
    await lab.setConditions({ microsoftActivation: "flaky" });
    try {
      const run: HostRun = await runCommand(
        lab,
        "kmsflaky",
        "host-setup",
        hostSetupParameters({ activationRetries: 3, retryDelaySeconds: 30 }),
        hostKey,
      );
      expect(run.outcome.exitCode).toBe(0);
      expect(run.result).toMatchObject({ ok: true, isKmsHost: true });
      expect(run.outcome.output).toMatch(/attempt 2 of 4/);
      const slept = (await lab.state("kmsflaky")).sleptSeconds as number;
      expect(slept).toBeGreaterThanOrEqual(30);
      expect(slept).toBeLessThanOrEqual(90);
    } finally {
      await lab.setConditions({ microsoftActivation: "up" });
    }
  });

  test("Microsoft's activation service unreachable: a clear failure with meaning and the outbound-access fix", async () => {
    await lab.addMachine({ name: "kmsdown", role: "host", os: WS2022 });
    await lab.setConditions({ microsoftActivation: "down" });
    try {
      const run: HostRun = await runCommand(
        lab,
        "kmsdown",
        "host-setup",
        hostSetupParameters({ activationRetries: 2, retryDelaySeconds: 10 }),
        hostKey,
      );
      expect(run.outcome.exitCode).toBe(1);
      expect(run.result.ok).toBe(false);
      // The host key is installed (a KMS host key, as slmgr reads IsKeyManagementServiceMachine), not activated.
      expect(run.result.licenseStatus).not.toBe("Licensed");
      expect(run.result.errorCode).toMatch(/^0x8007/);
      expect(run.result.message).toMatch(
        /could not reach Microsoft's activation service over the internet \(0x[0-9A-F]{8}, after 3 attempts\)/,
      );
      expect(run.result.message).toMatch(/Allow outbound HTTPS \(TCP 443\).*NAT gateway/);
      // Bounded: three attempts, two waits.
      expect(
        (run.outcome.output.match(/Activating the KMS host key online \(attempt/g) ?? []).length,
      ).toBe(3);
      expect((await lab.state("kmsdown")).sleptSeconds).toBe(20);
      // What the user sees on the failing run: the script's own message.
      expect(scriptFailure(run.result).message).toBe(
        `host-setup.ps1 failed: ${run.result.message}`,
      );
      // And on the error stream, for a transport that shows only that of a failed run.
      expect(run.outcome.error.replace(/\s+/g, " ")).toContain(
        `[host-setup] ${run.result.message.slice(0, 120)}`,
      );
    } finally {
      await lab.setConditions({ microsoftActivation: "up" });
    }
  });

  test("logs longer than Run Command's 4,096-byte tail: the result line is still the last thing kept", async () => {
    // status.ps1 logs the Clients value it is given: a list of 300 names makes a log line longer than the
    // tail. (The count step now sends a bounded value, statusParameters; an admin may pass any.)
    const clients = Array.from(
      { length: 300 },
      (_, i) => `rds-client-${String(i + 1).padStart(3, "0")}`,
    );
    const host = statusParameters("host");
    const run: HostRun = await runCommand(lab, "kms01", "status", {
      ...host,
      parameters: { ...host.parameters, Clients: encodeParameterValue(clients.join(",")) },
    });
    expect(run.outcome.exitCode).toBe(0);
    expect(Buffer.byteLength(run.outcome.output, "utf8")).toBe(4096);
    expect(run.outcome.output).not.toContain("rds-client-001,");
    expect(run.outcome.output.trimEnd().split(/\r?\n/).pop()).toMatch(/^\{"script":"status".*\}$/);
    expect(run.result).toMatchObject({ ok: true, isKmsHost: true, licenseStatus: "Licensed" });
  });

  test("a failing host's log (11 attempts) still ends in its whole result line", async () => {
    await lab.addMachine({ name: "kmslong", role: "host", os: WS2022 });
    await lab.setConditions({ microsoftActivation: "down" });
    try {
      const run: HostRun = await runCommand(
        lab,
        "kmslong",
        "host-setup",
        hostSetupParameters({ activationRetries: 10, retryDelaySeconds: 0 }),
        hostKey,
      );
      expect(Buffer.byteLength(run.outcome.output, "utf8")).toBeLessThanOrEqual(4096);
      expect(run.outcome.output.trimEnd().split(/\r?\n/).pop()).toMatch(
        /^\{"script":"host-setup".*\}$/,
      );
      expect(run.result.ok).toBe(false);
      expect(run.result.message).toMatch(/after 11 attempts/);
    } finally {
      await lab.setConditions({ microsoftActivation: "up" });
    }
  });
});
