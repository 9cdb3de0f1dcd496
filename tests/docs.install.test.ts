/**
 * The README's Install section says what package.json and the build do: the
 * peer dependency ranges, the optional chart packages, and the policy pack's path in node_modules (the
 * same path examples/ci-policy passes to `--policy-pack`).
 */
import * as fs from "fs";
import * as path from "path";
import { CHART_PACKAGES } from "../tools/optional";
import { POLICY_PACK_PATH } from "./helpers/userProject";

const ROOT = path.resolve(__dirname, "..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const INSTALL = README.slice(README.indexOf("\n## Install\n")).split(/\n## /)[1];
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  peerDependencies: Record<string, string>;
  files: string[];
};

test("the README's peer install line is package.json's peerDependencies", () => {
  const line = INSTALL.split("\n").find((l) => l.startsWith("npm install @pulumi/"));
  const named = Object.fromEntries(
    (line ?? "")
      .split(/\s+/)
      .slice(2)
      .map((spec) => [spec.slice(0, spec.lastIndexOf("@")), spec.slice(spec.lastIndexOf("@") + 1)]),
  );
  expect(named).toEqual(pkg.peerDependencies);
});

test("the README names the chart packages kms-plan asks for", () => {
  expect(INSTALL).toContain(`npm install --save-dev ${CHART_PACKAGES.join(" ")}`);
});

test("the README and examples/ci-policy name the shipped policy pack's path", () => {
  const workflow = fs.readFileSync(
    path.join(ROOT, "examples", "ci-policy", "github-workflow.yml"),
    "utf8",
  );
  expect(INSTALL).toContain(`--policy-pack ${POLICY_PACK_PATH}`);
  expect(workflow).toContain(`policyPacks: ${POLICY_PACK_PATH}`);
  expect(workflow).toContain(`vega@^5.33.1 vega-lite@^5.23.0`);
  // The path is the package's bin/policy, which `files` ships.
  expect(POLICY_PACK_PATH).toBe("node_modules/pulumi-kms-activation/bin/policy");
  expect(pkg.files).toContain("bin/");
});
