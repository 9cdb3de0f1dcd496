/**
 * Issue 19: the lab's rules where Windows and Azure differ from a first reading, and the script fixes they
 * found. Each test names its item; docs/lab.md ("Rules and their sources") gives every rule its source.
 * `KMS_SCRIPTS_DIR=<older components/scripts>` runs the script tests against an older copy (to see them
 * fail before their fix).
 */
import { Lab, labHostKey, labProductKey } from "../tools/lab";
import {
  HOST_KEY_PARAMETER,
  clientSetupParameters,
  hostSetupParameters,
  statusParameters,
} from "../components/scripts";
import { describeWithTool } from "./helpers/tools";
import { activateAgainst, ps } from "./helpers/lab";
import { ClientRun, HostRun, runCommand } from "./helpers/labScripts";

jest.setTimeout(300_000);

const WS2022 = "Windows Server 2022 Datacenter";
const WS2022_STD = "Windows Server 2022 Standard";
const AZURE_EDITION = "Windows Server 2022 Datacenter: Azure Edition";
const OFFICE = "0ff1ce15-a989-479d-af46-f275c6370663";
const OFFICE_2024 = "Office LTSC Professional Plus 2024";
const KEY_2022 = labHostKey("Windows Server 2022");
const HOST_SUBNET = "10.0.1.0/24";
const CLIENT_SUBNET = "10.0.2.0/24";

async function hostSetup(lab: Lab, name: string, key = KEY_2022): Promise<HostRun> {
  return runCommand(lab, name, "host-setup", hostSetupParameters(), { [HOST_KEY_PARAMETER]: key });
}

function clientSetup(
  lab: Lab,
  machine: string,
  settings: Parameters<typeof clientSetupParameters>[0],
): Promise<ClientRun> {
  return runCommand(lab, machine, "client-setup", clientSetupParameters(settings));
}

describeWithTool("pwsh", "lab: the firewall's remote address scope", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open();
    await lab.addMachine({ name: "kms", role: "host", os: WS2022, subnet: HOST_SUBNET });
    await lab.addMachine({ name: "near", role: "client", os: WS2022_STD, subnet: HOST_SUBNET });
    await lab.addMachine({ name: "far", role: "client", os: WS2022_STD, subnet: CLIENT_SUBNET });
  });
  afterAll(async () => {
    await lab?.close();
  });

  test("item 1: the built-in rules as Windows ships them; SPPSVC-In-TCP admits only the host's subnet", async () => {
    const rules = await ps<{ rules: Record<string, string>[] }>(
      lab,
      "kms",
      String.raw`@{ rules = @(Get-NetFirewallRule -Name 'SPPSVC-In-TCP*' | ForEach-Object { [ordered]@{ name = $_.Name; profile = [string]$_.Profile; remote = [string]($_ | Get-NetFirewallAddressFilter).RemoteAddress; enabled = [string]$_.Enabled } }) } | ConvertTo-Json -Compress -Depth 4`,
    );
    expect(rules.rules).toEqual([
      {
        name: "SPPSVC-In-TCP",
        profile: "Private, Public",
        remote: "LocalSubnet",
        enabled: "False",
      },
      { name: "SPPSVC-In-TCP-NoScope", profile: "Domain", remote: "Any", enabled: "False" },
    ]);
    // A host made by hand as Microsoft's "Create a KMS host" says: the built-in rule enabled, nothing more.
    await ps(
      lab,
      "kms",
      String.raw`
$s = Get-Service0
Invoke-CimMethod -InputObject $s -MethodName InstallProductKey -Arguments @{ ProductKey = '${KEY_2022}' } | Out-Null
$p = @(Get-CimInstance SoftwareLicensingProduct -Filter "PartialProductKey IS NOT NULL" | Where-Object { $_.ProductKeyChannel -eq 'Volume:CSVLK' })[0]
Invoke-CimMethod -InputObject $p -MethodName Activate | Out-Null
Enable-NetFirewallRule -Name SPPSVC-In-TCP
'{}'`,
    );
    expect(await ps(lab, "near", activateAgainst("kms"))).toMatchObject({ hr: "0xC004F038" });
    expect(await ps(lab, "far", activateAgainst("kms"))).toMatchObject({ hr: "0xC004F074" });
  });

  test("item 1: host-setup opens the port to every address, and a rerun notices a LocalSubnet scope", async () => {
    const first = await hostSetup(lab, "kms");
    expect(first.result).toMatchObject({ ok: true, firewallRule: "SPPSVC-In-TCP" });
    expect(await ps(lab, "far", activateAgainst("kms"))).toMatchObject({ hr: "0xC004F038" });
    // Someone puts the shipped scope back: the next run sees it and opens the port again.
    await ps(
      lab,
      "kms",
      `Set-NetFirewallRule -Name SPPSVC-In-TCP -RemoteAddress LocalSubnet; '{}'`,
    );
    expect(await ps(lab, "far", activateAgainst("kms"))).toMatchObject({ hr: "0xC004F074" });
    const rerun = await hostSetup(lab, "kms");
    expect(rerun.result.changed).toContain("firewall");
    expect(await ps(lab, "far", activateAgainst("kms"))).toMatchObject({ hr: "0xC004F038" });
  });
});

