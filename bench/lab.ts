/**
 * Rehearsal benchmark (`npx ts-node -T bench/lab.ts [--clients 30,300]`). Not a test: prints numbers for
 * docs/benchmarks.md. Needs pwsh (the lab runs the real scripts).
 *
 * 1. Per script, through one lab (one pwsh process, its runspace pool): the mean time of a lab run of
 *    host-setup, client-setup, status and client-activate, against a baseline script that only prints
 *    its JSON line, run the same way in the same process (the lab's own cost per run).
 * 2. `kms-plan --lab` of a stack with a created host and N = 30 and 300 clients (KmsClient with `host`,
 *    threshold barrier included, scripts by reference: the lab downloads each step's blob; VMs with
 *    client machine IDs of their own, `sharedCmid: false`, so that every client activates), against
 *    plan() of the same program in the same process (the mocks' results instead of the lab's). Targets:
 *    300 clients rehearsed in under 2 minutes on 2 cores (issue 10); 1,000 in under 3 minutes (issue 21,
 *    `--clients 1000`). `--no-scripts` skips part 1.
 */
import * as os from "os";
import { fleetProgram } from "./fleetProgram";
import { clientActivateParameters, clientSetupParameters, loadScript } from "../components/scripts";
import { statusParameters } from "../components/scripts";
import { plan, secretConfig } from "../tools/plan";
import { openLab, rehearse } from "../tools/rehearsal";
import type { LabLike, LabRunRequest } from "../tools/rehearsal";

// A required secret kms-plan cannot read is planned with a placeholder; the rehearsal gives the lab's key.
const config = {
  hostKey: secretConfig("kms-plan-secret-placeholder(bench:hostKey)"),
  adminPassword: secretConfig("P@ssw0rd-bench"),
};

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function pairs(p: Record<string, string>): { name: string; value: string }[] {
  return Object.entries(p).map(([name, value]) => ({ name, value }));
}

async function timeRuns(
  lab: LabLike,
  label: string,
  runs: { machine: string; request: LabRunRequest }[],
  baseline?: number,
): Promise<number> {
  const t0 = process.hrtime.bigint();
  let failed = 0;
  for (const r of runs) {
    const out = await lab.run(r.machine, r.request);
    if (out.exitCode !== 0) failed++;
  }
  const mean = ms(t0) / runs.length;
  console.log(
    `${label.padEnd(26)} ${mean.toFixed(0).padStart(6)} ms/run  (${runs.length} runs${failed ? `, ${failed} exited non-zero` : ""})` +
      (baseline ? `  ${(mean / baseline).toFixed(1)}x baseline` : ""),
  );
  return mean;
}

