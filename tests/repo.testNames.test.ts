/**
 * Test files are named after the part of the repository they test, so that a newcomer finds a part's
 * tests from its folder name and the reverse: `<part>[.<subject>[.<aspect>…]].test.ts`, each segment in
 * camelCase. `<part>` is a top-level folder (catalog, components, policy, tools, lab, examples, docs), or
 * `package` (what npm packs and installs) or `repo` (the repository's own rules: sizes, layering). A
 * subject that names a folder of the part mirrors it (`components.remote.runScript.test.ts` tests
 * components/remote/runScript.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");
const PARTS = ["catalog", "components", "policy", "tools", "lab", "examples", "docs"];
const OTHER = ["package", "repo"];
const SEGMENT = /^[a-z][A-Za-z0-9]*$/;

/** Why a test file's name breaks the style, or undefined. */
export function nameProblem(file: string): string | undefined {
  const m = /^(.+)\.test\.ts$/.exec(file);
  if (!m) return "does not end in .test.ts";
  const segments = m[1].split(".");
  const bad = segments.filter((s) => !SEGMENT.test(s));
  if (bad.length > 0)
    return `segment${bad.length > 1 ? "s" : ""} not in camelCase: ${bad.join(", ")}`;
  if (![...PARTS, ...OTHER].includes(segments[0]))
    return `starts with "${segments[0]}", not a part: ${[...PARTS, ...OTHER].join(", ")}`;
  return undefined;
}

test("every test file is named <part>[.<subject>…].test.ts in camelCase", () => {
  const files = fs.readdirSync(path.join(ROOT, "tests")).filter((f) => f.endsWith(".ts"));
  const problems = files
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => [f, nameProblem(f)])
    .filter(([, p]) => p !== undefined);
  expect(problems).toEqual([]);
  expect(PARTS.filter((p) => !fs.existsSync(path.join(ROOT, p)))).toEqual([]);
});

test("the check refuses the old styles", () => {
  expect(nameProblem("plan-lab-agreement.test.ts")).toBe(
    "segment not in camelCase: plan-lab-agreement",
  );
  expect(nameProblem("policyThreshold.test.ts")).toMatch(/^starts with "policyThreshold"/);
  expect(nameProblem("components.remote.runScript.test.ts")).toBeUndefined();
});