describeWithTool("pwsh", "lab: Azure's KMS, DNS on Azure, keys", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open();
  });
  afterAll(async () => {
    await lab?.close();
  });

  test("item 3: Azure's KMS answers any Azure VM, custom images included, never Office, never outside Azure", async () => {
    await lab.addMachine({ name: "custom", role: "client", os: WS2022_STD, office: [OFFICE_2024] });
    await lab.addMachine({ name: "onprem", role: "client", os: WS2022_STD, azure: false });
    expect(await ps(lab, "custom", activateAgainst("azkms.core.windows.net"))).toMatchObject({
      hr: "ok",
      status: 1,
    });
    expect(await lab.state("custom")).toMatchObject({
      licensedBy: "azkms.core.windows.net:1688",
      activated: true,
    });
    expect((await lab.state("custom")).licensedByMachine).toBeUndefined();
    const office = await ps<{ hr: string }>(
      lab,
      "custom",
      String.raw`@{ hr = Get-Hr { Invoke-CimMethod -InputObject (Get-Product0 '${OFFICE}') -MethodName Activate } } | ConvertTo-Json -Compress`,
    );
    expect(office.hr).toBe("0xC004F042");
    expect(await ps(lab, "onprem", activateAgainst("azkms.core.windows.net"))).toMatchObject({
      hr: "0xC004F074",
    });
  });

  test("item 4: a VM outside a domain searches its VNet's internal suffix: plain discovery fails with 0x8007232B", async () => {
    await lab.addMachine({ name: "dnshost", role: "host", os: WS2022, domain: "kms.internal" });
    expect((await hostSetup(lab, "dnshost")).result).toMatchObject({ ok: true });
    await lab.setAddress("kms.kms.internal", "dnshost");
    await lab.setSrvRecords("kms.internal", [
      { target: "kms.kms.internal", port: 1688, priority: 0, weight: 0 },
    ]);
    const suffix = "brqlt10lvoxedgkeuomc4pm5tb.bx.internal.cloudapp.net";
    await lab.addMachine({ name: "wg", role: "client", os: WS2022_STD, domain: suffix });
    const plain = await clientSetup(lab, "wg", {});
    expect(plain.outcome.exitCode).toBe(1);
    expect(plain.result.errorCode).toBe("0x8007232B");
    const withDomain = await clientSetup(lab, "wg", { lookupDomain: "kms.internal" });
    expect(withDomain.result).toMatchObject({ ok: true, pending: true, errorCode: "0xC004F038" });
  });

  test("item 7: MAK and retail keys install and activate online; a key of another edition gives 0xC004F069", async () => {
    await lab.addMachine({ name: "keys", role: "client", os: WS2022_STD, office: [OFFICE_2024] });
    const mak = labProductKey(WS2022_STD, "MAK");
    const retail = labProductKey(WS2022_STD, "Retail");
    const otherMak = labProductKey(WS2022, "MAK");
    const officeMak = labProductKey(OFFICE_2024, "MAK");
    const r = await ps(
      lab,
      "keys",
      String.raw`
$s = Get-Service0
$mak = Get-Hr { Invoke-CimMethod -InputObject $s -MethodName InstallProductKey -Arguments @{ ProductKey = '${mak}' } }
$p = Get-Product0
$makChannel = [string]$p.ProductKeyChannel
$act = Get-Hr { Invoke-CimMethod -InputObject $p -MethodName Activate }
$status = [int](Get-Product0).LicenseStatus
$retail = Get-Hr { Invoke-CimMethod -InputObject $s -MethodName InstallProductKey -Arguments @{ ProductKey = '${retail}' } }
$retailChannel = [string](Get-Product0).ProductKeyChannel
$other = Get-Hr { Invoke-CimMethod -InputObject $s -MethodName InstallProductKey -Arguments @{ ProductKey = '${otherMak}' } }
$office = Get-Hr { Invoke-CimMethod -InputObject $s -MethodName InstallProductKey -Arguments @{ ProductKey = '${officeMak}' } }
$officeChannel = [string](Get-Product0 '${OFFICE}').ProductKeyChannel
[ordered]@{ mak = $mak; makChannel = $makChannel; act = $act; status = $status; retail = $retail; retailChannel = $retailChannel; other = $other; office = $office; officeChannel = $officeChannel } | ConvertTo-Json -Compress`,
    );
    expect(r).toEqual({
      mak: "ok",
      makChannel: "Volume:MAK",
      act: "ok",
      status: 1,
      retail: "ok",
      retailChannel: "Retail",
      other: "0xC004F069",
      office: "ok",
      officeChannel: "Volume:MAK",
    });
    // client-setup given the setup key of another edition fails with 0xC004F069, its meaning and fix.
    await lab.addMachine({ name: "wrongkey", role: "client", os: WS2022_STD });
    const run = await clientSetup(lab, "wrongkey", {
      setupKey: "WX4NM-KYWYW-QJJR4-XV3QB-6VM33", // Windows Server 2022 Datacenter's setup key
      kmsServer: "dnshost",
    });
    expect(run.outcome.exitCode).toBe(1);
    expect(run.result.errorCode).toBe("0xC004F069");
    expect(run.result.message).toContain("another edition");
  });

  test("item 7: Datacenter: Azure Edition cannot be a KMS host: the lab refuses the key, host-setup says why", async () => {
    await lab.addMachine({ name: "azed", role: "host", os: AZURE_EDITION });
    const raw = await ps<{ hr: string }>(
      lab,
      "azed",
      String.raw`@{ hr = Get-Hr { Invoke-CimMethod -InputObject (Get-Service0) -MethodName InstallProductKey -Arguments @{ ProductKey = '${KEY_2022}' } } } | ConvertTo-Json -Compress`,
    );
    expect(raw.hr).toBe("0xC004F050");
    const run = await hostSetup(lab, "azed");
    expect(run.outcome.exitCode).toBe(1);
    expect(run.result.ok).toBe(false);
    expect(run.result.message).toContain("Azure Edition");
    expect(run.result.message).toContain("cannot be a KMS host");
    expect(run.result.message).toContain("Fix:");
    expect(run.result.changed).toEqual([]);
    expect(await lab.state("azed")).toMatchObject({
      isKmsHost: false,
      productKeyChannel: "Volume:GVLK",
    });
  });
});

