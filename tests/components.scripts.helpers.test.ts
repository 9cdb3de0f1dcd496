/**
 * PowerShell helpers that say what they need: every function in components/scripts/*.ps1 is
 * an advanced function ([CmdletBinding()] and a typed param() block), is named with an approved verb and a
 * singular noun, is called with named arguments only, returns no tuple, and reads no variable it was
 * not given: a variable a function reads is one of its parameters, a variable it assigns, an automatic
 * variable, one of the two settings every script makes before it includes common.ps1 ($ScriptName,
 * $SecretTexts; common.ps1's header says so), or a constant set at the top of its own helper file or
 * of common.ps1. Read with the real PowerShell grammar (tree-sitter-powershell).
 */
import * as fs from "fs";
import * as path from "path";
import type { Node, Parser, Tree } from "web-tree-sitter";
import {
  SCRIPT_NAMES,
  includedFiles,
  normalizeScriptText,
  scriptPath,
} from "../components/scripts";
import { at, parseWith, powershellParser, walk } from "./helpers/powershellGrammar";

/**
 * Get-Verb in Windows PowerShell 5.1: PowerShell 7.6's list without Build and Deploy, which
 * PowerShell 6 added (the scripts run on 5.1).
 */
const APPROVED_VERBS = new Set(
  (
    "Add,Approve,Assert,Backup,Block,Checkpoint,Clear,Close,Compare,Complete,Compress,Confirm,Connect," +
    "Convert,ConvertFrom,ConvertTo,Copy,Debug,Deny,Disable,Disconnect,Dismount,Edit,Enable,Enter,Exit," +
    "Expand,Export,Find,Format,Get,Grant,Group,Hide,Import,Initialize,Install,Invoke,Join,Limit,Lock," +
    "Measure,Merge,Mount,Move,New,Open,Optimize,Out,Ping,Pop,Protect,Publish,Push,Read,Receive,Redo," +
    "Register,Remove,Rename,Repair,Request,Reset,Resize,Resolve,Restart,Restore,Resume,Revoke,Save," +
    "Search,Select,Send,Set,Show,Skip,Split,Start,Step,Stop,Submit,Suspend,Switch,Sync,Test,Trace," +
    "Unblock,Undo,Uninstall,Unlock,Unprotect,Unpublish,Unregister,Update,Use,Wait,Watch,Write"
  ).split(","),
);

/** The settings every script makes before it includes common.ps1, which the helpers may read. */
const SCRIPT_SETTINGS = ["scriptname", "secrettexts"];

/** Automatic variables a function may read (lower case); $args and $input are undeclared input. */
const AUTOMATIC = new Set([
  "_",
  "psitem",
  "null",
  "true",
  "false",
  "matches",
  "lastexitcode",
  "pscmdlet",
  "psboundparameters",
]);

/** `$Name`, `${Name}`, `$env:Name` → `name`, `name`, `env:name`. */
const variableName = (text: string) =>
  text
    .replace(/^\$\{?/, "")
    .replace(/\}$/, "")
    .toLowerCase();

const childOfType = (n: Node, type: string) => n.children.find((c) => c?.type === type) ?? null;

function functionName(fn: Node): string {
  return childOfType(fn, "function_name")?.text ?? "";
}

/** The variables an assignment's left side names (`$a = `, `[int]$a = `, `$a, $b = `); none for `$a.b = `. */
function assignedNames(assignment: Node): string[] {
  const left = childOfType(assignment, "left_assignment_expression");
  if (!left) return [];
  const parts = left.text
    .replace(/\[[^\]]*\]/g, "")
    .split(",")
    .map((p) => p.trim());
  return parts.every((p) => /^\$\{?[\w:]+\}?$/.test(p)) ? parts.map(variableName) : [];
}

/** Variables assigned at the top level of a text (outside its functions): a helper file's constants. */
function topLevelAssignments(tree: Tree): Set<string> {
  const names = new Set<string>();
  const visit = (n: Node) => {
    if (n.type === "function_statement") return;
    if (n.type === "assignment_expression") for (const v of assignedNames(n)) names.add(v);
    for (const c of n.children) if (c) visit(c);
  };
  visit(tree.rootNode);
  return names;
}

/** Every function definition in a tree. */
const functionsIn = (tree: Tree) =>
  [...walk(tree.rootNode)].filter((n) => n.type === "function_statement");

/**
 * What is wrong with one function: its declaration, its name, what it returns and the variables it
 * reads. `constants`: the script-scope constants it may read (lower case).
 */
