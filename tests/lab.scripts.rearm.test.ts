/**
 * client-rearm.ps1 and the check client-setup.ps1 makes after it, in the lab, with the parameters KmsClient
 * builds, as Managed Run Command passes them. VMs from one Marketplace image share one
 * client machine ID until rearmed and restarted (Microsoft, "Windows activation - duplicate Client Machine
 * ID"); the lab changes the CMID at the restart the script schedules (docs/lab.md, "Rearm and restart").
 */
import { Lab, labHostKey } from "../tools/lab";
import {
  HOST_KEY_PARAMETER,
  clientRearmParameters,
  clientSetupParameters,
  hostSetupParameters,
} from "../components/scripts";
import { KmsConfigError } from "pulumi-kms-activation-catalog";
import { describeWithTool } from "./helpers/tools";
import { ps } from "./helpers/lab";
import { ClientRun, HostRun, runCommand } from "./helpers/labScripts";

jest.setTimeout(240_000);

const WS2022 = "Windows Server 2022 Datacenter";
const IMAGE_CMID = "6a1e7cc3-4a21-4b5e-9b3e-0d5c0a7c1f42";

test("clientRearmParameters: 15 seconds by default; 5 to 600, else a KmsConfigError", () => {
  expect(clientRearmParameters()).toEqual({
    parameters: { RestartDelaySeconds: "15" },
    secretParameterNames: [],
  });
  expect(clientRearmParameters(600).parameters.RestartDelaySeconds).toBe("600");
  expect(() => clientRearmParameters(0)).toThrow(KmsConfigError);
  expect(() => clientRearmParameters(4.5)).toThrow(
    "restartDelaySeconds must be a whole number of seconds from 5 to 600; received 4.5.",
  );
});

