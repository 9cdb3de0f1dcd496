/**
 * docs/multi-language.md states facts that live elsewhere: the @pulumi/azure-native version the plugin
 * registers its children with (the one locked in the repository's package-lock.json, which the plugin's
 * checkout installs), and the schema's type names.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const doc = fs.readFileSync(path.join(ROOT, "docs", "multi-language.md"), "utf8");

test("names the @pulumi/azure-native version of the plugin's package-lock.json", () => {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string }>;
  };
  const locked = lock.packages["node_modules/@pulumi/azure-native"]?.version;
  expect(locked).toMatch(/^\d+\.\d+\.\d+$/);
  const stated = /<!-- azure-native-version -->\*\*([^*]+)\*\*<!-- \/azure-native-version -->/.exec(
    doc,
  )?.[1];
  expect(stated).toBe(locked);
});

test("shows the generated SDKs' names without a doubled Args suffix", () => {
  expect(doc).not.toContain("ArgsArgs");
  expect(doc).not.toContain("Secrets are not marked");
});
