/**
 * client-setup.ps1, client-activate.ps1 and status.ps1 (client role) in the lab, with the parameters
 * KmsClient builds, as Managed Run Command (and the SSH bootstrap) pass them. Azure
 * as it is: Marketplace images are licensed by Azure's own KMS before any script runs.
 */
import { Lab, labHostKey } from "../tools/lab";
import {
  HOST_KEY_PARAMETER,
  clientActivateParameters,
  clientSetupParameters,
  hostSetupParameters,
  scriptFailure,
  statusParameters,
} from "../components/scripts";
import { describeWithTool } from "./helpers/tools";
import { ps } from "./helpers/lab";
import { ClientRun, HostRun, runCommand, runSsh } from "./helpers/labScripts";

jest.setTimeout(240_000);

const WS2022_STD = "Windows Server 2022 Standard";

async function makeHost(
  lab: Lab,
  name: string,
  group = "Windows Server 2022",
  settings = {},
  domain?: string,
) {
  await lab.addMachine({
    name,
    role: "host",
    os: `${group} Datacenter`,
    ...(domain ? { domain } : {}),
  });
  const run: HostRun = await runCommand(lab, name, "host-setup", hostSetupParameters(settings), {
    [HOST_KEY_PARAMETER]: labHostKey(group),
  });
  expect(run.result).toMatchObject({ ok: true, isKmsHost: true });
}