describeWithTool("pwsh", "lab: the host key's activation budget", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open();
  });
  afterAll(async () => {
    await lab?.close();
  });

  test("item 6: one CSVLK activates 6 hosts; the 7th gets 0xC004C008 with its meaning and fix", async () => {
    for (let i = 1; i <= 6; i++) {
      await lab.addMachine({ name: `h${i}`, role: "host", os: WS2022 });
      expect((await hostSetup(lab, `h${i}`)).result).toMatchObject({ ok: true, isKmsHost: true });
    }
    await lab.addMachine({ name: "h7", role: "host", os: WS2022 });
    const seventh = await hostSetup(lab, "h7");
    expect(seventh.outcome.exitCode).toBe(1);
    expect(seventh.result.errorCode).toBe("0xC004C008");
    expect(seventh.result.message).toContain("activated too often");
  });

  test("item 6: one host activates its CSVLK 10 times; the 11th gets 0xC004C008", async () => {
    const key = labHostKey("Windows Server 2019");
    await lab.addMachine({ name: "again", role: "host", os: "Windows Server 2019 Datacenter" });
    const r = await ps<{ results: string[] }>(
      lab,
      "again",
      String.raw`
$results = @()
for ($i = 0; $i -lt 11; $i++) {
    $s = Get-Service0
    Invoke-CimMethod -InputObject $s -MethodName InstallProductKey -Arguments @{ ProductKey = '${key}' } | Out-Null
    $p = @(Get-CimInstance SoftwareLicensingProduct -Filter "PartialProductKey IS NOT NULL" | Where-Object { $_.ProductKeyChannel -eq 'Volume:CSVLK' })[0]
    $results += Get-Hr { Invoke-CimMethod -InputObject $p -MethodName Activate }
    Invoke-CimMethod -InputObject $p -MethodName UninstallProductKey | Out-Null
}
@{ results = $results } | ConvertTo-Json -Compress`,
    );
    expect(r.results).toEqual([...Array(10).fill("ok"), "0xC004C008"]);
  });
});

