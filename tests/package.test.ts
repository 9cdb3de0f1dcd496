/**
 * The npm package: builds the way `npm run build` does (tsc -p tsconfig.build.json, then
 * scripts/copy-assets.js) into a scratch copy of the package, and asks `npm pack --dry-run --json`
 * what would be published. The scratch copy keeps the shared bin/ untouched.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, run, stagePackage } from "./helpers/packTarball";

let work: string;
let packed: string[];

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "kms-pack-"));
  // What `files` names, built into bin/ (the same staging as the install test's tarball).
  stagePackage(work);
  const out = path.join(work, "bin");
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
    expect([pkg.main, pkg.types]).toEqual(["main.js", "bin/components/index.d.ts"]);
    expect(packed).toContain("main.js");
    expect(packed).toEqual(
      expect.arrayContaining([
        "bin/components/index.js",
        "bin/components/index.d.ts",
        "bin/components/plugin/index.js",
        "bin/components/plugin/index.d.ts",
        "bin/components/kmsHost/index.js",
        "bin/components/kmsClient/index.d.ts",
        "node_modules/pulumi-kms-activation-catalog/dist/index.js",
        "node_modules/pulumi-kms-activation-catalog/dist/index.d.ts",
      ]),
    );
  });

  test("every PowerShell script and the catalog data sit next to their compiled loaders", () => {
    const ps1 = fs
      .readdirSync(path.join(ROOT, "components", "scripts"))
      .filter((f) => f.endsWith(".ps1"))
      .sort();
    // The five scripts and the helper files they include (components/scripts/load.ts inlines those).
    expect(ps1).toEqual([
      "activation-outcome.ps1",
      "activation-record.ps1",
      "client-activate.ps1",
      "client-rearm.ps1",
      "client-result.ps1",
      "client-setup.ps1",
      "common.ps1",
      "host-activation.ps1",
      "host-firewall.ps1",
      "host-office.ps1",
      "host-setup.ps1",
      "host-state.ps1",
      "licensing-service.ps1",
      "product-key.ps1",
      "rearm-record.ps1",
      "status.ps1",
    ]);
    expect(packed).toEqual(
      expect.arrayContaining([
        ...ps1.map((f) => `bin/components/scripts/${f}`),
        "bin/components/scripts/index.js",
        "node_modules/pulumi-kms-activation-catalog/dist/gvlk.json",
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

  test("the build leaves both CLIs executable (a folder install links them as they are)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const modes = (Object.values(pkg.bin) as string[]).map((file) => [
      file,
      (fs.statSync(path.join(work, file)).mode & 0o777).toString(8),
    ]);
    expect(modes).toEqual([
      ["bin/tools/plan-cli.js", "755"],
      ["bin/tools/doctor-cli.js", "755"],
    ]);
  });

  test("the compiled policy pack ships with the files Pulumi's runner needs", () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        "bin/policy/PulumiPolicy.yaml",
        "bin/policy/package.json",
        "bin/policy/index.js",
      ]),
    );
    const yaml = fs.readFileSync(path.join(work, "bin/policy/PulumiPolicy.yaml"), "utf8");
    // Compiled JavaScript: no `typescript: true`, which would ask the CLI for ts-node.
    expect(yaml).toMatch(/^runtime: nodejs$/m);
    expect(yaml).not.toContain("typescript");
    const pack = JSON.parse(fs.readFileSync(path.join(work, "bin/policy/package.json"), "utf8"));
    expect([pack.name, pack.main, pack.dependencies]).toEqual(["kms-guard", "index.js", undefined]);
  });

  test("production dependencies: no compiler, no chart renderer (kms-plan loads them on demand)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(Object.keys(pkg.dependencies).sort()).toEqual([
      "@pulumi/policy",
      "commander",
      "js-yaml", // tools/plan reads YAML; @pulumi/pulumi depends on it too, so it adds nothing
      "pulumi-kms-activation-catalog", // the catalog workspace, bundled in the package
      "sucrase",
    ]);
    expect(Object.keys(pkg.optionalDependencies ?? {})).toEqual([]);
  });

  test("licence and user docs; no tests, no node_modules but the catalog, no internal docs, no plugin manifest", () => {
    expect(packed).toEqual(
      expect.arrayContaining([
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
    // The plugin runs from the repository (its analyzer reads the TypeScript sources, which the package
    // does not ship): a manifest in the tarball would point at files that are not there.
    expect(packed.filter((f) => f === "PulumiPlugin.yaml" || f.startsWith("plugin/"))).toEqual([]);
    expect(packed.filter((f) => /(^|\/)tests\//.test(f))).toEqual([]);
    // node_modules holds the bundled catalog package (its package.json and compiled files), nothing else.
    expect(
      packed.filter(
        (f) =>
          f.includes("node_modules/") &&
          !/^node_modules\/pulumi-kms-activation-catalog\/(package\.json|dist\/)/.test(f),
      ),
    ).toEqual([]);
    expect(packed.filter((f) => /\.test\.(js|ts|d\.ts)$/.test(f))).toEqual([]);
    expect(packed.filter((f) => f.startsWith("docs/dev/"))).toEqual([]);
    expect(
      packed.filter((f) => f.startsWith("bin/bench/") || f.startsWith("bin/examples/")),
    ).toEqual([]);
  });

  test("every file the package ships points only at files it ships", () => {
    const shipped = new Set(packed);
    const dangling: string[] = [];
    for (const f of packed.filter((x) => x.endsWith(".js.map"))) {
      const map = JSON.parse(fs.readFileSync(path.join(work, f), "utf8")) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      // A source map either carries its sources or names shipped files.
      map.sources.forEach((src, i) => {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(f), src));
        if (!map.sourcesContent?.[i] && !shipped.has(target)) dangling.push(`${f} -> ${src}`);
      });
    }
    for (const f of packed.filter((x) => x.endsWith(".js") && !x.endsWith(".map"))) {
      const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(
        fs.readFileSync(path.join(work, f), "utf8"),
      );
      if (m && !shipped.has(path.posix.join(path.posix.dirname(f), m[1])))
        dangling.push(`${f} -> ${m[1]}`);
    }
    expect(dangling).toEqual([]);
  });

  test("the compiled library loads through main.js and does not start a provider host", () => {
    const script = `const m = require(${JSON.stringify(work)});
      console.log(JSON.stringify([typeof m.KmsHost, typeof m.KmsClient, typeof m.KmsSrvRecord, m.KmsHost.__pulumiType]));`;
    // The peer dependencies come from this checkout's node_modules, as they would from the user's.
    const env = { ...process.env, NODE_PATH: path.join(ROOT, "node_modules") };
    const out = run(process.execPath, ["-e", script], work, env).trim();
    expect(JSON.parse(out)).toEqual(["function", "function", "function", "kms:index:KmsHost"]);
  });
});

describe("npm install <folder> of a checkout whose dependencies were never installed", () => {
  test("prepare says what to run instead of 'tsc: not found'", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-folder-"));
    try {
      const clone = path.join(tmp, "pulumi-kms-activation");
      fs.mkdirSync(path.join(clone, "scripts"), { recursive: true });
      for (const f of ["package.json", "main.js", "scripts/prepare.js"]) {
        fs.copyFileSync(path.join(ROOT, f), path.join(clone, f));
      }
      const project = path.join(tmp, "project");
      fs.mkdirSync(project);
      fs.writeFileSync(path.join(project, "package.json"), '{"name":"p","version":"1.0.0"}');
      let stderr = "";
      try {
        execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", clone], {
          cwd: project,
          encoding: "utf8",
          stdio: ["ignore", "pipe", "pipe"],
        });
      } catch (e) {
        stderr = String((e as { stderr?: string }).stderr);
      }
      expect(stderr).not.toContain("tsc: not found");
      expect(stderr).toContain(
        `pulumi-kms-activation: cannot build ${clone}: its dependencies are not installed there`,
      );
      expect(stderr).toContain(`Run \`npm ci\` in ${clone} first (it builds bin/)`);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});
