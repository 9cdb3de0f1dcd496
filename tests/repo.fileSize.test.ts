/**
 * Every file of the packages (catalog/, components/, policy/), of the CLIs (tools/) and of the lab (lab/)
 * stays under 300 lines, so that each reads top to bottom. The exceptions are listed here, each with its
 * reason: data.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");
const LIMIT = 300;
const FOLDERS = ["catalog", "components", "policy", "tools", "lab"];

/** Data: tables read as they are, not code. */
const DATA = ["catalog/gvlk.json"];

/** Files git tracks (and new ones it does not ignore) under the folders. */
function files(): string[] {
  const out = execFileSync(
    "git",
    ["ls-files", "--cached", "--others", "--exclude-standard", ...FOLDERS],
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

const exempt = (f: string) => DATA.includes(f);

test(`every file in ${FOLDERS.join("/, ")}/ is under ${LIMIT} lines, but the listed exceptions`, () => {
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
