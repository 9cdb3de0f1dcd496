/**
 * Where the plugin's package is on disk: the repository root, the analyzer's start directory and the
 * package version. Plain file lookups, used by the plugin host (index.ts); no Pulumi inside.
 */
import * as fs from "fs";
import * as path from "path";

/** The repository root: the directory with PulumiPlugin.yaml (from components/ or bin/components/). */
export function packageRoot(from: string = __dirname): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, "PulumiPlugin.yaml"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`PulumiPlugin.yaml not found above ${from}`);
    dir = up;
  }
  return dir;
}

/**
 * Where the analyzer starts: plugin/package.json (`main`: this file's TypeScript source) and
 * plugin/tsconfig.json. The analyzer reads sources, so the plugin runs from a checkout of the repository.
 */
export function pluginSchemaDir(root: string = packageRoot()): string {
  return path.join(root, "plugin");
}

/** The package version, used as the plugin's version. */
export function packageVersion(root: string = packageRoot()): string {
  return (
    JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }
  ).version;
}
