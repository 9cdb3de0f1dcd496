/**
 * The package as users install it from a tarball: `npm pack` of this
 * checkout, then `npm install <tarball>` with npm 10 and npm 11 into an empty project, a JavaScript
 * Pulumi project and a TypeScript one (tests/helpers/userProject.ts), and what a user runs next:
 * `npx kms-plan` on the project's program, `kms-plan --chart` without vega, the size the package adds,
 * and the shipped policy pack under Pulumi's own policy-pack runner. The git URL and folder installs are
 * in package.install.git.test.ts and package.install.folder.test.ts.
 *
 * Slow (a few minutes, mostly npm install; the npm cache makes reruns faster) and needs the npm
 * registry for the dependencies: runs under CI=true (.ci/run) or with KMS_TEST_INSTALL=1, and is
 * otherwise skipped with a line in the end-of-run summary.
 */
import { type ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { packTarball, stagePackage } from "./helpers/packTarball";
import {
  binModes,
  describeInstall,
  makeProject,
  npmInstall,
  type NpmMajor,
  npx,
  PLAN_CASES,
  planCase,
  planned,
  PLANNED_OK,
  POLICY_PACK_PATH,
  type ProjectKind,
  PULUMI_PINS,
  testPlanCases,
  treeBytes,
  userEnv,
  VERSION,
} from "./helpers/userProject";

/** What the package may add to a user's node_modules beyond the Pulumi packages. */
const MAX_ADDED_BYTES = 10_000_000;

let tmp: string;
let tarball: string;
const projects = new Map<string, string>();

describeInstall("installed from a packed tarball", () => {
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-install-"));
    const work = path.join(tmp, "package");
    fs.mkdirSync(work);
    stagePackage(work);
    tarball = packTarball(work, tmp);
  }, 300_000);

  afterAll(() => {
    if (tmp && !process.env.KMS_TEST_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe.each([11, 10] as NpmMajor[])("npm %i", (npm) => {
    describe.each(["empty", "javascript", "typescript"] as ProjectKind[])(
      "npm install <tarball> in a new %s project",
      (kind) => {
        let project: string;
        beforeAll(async () => {
          project = path.join(tmp, `${kind}-npm${npm}`);
          await makeProject(project, kind, npm);
          await npmInstall(npm, project, [tarball]);
          projects.set(`${kind}-npm${npm}`, project);
        }, 900_000);

        test("one @pulumi/pulumi, executable CLIs, their --version", async () => {
          const lib = path.join(project, "node_modules", "pulumi-kms-activation");
          expect(fs.existsSync(path.join(lib, "node_modules", "@pulumi", "pulumi"))).toBe(false);
          expect(binModes(project)).toEqual({ "kms-plan": "755", "kms-doctor": "755" });
          expect((await npx(project, ["kms-plan", "--version"])).stdout.trim()).toBe(VERSION);
          expect((await npx(project, ["kms-doctor", "--version"])).stdout.trim()).toBe(VERSION);
        }, 120_000);

        testPlanCases(() => project);
      },
    );
  });

  test("the plan as text: the resources, the policies, the forecast", async () => {
    const r = await npx(projects.get("typescript-npm11")!, ["kms-plan", ".", "--stack", "dev"]);
    expect([r.code, r.stderr]).toEqual([0, expect.not.stringContaining("failed")]);
    expect(r.stdout).toContain("+ kms:index:KmsHost  kms");
    expect(r.stdout.match(/\+ kms:index:KmsClient {2}app0\d/g)).toHaveLength(5);
    expect(r.stdout).toContain("no violation");
    expect(r.stdout).toContain("Windows Server: 5 client(s), count 5/5");
    expect(r.stdout).toContain("so all are activated when it ends");
  }, 240_000);

  test("kms-plan --chart without vega says what to install, before planning", async () => {
    const project = projects.get("empty-npm11")!;
    const r = await npx(project, ["kms-plan", ".", "--chart", "chart.svg"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("kms-plan --chart needs the package");
    expect(r.stderr).toContain("npm install --save-dev vega@^5.33.1 vega-lite@^5.23.0");
    expect(r.stderr).not.toContain("planning");
    expect(fs.existsSync(path.join(project, "chart.svg"))).toBe(false);
  }, 120_000);

  test("the package adds at most 10 MB to node_modules beyond the Pulumi packages", async () => {
    // The same Pulumi packages alone, installed the same way, against the JavaScript project.
    const baseline = path.join(tmp, "baseline-npm11");
    fs.mkdirSync(baseline);
    fs.writeFileSync(path.join(baseline, "package.json"), '{"name":"b","version":"1.0.0"}\n');
    await npmInstall(11, baseline, PULUMI_PINS);
    const withLibrary = path.join(projects.get("javascript-npm11")!, "node_modules");
    const added = treeBytes(withLibrary) - treeBytes(path.join(baseline, "node_modules"));
    const heavy = ["typescript", "vega", "vega-lite"].filter((n) =>
      fs.existsSync(path.join(withLibrary, n)),
    );
    expect({ heavy, addedUnderLimit: added <= MAX_ADDED_BYTES ? true : added }).toEqual({
      heavy: [],
      addedUnderLimit: true,
    });
  }, 600_000);

  test("a TypeScript program type-checks against the published declarations, without their internals", async () => {
    const project = projects.get("typescript-npm10")!;
    const file = path.join(project, "published-types.ts");
    fs.writeFileSync(
      file,
      [
        'import * as pulumi from "@pulumi/pulumi";',
        'import { KmsClient, KmsConfigError, KmsHost } from "pulumi-kms-activation";',
        'const host = new KmsHost("kms", { hostKey: pulumi.secret("x"), fqdn: "kms01.corp.example",',
        '  azureVm: { resourceGroupName: "ops", vmName: "kms01", location: "westeurope" } });',
        'const client = new KmsClient("c1", { product: "Windows Server 2022 Datacenter", host,',
        '  azureVm: { resourceGroupName: "apps", vmName: "app01", location: "westeurope" } });',
        "export const children = [host.vm?.id, host.setupStep.urn, client.setupStep.urn, KmsConfigError.name];",
        "// @ts-expect-error an internal member is not in the published declarations",
        "export const internal = host.barrier;",
        "",
      ].join("\n"),
    );
    // Every declaration file is checked (no skipLibCheck), the bundled catalog package's included.
    const r = await npx(project, [
      "tsc",
      "--noEmit",
      "--strict",
      "--module",
      "commonjs",
      "--moduleResolution",
      "node",
      "--target",
      "ES2022",
      "--esModuleInterop",
      "--types",
      "node",
      "published-types.ts",
    ]);
    expect({ code: r.code, out: r.stdout + r.stderr }).toEqual({ code: 0, out: "" });
  }, 240_000);

  test("a TypeScript 6 project with a tsconfig for it (module and moduleResolution nodenext)", async () => {
    const project = projects.get("typescript-npm11")!;
    await npmInstall(11, project, ["typescript@^6"]);
    const tsconfig = path.join(project, "tsconfig.json");
    const before = fs.readFileSync(tsconfig, "utf8");
    fs.writeFileSync(
      tsconfig,
      JSON.stringify({
        compilerOptions: { target: "es2024", module: "nodenext", moduleResolution: "nodenext" },
      }),
    );
    try {
      expect(planned(await planCase(project, PLAN_CASES[0]))).toEqual(PLANNED_OK);
    } finally {
      fs.writeFileSync(tsconfig, before);
    }
  }, 600_000);

  describe("the shipped policy pack, started by Pulumi's own policy-pack runner", () => {
    let child: ChildProcess | undefined;
    afterAll(() => {
      if (child?.pid !== undefined && child.exitCode === null) child.kill();
    });

    test(`${POLICY_PACK_PATH}: kms-guard with its six policies`, async () => {
      const pack = path.join(projects.get("javascript-npm11")!, POLICY_PACK_PATH);
      // As the Node language host does: the runner resolved from the pack's folder, the pack as cwd.
      const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [pack] });
      // The user's @pulumi/pulumi: the package brings no copy of its own.
      expect(runner).toBe(
        path.join(
          path.dirname(pack),
          "..",
          "..",
          "@pulumi",
          "pulumi",
          "cmd",
          "run-policy-pack",
          "index.js",
        ),
      );
      child = spawn(process.execPath, [runner, "127.0.0.1:1", "."], {
        cwd: pack,
        env: userEnv(),
        stdio: ["ignore", "pipe", "pipe"],
      });
      const port = await analyzerPort(child);
      const grpc = require("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
      const services = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
      const { Empty } = require("google-protobuf/google/protobuf/empty_pb");
      const client = new services.AnalyzerClient(
        `127.0.0.1:${port}`,
        grpc.credentials.createInsecure(),
      );
      try {
        const info = await new Promise<{
          getName(): string;
          getPoliciesList(): { getName(): string }[];
        }>((resolve, reject) =>
          client.getAnalyzerInfo(new Empty(), (e: Error | null, r: never) =>
            e ? reject(e) : resolve(r),
          ),
        );
        expect([info.getName(), info.getPoliciesList().map((p) => p.getName())]).toEqual([
          "kms-guard",
          [
            "enforce-activation-threshold",
            "require-compatible-host-key",
            "disallow-internet-kms-port",
            "require-srv-record-for-discovery",
            "enforce-interval-range",
            "disallow-azure-edition-host",
          ],
        ]);
      } finally {
        client.close();
      }
    }, 180_000);
  });
});

/** The port the runner prints first on stdout, or its stderr when it exits or stays silent. */
function analyzerPort(child: ChildProcess): Promise<number> {
  let err = "";
  child.stderr!.on("data", (d) => (err += String(d)));
  return new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no port within 120 s: ${err}`)), 120_000);
    child.stdout!.on("data", (d) => {
      out += String(d);
      const m = /^(\d+)\s*$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`run-policy-pack exited with ${code}: ${err}`));
    });
  });
}