export function definitionProblems(fn: Node, constants: Set<string>): string[] {
  const name = functionName(fn);
  const problems: string[] = [];
  const where = `${name} (${at(fn)})`;
  if (childOfType(fn, "function_parameter_declaration")) {
    problems.push(`${where}: parameters inline (function ${name}(...)), not in a param() block`);
  }
  const block = childOfType(fn, "script_block");
  const paramBlock = block ? childOfType(block, "param_block") : null;
  const attributes = paramBlock ? childOfType(paramBlock, "attribute_list") : null;
  const cmdletBinding = (attributes?.children ?? []).some((a) =>
    /^CmdletBinding$/i.test(a ? (childOfType(a, "attribute_name")?.text ?? "") : ""),
  );
  if (!cmdletBinding) problems.push(`${where}: no [CmdletBinding()] param() block`);

  const parameters = [...walk(fn)].filter((n) => n.type === "script_parameter");
  const params = new Set<string>();
  for (const p of parameters) {
    const variable = childOfType(p, "variable");
    if (variable) params.add(variableName(variable.text));
    const typed = (childOfType(p, "attribute_list")?.children ?? []).some(
      (a) => a !== null && childOfType(a, "type_literal") !== null,
    );
    if (!typed) problems.push(`${where}: parameter ${variable?.text ?? p.text} has no type`);
  }

  const [verb, ...rest] = name.split("-");
  const noun = rest.join("-");
  if (!APPROVED_VERBS.has(verb) || noun === "") {
    problems.push(`${where}: "${verb}" is not an approved verb (Get-Verb)`);
  }
  const lastWord = /[A-Z0-9][a-z0-9]*$/.exec(noun)?.[0] ?? noun;
  if (/(?<![su])s$/.test(lastWord)) problems.push(`${where}: the noun "${noun}" is plural`);

  for (const r of [...walk(fn)].filter((n) => n.type === "flow_control_statement")) {
    if (!/^return\b/i.test(r.text)) continue;
    // The value returned is the list itself (`return @($a, $b)`, `return $a, $b`): every node between
    // holds nothing else. A list inside an expression (`'{0}{1}' -f $a, $b`) is that expression's.
    const list = [...walk(r)].find(
      (n) =>
        n.type === "array_literal_expression" &&
        n.children.some((c) => c?.type === ",") &&
        [...ancestorsUpTo(n, r)].every((a) => a.namedChildCount === 1),
    );
    if (list)
      problems.push(`${where}: returns a list of values (${r.text.split("\n")[0]}), not an object`);
  }

  const locals = new Set<string>();
  for (const n of walk(fn)) {
    if (n.type === "assignment_expression") {
      for (const v of assignedNames(n)) {
        // `$script:x = ` or `$global:x = ` writes the caller's state: a helper returns what it makes.
        if (/^(script|global):/.test(v)) problems.push(`${where}: assigns $${v}`);
        else locals.add(v);
      }
    }
    if (n.type === "foreach_statement") {
      const v = childOfType(n, "variable");
      if (v) locals.add(variableName(v.text));
    }
  }
  const unknown = new Set<string>();
  for (const n of walk(fn)) {
    if (n.type !== "variable") continue;
    const v = variableName(n.text);
    if (v.startsWith("env:")) continue;
    if (params.has(v) || locals.has(v) || AUTOMATIC.has(v) || constants.has(v)) continue;
    if (SCRIPT_SETTINGS.includes(v)) continue;
    unknown.add(n.text);
  }
  for (const v of unknown) problems.push(`${where}: reads ${v}, which it was not given`);
  for (const v of locals) {
    if (constants.has(v) || SCRIPT_SETTINGS.includes(v)) {
      problems.push(
        `${where}: assigns the script-scope ${"$" + v} (a helper does not change them)`,
      );
    }
  }
  return problems;
}

function* ancestorsUpTo(n: Node, top: Node): Generator<Node> {
  for (let a = n.parent; a && a.id !== top.id; a = a.parent) yield a;
}

/** Calls of `functions` (lower-case names) that pass an argument without its parameter's name. */
export function positionalCalls(tree: Tree, functions: Set<string>): string[] {
  const found: string[] = [];
  for (const command of [...walk(tree.rootNode)].filter((n) => n.type === "command")) {
    const name = childOfType(command, "command_name")?.text ?? "";
    if (!functions.has(name.toLowerCase())) continue;
    const elements = childOfType(command, "command_elements");
    let named = false;
    for (const e of elements?.children ?? []) {
      if (!e || e.type === "command_argument_sep") continue;
      if (e.type === "command_parameter") {
        named = true;
        continue;
      }
      if (!named)
        found.push(`${at(e)} ${name} ${e.text.split("\n")[0]} (an argument without -Name)`);
      named = false;
    }
  }
  return found;
}

let parser: Parser;
beforeAll(async () => {
  parser = await powershellParser();
});

