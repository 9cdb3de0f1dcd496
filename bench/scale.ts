/**
 * Scale benchmark (`npx ts-node -T bench/scale.ts [--clients 1000,3000] [--inline]`). Not a test: prints
 * numbers for docs/benchmarks.md.
 *
 * `kms-plan --json` of bench/programs/fleet (one created KMS host, N existing VMs as its clients, scripts by
 * reference), each N in its own process as a user runs it: wall time, peak RSS, resources, and the bytes of
 * registered inputs (per client, and the largest single resource). Targets (issue 21): 1,000 clients in
 * < 30 s and < 2 GB; t(3000)/t(1000) ≤ 3.5. `--inline` plans the same program with the scripts inline,
 * for comparison.
 */
import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const PROGRAM = path.join(__dirname, "programs", "fleet");

interface Run {
  n: number;
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
  resources: number;
  inputBytes: number;
  largestInput: number;
}

function planFleet(n: number, inline: boolean): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [
      "--max-old-space-size=4096",
      "-r",
      path.join(__dirname, "maxrss.js"),
      "-r",
      "ts-node/register/transpile-only",
      "tools/plan-cli.ts",
      PROGRAM,
      "--json",
    ],
    {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 1 << 30,
      env: { ...process.env, KMS_BENCH_CLIENTS: String(n), KMS_BENCH_INLINE: inline ? "1" : "" },
    },
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`kms-plan exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const kb = Number(/KMS_BENCH_MAXRSS_KB (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  const cpuUs = Number(/KMS_BENCH_CPU_US (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  const result = JSON.parse(r.stdout) as { resources: { inputs: unknown }[] };
  const sizes = result.resources.map((x) => Buffer.byteLength(JSON.stringify(x.inputs)));
  return {
    n,
    seconds,
    cpuSeconds: cpuUs / 1e6,
    maxRssMb: kb / 1024,
    resources: result.resources.length,
    inputBytes: sizes.reduce((a, b) => a + b, 0),
    largestInput: Math.max(...sizes),
  };
}

function main(): void {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const ns = (arg("--clients") ?? "1000,3000").split(",").map(Number);
  const inline = process.argv.includes("--inline");
  console.log(
    `Node ${process.version}, ${new Date().toISOString()}, ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}; scripts ${inline ? "inline" : "by reference"}`,
  );
  const small = planFleet(10, inline);
  const runs: Run[] = [];
  for (const n of ns) {
    const run = planFleet(n, inline);
    runs.push(run);
    const perClient = (run.inputBytes - small.inputBytes) / (n - small.n);
    console.log(
      `N=${String(n).padStart(5)}: ${run.seconds.toFixed(1)} s wall, ${run.cpuSeconds.toFixed(1)} s CPU, peak RSS ${run.maxRssMb.toFixed(0)} MB, ` +
        `${run.resources} resources, inputs ${(run.inputBytes / 2 ** 20).toFixed(2)} MiB ` +
        `(${(perClient / 1024).toFixed(2)} KiB per client, largest resource ${(run.largestInput / 1024).toFixed(1)} KiB)`,
    );
  }
  for (let i = 1; i < runs.length; i++) {
    console.log(
      `t(${runs[i].n})/t(${runs[i - 1].n}) = ${(runs[i].seconds / runs[i - 1].seconds).toFixed(2)} wall, ` +
        `${(runs[i].cpuSeconds / runs[i - 1].cpuSeconds).toFixed(2)} CPU ` +
        `(${(runs[i].n / runs[i - 1].n).toFixed(1)}x the clients)`,
    );
  }
  console.log(
    `load after: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
}

main();
