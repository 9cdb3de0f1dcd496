/**
 * The npm package: builds the way `npm run build` does (tsc -p tsconfig.build.json, then
 * scripts/copy-assets.js) into a scratch copy of the package, and asks `npm pack --dry-run --json`
 * what would be published. The scratch copy keeps the shared bin/ untouched.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
let work: string;
let packed: string[];

function run(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): string {
  return execFileSync(cmd, args, {
    cwd,
    env: env ?? process.env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "kms-pack-"));
  for (const f of ["package.json", "README.md", "LICENSE", "CHANGELOG.md", "PulumiPlugin.yaml"]) {
    if (fs.existsSync(path.join(ROOT, f))) fs.copyFileSync(path.join(ROOT, f), path.join(work, f));
  }
  for (const d of ["docs", "plugin"])
    fs.cpSync(path.join(ROOT, d), path.join(work, d), { recursive: true });
  const out = path.join(work, "bin");
  run(
    process.execPath,
    [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", out],
    ROOT,
  );
  run(process.execPath, [path.join(ROOT, "scripts", "copy-assets.js"), "--outDir", out], ROOT);
  // Strays that must never be published: a test tree, compiled tests (e.g. from a `tsc -p tsconfig.json`
  // without --noEmit) and a node_modules folder.
  fs.mkdirSync(path.join(work, "tests"), { recursive: true });
  fs.writeFileSync(path.join(work, "tests", "stray.test.ts"), "");
  fs.mkdirSync(path.join(out, "tests"), { recursive: true });
  fs.writeFileSync(path.join(out, "tests", "stray.test.js"), "");
  fs.mkdirSync(path.join(work, "node_modules", "x"), { recursive: true });
  fs.writeFileSync(path.join(work, "node_modules", "x", "index.js"), "");
  const json = run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], work);
  const [info] = JSON.parse(json.slice(json.indexOf("["))) as { files: { path: string }[] }[];
  packed = info.files.map((f) => f.path).sort();
}, 90_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe("npm package", () => {
  test("library entry points and their declarations", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect([pkg.main, pkg.types]).toEqual([
      "bin/components/provider.js",
      "bin/components/index.d.ts",
    ]);
    expect(packed).toEqual(
      expect.arrayContaining([
        "bin/components/index.js",
        "bin/components/index.d.ts",
        "bin/components/provider.js",
        "bin/components/provider.d.ts",
        "bin/components/kmsHost.js",
        "bin/components/kmsClient.d.ts",
        "bin/components/catalog/index.js",
      ]),
    );
  });

  test("every PowerShell script and the catalog data sit next to their compiled loaders", () => {
    const ps1 = fs
      .readdirSync(path.join(ROOT, "components", "scripts"))
      .filter((f) => f.endsWith(".ps1"))
      .sort();
    expect(ps1).toEqual([
      "client-activate.ps1",
      "client-setup.ps1",
      "common.ps1",
      "host-setup.ps1",
      "status.ps1",
    ]);
    expect(packed).toEqual(
      expect.arrayContaining([
        ...ps1.map((f) => `bin/components/scripts/${f}`),
        "bin/components/scripts/index.js",
        "bin/components/catalog/gvlk.json",
      ]),
    );
  });

  test("both CLIs, with a shebang, and the files bin points at", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.bin).toEqual({
      "kms-plan": "bin/tools/plan-cli.js",
      "kms-doctor": "bin/tools/doctor-cli.js",
    });
    for (const file of Object.values(pkg.bin) as string[]) {
      expect(packed).toContain(file);
      const first = fs.readFileSync(path.join(work, file), "utf8").split("\n")[0];
      expect(first).toBe("#!/usr/bin/env node");
    }
    // kms-plan loads the policies at run time.
    expect(packed).toContain("bin/policy/policies.js");
  });

  test("plugin manifest, licence and user docs; no tests, no node_modules, no internal docs", () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        "PulumiPlugin.yaml",
        "plugin/package.json",
        "plugin/tsconfig.json",
        "LICENSE",
        "CHANGELOG.md",
        "README.md",
        "package.json",
        "docs/components.md",
        "docs/multi-language.md",
        "docs/azure-notes.md",
        "docs/acceptance.md",
      ]),
    );
    expect(packed.filter((f) => /(^|\/)(tests|node_modules)\//.test(f))).toEqual([]);
    expect(packed.filter((f) => /\.test\.(js|ts|d\.ts)$/.test(f))).toEqual([]);
    expect(packed.filter((f) => f.startsWith("docs/dev/"))).toEqual([]);
    expect(
      packed.filter((f) => f.startsWith("bin/bench/") || f.startsWith("bin/examples/")),
    ).toEqual([]);
  });

  test("the compiled library loads from the package and does not start a provider host", () => {
    const script = `const m = require(${JSON.stringify(path.join(work, "bin", "components", "provider.js"))});
      console.log(JSON.stringify([typeof m.KmsHost, typeof m.KmsClient, typeof m.KmsSrvRecord, m.KmsHost.__pulumiType]));`;
    // The peer dependencies come from this checkout's node_modules, as they would from the user's.
    const env = { ...process.env, NODE_PATH: path.join(ROOT, "node_modules") };
    const out = run(process.execPath, ["-e", script], work, env).trim();
    expect(JSON.parse(out)).toEqual(["function", "function", "function", "kms:index:KmsHost"]);
  });
});