describe("the check itself", () => {
  const check = (text: string, constants: string[] = []) => {
    const tree = parseWith(parser, text);
    return functionsIn(tree).flatMap((f) => definitionProblems(f, new Set(constants)));
  };

  test("passes an advanced function that is given what it reads", () => {
    const text = `function Get-Thing {
    [CmdletBinding()]
    param([Parameter()][string]$Name, [Collections.IDictionary]$Result)
    $n = "$Name $($Result.x) $env:TEMP $Limit"
    foreach ($i in @(1)) { $Result[$i] = $_ }
    Write-Log -Text ('[' + $ScriptName + '] ' + $n)
    if ($n -eq '') { return ('{0}: {1}' -f $Name, $n) }
    return [pscustomobject]@{ Name = $n; Changed = $true }
}`;
    expect(check(text, ["limit"])).toEqual([]);
  });

  test.each([
    ["inline parameters", "function Get-Thing([string]$A) { $A }", /parameters inline/],
    ["no CmdletBinding", "function Get-Thing {\n param([string]$A)\n $A\n}", /no \[CmdletBinding/],
    [
      "an untyped parameter",
      "function Get-Thing {\n [CmdletBinding()]\n param($A)\n $A\n}",
      /parameter \$A has no type/,
    ],
    [
      "an unapproved verb",
      "function Fetch-Thing {\n [CmdletBinding()]\n param()\n}",
      /approved verb/,
    ],
    ["a plural noun", "function Get-Things {\n [CmdletBinding()]\n param()\n}", /is plural/],
    [
      "a tuple",
      "function Get-Thing {\n [CmdletBinding()]\n param()\n return @($Limit, $true)\n}",
      /returns a list of values/,
    ],
    [
      "a caller's variable",
      "function Get-Thing {\n [CmdletBinding()]\n param()\n $changed.Add('x')\n}",
      /reads \$changed/,
    ],
    [
      "a caller's variable inside a string",
      "function Get-Thing {\n [CmdletBinding()]\n param()\n \"ApplicationID='$ApplicationId'\"\n}",
      /reads \$ApplicationId/,
    ],
    [
      "a script-scope variable",
      "function Get-Thing {\n [CmdletBinding()]\n param()\n $script:x\n}",
      /reads \$script:x/,
    ],
    [
      "a write to the script scope",
      "function Get-Thing {\n [CmdletBinding()]\n param()\n $script:Limit = 2\n}",
      /assigns \$script:limit/,
    ],
    [
      "a write to a constant",
      "function Get-Thing {\n [CmdletBinding()]\n param()\n $Limit = 2\n}",
      /assigns the script-scope \$limit/,
    ],
  ])("flags %s", (_label, text, expected) => {
    const problems = check(text, ["limit"]);
    expect(problems.some((p) => expected.test(p))).toBe(true);
  });

  test("flags a call with a positional argument, not one with named arguments", () => {
    const tree = parseWith(
      parser,
      "Install-Key -Service $s -Key:$k\n$x = (Install-Key $s -Key $k)\nInstall-Key -Service $s $k\n",
    );
    expect(positionalCalls(tree, new Set(["install-key"]))).toEqual([
      "2:19 Install-Key $s (an argument without -Name)",
      "3:25 Install-Key $k (an argument without -Name)",
    ]);
  });
});

describe("the shipped scripts' functions", () => {
  const dir = path.dirname(scriptPath("status"));
  const read = (file: string) => normalizeScriptText(fs.readFileSync(path.join(dir, file), "utf8"));
  const scripts = SCRIPT_NAMES.map((n) => `${n}.ps1`);
  const helpers = [...new Set(scripts.flatMap((s) => includedFiles(read(s))))].sort();
  const files = [...scripts, ...helpers];
  let trees: Map<string, Tree>;
  let constantsOf: Map<string, Set<string>>;
  let functions: { file: string; fn: Node }[];

  beforeAll(() => {
    trees = new Map(files.map((f) => [f, parseWith(parser, read(f))]));
    constantsOf = new Map(helpers.map((f) => [f, topLevelAssignments(trees.get(f)!)]));
    functions = files.flatMap((file) => functionsIn(trees.get(file)!).map((fn) => ({ file, fn })));
  });

  test("there are functions to check, in the helper files and the scripts", () => {
    expect(functions.length).toBeGreaterThan(50);
    expect(helpers).toContain("common.ps1");
  });

  test("each is an advanced function with typed parameters, an approved verb and a singular noun, returns no tuple and reads only what it is given", () => {
    const problems = functions.flatMap(({ file, fn }) => {
      // A helper file's own constants and common.ps1's; a script's own variables are not constants.
      const constants = new Set([
        ...(constantsOf.get("common.ps1") ?? []),
        ...(constantsOf.get(file) ?? []),
      ]);
      return definitionProblems(fn, constants).map((p) => `${file} ${p}`);
    });
    expect(problems).toEqual([]);
  });

  test("each is called with named arguments only", () => {
    const names = new Set(functions.map(({ fn }) => functionName(fn).toLowerCase()));
    const problems = files.flatMap((file) =>
      positionalCalls(trees.get(file)!, names).map((p) => `${file} ${p}`),
    );
    expect(problems).toEqual([]);
  });

  test("common.ps1 says which settings of the script the helpers read, and every script makes them before it includes common.ps1", () => {
    const header = /^<#[\s\S]*?#>/.exec(read("common.ps1"))?.[0] ?? "";
    expect(SCRIPT_SETTINGS.filter((s) => !new RegExp(`\\$${s}\\b`, "i").test(header))).toEqual([]);
    for (const script of scripts) {
      const text = read(script);
      const include = text.indexOf('. "$PSScriptRoot\\common.ps1"');
      for (const setting of ["$ScriptName = ", "$SecretTexts = "]) {
        const set = text.indexOf(setting);
        expect([script, setting, set >= 0 && set < include]).toEqual([script, setting, true]);
      }
    }
  });
});
