/**
 * One source per PowerShell helper, and each script carries only the helpers it uses: the helpers live in helper files next to the scripts (common.ps1, which every script includes, and
 * one file per concern: product-key.ps1, client-result.ps1, host-office.ps1, ...). A script dot-sources
 * the ones it uses, and the loader inlines them into the single text a transport sends. Nothing keeps
 * copies in step, so a function must be defined in exactly one file.
 */
import * as fs from "fs";
import * as path from "path";
import {
  SCRIPT_NAMES,
  SCRIPT_PARAMETERS,
  includedFiles,
  loadScript,
  normalizeScriptText,
  scriptPath,
} from "../components/scripts";
import type { ScriptName } from "../components/scripts";

const dir = path.dirname(scriptPath("status"));
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith(".ps1"))
  .sort();
const read = (file: string) => normalizeScriptText(fs.readFileSync(path.join(dir, file), "utf8"));

function functionNames(text: string): string[] {
  return [...normalizeScriptText(text).matchAll(/^\s*function ([\w-]+)/gm)].map((m) => m[1]);
}

const definedIn = new Map<string, string[]>();
for (const file of files) {
  for (const name of functionNames(read(file))) {
    definedIn.set(name, [...(definedIn.get(name) ?? []), file]);
  }
}

/** The helper files each script includes, in order. */
const includes = Object.fromEntries(
  SCRIPT_NAMES.map((n) => [n, includedFiles(read(`${n}.ps1`))]),
) as Record<ScriptName, string[]>;
const helpers = [...new Set(Object.values(includes).flat())].sort();
const functionsOf = (file: string) => functionNames(read(file));

test("each .ps1 in the folder is a script or a helper file some script includes, and each included helper exists", () => {
  expect(files).toEqual([...SCRIPT_NAMES.map((n) => `${n}.ps1`), ...helpers].sort());
  expect(helpers.filter((f) => !fs.existsSync(path.join(dir, f)))).toEqual([]);
});

