/**
 * A user's project, as the install tests build it: an empty project, a plain
 * JavaScript Pulumi project or a TypeScript one, the package installed into it the documented ways (a
 * tarball, a git URL, a folder) with npm 10 or 11, and what a user then runs (`npx kms-plan`).
 *
 * Nothing here uses the npm registry's copy of this package: the tarball is packed from this checkout,
 * the git URL is a `git+file://` URL of a local clone. The registry serves only the dependencies.
 *
 * To plan with more options (say `--config`), add a case to PLAN_CASES: every install test runs each.
 */
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./packTarball";
import { isCi, SKIP_MARKER } from "./tools";

export type NpmMajor = 10 | 11;
export type ProjectKind = "empty" | "javascript" | "typescript";

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  version: string;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
export const VERSION = pkg.version;

/** The policy pack's path in a user's project, as README.md and examples/ci-policy document it. */
export const POLICY_PACK_PATH = "node_modules/pulumi-kms-activation/bin/policy";

/** The Pulumi packages a Pulumi project already has, at the versions this repository tests with. */
export const PULUMI_PINS = ["@pulumi/pulumi", "@pulumi/azure-native", "@pulumi/command"].map(
  (n) => `${n}@${pkg.devDependencies[n]}`,
);

/** The README's line for the peer dependencies (tests/docs.install.test.ts keeps it equal to these). */
export const PEER_SPECS = Object.entries(pkg.peerDependencies).map(([n, r]) => `${n}@${r}`);

/** A user's shell: no jest variables (kms-plan treats JEST_WORKER_ID as "under jest"), no npm_* from `npm test`. */
export function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(JEST_|npm_)/i.test(k)) delete env[k];
  return env;
}

let pathNpmMajor: number | undefined;

/** The command that runs npm `major`: the npm on PATH when it is that major, else `npx -y npm@<major>`. */
export function npmCommand(major: NpmMajor): [string, string[]] {
  pathNpmMajor ??= Number(
    execFileSync("npm", ["--version"], { encoding: "utf8", env: userEnv() }).split(".")[0],
  );
  return pathNpmMajor === major ? ["npm", []] : ["npx", ["-y", `npm@${major}`]];
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export function exec(
  cmd: string,
  args: string[],
  cwd: string,
  timeout: number,
  env: NodeJS.ProcessEnv = userEnv(),
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd, timeout, maxBuffer: 64 * 1024 * 1024, env },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") return reject(error);
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** `npm install <specs>` with npm `major`; throws with npm's output when it fails. */
export async function npmInstall(
  major: NpmMajor,
  project: string,
  specs: string[],
  timeout = 600_000,
): Promise<void> {
  const [cmd, pre] = npmCommand(major);
  const args = [...pre, "install", "--no-audit", "--no-fund", "--prefer-offline", ...specs];
  const r = await exec(cmd, args, project, timeout);
  if (r.code !== 0) {
    throw new Error(
      `npm ${major} install ${specs.join(" ")} failed in ${project} (exit ${r.code}):\n${r.stderr}`,
    );
  }
}

const SUBNET =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/kms-rg/providers/Microsoft.Network/virtualNetworks/kms-vnet/subnets/kms";

/** The program body, the same in both languages: a host from config secrets, five server clients. */
function programBody(typed: boolean): string {
  const hostArgs = typed ? "const args: KmsHostArgs = " : "const args = ";
  return `const cfg = new pulumi.Config();
${hostArgs}{
  hostKey: cfg.requireSecret("hostKey"),
  resourceGroupName: "kms-rg",
  location: "westeurope",
  subnetId: "${SUBNET}",
  clientAddressPrefixes: ["10.50.0.0/16"],
  adminPassword: cfg.requireSecret("adminPassword"),
};
const host = new KmsHost("kms", args);
for (const vmName of ["app01", "app02", "app03", "app04", "app05"]) {
  new KmsClient(vmName, {
    azureVm: { resourceGroupName: "apps-rg", vmName, location: "westeurope" },
    product: "Windows Server 2022 Datacenter",
    host,
    // Existing VMs whose image the plan cannot see may share a CMID: rearmed, each counts.
    rearm: true,
  });
}
`;
}

export const TS_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { KmsClient, KmsHost } from "pulumi-kms-activation";
import type { KmsHostArgs } from "pulumi-kms-activation";

${programBody(true)}export const kmsServer = host.kmsServer;
`;

export const JS_PROGRAM = `"use strict";
const pulumi = require("@pulumi/pulumi");
const { KmsClient, KmsHost } = require("pulumi-kms-activation");

${programBody(false)}exports.kmsServer = host.kmsServer;
`;

/** A tsconfig.json as `pulumi new typescript` writes one. */
const TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

/**
 * Writes a project of `kind` in `dir` and installs what such a project has before the library:
 * nothing (empty: a package.json only; its program is TypeScript, planned without a compiler in the
 * project), the Pulumi packages (javascript), or the Pulumi packages, typescript 5 and @types/node
 * (typescript, as `pulumi new azure-typescript` makes it).
 */
export async function makeProject(dir: string, kind: ProjectKind, npm: NpmMajor): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const name = path.basename(dir);
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name, version: "1.0.0", private: true }, null, 2) + "\n",
  );
  const typescript = kind !== "javascript";
  fs.writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: ${typescript}\n`,
  );
  // Stack config as `pulumi config set --secret` leaves it: ciphertext kms-plan cannot read offline.
  fs.writeFileSync(
    path.join(dir, "Pulumi.dev.yaml"),
    `config:\n  ${name}:hostKey:\n    secure: v1:abc\n  ${name}:adminPassword:\n    secure: v1:def\n`,
  );
  if (kind === "javascript") {
    fs.writeFileSync(path.join(dir, "index.js"), JS_PROGRAM);
    await npmInstall(npm, dir, PULUMI_PINS);
  } else {
    fs.writeFileSync(path.join(dir, "index.ts"), TS_PROGRAM);
  }
  if (kind === "typescript") {
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2) + "\n");
    await npmInstall(npm, dir, [
      ...PULUMI_PINS,
      "typescript@^5.9.3",
      `@types/node@${pkg.devDependencies["@types/node"]}`,
    ]);
  }
}

