/**
 * The lab's own behaviours (lab/KmsLab.psm1 through tools/lab), each checked from small PowerShell
 * snippets against the CIM stand-ins. Sources for each behaviour: docs/lab.md.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Lab, labHostKey, labModuleDir, LAB_HOST_KEYS, writeVolumeLicensePack } from "../tools/lab";
import { KEY_GROUPS, PRODUCTS } from "pulumi-kms-activation-catalog";
import { describeWithTool } from "./helpers/tools";
import { activateAgainst, makeHost, ps } from "./helpers/lab";

jest.setTimeout(180_000);

const WS2022 = "Windows Server 2022 Datacenter";
const WS2022_STD = "Windows Server 2022 Standard";
const HOST_KEY_2022 = labHostKey("Windows Server 2022");

describe("lab host keys", () => {
  test("one key per key group, in the published key alphabet, none a published setup key", () => {
    const published = new Set(PRODUCTS.map((p) => p.setupKey));
    expect(Object.keys(LAB_HOST_KEYS).sort()).toEqual(KEY_GROUPS.map((g) => g.id).sort());
    for (const key of Object.values(LAB_HOST_KEYS)) {
      expect(key).toMatch(/^[BCDFGHJKMNPQRTVWXY2346789]{5}(-[BCDFGHJKMNPQRTVWXY2346789]{5}){4}$/);
      expect(published.has(key)).toBe(false);
    }
    expect(new Set(Object.values(LAB_HOST_KEYS)).size).toBe(KEY_GROUPS.length);
    expect(labHostKey("2022")).toBe(LAB_HOST_KEYS["Windows Server 2022"]);
  });
});

describe("lab package", () => {
  test("the lab module ships with the npm package and the TypeScript finds it", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
    expect(pkg.files).toContain("lab/");
    const dir = labModuleDir();
    for (const f of ["KmsLab.psm1", "KmsLab.Types.cs", "KmsLab.Server.cs", "server.ps1"]) {
      expect(fs.existsSync(path.join(dir, f))).toBe(true);
    }
  });
});

describeWithTool("pwsh", "lab: one machine's licensing service", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open();
    await lab.addMachine({ name: "kms01", role: "host", os: WS2022 });
    await lab.addMachine({ name: "cli01", role: "client", os: WS2022_STD });
  });
  afterAll(async () => {
    await lab?.close();
  });

  test("a fresh Windows Server reads 'not available' values as Windows does (4294967295, port 1688)", async () => {
    const r = await ps(
      lab,
      "kms01",
      String.raw`
$s = Get-Service0
$p = Get-Product0
$names = 'KeyManagementServiceCurrentCount','RequiredClientCount','VLActivationInterval','VLRenewalInterval','KeyManagementServiceTotalRequests','KeyManagementServiceFailedRequests','KeyManagementServicePort','IsKeyManagementServiceMachine'
$o = [ordered]@{}
foreach ($n in $names) { $o[$n] = $s.$n }
$o.type = $s.KeyManagementServiceCurrentCount.GetType().Name
$o.cimType = $s.CimInstanceProperties['KeyManagementServiceCurrentCount'].CimType
$o.channel = $p.ProductKeyChannel
$o.status = $p.LicenseStatus
$o.intCast = Get-Hr { [int]$s.KeyManagementServiceCurrentCount }
$o | ConvertTo-Json -Compress`,
    );
    expect(r).toEqual({
      KeyManagementServiceCurrentCount: 4294967295,
      RequiredClientCount: 4294967295,
      VLActivationInterval: 4294967295,
      VLRenewalInterval: 4294967295,
      KeyManagementServiceTotalRequests: 4294967295,
      KeyManagementServiceFailedRequests: 4294967295,
      KeyManagementServicePort: 1688,
      IsKeyManagementServiceMachine: 0,
      type: "UInt32",
      cimType: "UInt32",
      channel: "Volume:GVLK",
      status: 2,
      intCast: expect.stringContaining('not a CIM error: Cannot convert value "4294967295"'),
    });
  });

  test("host-only methods on a machine that is not a KMS host fail with a CIM error carrying the HRESULT", async () => {
    const r = await ps(
      lab,
      "cli01",
      String.raw`
$s = Get-Service0
$o = [ordered]@{}
foreach ($m in @(@('SetVLActivationInterval', @{ ActivationInterval = [uint32]120 }), @('SetVLRenewalInterval', @{ RenewalInterval = [uint32]10080 }), @('SetKeyManagementServiceListeningPort', @{ PortNumber = [uint32]1688 }), @('DisableKeyManagementServiceDnsPublishing', @{ DisablePublishing = $true }), @('EnableKeyManagementServiceLowPriority', @{ EnableLowPriority = $true }))) {
    $name = $m[0]; $a = $m[1]
    $o[$name] = Get-Hr { Invoke-CimMethod -InputObject $s -MethodName $name -Arguments $a }
}
try { Invoke-CimMethod -InputObject $s -MethodName SetVLActivationInterval -Arguments @{ ActivationInterval = [uint32]120 } } catch {
    $o.isCimException = $_.Exception -is [Microsoft.Management.Infrastructure.CimException]
    $o.fqid = $_.FullyQualifiedErrorId
    $o.messageId = $_.Exception.MessageId
}
$o | ConvertTo-Json -Compress`,
    );
    expect(r).toEqual({
      SetVLActivationInterval: "0xC004F016",
      SetVLRenewalInterval: "0xC004F016",
      SetKeyManagementServiceListeningPort: "0xC004F016",
      DisableKeyManagementServiceDnsPublishing: "0xC004F016",
      EnableKeyManagementServiceLowPriority: "0xC004F016",
      isCimException: true,
      fqid: "HRESULT 0xc004f016,Microsoft.Management.Infrastructure.CimCmdlets.InvokeCimMethodCommand",
      messageId: "HRESULT 0xc004f016",
    });
  });

  test("an invalid key gives 0xC004F050; a setup key of another edition 0xC004F069", async () => {
    const r = await ps(
      lab,
      "cli01",
      String.raw`
$s = Get-Service0
@{
  typo = Get-Hr { Invoke-CimMethod -InputObject $s -MethodName InstallProductKey -Arguments @{ ProductKey = 'BBBBB-BBBBB-BBBBB-BBBBB-BBBBB' } }
  otherEdition = Get-Hr { Invoke-CimMethod -InputObject $s -MethodName InstallProductKey -Arguments @{ ProductKey = 'NPPR9-FWDCX-D2C8J-H872K-2YT43' } }
  ownKey = Get-Hr { Invoke-CimMethod -InputObject $s -MethodName InstallProductKey -Arguments @{ ProductKey = 'VDYBN-27WPP-V4HQT-9VMD4-VMK7H' } }
} | ConvertTo-Json -Compress`,
    );
    expect(r).toEqual({ typo: "0xC004F050", otherEdition: "0xC004F069", ownKey: "ok" });
  });

  test("a method called with a wrong argument name fails as CIM does (invalid parameter)", async () => {
    const r = await ps(
      lab,
      "cli01",
      String.raw`
$s = Get-Service0
@{ hr = Get-Hr { Invoke-CimMethod -InputObject $s -MethodName SetKeyManagementServicePort -Arguments @{ Port = [uint32]1688 } } } | ConvertTo-Json -Compress`,
    );
    expect(r).toEqual({ hr: "0x80041008" });
  });

  test("a CSVLK install makes a KMS host; online activation licenses it; count stays 'not available' until a request", async () => {
    const r = await ps(
      lab,
      "kms01",
      String.raw`
$s = Get-Service0
Invoke-CimMethod -InputObject $s -MethodName InstallProductKey -Arguments @{ ProductKey = '${HOST_KEY_2022}' } | Out-Null
$p = Get-Product0
$before = [int]$p.LicenseStatus
$hr = Get-Hr { Invoke-CimMethod -InputObject $p -MethodName Activate }
$p = Get-Product0
$s = Get-Service0
[ordered]@{ channel = $p.ProductKeyChannel; key = $p.PartialProductKey; before = $before; hr = $hr; status = [int]$p.LicenseStatus
  isHost = [int]$p.IsKeyManagementServiceMachine; count = $p.KeyManagementServiceCurrentCount; serviceCount = $s.KeyManagementServiceCurrentCount
  interval = $s.VLActivationInterval; renewal = $s.VLRenewalInterval } | ConvertTo-Json -Compress`,
    );
    expect(r).toEqual({
      channel: "Volume:CSVLK",
      key: HOST_KEY_2022.slice(-5),
      before: 2,
      hr: "ok",
      status: 1,
      isHost: 1,
      count: 4294967295,
      serviceCount: 4294967295,
      interval: 120,
      renewal: 10080,
    });
    const state = await lab.state("kms01");
    expect(state).toMatchObject({
      role: "host",
      isKmsHost: true,
      licenseStatus: 1,
      currentCount: 0,
    });
    expect(state.changed).toEqual(["productKey", "activation"]);
  });

  test("the state never holds a full key", () => {
    const files = fs.readdirSync(path.join(lab.stateDir, "machines"));
    for (const f of files) {
      const text = fs.readFileSync(path.join(lab.stateDir, "machines", f), "utf8");
      expect(text).not.toContain(HOST_KEY_2022);
      expect(text).not.toContain("VDYBN-27WPP-V4HQT-9VMD4-VMK7H");
    }
  });
});

describeWithTool("pwsh", "lab: hosts and clients on one network", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open();
    await lab.addMachine({ name: "kms01", role: "host", os: WS2022 });
    await lab.setAddress("kms01.lab.test", "kms01");
    await ps(lab, "kms01", makeHost(HOST_KEY_2022));
  });
  afterAll(async () => {
    await lab?.close();
  });

  test("servers activate at a count of 5 distinct CMIDs; the first four are told 0xC004F038", async () => {
    const results: { hr: string; status: number; interval: number }[] = [];
    for (let i = 0; i < 5; i++) {
      await lab.addMachine({ name: `srv${i}`, role: "client", os: WS2022_STD });
      results.push(await ps(lab, `srv${i}`, activateAgainst("kms01.lab.test")));
    }
    expect(results.map((r) => r.hr)).toEqual([
      "0xC004F038",
      "0xC004F038",
      "0xC004F038",
      "0xC004F038",
      "ok",
    ]);
    expect(results[4].status).toBe(1);
    // The host's answer carries its activation interval, which the client takes.
    expect(results[0].interval).toBe(120);
    const host = await lab.state("kms01");
    expect(host.currentCount).toBe(5);
    const count = await ps(
      lab,
      "kms01",
      `$p = Get-Product0; @{ count = $p.KeyManagementServiceCurrentCount; total = $p.KeyManagementServiceTotalRequests; required = $p.RequiredClientCount } | ConvertTo-Json -Compress`,
    );
    expect(count).toEqual({ count: 5, total: 5, required: 25 });
    expect(await lab.state("srv4")).toMatchObject({
      activated: true,
      licenseStatus: 1,
      activatedBy: "kms01.lab.test:1688",
    });
  });

  test("a Windows client needs 25 (servers and clients add to one count)", async () => {
    await lab.addMachine({ name: "win11a", role: "client", os: "Windows 11 Enterprise" });
    const r = await ps(lab, "win11a", activateAgainst("kms01.lab.test"));
    expect(r.hr).toBe("0xC004F038");
    expect((await lab.state("kms01")).currentCount).toBe(6);
  });

  test("30 clients raise the host's count, in parallel", async () => {
    const names = Array.from({ length: 30 }, (_, i) => `many${i}`);
    for (const n of names)
      await lab.addMachine({ name: n, role: "client", os: "Windows 11 Enterprise" });
    const results = await Promise.all(
      names.map((n) => ps<{ hr: string }>(lab, n, activateAgainst("kms01.lab.test"))),
    );
    expect(results.filter((r) => r.hr === "ok").length).toBeGreaterThan(0);
    // 5 servers + 1 + 30 clients, capped at the 50 the host keeps.
    expect((await lab.state("kms01")).currentCount).toBe(36);
    // Every client that asked after the 25th distinct machine was activated.
    const late = await ps(lab, "win11a", activateAgainst("kms01.lab.test"));
    expect(late.hr).toBe("ok");
  });

  test("clients that share a CMID count once", async () => {
    const fresh = await Lab.open();
    try {
      await fresh.addMachine({ name: "kms02", role: "host", os: WS2022 });
      await ps(fresh, "kms02", makeHost(HOST_KEY_2022));
      for (let i = 0; i < 6; i++) {
        await fresh.addMachine({
          name: `clone${i}`,
          role: "client",
          os: WS2022_STD,
          cmid: "11111111-2222-3333-4444-555555555555",
        });
        const r = await ps<{ hr: string }>(fresh, `clone${i}`, activateAgainst("kms02"));
        expect(r.hr).toBe("0xC004F038");
      }
      expect((await fresh.state("kms02")).currentCount).toBe(1);
      // A rearm gives a clone its own CMID, at the next restart.
      const rearm = await ps(
        fresh,
        "clone0",
        `Invoke-CimMethod -InputObject (Get-Service0) -MethodName ReArmWindows | Out-Null; shutdown.exe /r /t 15 | Out-Null; @{ cmid = (Get-Service0).ClientMachineID; exit = $LASTEXITCODE } | ConvertTo-Json -Compress`,
      );
      expect(rearm).toEqual({ cmid: "11111111-2222-3333-4444-555555555555", exit: 0 });
      await ps(fresh, "clone0", activateAgainst("kms02"));
      expect((await fresh.state("clone0")).cmid).not.toBe("11111111-2222-3333-4444-555555555555");
      expect((await fresh.state("kms02")).currentCount).toBe(2);
    } finally {
      await fresh.close();
    }
  });

  test("a host whose key group cannot activate the product answers 0xC004F042", async () => {
    await lab.addMachine({ name: "kms2019", role: "host", os: "Windows Server 2019 Datacenter" });
    await ps(lab, "kms2019", makeHost(labHostKey("Windows Server 2019")));
    await lab.addMachine({ name: "w11x", role: "client", os: "Windows 11 Enterprise" });
    const r = await ps(lab, "w11x", activateAgainst("kms2019"));
    expect(r.hr).toBe("0xC004F042");
    expect(await lab.state("w11x")).toMatchObject({ errorCode: "0xC004F042", activated: false });
  });

  test("a host that is not activated answers 0xC004F041", async () => {
    await lab.addMachine({ name: "kmsoff", role: "host", os: WS2022 });
    await lab.setConditions({ microsoftActivation: "down" });
    try {
      const hostRun = await ps(
        lab,
        "kmsoff",
        `${makeHost(HOST_KEY_2022).replace("Invoke-CimMethod -InputObject $p -MethodName Activate | Out-Null", "$hr = Get-Hr { Invoke-CimMethod -InputObject $p -MethodName Activate }").replace(`'{"done":true}'`, "@{ hr = $hr } | ConvertTo-Json -Compress")}`,
      );
      // Microsoft's activation service unreachable: a name-resolution error (WinHTTP), worth a retry.
      expect(hostRun.hr).toBe("0x80072EE7");
    } finally {
      await lab.setConditions({ microsoftActivation: "up" });
    }
    await lab.addMachine({ name: "asker", role: "client", os: WS2022_STD });
    const r = await ps(lab, "asker", activateAgainst("kmsoff"));
    expect(r.hr).toBe("0xC004F041");
  });

  test("Microsoft activation flaky: the first attempt fails with a transient error, the next succeeds", async () => {
    await lab.addMachine({ name: "kmsflaky", role: "host", os: WS2022 });
    await lab.setConditions({ microsoftActivation: "flaky" });
    try {
      const r = await ps(
        lab,
        "kmsflaky",
        String.raw`
Invoke-CimMethod -InputObject (Get-Service0) -MethodName InstallProductKey -Arguments @{ ProductKey = '${HOST_KEY_2022}' } | Out-Null
$p = Get-Product0
$first = Get-Hr { Invoke-CimMethod -InputObject $p -MethodName Activate }
$second = Get-Hr { Invoke-CimMethod -InputObject $p -MethodName Activate }
@{ first = $first; second = $second; status = [int](Get-Product0).LicenseStatus } | ConvertTo-Json -Compress`,
      );
      expect(r).toEqual({ first: "0x80072EE2", second: "ok", status: 1 });
    } finally {
      await lab.setConditions({ microsoftActivation: "up" });
    }
  });

  test("no SRV record in the client's domain: 0x8007232B; a host name nobody answers: 0xC004F074", async () => {
    await lab.addMachine({ name: "lost", role: "client", os: WS2022_STD, domain: "nowhere.test" });
    const dns = await ps(
      lab,
      "lost",
      `@{ hr = Get-Hr { Invoke-CimMethod -InputObject (Get-Product0) -MethodName Activate } } | ConvertTo-Json -Compress`,
    );
    expect(dns.hr).toBe("0x8007232B");
    const fixed = await ps(lab, "lost", activateAgainst("kms99.nowhere.test"));
    expect(fixed.hr).toBe("0xC004F074");
  });

  test("the host's firewall decides: with its rule disabled the host does not answer (0xC004F074)", async () => {
    await ps(lab, "kms01", `Set-NetFirewallRule -Name SPPSVC-In-TCP -Enabled False; '{}'`);
    await lab.addMachine({ name: "blocked", role: "client", os: WS2022_STD });
    try {
      expect((await ps(lab, "blocked", activateAgainst("kms01.lab.test"))).hr).toBe("0xC004F074");
    } finally {
      await ps(lab, "kms01", `Set-NetFirewallRule -Name SPPSVC-In-TCP -Enabled True; '{}'`);
    }
    expect((await ps(lab, "blocked", activateAgainst("kms01.lab.test"))).hr).toBe("ok");
  });

  test("a new listening port takes effect when sppsvc restarts", async () => {
    await lab.addMachine({ name: "kmsport", role: "host", os: WS2022 });
    await ps(lab, "kmsport", makeHost(HOST_KEY_2022));
    const set = await ps(
      lab,
      "kmsport",
      String.raw`
$s = Get-Service0
Invoke-CimMethod -InputObject $s -MethodName SetKeyManagementServiceListeningPort -Arguments @{ PortNumber = [uint32]1700 } | Out-Null
New-NetFirewallRule -Name KMS-TCP-1700 -DisplayName 'KMS (TCP 1700)' -Direction Inbound -Action Allow -Protocol TCP -LocalPort 1700 -Profile Any | Out-Null
@{ listening = (Get-Service0).KeyManagementServiceListeningPort } | ConvertTo-Json -Compress`,
    );
    expect(set.listening).toBe(1700);
    await lab.addMachine({ name: "portcli", role: "client", os: WS2022_STD });
    expect((await ps(lab, "portcli", activateAgainst("kmsport", 1700))).hr).toBe("0xC004F074");
    await ps(lab, "kmsport", `Restart-Service -Name sppsvc; '{}'`);
    expect((await ps(lab, "portcli", activateAgainst("kmsport", 1700))).hr).toBe("0xC004F038");
    expect(await lab.state("kmsport")).toMatchObject({ port: 1700, currentCount: 1 });
  });

  test("DNS discovery follows SRV priority, then the next entry when a host does not answer", async () => {
    await lab.addMachine({ name: "kmsa", role: "host", os: WS2022, domain: "corp.test" });
    await lab.addMachine({ name: "kmsb", role: "host", os: WS2022, domain: "corp.test" });
    await ps(lab, "kmsa", makeHost(HOST_KEY_2022));
    await ps(lab, "kmsb", makeHost(HOST_KEY_2022));
    await lab.setSrvRecords("corp.test", [
      { target: "kmsb.corp.test", port: 1688, priority: 10, weight: 0 },
      { target: "kmsa.corp.test", port: 1688, priority: 0, weight: 0 },
    ]);
    await lab.addMachine({ name: "dns1", role: "client", os: WS2022_STD, domain: "corp.test" });
    const body = `$p = Get-Product0; $hr = Get-Hr { Invoke-CimMethod -InputObject $p -MethodName Activate }; $p = Get-Product0; @{ hr = $hr; found = $p.DiscoveredKeyManagementServiceMachineName } | ConvertTo-Json -Compress`;
    expect(await ps(lab, "dns1", body)).toEqual({ hr: "0xC004F038", found: "kmsa.corp.test" });
    await ps(lab, "kmsa", `Stop-Service -Name sppsvc; '{}'`);
    expect(await ps(lab, "dns1", body)).toEqual({ hr: "0xC004F038", found: "kmsb.corp.test" });
    await ps(lab, "kmsa", `Start-Service -Name sppsvc; '{}'`);
  });

  test("within one priority, SRV weight shares the clients (RFC 2782)", async () => {
    await lab.setSrvRecords("weights.test", [
      { target: "kmsa.corp.test", port: 1688, priority: 0, weight: 90 },
      { target: "kmsb.corp.test", port: 1688, priority: 0, weight: 10 },
    ]);
    const names = Array.from({ length: 20 }, (_, i) => `wt${i}`);
    for (const n of names)
      await lab.addMachine({ name: n, role: "client", os: WS2022_STD, domain: "weights.test" });
    const found = await Promise.all(
      names.map((n) =>
        ps<{ found: string }>(
          lab,
          n,
          `$p = Get-Product0; $null = Get-Hr { Invoke-CimMethod -InputObject $p -MethodName Activate }; @{ found = (Get-Product0).DiscoveredKeyManagementServiceMachineName } | ConvertTo-Json -Compress`,
        ),
      ),
    );
    const toA = found.filter((f) => f.found === "kmsa.corp.test").length;
    expect(toA).toBeGreaterThanOrEqual(14);
    expect(toA).toBeLessThan(20);
  });
});

describeWithTool("pwsh", "lab: the count's window and memory", () => {
  test("the host keeps the last 50 CMIDs, and counts only those seen in the last 30 days", async () => {
    const lab = await Lab.open();
    try {
      await lab.addMachine({ name: "kms01", role: "host", os: WS2022 });
      await ps(lab, "kms01", makeHost(HOST_KEY_2022));
      await lab.addMachine({ name: "rearmer", role: "client", os: WS2022_STD });
      // One machine, 55 client machine IDs: a rearm and a restart give it a new CMID before each request
      // (each run starts after the restart the previous one scheduled).
      await ps(
        lab,
        "rearmer",
        `Invoke-CimMethod -InputObject (Get-Service0) -MethodName SetKeyManagementServiceMachine -Arguments @{ MachineName = 'kms01' } | Out-Null; '{}'`,
      );
      const ids: string[] = [];
      for (let i = 0; i < 55; i++) {
        const r = await ps<{ cmid: string }>(
          lab,
          "rearmer",
          String.raw`
$null = Get-Hr { Invoke-CimMethod -InputObject (Get-Product0) -MethodName Activate }
$cmid = (Get-Service0).ClientMachineID
Invoke-CimMethod -InputObject (Get-Service0) -MethodName ReArmWindows | Out-Null
shutdown.exe /r /t 0 | Out-Null
@{ cmid = $cmid } | ConvertTo-Json -Compress`,
        );
        ids.push(r.cmid);
      }
      expect(new Set(ids).size).toBe(55);
      expect((await lab.state("kms01")).currentCount).toBe(50);
      await lab.setConditions({ clockOffsetDays: 29 });
      expect((await lab.state("kms01")).currentCount).toBe(50);
      await lab.setConditions({ clockOffsetDays: 31 });
      expect((await lab.state("kms01")).currentCount).toBe(0);
    } finally {
      await lab.close();
    }
  });
});

describeWithTool("pwsh", "lab: rearm and restart", () => {
  const SHARED = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
  test("ReArmWindows changes the CMID at the next restart, which shutdown.exe /r schedules after the script", async () => {
    const lab = await Lab.open();
    try {
      await lab.addMachine({
        name: "vm01",
        role: "client",
        os: WS2022,
        marketplaceImage: true,
        cmid: SHARED,
      });
      const boot = await ps<{ boot: string }>(
        lab,
        "vm01",
        `@{ boot = (Get-CimInstance -ClassName Win32_OperatingSystem).LastBootUpTime.ToUniversalTime().ToString('o') } | ConvertTo-Json -Compress`,
      );
      const during = await ps(
        lab,
        "vm01",
        String.raw`
$before = (Get-Service0).RemainingWindowsReArmCount
Invoke-CimMethod -InputObject (Get-Service0) -MethodName ReArmWindows | Out-Null
$after = Get-Service0
shutdown.exe /r /t 15 /c 'rearm' | Out-Null
$first = $LASTEXITCODE
shutdown.exe /r /t 15 2>$null | Out-Null
$second = $LASTEXITCODE
@{ cmid = $after.ClientMachineID; used = $before - $after.RemainingWindowsReArmCount; first = $first; second = $second; status = [int](Get-Product0).LicenseStatus } | ConvertTo-Json -Compress`,
      );
      // Until the restart nothing but the rearm count changes; a second restart is refused with 1190.
      expect(during).toEqual({ cmid: SHARED, used: 1, first: 0, second: 1190, status: 1 });
      const state = await lab.state("vm01");
      expect(state.cmid).not.toBe(SHARED);
      expect(state).toMatchObject({ restarts: 1, rearmPending: false, restartPending: false });
      const after = await ps<{ boot: string; status: number; cmid: string }>(
        lab,
        "vm01",
        `@{ boot = (Get-CimInstance Win32_OperatingSystem).LastBootUpTime.ToUniversalTime().ToString('o'); status = [int](Get-Product0).LicenseStatus; cmid = (Get-Service0).ClientMachineID } | ConvertTo-Json -Compress`,
      );
      expect(Date.parse(after.boot)).toBeGreaterThan(Date.parse(boot.boot));
      // The rearm reset the licensing state: initial grace, until the next activation.
      expect(after.status).toBe(2);
      expect(after.cmid).toBe(state.cmid);
    } finally {
      await lab.close();
    }
  });

  test("a restart held back leaves the shared CMID; shutdown.exe /a aborts it; no rearm left is 0xC004D307", async () => {
    const lab = await Lab.open();
    try {
      await lab.addMachine({ name: "vm02", role: "client", os: WS2022, cmid: SHARED });
      await lab.setConditions({ pendingRestarts: "held" });
      await ps(
        lab,
        "vm02",
        `Invoke-CimMethod -InputObject (Get-Service0) -MethodName ReArmWindows | Out-Null; shutdown.exe /r /t 15 | Out-Null; '{}'`,
      );
      expect(await lab.state("vm02")).toMatchObject({
        cmid: SHARED,
        rearmPending: true,
        restartPending: true,
      });
      const abort = await ps(
        lab,
        "vm02",
        `shutdown.exe /a | Out-Null; $a = $LASTEXITCODE; shutdown.exe /a 2>$null | Out-Null; @{ a = $a; again = $LASTEXITCODE } | ConvertTo-Json -Compress`,
      );
      expect(abort).toEqual({ a: 0, again: 1116 });
      await lab.setConditions({ pendingRestarts: "happen" });
      expect(await lab.state("vm02")).toMatchObject({
        cmid: SHARED,
        rearmPending: true,
        restartPending: false,
      });
      const none = await ps(
        lab,
        "vm02",
        String.raw`
$hr = 'ok'
for ($i = 0; $i -lt 1002 -and $hr -eq 'ok'; $i++) { $hr = Get-Hr { Invoke-CimMethod -InputObject (Get-Service0) -MethodName ReArmWindows } }
@{ hr = $hr; left = [int](Get-Service0).RemainingWindowsReArmCount } | ConvertTo-Json -Compress`,
      );
      expect(none).toEqual({ hr: "0xC004D307", left: 0 });
    } finally {
      await lab.close();
    }
  });
});

describeWithTool("pwsh", "lab: Office KMS host", () => {
  let lab: Lab;
  let pack: string;
  beforeAll(async () => {
    lab = await Lab.open();
    pack = path.join(lab.stateDir, "vlpack");
    writeVolumeLicensePack(pack, "LTSC 2024");
    await lab.addMachine({ name: "kms01", role: "host", os: WS2022 });
    await ps(lab, "kms01", makeHost(HOST_KEY_2022));
  });
  afterAll(async () => {
    await lab?.close();
  });

  const OFFICE = "0ff1ce15-a989-479d-af46-f275c6370663";
  const officeKey = labHostKey("Office LTSC 2024");

  test("the Office host key installs only after the Volume License Pack's licenses", async () => {
    const r = await ps(
      lab,
      "kms01",
      String.raw`
$s = Get-Service0
$before = Get-Hr { Invoke-CimMethod -InputObject $s -MethodName InstallProductKey -Arguments @{ ProductKey = '${officeKey}' } }
foreach ($f in Get-ChildItem -LiteralPath '${pack}' -Filter '*.xrm-ms') {
    Invoke-CimMethod -InputObject $s -MethodName InstallLicense -Arguments @{ License = [System.IO.File]::ReadAllText($f.FullName) } | Out-Null
}
$junk = Get-Hr { Invoke-CimMethod -InputObject $s -MethodName InstallLicense -Arguments @{ License = 'not a license' } }
$after = Get-Hr { Invoke-CimMethod -InputObject $s -MethodName InstallProductKey -Arguments @{ ProductKey = '${officeKey}' } }
$p = @(Get-CimInstance SoftwareLicensingProduct -Filter "Name LIKE 'Office%' AND PartialProductKey IS NOT NULL")[0]
$act = Get-Hr { Invoke-CimMethod -InputObject $p -MethodName Activate }
$p = @(Get-CimInstance SoftwareLicensingProduct -Filter "Name LIKE 'Office%' AND PartialProductKey IS NOT NULL")[0]
[ordered]@{ before = $before; junk = $junk; after = $after; act = $act; app = $p.ApplicationID; desc = $p.Description; status = [int]$p.LicenseStatus; count = $p.KeyManagementServiceCurrentCount } | ConvertTo-Json -Compress`,
    );
    expect(r).toEqual({
      before: "0xC004F050",
      junk: "0xC004E003",
      after: "ok",
      act: "ok",
      app: OFFICE,
      desc: "Office 24, VOLUME_KMS channel",
      status: 1,
      count: 4294967295,
    });
  });

  test("Office clients are counted apart from Windows and activate at 5", async () => {
    const hrs: string[] = [];
    for (let i = 0; i < 5; i++) {
      await lab.addMachine({
        name: `off${i}`,
        role: "client",
        os: "Windows 11 Enterprise",
        office: ["Office LTSC Professional Plus 2024"],
      });
      const r = await ps<{ hr: string }>(
        lab,
        `off${i}`,
        String.raw`
$p = Get-Product0 '${OFFICE}'
Invoke-CimMethod -InputObject $p -MethodName SetKeyManagementServiceMachine -Arguments @{ MachineName = 'kms01' } | Out-Null
@{ hr = Get-Hr { Invoke-CimMethod -InputObject (Get-Product0 '${OFFICE}') -MethodName Activate } } | ConvertTo-Json -Compress`,
      );
      hrs.push(r.hr);
    }
    expect(hrs).toEqual(["0xC004F038", "0xC004F038", "0xC004F038", "0xC004F038", "ok"]);
    const host = await lab.state("kms01");
    // Windows count untouched; the Office host license has its own count.
    expect(host.currentCount).toBe(0);
    expect(host.office).toEqual([
      expect.objectContaining({ officeVersion: "LTSC 2024", currentCount: 5, activated: true }),
    ]);
    // The Windows product of those machines was not activated by the Office requests.
    expect(await lab.state("off4")).toMatchObject({
      activated: false,
      office: [expect.objectContaining({ activated: true, activatedBy: "kms01:1688" })],
    });
  });
});

describeWithTool("pwsh", "lab: Azure Marketplace VMs", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open();
    await lab.addMachine({ name: "kms01", role: "host", os: WS2022 });
    await ps(lab, "kms01", makeHost(HOST_KEY_2022));
  });
  afterAll(async () => {
    await lab?.close();
  });

  test("a Marketplace VM holds its setup key and is already licensed by Azure's KMS", async () => {
    await lab.addMachine({ name: "az1", role: "client", os: WS2022_STD, marketplaceImage: true });
    const r = await ps(
      lab,
      "az1",
      `$s = Get-Service0; $p = Get-Product0; @{ status = [int]$p.LicenseStatus; key = $p.PartialProductKey; kms = $s.KeyManagementServiceMachine; port = $s.KeyManagementServicePort } | ConvertTo-Json -Compress`,
    );
    expect(r).toEqual({ status: 1, key: "VMK7H", kms: "azkms.core.windows.net", port: 1688 });
    expect(await lab.state("az1")).toMatchObject({
      activated: true,
      activatedBy: "azkms.core.windows.net:1688",
    });
  });

  test("pointed at our host below the threshold, Activate() fails with 0xC004F038 while the licence from Azure stays", async () => {
    await lab.addMachine({ name: "az2", role: "client", os: WS2022_STD, marketplaceImage: true });
    const r = await ps(lab, "az2", activateAgainst("kms01"));
    expect(r).toMatchObject({ hr: "0xC004F038", status: 1 });
    expect(await lab.state("az2")).toMatchObject({
      activatedBy: "azkms.core.windows.net:1688",
      errorCode: "0xC004F038",
    });
  });
});

describeWithTool("pwsh", "lab: transports and state files", () => {
  const paramScript = String.raw`[CmdletBinding()]
param([string]$Name = '', [int]$Port = 1688, [string]$Other = '')
Write-Host ('name=' + $Name + ';port=' + $Port + ';other=' + $Other)
if ($Name -eq 'fail') { throw 'boom' }
if ($Name -eq 'long') { 1..400 | ForEach-Object { Write-Host ('line ' + $_ + ' of a long log') } }
Write-Output '{"last":true}'
exit 3`;
  let lab: Lab;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-lab-test-"));
    lab = await Lab.open({ stateDir: dir });
    await lab.addMachine({ name: "box", role: "client", os: WS2022_STD });
  });
  afterAll(async () => {
    await lab?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("Run Command: named parameters, a value cut at its first space binding positionally, exit code", async () => {
    const r = await lab.run("box", {
      transport: "runCommand",
      script: paramScript,
      parameters: [{ name: "Other", value: "LTSC 2024" }],
      protectedParameters: [{ name: "Name", value: "secret" }],
    });
    // "LTSC 2024" arrives as -Other LTSC, and 2024 binds to the first free positional parameter.
    expect(r.output).toContain("name=secret;port=2024;other=LTSC");
    expect(r.exitCode).toBe(3);
  });

  test("Run Command: a parameter that cannot bind stops the script with exit code 1", async () => {
    const r = await lab.run("box", {
      transport: "runCommand",
      script: `[CmdletBinding(PositionalBinding = $false)]\nparam([string]$Other = '')\nWrite-Output 'started'`,
      parameters: [{ name: "Other", value: "LTSC 2024" }],
    });
    expect(r.exitCode).toBe(1);
    expect(r.output).not.toContain("started");
    expect(r.error).toContain("'2024'");
  });

  test("Run Command: a terminating error exits 1 with the error on stderr", async () => {
    const r = await lab.run("box", {
      transport: "runCommand",
      script: paramScript,
      parameters: [{ name: "Name", value: "fail" }],
    });
    expect(r.exitCode).toBe(1);
    expect(r.error).toContain("boom");
  });

  test("Run Command keeps only the last 4,096 bytes of output", async () => {
    const r = await lab.run("box", {
      transport: "runCommand",
      script: paramScript,
      parameters: [{ name: "Name", value: "long" }],
    });
    expect(Buffer.byteLength(r.output, "utf8")).toBe(4096);
    expect(r.output.trimEnd().endsWith('{"last":true}')).toBe(true);
    expect(r.output).not.toContain("line 1 of a long log");
  });

  test("SSH: the bootstrap reads the stdin document and passes values whole", async () => {
    const { SSH_BOOTSTRAP_COMMAND } = await import("../components/remote/ssh");
    const r = await lab.run("box", {
      transport: "ssh",
      command: SSH_BOOTSTRAP_COMMAND,
      stdin: JSON.stringify({
        script: paramScript,
        parameters: { Other: "LTSC 2024", Port: "1700" },
      }),
    });
    expect(r.output).toContain("name=;port=1700;other=LTSC 2024");
    expect(r.exitCode).toBe(3);
  });

  test("each machine has its own %ProgramData%, %TEMP% and computer name", async () => {
    await lab.addMachine({ name: "box2", role: "client", os: WS2022_STD });
    const write = String.raw`
$f = Join-Path $env:ProgramData 'pulumi-kms-activation'
New-Item -ItemType Directory -Force -Path $f | Out-Null
Set-Content -LiteralPath (Join-Path $f 'mark.txt') -Value $env:COMPUTERNAME
@{ here = (Test-Path (Join-Path $f 'mark.txt')); name = $env:COMPUTERNAME; temp = ($env:TEMP -ne $env:ProgramData) } | ConvertTo-Json -Compress`;
    expect(await ps(lab, "box", write)).toEqual({ here: true, name: "BOX", temp: true });
    const look = await ps(
      lab,
      "box2",
      `@{ there = (Test-Path (Join-Path (Join-Path $env:ProgramData 'pulumi-kms-activation') 'mark.txt')); name = $env:COMPUTERNAME } | ConvertTo-Json -Compress`,
    );
    expect(look).toEqual({ there: false, name: "BOX2" });
  });

  test("each machine has its own registry (HKLM:); New-Item -Force on an existing key empties it, as on Windows", async () => {
    const r = await ps(
      lab,
      "box",
      String.raw`
$key = 'HKLM:\SOFTWARE\lab-test'
$missing = Get-ItemProperty -LiteralPath $key -Name a -ErrorAction SilentlyContinue
New-Item -Path $key -Force | Out-Null
Set-ItemProperty -LiteralPath $key -Name a -Value 'one'
Set-ItemProperty -LiteralPath $key -Name b -Value 'two'
$both = Get-ItemProperty -LiteralPath $key
$exists = Test-Path -LiteralPath $key
New-Item -Path $key -Force | Out-Null
$after = Get-ItemProperty -LiteralPath $key -Name a -ErrorAction SilentlyContinue
$noForce = Get-Hr { New-Item -Path $key -ErrorAction Stop }
@{ missing = ($null -eq $missing); a = $both.a; b = $both.b; exists = $exists; wiped = ($null -eq $after); noForce = $noForce; fs = (Test-Path -LiteralPath $env:TEMP) } | ConvertTo-Json -Compress`,
    );
    expect(r).toEqual({
      missing: true,
      a: "one",
      b: "two",
      exists: true,
      wiped: true,
      noForce: "not a CIM error: A key at this path already exists.",
      fs: true,
    });
    const other = await ps(
      lab,
      "box2",
      `@{ there = (Test-Path -LiteralPath 'HKLM:\\SOFTWARE\\lab-test') } | ConvertTo-Json -Compress`,
    );
    expect(other).toEqual({ there: false });
  });

  test("the state lives in files: a reopened lab has the same machines, and addMachine keeps them", async () => {
    await ps(
      lab,
      "box",
      `Invoke-CimMethod -InputObject (Get-Service0) -MethodName SetKeyManagementServiceMachine -Arguments @{ MachineName = 'kms.example.test' } | Out-Null; '{}'`,
    );
    const before = await lab.state("box");
    await lab.close();
    lab = await Lab.open({ stateDir: dir });
    await lab.addMachine({ name: "box", role: "client", os: "Windows 11 Enterprise" });
    expect(await lab.state("box")).toEqual(before);
    const r = await ps(
      lab,
      "box",
      `@{ kms = (Get-Service0).KeyManagementServiceMachine } | ConvertTo-Json -Compress`,
    );
    expect(r.kms).toBe("kms.example.test");
    expect(fs.existsSync(path.join(dir, "machines", "box.json"))).toBe(true);
    expect((await lab.machines()).map((m) => m.name)).toEqual(["box", "box2"]);
  });
});