describeWithTool("pwsh", "lab: time passes", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open();
    await lab.addMachine({ name: "kms", role: "host", os: WS2022 });
    expect((await hostSetup(lab, "kms")).result).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    await lab?.close();
  });

  test("item 5: pending clients ask again every activation interval; status.ps1 reports the licence as it is now", async () => {
    for (let i = 1; i <= 4; i++) {
      await lab.addMachine({ name: `c${i}`, role: "client", os: WS2022_STD });
      expect((await clientSetup(lab, `c${i}`, { kmsServer: "kms" })).result).toMatchObject({
        pending: true,
        errorCode: "0xC004F038",
      });
    }
    await lab.addMachine({ name: "c5", role: "client", os: WS2022_STD });
    expect((await clientSetup(lab, "c5", { kmsServer: "kms" })).result).toMatchObject({
      activated: true,
    });
    // An hour later nothing has asked again; two hours after their attempt, the first four have.
    await lab.advance(60);
    expect((await lab.state("c1")).activated).toBe(false);
    await lab.advance(61);
    const c1 = await lab.state("c1");
    expect(c1).toMatchObject({ activated: true, licensedBy: "kms:1688", licensedByMachine: "kms" });
    // Its own retry is its latest word: the 0xC004F038 of its setup run no longer shows.
    expect(c1.errorCode).toBeUndefined();
    expect(Date.parse(c1.licensedAt!)).toBeGreaterThan(Date.parse(c1.lastAttempt as string) - 1);
    const status = await runCommand<ClientRun["result"]>(
      lab,
      "c1",
      "status",
      statusParameters("client"),
    );
    expect(status.result).toMatchObject({ ok: true, activated: true, pending: false });
  });

  test("item 5: activated clients renew every 7 days; a host forgets machines it has not heard from in 30 days", async () => {
    // c5 stops asking our host (pointed elsewhere); the others keep renewing.
    await ps(
      lab,
      "c5",
      `Invoke-CimMethod -InputObject (Get-Service0) -MethodName SetKeyManagementServiceMachine -Arguments @{ MachineName = 'nowhere.invalid' } | Out-Null; '{}'`,
    );
    expect((await lab.state("kms")).currentCount).toBe(5);
    const before = Date.parse((await lab.state("c2")).licensedAt!);
    await lab.advance(7 * 24 * 60 + 1);
    const renewed = Date.parse((await lab.state("c2")).licensedAt!);
    expect(renewed - before).toBeGreaterThanOrEqual(7 * 24 * 60 * 60 * 1000 - 5 * 60 * 1000);
    await lab.advance(24 * 24 * 60);
    // c5's last request is more than 30 days old: the count drops to 4, below the Windows Server 5.
    expect((await lab.state("kms")).currentCount).toBe(4);
  });
});

describeWithTool("pwsh", "lab: errors, Office host licences, Office on Azure's KMS", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open();
    await lab.addMachine({ name: "kms", role: "host", os: WS2022, office: [OFFICE_2024] });
    expect((await hostSetup(lab, "kms")).result).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    await lab?.setConditions({ cimErrors: "errorData" });
    await lab?.close();
  });

  test.each([["errorData"], ["errorId"], ["message"]] as const)(
    "item 8: a 0xC004F038 whose CIM error has the %s shape is pending, not a failed deployment",
    async (shape) => {
      await lab.setConditions({ cimErrors: shape });
      const name = `e-${shape.toLowerCase()}`;
      await lab.addMachine({ name, role: "client", os: WS2022_STD });
      const run = await clientSetup(lab, name, { kmsServer: "kms" });
      expect(run.outcome.exitCode).toBe(0);
      expect(run.result).toMatchObject({ ok: true, pending: true, errorCode: "0xC004F038" });
      await lab.setConditions({ cimErrors: "errorData" });
    },
  );

  test("host-state: an Office KMS client product on the host is not reported as an Office host licence", async () => {
    const status = await runCommand(lab, "kms", "status", statusParameters("host"));
    expect(status.result).toMatchObject({ ok: true, isKmsHost: true, officeHosts: [] });
  });

  test("Office on a VM whose Windows is set to Azure's KMS asks our host, not Azure's KMS (0xC004F042)", async () => {
    await lab.addMachine({
      name: "azoffice",
      role: "client",
      os: WS2022_STD,
      marketplaceImage: true,
      office: [OFFICE_2024],
    });
    const requests = async () =>
      (
        await ps<{ total: number }>(
          lab,
          "kms",
          `@{ total = [int64](@(Get-CimInstance SoftwareLicensingProduct -Filter "PartialProductKey IS NOT NULL" | Where-Object { $_.ProductKeyChannel -eq 'Volume:CSVLK' })[0]).KeyManagementServiceTotalRequests } | ConvertTo-Json -Compress`,
        )
      ).total;
    const before = await requests();
    const run = await clientSetup(lab, "azoffice", { kmsServer: "kms", applicationId: OFFICE });
    // The request reached our host (which holds no Office host key here, so it refuses: 0xC004F042).
    expect(await requests()).toBe(before + 1);
    expect(run.result.changed).toContain("kmsServer");
    // Windows now renews with our host too; its licence from Azure's KMS stays until then.
    expect(await lab.state("azoffice")).toMatchObject({
      licensedBy: "azkms.core.windows.net:1688",
      lastActivationError: "0xC004F042",
    });
  });
});