/** `npx --no-install <args>` in the project, as a user runs the CLIs. */
export function npx(project: string, args: string[], timeout = 180_000): Promise<Ran> {
  return exec("npx", ["--no-install", ...args], project, timeout);
}

export interface PlanCase {
  name: string;
  /** kms-plan's arguments after the program directory `.` (`--json` is added). */
  args: string[];
  /** Files of the project replaced for this case (null: absent), restored after it. */
  files?: Record<string, string | null>;
}

/** What every install test plans in every project; each must plan 1 host, 5 clients, no violation. */
export const PLAN_CASES: PlanCase[] = [
  {
    name: "secret config values of the stack (ciphertext), planned as placeholders",
    args: ["--stack", "dev"],
  },
];

export interface PlanOutcome {
  code: number;
  stderr: string;
  hosts: number;
  clients: number;
  violations: unknown[];
}

/** Runs `npx kms-plan . <case args> --json` in the project and sums up what it planned. */
export async function planCase(project: string, c: PlanCase): Promise<PlanOutcome> {
  const saved = new Map<string, string | null>();
  for (const [name, text] of Object.entries(c.files ?? {})) {
    const file = path.join(project, name);
    saved.set(file, fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null);
    if (text === null) fs.rmSync(file, { force: true });
    else fs.writeFileSync(file, text);
  }
  try {
    const r = await npx(project, ["kms-plan", ".", ...c.args, "--json"]);
    let result: { resources?: { type: string }[]; violations?: unknown[] } = {};
    try {
      result = JSON.parse(r.stdout) as typeof result;
    } catch {
      // not JSON: the counts stay 0 and stderr says why
    }
    const count = (type: string) => (result.resources ?? []).filter((x) => x.type === type).length;
    return {
      code: r.code,
      stderr: r.stderr,
      hosts: count("kms:index:KmsHost"),
      clients: count("kms:index:KmsClient"),
      violations: result.violations ?? [],
    };
  } finally {
    for (const [file, text] of saved) {
      if (text === null) fs.rmSync(file, { force: true });
      else fs.writeFileSync(file, text);
    }
  }
}

/** The outcome every plan case must have (compare with toEqual; stderr is left out on success). */
export function planned(o: PlanOutcome): Omit<PlanOutcome, "stderr"> & { stderr?: string } {
  const { stderr, ...rest } = o;
  return o.code === 0 ? rest : { ...rest, stderr };
}

export const PLANNED_OK = { code: 0, hosts: 1, clients: 5, violations: [] };

/** Mode bits of the files the package's `bin` entries point at, through the project's node_modules/.bin. */
export function binModes(project: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ["kms-plan", "kms-doctor"]) {
    const target = fs.realpathSync(path.join(project, "node_modules", ".bin", name));
    out[name] = (fs.statSync(target).mode & 0o777).toString(8);
  }
  return out;
}

/** Bytes of every file under `dir` (apparent sizes, symbolic links not followed). */
export function treeBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += treeBytes(p);
    else if (e.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

/** A clone of this repository's committed HEAD (what CI's clean clone holds). */
export function cloneRepository(dest: string): string {
  execFileSync("git", ["clone", "--quiet", "--no-hardlinks", ROOT, dest], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return dest;
}

/**
 * The install tests run under CI=true or KMS_TEST_INSTALL=1 (they are slow and need the npm registry);
 * otherwise the suite is skipped with a title the skip reporter names.
 */
export function describeInstall(title: string, suite: () => void): void {
  const enabled = isCi() || process.env.KMS_TEST_INSTALL === "1";
  if (enabled) describe(title, suite);
  else describe.skip(`${title} ${SKIP_MARKER}npm-registry]`, suite);
}

/** Every programme of PLAN_CASES planned with `npx kms-plan` in the project `project()` names. */
export function testPlanCases(project: () => string): void {
  test.each(PLAN_CASES)(
    "npx kms-plan: $name",
    async (c) => {
      expect(planned(await planCase(project(), c))).toEqual(PLANNED_OK);
    },
    240_000,
  );
}