describeWithTool("pwsh", "lab: client-rearm.ps1 on Marketplace VMs that share a CMID", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open();
    await lab.addMachine({ name: "kms", role: "host", os: WS2022 });
    const host: HostRun = await runCommand(lab, "kms", "host-setup", hostSetupParameters(), {
      [HOST_KEY_PARAMETER]: labHostKey("Windows Server 2022"),
    });
    expect(host.result).toMatchObject({ ok: true, isKmsHost: true });
  });
  afterAll(async () => {
    await lab?.close();
  });

  const clone = (name: string) =>
    lab.addMachine({ name, role: "client", os: WS2022, marketplaceImage: true, cmid: IMAGE_CMID });
  const rearm = (machine: string) =>
    runCommand(lab, machine, "client-rearm", clientRearmParameters()) as Promise<ClientRun>;
  const setup = (machine: string) =>
    runCommand(
      lab,
      machine,
      "client-setup",
      clientSetupParameters({ kmsServer: "kms" }),
    ) as Promise<ClientRun>;
  const rearmRecord = (machine: string) =>
    ps<{ record: Record<string, unknown> | null }>(
      lab,
      machine,
      String.raw`$f = Join-Path $env:ProgramData 'pulumi-kms-activation\rearm.json'; $r = $null; if (Test-Path $f) { $r = Get-Content $f -Raw | ConvertFrom-Json }; @{ record = $r } | ConvertTo-Json -Compress -Depth 4`,
    );

  test("rearm, restart, setup: two clones of one image count as two machines; a second rearm run does nothing", async () => {
    await clone("vm01");
    await clone("vm02");
    for (const vm of ["vm01", "vm02"]) {
      const r = await rearm(vm);
      expect(r.outcome.exitCode).toBe(0);
      expect(r.result).toMatchObject({
        ok: true,
        script: "client-rearm",
        rearm: "restart-pending",
        restartScheduled: true,
        // Until the restart, the machine still has the image's CMID.
        cmid: IMAGE_CMID,
        cmidBefore: IMAGE_CMID,
        changed: ["rearm", "restartScheduled"],
      });
      expect(r.result.message).toMatch(/restarts in 15 seconds/);
    }
    const one = await setup("vm01");
    const two = await setup("vm02");
    for (const r of [one, two]) {
      expect(r.outcome.exitCode).toBe(0);
      expect(r.outcome.output).toMatch(
        /Rearmed and restarted: this machine's client machine ID is now/,
      );
      expect(r.result.cmid).not.toBe(IMAGE_CMID);
      expect(r.result).toMatchObject({ ok: true, pending: true, errorCode: "0xC004F038" });
    }
    expect(one.result.cmid).not.toBe(two.result.cmid);
    // Two distinct CMIDs reached the host, not one.
    expect((await lab.state("kms")).currentCount).toBe(2);
    expect((await rearmRecord("vm01")).record).toMatchObject({
      state: "done",
      cmidBefore: IMAGE_CMID,
      cmidAfter: one.result.cmid,
    });

    // Idempotent: rearmed once; a second run changes nothing and uses no rearm.
    const left = (await lab.state("vm01")).remainingRearmCount;
    const again = await rearm("vm01");
    expect(again.outcome.exitCode).toBe(0);
    expect(again.result).toMatchObject({
      ok: true,
      rearm: "done",
      restartScheduled: false,
      changed: [],
      cmid: one.result.cmid,
    });
    expect(await lab.state("vm01")).toMatchObject({
      remainingRearmCount: left,
      restartPending: false,
      restarts: 1,
    });
    // The setup runs again as before: the rearm is done.
    expect((await setup("vm01")).result).toMatchObject({ ok: true, cmid: one.result.cmid });
  });

  test("without the rearm the clones share one CMID and the host counts them once", async () => {
    await clone("nr01");
    await clone("nr02");
    const before = (await lab.state("kms")).currentCount;
    const a = await setup("nr01");
    const b = await setup("nr02");
    expect(a.result.cmid).toBe(IMAGE_CMID);
    expect(b.result.cmid).toBe(IMAGE_CMID);
    expect((await lab.state("kms")).currentCount).toBe((before ?? 0) + 1);
  });

  test("a restart that has not happened: the setup activates nothing and says to restart; the rearm step schedules it again", async () => {
    await clone("held01");
    await lab.setConditions({ pendingRestarts: "held" });
    try {
      expect((await rearm("held01")).result).toMatchObject({ ok: true, rearm: "restart-pending" });
      const count = (await lab.state("kms")).currentCount;
      const early = await setup("held01");
      expect(early.outcome.exitCode).toBe(1);
      expect(early.result).toMatchObject({ ok: false, activated: false, cmid: IMAGE_CMID });
      expect(early.result.message).toMatch(
        /^Windows was rearmed at .* but it has not restarted since .* it still has the ID 6a1e7cc3-4a21-4b5e-9b3e-0d5c0a7c1f42 .* Fix: restart the VM \(az vm restart, or the portal\), then run pulumi up again\./,
      );
      // Nothing reached the host.
      expect((await lab.state("kms")).currentCount).toBe(count);
      // The step again (the restart may have been aborted): no second rearm, the restart is scheduled
      // (1190: one is already scheduled, which does the same).
      const left = (await lab.state("held01")).remainingRearmCount;
      const again = await rearm("held01");
      expect(again.result).toMatchObject({ ok: true, rearm: "restart-pending", changed: [] });
      expect((await lab.state("held01")).remainingRearmCount).toBe(left);
      // Aborted by someone: the step schedules it anew.
      await ps(lab, "held01", "shutdown.exe /a | Out-Null; '{}'");
      const anew = await rearm("held01");
      expect(anew.result).toMatchObject({ ok: true, changed: ["restartScheduled"] });
    } finally {
      await lab.setConditions({ pendingRestarts: "happen" });
    }
    const late = await setup("held01");
    expect(late.outcome.exitCode).toBe(0);
    expect(late.result.cmid).not.toBe(IMAGE_CMID);
  });

  test("restarted but the CMID did not change: the setup fails with the SkipRearm fix", async () => {
    await clone("same01");
    // A record as client-rearm.ps1 writes it, of a rearm that did not take (the boot time is older than any
    // restart, the CMID still the image's).
    await ps(
      lab,
      "same01",
      String.raw`$d = Join-Path $env:ProgramData 'pulumi-kms-activation'; New-Item -ItemType Directory -Force -Path $d | Out-Null
Set-Content -LiteralPath (Join-Path $d 'rearm.json') -Value '{"state":"restart-pending","cmidBefore":"${IMAGE_CMID}","bootBefore":"2020-01-01 00:00:00Z","bootBeforeTicks":637134336000000000,"rearmedAt":"2020-01-01 00:01:00Z","restartDelaySeconds":15,"cmidAfter":null}'
'{}'`,
    );
    const r = await setup("same01");
    expect(r.outcome.exitCode).toBe(1);
    expect(r.result.message).toMatch(
      /^Windows was rearmed and the machine restarted .* but its client machine ID is still 6a1e7cc3-4a21-4b5e-9b3e-0d5c0a7c1f42.* Fix: .*SkipRearm .* set it to 0, delete %ProgramData%\\pulumi-kms-activation\\rearm\.json/,
    );
    // The rearm step says the same, and does not rearm again.
    const again = await rearm("same01");
    expect(again.outcome.exitCode).toBe(1);
    expect(again.result).toMatchObject({ ok: false, rearm: "unchanged" });
  });

  test("no rearm left: 0xC004D307 with its meaning and fix, and no restart", async () => {
    await clone("used01");
    await ps(
      lab,
      "used01",
      String.raw`$s = Get-Service0
for ($i = 0; $i -lt 1001; $i++) { Invoke-CimMethod -InputObject (Get-Service0) -MethodName ReArmWindows | Out-Null }
'{}'`,
    );
    const r = await rearm("used01");
    expect(r.outcome.exitCode).toBe(1);
    expect(r.result).toMatchObject({
      ok: false,
      rearm: "failed",
      errorCode: "0xC004D307",
      restartScheduled: false,
      cmid: IMAGE_CMID,
    });
    expect(r.result.message).toContain(
      "0xC004D307: Windows cannot be rearmed again: the machine has used all its rearms",
    );
    expect(r.result.message).toContain("Fix: A rearm cannot give this machine");
    expect(await lab.state("used01")).toMatchObject({ restartPending: false });
  });

  test("RestartDelaySeconds out of range: exit 2 with the TypeScript wording", async () => {
    await clone("bad01");
    const r = (await runCommand(lab, "bad01", "client-rearm", {
      RestartDelaySeconds: "3",
    })) as ClientRun;
    expect(r.outcome.exitCode).toBe(2);
    expect(r.result.message).toBe(
      "RestartDelaySeconds must be a whole number of seconds from 5 to 600; received 3.",
    );
    expect(await lab.state("bad01")).toMatchObject({ rearmPending: false, restartPending: false });
  });
});
