/**
 * Issue #14: every file in components/, tools/ and policy/ stays under 300 lines, so that each reads top
 * to bottom. The exceptions are listed here, each with its reason: data files and generated copies.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");
const LIMIT = 300;

/** Data: tables read as they are, not code. */
const DATA = ["components/catalog/gvlk.json"];
/** Generated: written by a script, checked equal to their source by a test. */
const GENERATED = /^policy\/lib\//; // scripts/sync-policy-lib.ts, tests/policyStandalone.test.ts

/** Files git tracks (and new ones it does not ignore) under the three folders. */
function files(): string[] {
  const out = execFileSync(
    "git",
    ["ls-files", "--cached", "--others", "--exclude-standard", "components", "tools", "policy"],
    { cwd: ROOT, encoding: "utf8" },
  );
  return out
    .split("\n")
    .filter((f) => f !== "" && fs.existsSync(path.join(ROOT, f)))
    .sort();
}

/** Lines as `wc -l` counts them. */
function lines(file: string): number {
  return (fs.readFileSync(path.join(ROOT, file), "utf8").match(/\n/g) ?? []).length;
}

const exempt = (f: string) => DATA.includes(f) || GENERATED.test(f);

test(`every file in components/, tools/ and policy/ is under ${LIMIT} lines, but the listed exceptions`, () => {
  const long = files()
    .filter((f) => !exempt(f))
    .map((f) => `${f}: ${lines(f)}`)
    .filter((row) => Number(row.split(": ")[1]) >= LIMIT);
  expect(long).toEqual([]);
});

test("each listed data file exists", () => {
  const all = new Set(files());
  expect(DATA.filter((f) => !all.has(f))).toEqual([]);
});

test("the generated copies are what the pattern says: each starts with the generator's header or is JSON", () => {
  const generated = files().filter((f) => GENERATED.test(f));
  expect(generated.length).toBeGreaterThan(0);
  const unmarked = generated.filter(
    (f) =>
      !f.endsWith(".json") &&
      !fs
        .readFileSync(path.join(ROOT, f), "utf8")
        .startsWith("// Generated: copied from components/"),
  );
  expect(unmarked).toEqual([]);
});