async function perScript(k: number): Promise<void> {
  const t0 = process.hrtime.bigint();
  const lab = await openLab({});
  console.log(`lab open (pwsh start, module, runspaces): ${ms(t0).toFixed(0)} ms`);
  try {
    await lab.addMachine({ name: "kms", role: "host", os: "Windows Server 2022 Datacenter" });
    await lab.setAddress("kms.lab.test", "kms");
    for (let i = 0; i < k; i++) {
      await lab.addMachine({
        name: `c${i}`,
        role: "client",
        os: "Windows Server 2022 Datacenter",
        marketplaceImage: true,
      });
    }
    const baselineScript =
      "param()\n$ErrorActionPreference = 'Stop'\nWrite-Output '{\"ok\":true}'\n";
    const baseline = await timeRuns(
      lab,
      "baseline (prints one line)",
      Array.from({ length: k }, (_, i) => ({
        machine: `c${i}`,
        request: { transport: "runCommand", script: baselineScript, parameters: [] },
      })),
    );
    await timeRuns(
      lab,
      "host-setup (first run)",
      [
        {
          machine: "kms",
          request: {
            transport: "runCommand",
            script: loadScript("host-setup"),
            parameters: [],
            protectedParameters: [
              { name: "HostKey", value: lab.hostKey?.("Windows Server 2022") ?? "" },
            ],
          },
        },
      ],
      baseline,
    );
    const setup = pairs(
      clientSetupParameters({
        setupKey: "WX4NM-KYWYW-QJJR4-XV3QB-6VM33",
        kmsServer: "kms.lab.test",
        kmsPort: 1688,
      }).parameters,
    );
    await timeRuns(
      lab,
      "client-setup",
      Array.from({ length: k }, (_, i) => ({
        machine: `c${i}`,
        request: { transport: "runCommand", script: loadScript("client-setup"), parameters: setup },
      })),
      baseline,
    );
    await timeRuns(
      lab,
      "status (host)",
      Array.from({ length: k }, () => ({
        machine: "kms",
        request: {
          transport: "runCommand",
          script: loadScript("status"),
          parameters: pairs(statusParameters("host").parameters),
        },
      })),
      baseline,
    );
    const activate = pairs(
      clientActivateParameters(
        "55c92734-d682-4d71-983e-d6ec3f16059f",
        Object.fromEntries(setup.map((p) => [p.name, p.value])),
      ).parameters,
    );
    await timeRuns(
      lab,
      "client-activate",
      Array.from({ length: k }, (_, i) => ({
        machine: `c${i}`,
        request: {
          transport: "runCommand",
          script: loadScript("client-activate"),
          parameters: activate,
        },
      })),
      baseline,
    );
  } finally {
    await lab.close();
  }
}

async function rehearsal(n: number): Promise<void> {
  let t0 = process.hrtime.bigint();
  await plan(fleetProgram(n), { config });
  const planned = ms(t0);
  t0 = process.hrtime.bigint();
  // The clients are VMs with a client machine ID of their own (rearmed already, or a custom image
  // generalized with SkipRearm=0): Marketplace VMs that share one would be counted once and never reach
  // the threshold (0 of N activated), which measures less work than a deployment that activates.
  // vmIdentity: the existing client VMs have the script identity attached (else their downloads fail).
  const r = await rehearse(fleetProgram(n), { sharedCmid: false, vmIdentity: true }, { config });
  const rehearsed = ms(t0);
  const ran = r.lab.steps.filter((s) => s.ran);
  const stepMs = ran.reduce((a, s) => a + s.durationMs, 0) / Math.max(1, ran.length);
  const activated = r.lab.machines.filter((m) => m.role === "client" && m.activated).length;
  console.log(
    `N=${String(n).padEnd(4)} rehearsal ${(rehearsed / 1000).toFixed(1).padStart(6)} s  plan ${(planned / 1000).toFixed(1).padStart(5)} s  ` +
      `(${(rehearsed / planned).toFixed(1)}x)  ${ran.length} steps ran, mean ${stepMs.toFixed(0)} ms in flight each, ` +
      `${(rehearsed / Math.max(1, ran.length)).toFixed(0)} ms of rehearsal per step, ` +
      `${activated}/${n} clients activated, ${r.lab.failures.length} failed steps` +
      (n === 300 ? `  (target < 120 s: ${rehearsed < 120_000 ? "met" : "missed"})` : "") +
      (n === 1000 ? `  (target < 180 s: ${rehearsed < 180_000 ? "met" : "missed"})` : "") +
      `  load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
  );
  if (r.lab.failures.length > 0) console.log(`  first failure: ${r.lab.failures[0].message}`);
}

async function main(): Promise<void> {
  const arg = process.argv.indexOf("--clients");
  const sizes = arg >= 0 ? process.argv[arg + 1].split(",").map((s) => Number(s)) : [30, 300];
  console.log(
    `Node ${process.version}, ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}`,
  );
  if (!process.argv.includes("--no-scripts")) await perScript(10);
  await plan(fleetProgram(5), { config }); // warm-up of the SDK and the components
  for (const n of sizes) await rehearsal(n);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