test("a helper file is not a script: no param() block, no $ScriptName of its own, no exit outside a function", () => {
  for (const file of helpers) {
    const text = read(file);
    expect([file, /^(\[CmdletBinding[^\n]*\]\s*)?param\(/im.test(text)]).toEqual([file, false]);
    expect([file, /^\$ScriptName\s*=/m.test(text)]).toEqual([file, false]);
    // Top-level code in a helper only sets variables: everything else is in its functions.
    const topLevel = text
      .replace(/<#[\s\S]*?#>/g, "")
      .split(/^function [\w-]+[^\n]*\{\n[\s\S]*?^\}\n?/m)
      .join("")
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
    expect([
      file,
      topLevel.filter((l) => !/^(\$\w+ = |if \(\$null -eq \$SecretTexts\)| {4}'0x|\}$)/.test(l)),
    ]).toEqual([file, []]);
  }
});

test("every script includes common.ps1 first, and each helper file once", () => {
  for (const name of SCRIPT_NAMES) {
    expect([name, includes[name][0]]).toEqual([name, "common.ps1"]);
    expect([name, new Set(includes[name]).size]).toEqual([name, includes[name].length]);
  }
});

test("the shared helpers are in common.ps1 and licensing-service.ps1 (so this check has something to look at)", () => {
  expect(functionsOf("common.ps1")).toEqual(
    expect.arrayContaining([
      "ConvertTo-HResultText",
      "Exit-WithResult",
      "Get-ErrorCode",
      "Write-Result",
    ]),
  );
  expect(functionsOf("licensing-service.ps1")).toEqual(
    expect.arrayContaining(["Get-LicenseStatusName", "Get-SppNumber", "Invoke-SppMethod"]),
  );
  // Every script includes both: they are what every script needs.
  for (const name of SCRIPT_NAMES)
    expect([name, includes[name][1]]).toEqual([name, "licensing-service.ps1"]);
});

test("every function is defined in one file only", () => {
  expect([...definedIn].filter(([, where]) => where.length > 1)).toEqual([]);
});

test.each(SCRIPT_NAMES.map((n) => [n]))(
  "%s.ps1 as sent defines each function once, those of each helper it includes too",
  (name) => {
    const names = functionNames(loadScript(name));
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    const fromHelpers = includes[name].flatMap(functionsOf);
    expect(fromHelpers.filter((n) => !names.includes(n))).toEqual([]);
  },
);

describe("each script carries only the helpers it uses (a smaller text registered and sent)", () => {
  /** Functions called (named as a command) in a text, outside their own definitions' names. */
  const called = (text: string) =>
    new Set(
      [...text.matchAll(/(?<![\w-])([A-Z][a-z]+-[A-Za-z]+)(?![\w-])/g)]
        .map((m) => m[1])
        .filter((n) => definedIn.has(n)),
    );

  test.each(SCRIPT_NAMES.map((n) => [n]))(
    "%s.ps1 uses a function of each helper file it includes",
    (name) => {
      const own = called(read(`${name}.ps1`));
      // A helper the script uses may use common.ps1's helpers and those of the other helpers it includes.
      const used = new Set(own);
      for (const file of includes[name]) {
        if (functionsOf(file).some((f) => own.has(f))) {
          for (const f of called(read(file).replace(/^function [\w-]+/gm, ""))) used.add(f);
        }
      }
      const unused = includes[name].filter((file) => !functionsOf(file).some((f) => used.has(f)));
      expect(unused).toEqual([]);
    },
  );

  const CLIENT_HELPERS = ["Get-ClientProduct", "Set-ClientResult", "Read-ActivationRecord"];
  const ACTIVATION_CALL = ["Invoke-ClientActivation", "Complete-ClientResult"];
  const REARM_HELPERS = ["Read-RearmRecord", "Confirm-RearmRestart", "Save-RearmRecord"];
  const HOST_HELPERS = ["Get-HostProduct", "Set-KmsFirewall", "Invoke-OfficeHostSetup"];
  const KEY_HELPERS = ["Install-ProductKey", "ConvertTo-ProductKey"];

  test.each<[ScriptName, string[]]>([
    ["host-setup", [...CLIENT_HELPERS, ...ACTIVATION_CALL, ...REARM_HELPERS]],
    ["client-setup", HOST_HELPERS],
    ["client-activate", [...HOST_HELPERS, ...REARM_HELPERS, ...KEY_HELPERS]],
    ["client-rearm", [...HOST_HELPERS, ...ACTIVATION_CALL, ...KEY_HELPERS]],
    ["status", [...HOST_HELPERS, ...ACTIVATION_CALL, ...REARM_HELPERS, ...KEY_HELPERS]],
  ])("%s.ps1 as sent carries none of %j", (name, absent) => {
    const names = functionNames(loadScript(name));
    expect(absent.filter((n) => !definedIn.has(n))).toEqual([]);
    expect(absent.filter((n) => names.includes(n))).toEqual([]);
  });
});

test("a helper file mentions no parameter of a script that does not include it, so tools that tell scripts apart by them still can", () => {
  // e.g. tests/helpers/componentMocks.ts scriptOf(): $HostKey is host-setup.ps1, $Role is status.ps1.
  const owners = new Map<string, ScriptName[]>();
  for (const name of SCRIPT_NAMES) {
    for (const p of SCRIPT_PARAMETERS[name]) owners.set(p, [...(owners.get(p) ?? []), name]);
  }
  const ownParameters = [...owners].filter(([, by]) => by.length === 1);
  expect(ownParameters.map(([p]) => p)).toEqual(
    expect.arrayContaining(["HostKey", "SetupKey", "SetupDigest", "Role", "RestartDelaySeconds"]),
  );
  for (const file of helpers) {
    const users = SCRIPT_NAMES.filter((n) => includes[n].includes(file));
    const text = read(file);
    const foreign = ownParameters
      .filter(([p, [owner]]) => !users.includes(owner) && new RegExp(`\\$${p}\\b`).test(text))
      .map(([p]) => p);
    expect([file, foreign]).toEqual([file, []]);
    expect([
      file,
      /^\s*#\s*(host-setup|client-setup|client-activate|client-rearm|status)\.ps1\b/im.test(text),
    ]).toEqual([file, false]);
  }
});

test("docs/dev/contracts.md's table of helper files and the README's list name each helper and who includes it, as the scripts do", () => {
  const contracts = fs.readFileSync(
    path.join(__dirname, "..", "docs", "dev", "contracts.md"),
    "utf8",
  );
  const rows = [...contracts.matchAll(/^\| `([\w-]+\.ps1)`\s*\|[^|]*\|\s*([^|]+?)\s*\|$/gm)].map(
    (m) => [m[1], m[2]] as const,
  );
  const scriptsIncluding = (file: string) =>
    SCRIPT_NAMES.filter((n) => includes[n].includes(file)).sort();
  expect(rows.map(([file]) => file).sort()).toEqual(helpers);
  for (const [file, cell] of rows) {
    const documented =
      cell === "every script" ? [...SCRIPT_NAMES].sort() : cell.split(/,\s*/).sort();
    expect([file, documented]).toEqual([file, scriptsIncluding(file)]);
  }
  const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
  expect(helpers.filter((f) => !readme.includes(`\`${f}\``))).toEqual([]);
});
