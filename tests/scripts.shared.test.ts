/**
 * One source per PowerShell helper (issue 10): the helpers live in components/scripts/common.ps1, each
 * script dot-sources it, and the loader inlines it into the single text a transport sends. Nothing keeps
 * copies in step any more, so a function must be defined in exactly one file.
 */
import * as fs from "fs";
import * as path from "path";
import { SCRIPT_NAMES, loadScript, normalizeScriptText, scriptPath } from "../components/scripts";

const dir = path.dirname(scriptPath("status"));
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith(".ps1"))
  .sort();

function functionNames(text: string): string[] {
  return [...normalizeScriptText(text).matchAll(/^\s*function ([\w-]+)/gm)].map((m) => m[1]);
}

const definedIn = new Map<string, string[]>();
for (const file of files) {
  for (const name of functionNames(fs.readFileSync(path.join(dir, file), "utf8"))) {
    definedIn.set(name, [...(definedIn.get(name) ?? []), file]);
  }
}

test("the shared helpers are in common.ps1 (so this check has something to look at)", () => {
  expect(files).toEqual([...SCRIPT_NAMES.map((n) => `${n}.ps1`), "common.ps1"].sort());
  const common = [...definedIn].filter(([, where]) => where.includes("common.ps1"));
  expect(common.map(([name]) => name)).toEqual(
    expect.arrayContaining([
      "ConvertTo-HResultText",
      "Get-ErrorCode",
      "Get-LicenseStatusName",
      "Get-SppNumber",
      "Invoke-SppMethod",
      "Write-Result",
    ]),
  );
});

test("every function is defined in one file only", () => {
  expect([...definedIn].filter(([, where]) => where.length > 1)).toEqual([]);
});

test.each(SCRIPT_NAMES.map((n) => [n]))(
  "%s.ps1 as sent defines each function once, common.ps1's included",
  (name) => {
    const names = functionNames(loadScript(name));
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    const fromCommon = [...definedIn].filter(([, w]) => w[0] === "common.ps1").map(([n]) => n);
    expect(fromCommon.filter((n) => !names.includes(n))).toEqual([]);
  },
);
