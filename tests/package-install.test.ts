/**
 * The package as users install it (issue 13.3/13.4): `npm pack`, a fresh project, `npm install` of the
 * tarball with the @pulumi packages from the npm registry, a TypeScript program written as a user would
 * (no tsconfig at first, then one written for TypeScript 6, which the project has installed: 6.x refuses
 * `moduleResolution: node`, and @pulumi/pulumi 3.248 accepts no TypeScript 7), and `npx kms-plan .`.
 *
 * Slow (one to two minutes, mostly npm install; the npm cache makes reruns faster) and needs the npm
 * registry: it runs under CI=true (.ci/run) or with KMS_TEST_INSTALL=1, and is otherwise skipped with a
 * line in the end-of-run summary.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { packTarball, ROOT, run, stagePackage } from "./helpers/packTarball";
import { isCi, SKIP_MARKER } from "./helpers/tools";

const enabled = isCi() || process.env.KMS_TEST_INSTALL === "1";
const describeInstall = enabled ? describe : describe.skip;
const title = enabled
  ? "installed from a packed tarball"
  : `installed from a packed tarball ${SKIP_MARKER}npm-registry]`;

const devDeps = (
  JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  }
).devDependencies;

/** The environment a user's shell has: without jest's variables (kms-plan treats JEST_WORKER_ID as "under jest"). */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("JEST_")) delete env[k];
  return env;
}

let tmp: string;
let project: string;
let version: string;

function npx(
  args: string[],
  timeout = 120_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      "npx",
      ["--no-install", ...args],
      { cwd: project, timeout, maxBuffer: 64 * 1024 * 1024, env: userEnv() },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") return reject(error);
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { KmsClient, KmsHost } from "pulumi-kms-activation";
import type { KmsHostArgs } from "pulumi-kms-activation";

const cfg = new pulumi.Config();
const args: KmsHostArgs = {
  hostKey: cfg.requireSecret("hostKey"),
  resourceGroupName: "kms-rg",
  location: "westeurope",
  subnetId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/kms-rg/providers/Microsoft.Network/virtualNetworks/kms-vnet/subnets/kms",
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
export const kmsServer = host.kmsServer;
`;

describeInstall(title, () => {
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-install-"));
    const work = path.join(tmp, "package");
    fs.mkdirSync(work);
    stagePackage(work);
    const tarball = packTarball(work, tmp);
    version = JSON.parse(fs.readFileSync(path.join(work, "package.json"), "utf8")).version;
    project = path.join(tmp, "user-project");
    fs.mkdirSync(project);
    fs.writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({ name: "user-project", version: "1.0.0", private: true }, null, 2),
    );
    run(
      "npm",
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        tarball,
        "@pulumi/pulumi@3.248.0",
        `@pulumi/azure-native@${devDeps["@pulumi/azure-native"]}`,
        `@pulumi/command@${devDeps["@pulumi/command"]}`,
        "typescript@6",
      ],
      project,
    );
    fs.writeFileSync(
      path.join(project, "Pulumi.yaml"),
      "name: user-project\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
    );
    fs.writeFileSync(
      path.join(project, "Pulumi.dev.yaml"),
      "config:\n  user-project:hostKey:\n    secure: v1:abc\n  user-project:adminPassword:\n    secure: v1:def\n",
    );
    fs.writeFileSync(path.join(project, "index.ts"), PROGRAM);
  }, 600_000);

  afterAll(() => {
    if (tmp && !process.env.KMS_TEST_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("the project resolves one @pulumi/pulumi and the library's own TypeScript 5", () => {
    const lib = path.join(project, "node_modules", "pulumi-kms-activation");
    expect(fs.existsSync(path.join(lib, "node_modules", "@pulumi", "pulumi"))).toBe(false);
    const ts = require(require.resolve("typescript/package.json", { paths: [lib] })) as {
      version: string;
    };
    expect(ts.version).toMatch(/^5\./);
    const userTs = require(path.join(project, "node_modules", "typescript", "package.json")) as {
      version: string;
    };
    expect(userTs.version).toMatch(/^6\./);
  });

  test("npx kms-plan --version and kms-doctor --version", async () => {
    expect((await npx(["kms-plan", "--version"])).stdout.trim()).toBe(version);
    expect((await npx(["kms-doctor", "--version"])).stdout.trim()).toBe(version);
  });

  test("npx kms-plan . plans the TypeScript program without a tsconfig: host, 5 clients, all activated", async () => {
    const r = await npx(["kms-plan", "."]);
    expect(r.stderr).not.toContain("failed");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("+ kms:index:KmsHost  kms");
    expect(r.stdout.match(/\+ kms:index:KmsClient {2}app0\d/g)).toHaveLength(5);
    expect(r.stdout).toContain("no violation");
    expect(r.stdout).toContain("Windows Server: 5 client(s), count 5/5");
    expect(r.stdout).toContain("all activated at deployment end");
  }, 180_000);

  test("with a tsconfig written for TypeScript 6 (module and moduleResolution nodenext)", async () => {
    fs.writeFileSync(
      path.join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "es2024",
          module: "nodenext",
          moduleResolution: "nodenext",
          strict: true,
        },
      }),
    );
    try {
      const r = await npx(["kms-plan", ".", "--json"]);
      expect(r.code).toBe(0);
      const result = JSON.parse(r.stdout) as {
        resources: { type: string }[];
        violations: unknown[];
      };
      expect(result.resources.filter((x) => x.type === "kms:index:KmsClient")).toHaveLength(5);
      expect(result.violations).toEqual([]);
    } finally {
      fs.rmSync(path.join(project, "tsconfig.json"));
    }
  }, 180_000);
});