describeWithTool("pwsh", "lab: a KMS licence runs out 180 days after its last renewal", () => {
  let lab: Lab;
  const DAY = 24 * 60;
  const clients = ["r1", "r2", "r3", "r4", "r5"];
  const grace = async (name: string) =>
    ps<{ status: number; reason: string; grace: number }>(
      lab,
      name,
      `$p = Get-Product0; @{ status = [int]$p.LicenseStatus; reason = ('0x{0:X8}' -f [uint32]$p.LicenseStatusReason); grace = [int64]$p.GracePeriodRemaining } | ConvertTo-Json -Compress`,
    );
  beforeAll(async () => {
    lab = await Lab.open();
    await lab.addMachine({ name: "kms", role: "host", os: WS2022 });
    expect((await hostSetup(lab, "kms")).result).toMatchObject({ ok: true });
    for (const name of clients) {
      await lab.addMachine({ name, role: "client", os: WS2022_STD });
      await clientSetup(lab, name, { kmsServer: "kms" });
    }
    await lab.advance(121); // the first four ask again and reach the count of 5
    for (const name of clients) expect((await lab.state(name)).activated).toBe(true);
  });
  afterAll(async () => {
    await lab?.close();
  });

  test("item 5: renewing every 7 days while the host answers keeps a client licensed past 180 days", async () => {
    await lab.advance(200 * DAY);
    for (const name of clients) {
      expect(await lab.state(name)).toMatchObject({ activated: true, licenseStatus: 1 });
    }
    // Each renewal restarts the 180 days: at most one renewal interval has passed since the last one.
    expect((await grace("r1")).grace).toBeGreaterThanOrEqual(173 * DAY);
  });

  test("item 5: with its host gone, a client falls to Out-of-Tolerance grace at 180 days, then Notification", async () => {
    await ps(lab, "kms", `Stop-Service -Name sppsvc; '{}'`);
    // The last renewal was at most 7 days before the host went: still licensed 172 days on.
    await lab.advance(172 * DAY);
    expect(await lab.state("r1")).toMatchObject({ activated: true, licenseStatus: 1 });
    await lab.advance(8 * DAY);
    const r1 = await lab.state("r1");
    expect(r1).toMatchObject({ activated: false, licenseStatus: 3 });
    expect(r1.licensedBy).toBeUndefined();
    const oot = await grace("r1");
    expect(oot).toMatchObject({ status: 3, reason: "0x4004F00D" });
    expect(oot.grace).toBeGreaterThan(22 * DAY);
    expect(oot.grace).toBeLessThanOrEqual(30 * DAY);
    // The 30 days of grace run out: Notification.
    await lab.advance(31 * DAY);
    expect(await lab.state("r1")).toMatchObject({ activated: false, licenseStatus: 5 });
    expect(await grace("r1")).toMatchObject({ status: 5, reason: "0xC004F009", grace: 0 });
    // The host back: in Notification a client asks every activation interval, and is licensed again.
    await ps(lab, "kms", `Start-Service -Name sppsvc; '{}'`);
    await lab.advance(4 * 60 + 1);
    for (const name of clients) {
      expect(await lab.state(name)).toMatchObject({ activated: true, licenseStatus: 1 });
    }
    expect((await grace("r1")).grace).toBeGreaterThan(179 * DAY);
  });
});
