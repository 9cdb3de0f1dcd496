/**
 * Builds the package the way `npm run build` does into a scratch copy of the repository's package files
 * (the shared bin/ stays untouched) and packs it with `npm pack`, as a release would.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "..", "..");

export function run(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): string {
  return execFileSync(cmd, args, {
    cwd,
    env: env ?? process.env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Copies what `files` can name into `work` and builds bin/ there. */
export function stagePackage(work: string): void {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    files: string[];
  };
  for (const f of ["package.json", "README.md", "LICENSE", "CHANGELOG.md", "PulumiPlugin.yaml"]) {
    if (fs.existsSync(path.join(ROOT, f))) fs.copyFileSync(path.join(ROOT, f), path.join(work, f));
  }
  // Every top-level entry `files` names (other than bin/, built below), so that a wrong entry shows.
  for (const entry of pkg.files) {
    const top = entry.replace(/^!/, "").split("/")[0];
    if (entry.startsWith("!") || top === "bin" || !fs.existsSync(path.join(ROOT, top))) continue;
    fs.cpSync(path.join(ROOT, top), path.join(work, top), { recursive: true });
  }
  for (const d of ["plugin"]) {
    if (fs.existsSync(path.join(ROOT, d)))
      fs.cpSync(path.join(ROOT, d), path.join(work, d), { recursive: true });
  }
  // The catalog workspace, bundled in the package (bundleDependencies): npm pack takes it from
  // node_modules, as the repository's npm install links it there; here, its packed files only.
  const catalog = path.join(work, "node_modules", "pulumi-kms-activation-catalog");
  run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "catalog"], ROOT);
  fs.mkdirSync(catalog, { recursive: true });
  fs.copyFileSync(path.join(ROOT, "catalog", "package.json"), path.join(catalog, "package.json"));
  fs.cpSync(path.join(ROOT, "catalog", "dist"), path.join(catalog, "dist"), {
    recursive: true,
    filter: (src) => !src.endsWith(".tsbuildinfo"),
  });
  const out = path.join(work, "bin");
  run(
    process.execPath,
    [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", out],
    ROOT,
  );
  run(process.execPath, [path.join(ROOT, "scripts", "copy-assets.js"), "--outDir", out], ROOT);
}

/** `npm pack` of a staged package into `dest`; returns the tarball's path. */
export function packTarball(work: string, dest: string): string {
  const json = run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dest], work);
  const [info] = JSON.parse(json.slice(json.indexOf("["))) as { filename: string }[];
  return path.join(dest, info.filename);
}