describeWithTool("pwsh", "lab: client scripts on KMS clients", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open();
    await makeHost(lab, "kms", "Windows Server 2022", {
      activationIntervalMinutes: 60,
      renewalIntervalMinutes: 1440,
    });
  });
  afterAll(async () => {
    await lab?.close();
  });

  const setup = (machine: string, settings: Parameters<typeof clientSetupParameters>[0]) =>
    runCommand(lab, machine, "client-setup", clientSetupParameters(settings)) as Promise<ClientRun>;

  test("a Marketplace VM licensed by Azure's KMS, below the threshold: pending, not 'activated by our host'", async () => {
    await lab.addMachine({ name: "az01", role: "client", os: WS2022_STD, marketplaceImage: true });
    const first = await setup("az01", { kmsServer: "kms" });
    expect(first.outcome.exitCode).toBe(0);
    expect(first.result).toMatchObject({
      ok: true,
      activated: false,
      pending: true,
      errorCode: "0xC004F038",
      // Windows still says Licensed: Azure's KMS licensed it; our host did not.
      licenseStatus: "Licensed",
      kmsServer: "kms:1688",
    });
    expect(first.result.message).toMatch(
      /^Pending: .*by another KMS \(on Azure: Azure's own KMS\)/,
    );
    expect((await lab.state("az01")).activatedBy).toBe("azkms.core.windows.net:1688");

    // status.ps1 reports the last Activate() result the scripts kept, not LicenseStatusReason.
    const status = (await runCommand(
      lab,
      "az01",
      "status",
      statusParameters("client"),
    )) as ClientRun;
    expect(status.result).toMatchObject({
      ok: true,
      licenseStatus: "Licensed",
      activated: false,
      pending: true,
      errorCode: "0xC004F038",
    });
    expect(status.outcome.output).toContain(
      '"lastActivation":{"result":"pending","errorCode":"0xC004F038","kmsServer":"kms:1688"}',
    );

    // A second run asks again (the barrier relies on it), and is still pending.
    const second = await setup("az01", { kmsServer: "kms" });
    expect(second.result).toMatchObject({ ok: true, pending: true, activated: false, changed: [] });
  });

  test("above the threshold: the fifth server activates at once, the first four when asked again (client-activate always asks)", async () => {
    const names = ["az01", "az02", "az03", "az04", "az05"];
    for (const n of names.slice(1))
      await lab.addMachine({ name: n, role: "client", os: WS2022_STD, marketplaceImage: true });
    const results: ClientRun[] = [];
    for (const n of names.slice(1)) results.push(await setup(n, { kmsServer: "kms" }));
    expect(results.map((r) => [r.result.pending, r.result.activated])).toEqual([
      [true, false],
      [true, false],
      [true, false],
      [false, true],
    ]);
    expect(results[3].result.message).toBe(
      `Activated (${results[3].result.productName}) by kms:1688; CMID ${results[3].result.cmid}.`,
    );
    // The barrier's second ask, on the ones that were pending: all licensed by Azure already.
    for (const n of names.slice(0, 4)) {
      const again: ClientRun = await runCommand(
        lab,
        n,
        "client-activate",
        clientActivateParameters(
          clientSetupParameters().parameters.ApplicationId,
          clientSetupParameters({ kmsServer: "kms" }).parameters,
        ),
      );
      expect(again.outcome.exitCode).toBe(0);
      expect(again.result).toMatchObject({
        ok: true,
        activated: true,
        pending: false,
        changed: ["activation"],
      });
      expect((await lab.state(n)).activatedBy).toBe("kms:1688");
    }
    const host = (await runCommand(lab, "kms", "status", statusParameters("host"))) as HostRun;
    expect(host.result.currentCount).toBe(5);
    const status = (await runCommand(
      lab,
      "az01",
      "status",
      statusParameters("client"),
    )) as ClientRun;
    expect(status.result).toMatchObject({ activated: true, pending: false, errorCode: null });
    // Once activated by our host, the same settings change nothing and ask nothing.
    const idle = await setup("az05", { kmsServer: "kms" });
    expect(idle.result).toMatchObject({ ok: true, activated: true, changed: [] });
    expect(idle.outcome.output).not.toContain("[client-setup] Activating.");
  });

  test("clients take their intervals from the host's answer; client-setup never calls the host-only setters", async () => {
    const intervals = await ps<{ a: number; r: number }>(
      lab,
      "az05",
      "$p = Get-Product0; @{ a = [int64]$p.VLActivationInterval; r = [int64]$p.VLRenewalInterval } | ConvertTo-Json -Compress",
    );
    expect(intervals).toEqual({ a: 60, r: 1440 });
    expect(() =>
      clientSetupParameters({ kmsServer: "kms", activationIntervalMinutes: 60 }),
    ).toThrow(/activationIntervalMinutes must be unset on a KMS client/);
  });

  test("DNS discovery with two SRV entries: the lowest priority answers; a second run changes nothing", async () => {
    await makeHost(lab, "kmsa", "Windows Server 2022", {}, "corp.test");
    await makeHost(lab, "kmsb", "Windows Server 2022", {}, "corp.test");
    await lab.setAddress("kmsa.corp.test", "kmsa");
    await lab.setAddress("kmsb.corp.test", "kmsb");
    await lab.setSrvRecords("corp.test", [
      { target: "kmsb.corp.test", port: 1688, priority: 10, weight: 0 },
      { target: "kmsa.corp.test", port: 1688, priority: 0, weight: 0 },
    ]);
    await lab.addMachine({ name: "dns01", role: "client", os: WS2022_STD, domain: "corp.test" });
    const first = await setup("dns01", {});
    expect(first.outcome.exitCode).toBe(0);
    expect(first.result).toMatchObject({
      ok: true,
      pending: true,
      kmsServer: "kmsa.corp.test:1688",
    });
    const second = await setup("dns01", {});
    expect(second.result.changed).toEqual([]);
    expect((await lab.state("dns01")).changed).toEqual([]);

    // A client that had a fixed host and port goes back to discovery: both are cleared, once.
    await lab.addMachine({ name: "dns02", role: "client", os: WS2022_STD, domain: "corp.test" });
    await setup("dns02", { kmsServer: "kmsb:1688" });
    const back = await setup("dns02", {});
    expect(back.result.changed).toEqual(["kmsServer"]);
    expect(back.result.kmsServer).toBe("kmsa.corp.test:1688");
    expect((await setup("dns02", {})).result.changed).toEqual([]);
  });

  test("a host whose key group cannot activate the product: a failure with meaning and fix", async () => {
    await makeHost(lab, "kms2019", "Windows Server 2019");
    await lab.addMachine({ name: "w11", role: "client", os: "Windows 11 Enterprise" });
    const run = await setup("w11", { kmsServer: "kms2019" });
    expect(run.outcome.exitCode).toBe(1);
    expect(run.result).toMatchObject({
      ok: false,
      activated: false,
      pending: false,
      errorCode: "0xC004F042",
    });
    expect(scriptFailure(run.result).message).toMatch(
      /^client-setup\.ps1 failed: Activation failed\. 0xC004F042: The KMS host that answered cannot activate this product.*Fix: Install a newer host key/,
    );
  });

  test("clients that share a CMID count once: all stay pending, and the message names the cause", async () => {
    await makeHost(lab, "kmsclone", "Windows Server 2022");
    const clones = ["clone1", "clone2", "clone3", "clone4", "clone5", "clone6"];
    for (const n of clones) {
      await lab.addMachine({
        name: n,
        role: "client",
        os: WS2022_STD,
        cmid: "7b1d6f0e-3c2a-4e5f-9a8b-0c1d2e3f4a5b",
      });
    }
    for (const n of clones) {
      const r = await setup(n, { kmsServer: "kmsclone" });
      expect(r.result).toMatchObject({
        ok: true,
        pending: true,
        activated: false,
        cmid: "7b1d6f0e-3c2a-4e5f-9a8b-0c1d2e3f4a5b",
      });
      expect(r.result.message).toMatch(/share a client machine ID .*SkipRearm=1.*slmgr \/rearm/);
    }
    const host = (await runCommand(lab, "kmsclone", "status", statusParameters("host"))) as HostRun;
    expect(host.result.currentCount).toBe(1);
  });

  test("over SSH: the bootstrap runs the same text with its parameters on stdin", async () => {
    await lab.addMachine({ name: "ssh01", role: "client", os: WS2022_STD });
    const run = (await runSsh(
      lab,
      "ssh01",
      "client-setup",
      clientSetupParameters({ kmsServer: "kms" }),
    )) as ClientRun;
    expect(run.outcome.exitCode).toBe(0);
    expect(run.result).toMatchObject({ ok: true, kmsServer: "kms:1688" });
    expect(run.result.activated || run.result.pending).toBe(true);
  });
});
