/**
 * The PowerShell scripts themselves: they parse with a real PowerShell grammar (tree-sitter-powershell),
 * use Windows PowerShell 5.1 syntax only, have the contract's parameters, call only documented CIM
 * methods, never print a key, and carry the catalog's error texts word for word.
 */
import * as fs from "fs";
import * as path from "path";
import { Language, Node, Parser, Tree } from "web-tree-sitter";
import {
  SCRIPT_NAMES,
  SCRIPT_PARAMETERS,
  PARAMETER_RULES,
  ScriptName,
  includedFiles,
  loadScript,
  normalizeScriptText,
  scriptPath,
} from "../components/scripts";
import {
  ERROR_TABLE_FILE,
  SCRIPT_ERROR_CODES,
  embeddedErrorTableText,
  psString,
  readEmbeddedErrorCodes,
  readPsString,
  renderErrorTable,
} from "../scripts/gen-error-table";
import { describeErrorCode, lookupErrorCode } from "pulumi-kms-activation-catalog";
import {
  PRODUCT_KEY_ALPHABET,
  validateIntervalMinutes,
  validatePort,
  validateProductKeyFormat,
} from "../components/validate";

let parser: Parser;

beforeAll(async () => {
  await Parser.init();
  // Bytes rather than a path: loading from a path uses a dynamic import() that jest's CommonJS runtime refuses.
  const wasm = fs.readFileSync(
    require.resolve("tree-sitter-powershell/tree-sitter-powershell.wasm"),
  );
  const language = await Language.load(new Uint8Array(wasm));
  parser = new Parser();
  parser.setLanguage(language);
});

function parse(text: string): Tree {
  const tree = parser.parse(text);
  if (!tree) throw new Error("tree-sitter returned no tree");
  return tree;
}

function* walk(node: Node): Generator<Node> {
  yield node;
  for (const child of node.children) if (child) yield* walk(child);
}

/** "line:column: ERROR near ..." of the first syntax error, or undefined. */
function firstSyntaxError(tree: Tree): string | undefined {
  for (const n of walk(tree.rootNode)) {
    if (n.type === "ERROR" || n.isMissing) {
      const kind = n.isMissing ? `missing ${n.type}` : "ERROR";
      return `${n.startPosition.row + 1}:${n.startPosition.column + 1}: ${kind} near ${JSON.stringify(n.text.slice(0, 60))}`;
    }
  }
  return undefined;
}

const SKIPPED = new Set(["comment", "string_literal"]);

/** Code nodes only: comments and strings are not descended into. */
function* codeNodes(node: Node): Generator<Node> {
  if (SKIPPED.has(node.type)) return;
  yield node;
  for (const child of node.children) if (child) yield* codeNodes(child);
}

function commandName(command: Node): string {
  return command.children.find((c) => c?.type === "command_name")?.text ?? "";
}

/** PowerShell 7 syntax that Windows PowerShell 5.1 rejects, found in code (not in strings or comments). */
function ps7Syntax(tree: Tree): string[] {
  const found: string[] = [];
  const at = (n: Node) => `${n.startPosition.row + 1}:${n.startPosition.column + 1}`;
  for (const n of codeNodes(tree.rootNode)) {
    if (n.childCount === 0 && ["&&", "||", "??", "??=", "?.", "?"].includes(n.text)) {
      found.push(`${at(n)} ${n.text}`);
    }
    if (n.type === "command_parameter" && /^-AsHashtable$/i.test(n.text))
      found.push(`${at(n)} -AsHashtable`);
    if (n.type === "command_parameter" && /^-Parallel$/i.test(n.text)) {
      const command = n.parent?.parent;
      if (command && /^(ForEach-Object|%|foreach)$/i.test(commandName(command))) {
        found.push(`${at(n)} ForEach-Object -Parallel`);
      }
    }
  }
  return found;
}

function commands(tree: Tree): Node[] {
  return [...codeNodes(tree.rootNode)].filter((n) => n.type === "command");
}

/** The argument after `-<parameter>` in a command, e.g. the method name after -MethodName. */
function argumentAfter(command: Node, parameter: string): string | undefined {
  const elements = command.children.find((c) => c?.type === "command_elements");
  if (!elements) return undefined;
  const items = elements.children.filter(
    (c): c is Node => c !== null && c.type !== "command_argument_sep",
  );
  const i = items.findIndex(
    (c) => c.type === "command_parameter" && c.text.toLowerCase() === `-${parameter.toLowerCase()}`,
  );
  return i >= 0 && i + 1 < items.length ? items[i + 1].text : undefined;
}

function paramBlock(tree: Tree): { name: string; text: string }[] {
  const block = [...walk(tree.rootNode)].find((n) => n.type === "param_block");
  if (!block) return [];
  return [...walk(block)]
    .filter((n) => n.type === "script_parameter")
    .map((p) => ({
      name: p.children.find((c) => c?.type === "variable")!.text.replace(/^\$/, ""),
      text: p.text,
    }));
}

const PRINTING =
  /^(Write-\w+|Out-\w+|echo|Tee-Object|Add-Content|Set-Content|Format-\w+|Export-\w+)$/i;

/** Places where a key variable could reach output: printed, interpolated, or put into the result. */
function keyLeaks(tree: Tree, variable: string): string[] {
  const leaks: string[] = [];
  for (const n of walk(tree.rootNode)) {
    if (n.type !== "variable" || n.text.toLowerCase() !== `$${variable.toLowerCase()}`) continue;
    const where = `${n.startPosition.row + 1}:${n.startPosition.column + 1}`;
    for (let a = n.parent; a; a = a.parent) {
      if (a.type === "string_literal") leaks.push(`${where} inside a string`);
      if (a.type === "command" && PRINTING.test(commandName(a)))
        leaks.push(`${where} in ${commandName(a)}`);
      if (a.type === "assignment_expression" && /^\$result\b/i.test(a.text))
        leaks.push(`${where} assigned to $result`);
    }
  }
  return leaks;
}

const DOCUMENTED_CIM_METHODS = [
  "ReArmWindows",
  "InstallProductKey",
  "InstallLicense",
  "Activate",
  "RefreshLicenseStatus",
  "SetKeyManagementServiceListeningPort",
  "SetVLActivationInterval",
  "SetVLRenewalInterval",
  "DisableKeyManagementServiceDnsPublishing",
  "EnableKeyManagementServiceLowPriority",
  "SetKeyManagementServiceMachine",
  "SetKeyManagementServicePort",
  "ClearKeyManagementServiceMachine",
  "ClearKeyManagementServicePort",
  "SetKeyManagementServiceLookupDomain",
  "ClearKeyManagementServiceLookupDomain",
];

/** The CIM methods each script calls by literal name, in the text as sent (its helpers included). */
const EXPECTED_METHODS: Record<ScriptName, string[]> = {
  // Activate in host-activation.ps1, InstallLicense in host-office.ps1, InstallProductKey in product-key.ps1.
  "host-setup": [
    "Activate",
    "DisableKeyManagementServiceDnsPublishing",
    "EnableKeyManagementServiceLowPriority",
    "InstallLicense",
    "InstallProductKey",
    "RefreshLicenseStatus",
    "SetKeyManagementServiceListeningPort",
    "SetVLActivationInterval",
    "SetVLRenewalInterval",
  ],
  // Activate in activation-outcome.ps1 (Invoke-ClientActivation), shared with client-activate.
  "client-setup": [
    "Activate",
    "ClearKeyManagementServiceLookupDomain",
    "ClearKeyManagementServiceMachine",
    "ClearKeyManagementServicePort",
    "InstallProductKey",
    "RefreshLicenseStatus",
    "SetKeyManagementServiceLookupDomain",
    "SetKeyManagementServiceMachine",
    "SetKeyManagementServicePort",
  ],
  "client-rearm": ["ReArmWindows"],
  "client-activate": ["Activate", "RefreshLicenseStatus"],
  status: [],
};

const EXPECTED_SLMGR_COMMENTS: Record<ScriptName, string[]> = {
  "host-setup": [
    "/ipk",
    "/ato",
    "/sprt",
    "/sai",
    "/sri",
    "/cdns",
    "/sdns",
    "/cpri",
    "/spri",
    "/dlv",
    "net stop sppsvc && net start sppsvc",
    "/ilc",
  ],
  "client-rearm": ["/rearm", "/dlv"],
  "client-setup": ["/ipk", "/ato", "/skms", "/ckms", "/skms-domain", "/ckms-domain", "/dlv"],
  "client-activate": ["/ato", "/dlv"],
  status: ["/dlv"],
};

describe("the grammar check itself", () => {
  test("a deliberately broken snippet is reported with its position", () => {
    const error = firstSyntaxError(
      parse("param([string]$A)\nif ($A -eq 'x' {\n  Write-Output 1\n"),
    );
    expect(error).toMatch(/^\d+:\d+: (ERROR|missing .+) near /);
  });

  test.each([
    ["null coalescing", "$a = $b ?? 1"],
    ["ternary", "$a = $b ? 1 : 2"],
    ["null-conditional member", "$a = $b?.Name"],
    ["&& chain", "git fetch && git pull"],
    ["|| chain", "git fetch || exit 1"],
    ["-AsHashtable", "$h = ConvertFrom-Json $text -AsHashtable"],
    ["ForEach-Object -Parallel", "1..3 | ForEach-Object -Parallel { $_ }"],
  ])("flags PowerShell 7 syntax: %s", (_label, snippet) => {
    const tree = parse(snippet);
    expect(ps7Syntax(tree).length + (firstSyntaxError(tree) ? 1 : 0)).toBeGreaterThan(0);
  });

  test("does not flag the same characters inside strings and comments", () => {
    const tree = parse("# a ?? b && c\n$s = 'x && y || z ?? w'\n$t = \"a ? b : c\"\n");
    expect(firstSyntaxError(tree)).toBeUndefined();
    expect(ps7Syntax(tree)).toEqual([]);
  });

  test("the key check catches a printed, interpolated or returned key", () => {
    const tree = parse('Write-Output $HostKey\n$m = "key $HostKey"\n$result.key = $HostKey\n');
    expect(keyLeaks(tree, "HostKey")).toEqual([
      "1:14 in Write-Output",
      "2:11 inside a string",
      "3:15 assigned to $result",
    ]);
  });
});

const SCRIPTS_DIR = path.dirname(scriptPath("status"));
/** A file of components/scripts as it is in the repository (line ends normalised). */
const ownText = (file: string) =>
  normalizeScriptText(fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8"));
const COMMON_TEXT = ownText("common.ps1");
/** The helper files the scripts include (common.ps1, product-key.ps1, client-result.ps1, ...). */
const HELPER_FILES = [
  ...new Set(SCRIPT_NAMES.flatMap((n) => includedFiles(ownText(`${n}.ps1`)))),
].sort();

describe.each([
  ...SCRIPT_NAMES.map((n) => [`${n}.ps1 as sent (helpers inlined)`, loadScript(n)] as const),
  ...SCRIPT_NAMES.map((n) => [`${n}.ps1 as in the repository`, ownText(`${n}.ps1`)] as const),
  ...HELPER_FILES.map((f) => [`${f} (a helper file)`, ownText(f)] as const),
])("%s", (_label, text) => {
  let tree: Tree;
  beforeAll(() => {
    tree = parse(text);
  });

  test("parses with the PowerShell grammar without errors", () => {
    expect(firstSyntaxError(tree)).toBeUndefined();
  });

  test("uses no PowerShell 7 syntax", () => {
    expect(ps7Syntax(tree)).toEqual([]);
  });

  test("is plain ASCII, so Windows PowerShell 5.1 reads it the same in any code page", () => {
    expect(
      [...text].filter(
        (c) => c.charCodeAt(0) > 0x7e || (c.charCodeAt(0) < 0x20 && c !== "\n" && c !== "\r"),
      ),
    ).toEqual([]);
  });

  test("casts no licensing number to [int]: 4294967295 (not available) does not fit; Get-SppNumber reads them", () => {
    const casts = [...codeNodes(tree.rootNode)]
      .filter((n) => /^\[int\]\s*[$(]/i.test(n.text) && n.type !== "script_parameter")
      .filter(
        (n) =>
          !/^\[int\]\$(Port|ActivationIntervalMinutes|RenewalIntervalMinutes|ActivationRetries|RetryDelaySeconds|RestartDelaySeconds|KmsPort|ListeningPort)\b/.test(
            n.text,
          ),
      )
      .map((n) => n.text.split("\n")[0]);
    expect([...new Set(casts)]).toEqual([]);
  });
});

describe.each(SCRIPT_NAMES.map((n) => [n]))("%s.ps1", (name) => {
  const text = loadScript(name);
  const own = ownText(`${name}.ps1`);
  let tree: Tree;
  let ownTree: Tree;
  beforeAll(() => {
    tree = parse(text);
    ownTree = parse(own);
  });

  test("takes named parameters only, so a value cut at a space fails loudly", () => {
    expect(own).toMatch(/^\[CmdletBinding\(PositionalBinding = \$false\)\]\r?\nparam\(/m);
  });

  test("dot-sources common.ps1 first and each helper once, after its param block, so an admin can run it from the folder", () => {
    const includes: string[] = own.match(/^\. "\$PSScriptRoot\\[\w.-]+\.ps1"$/gm) ?? [];
    expect(includes[0]).toBe('. "$PSScriptRoot\\common.ps1"');
    expect(new Set(includes).size).toBe(includes.length);
    expect(own.indexOf(includes[0] ?? "")).toBeGreaterThan(
      own.indexOf("$ErrorActionPreference = 'Stop'"),
    );
    for (const file of includedFiles(own)) {
      expect(text).toContain(ownText(file).replace(/\n+$/, ""));
    }
  });

  test("has a param() block with exactly the contract's parameters", () => {
    expect(paramBlock(tree).map((p) => p.name)).toEqual(SCRIPT_PARAMETERS[name]);
  });

  test("types each parameter as Run Command passes it: [int], or [string] with 'true'/'false' for booleans", () => {
    const kinds = paramBlock(tree).map((p) => {
      if (/\[ValidateSet\('true', 'false'\)\]\[string\]/.test(p.text)) return `${p.name}:bool`;
      if (/^\[int\]/.test(p.text)) return `${p.name}:int`;
      if (/\[string\]\$/.test(p.text)) return `${p.name}:string`;
      return `${p.name}:?`;
    });
    const expected: Record<ScriptName, string[]> = {
      "host-setup": [
        "HostKey:string",
        "Port:int",
        "ActivationIntervalMinutes:int",
        "RenewalIntervalMinutes:int",
        "DnsPublishing:bool",
        "LowPriority:bool",
        "ActivationRetries:int",
        "RetryDelaySeconds:int",
        "OfficeVersion:string",
        "VolumeLicensePack:string",
      ],
      "client-setup": [
        "SetupKey:string",
        "KmsServer:string",
        "KmsPort:int",
        "LookupDomain:string",
        "Activate:bool",
        "ApplicationId:string",
      ],
      "client-rearm": ["RestartDelaySeconds:int"],
      "client-activate": ["ApplicationId:string", "SetupDigest:string"],
      status: ["Role:string", "ApplicationId:string", "Clients:string"],
    };
    expect(kinds).toEqual(expected[name]);
  });

  test("stops on errors: $ErrorActionPreference = 'Stop'", () => {
    expect(text).toMatch(/^\$ErrorActionPreference = 'Stop'$/m);
  });

  test("never runs slmgr.vbs, cscript or WMI cmdlets: CIM only", () => {
    const names = commands(tree).map(commandName);
    expect(
      names.filter((n) =>
        /slmgr|cscript|wscript|Get-WmiObject|Invoke-WmiMethod|Invoke-Expression/i.test(n),
      ),
    ).toEqual([]);
    const strings = [...walk(tree.rootNode)]
      .filter((n) => n.type === "string_literal")
      .map((n) => n.text);
    expect(strings.filter((s) => /slmgr\.vbs|cscript|wscript/i.test(s))).toEqual([]);
  });

  test("calls only documented CIM methods, by literal name", () => {
    const methodsOf = (t: Tree) =>
      commands(t)
        .map((c) => argumentAfter(c, "MethodName"))
        .filter((m): m is string => m !== undefined && m !== "$MethodName");
    const literal = methodsOf(tree);
    expect(literal.filter((m) => !DOCUMENTED_CIM_METHODS.includes(m))).toEqual([]);
    expect([...new Set(literal)].sort()).toEqual(EXPECTED_METHODS[name]);
  });

  test("a comment names the slmgr switch each step replaces", () => {
    const comments = [...walk(tree.rootNode)]
      .filter((n) => n.type === "comment")
      .map((n) => n.text)
      .join("\n");
    const missing = EXPECTED_SLMGR_COMMENTS[name].filter(
      (sw) => !new RegExp(`${sw.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}(?![\\w-])`).test(comments),
    );
    expect(missing).toEqual([]);
  });

  test("never prints a key", () => {
    expect(keyLeaks(tree, "HostKey")).toEqual([]);
    expect(keyLeaks(tree, "SetupKey")).toEqual([]);
  });

  test("prints its result last as one compact JSON line", () => {
    expect(text).toContain("ConvertTo-Json -Compress -Depth 4");
    const emitters = commands(tree).filter((c) => /^Write-Output$/i.test(commandName(c)));
    expect(emitters.map((c) => c.text)).toEqual([
      "Write-Output ($Result | ConvertTo-Json -Compress -Depth 4)",
    ]);
  });

  test("exits with a code on every path that reports", () => {
    // The result line is printed only by Exit-WithResult (common.ps1), which exits right after it.
    const writes = (text.match(/^\s*Write-Result -Result \$\w+\b.*$/gm) ?? []).length;
    const exits = (text.match(/^\s*Write-Result -Result \$\w+\b.*\n\s*exit ([0-9]|\$\w+)$/gm) ?? [])
      .length;
    expect(writes).toBe(1);
    expect(exits).toBe(writes);
    expect(text).toMatch(
      /^function Exit-WithResult\b[^\n]*\n(\s*#[^\n]*\n)*\s*\[CmdletBinding\(\)\]\n\s*param\([^\n]*\)\n\s*Write-Log -Text \$Result\.message\n\s*Write-Result -Result \$Result -Changed \$Changed\n\s*exit \$ExitCode\n\}$/m,
    );
    // The script's own paths end with it, at its top level: from inside a function whose output a
    // variable keeps, the result line would go into that variable.
    const ends = commands(ownTree).filter((c) => /^Exit-With/.test(commandName(c)));
    expect(ends.length).toBeGreaterThan(0);
    const inFunction = ends.filter((c) => {
      for (let a = c.parent; a; a = a.parent) if (a.type === "function_statement") return true;
      return false;
    });
    expect(inFunction.map((c) => c.text)).toEqual([]);
  });
});

describe("read-only status.ps1", () => {
  const WRITES =
    /^(Invoke-CimMethod|Invoke-SppMethod|Invoke-ClientActivation|Save-ActivationRecord|Set-|New-|Enable-|Disable-|Stop-|Start-|Restart-|Remove-|Add-Content|Out-File)/i;
  /** Helpers status.ps1 calls that only fill the in-memory result (their bodies are checked below). */
  const FILL_THE_RESULT = [
    "Set-ClientResult",
    "Set-HostServiceState",
    "Set-HostProductState",
    "New-Result",
  ];

  test("changes nothing: no CIM method calls, no Set-/New-/Enable-/Disable-/Stop-/Start-/Restart- commands, no helper that writes", () => {
    const tree = parse(ownText("status.ps1"));
    const names = commands(tree).map(commandName);
    expect(
      names.filter((n) => WRITES.test(n) && !FILL_THE_RESULT.includes(n) && n !== "New-Object"),
    ).toEqual([]);
  });

  test.each(FILL_THE_RESULT.map((f) => [f]))(
    "%s, which it calls, writes nothing either",
    (name) => {
      const tree = parse(loadScript("status"));
      const definition = [...walk(tree.rootNode)].find(
        (n) => n.type === "function_statement" && new RegExp(`^function ${name}\\b`).test(n.text),
      );
      expect(definition).toBeDefined();
      const names = commands(parse(definition!.text)).map(commandName);
      expect(
        names.filter((n) => WRITES.test(n) && !FILL_THE_RESULT.includes(n) && n !== "New-Object"),
      ).toEqual([]);
    },
  );
});

describe("error codes embedded in the scripts", () => {
  test("common.ps1 holds the catalog's table exactly (regenerate: npm run generate)", () => {
    expect(ERROR_TABLE_FILE).toBe(path.join(SCRIPTS_DIR, "common.ps1"));
    expect(embeddedErrorTableText(COMMON_TEXT)).toBe(renderErrorTable());
  });

  test("no script keeps a table of its own: every one gets common.ps1's", () => {
    for (const name of SCRIPT_NAMES) {
      expect(ownText(`${name}.ps1`)).not.toContain("# BEGIN error codes");
      expect(readEmbeddedErrorCodes(loadScript(name)).map((e) => e.code)).toEqual(
        SCRIPT_ERROR_CODES,
      );
    }
  });

  const embedded = readEmbeddedErrorCodes(COMMON_TEXT).map(
    (e) => [e.code, e.meaning, e.fix] as const,
  );

  test.each(embedded)("%s: meaning and fix equal the catalog's", (code, meaning, fix) => {
    const entry = lookupErrorCode(code);
    expect(entry).toBeDefined();
    expect({ code, meaning, fix }).toEqual({
      code: entry!.code,
      meaning: entry!.meaning,
      fix: entry!.fix,
    });
  });

  test.each(SCRIPT_NAMES.map((n) => [n]))("%s.ps1 uses only codes it can explain", (name) => {
    const text = loadScript(name);
    const table = embeddedErrorTableText(text);
    // The list of network codes only decides on a retry, and the generic .NET codes Get-ErrorCode
    // looks past explain nothing either.
    const outside = text
      .replace(table, "")
      .replace(/^\$NetworkErrorCodes = .*$/m, "")
      .replace(/^\s*\$generic = .*$/m, "");
    const used = [...new Set(outside.match(/'0x[0-9A-F]{8}'/g) ?? [])].map((s) => s.slice(1, -1));
    expect(used.filter((c) => !SCRIPT_ERROR_CODES.includes(c))).toEqual([]);
  });

  test("common.ps1 describes codes in the words of describeErrorCode()", () => {
    const text = COMMON_TEXT;
    expect(text).toContain("return ($Code + ': ' + $entry[0] + '. Fix: ' + $entry[1])");
    const unknown = /return \((\$Code \+ ': not a known[^\n]*)\)\s*$/m.exec(text);
    expect(unknown).not.toBeNull();
    const code = "0xC004FFFF";
    const rendered = unknown![1]
      .split(" + ")
      .map((part) => {
        if (part === "$Code") return code;
        if (part.startsWith("'")) return readPsString(part);
        return JSON.parse(part) as string; // a double-quoted string without variables
      })
      .join("");
    expect(rendered).toBe(describeErrorCode(code));
  });

  test.each([
    ["plain", "No KMS host could be contacted"],
    ["with a quote", "The KMS host's count is too low"],
    ["with a dash", "en \u2013 dash"],
    ["empty", ""],
  ])("psString and readPsString round-trip: %s", (_label, value) => {
    const expr = psString(value);
    expect(/^[\x20-\x7e]*$/.test(expr)).toBe(true);
    expect(firstSyntaxError(parse(`$x = ${expr}`))).toBeUndefined();
    expect(readPsString(expr)).toBe(value);
  });
});

describe("parameter checks in the scripts use the TypeScript wording", () => {
  function allowedOf(fn: () => unknown): string {
    try {
      fn();
    } catch (e) {
      const m = /must be (.*); received /.exec((e as Error).message);
      if (m) return m[1];
    }
    throw new Error("expected a KmsConfigError");
  }

  test("the rules equal validatePort and validateIntervalMinutes", () => {
    expect(PARAMETER_RULES.port.allowed).toBe(allowedOf(() => validatePort("port", 70000)));
    expect(PARAMETER_RULES.intervalMinutes.allowed).toBe(
      allowedOf(() => validateIntervalMinutes("x", 5)),
    );
  });

  const rangeCalls = SCRIPT_NAMES.flatMap((name) =>
    [
      ...ownText(`${name}.ps1`).matchAll(
        /Get-RangeError -Name '(\w+)' -Value \$\w+ -Min (\d+) -Max (\d+) -Allowed '([^']*)'/g,
      ),
    ].map((m) => [name, m[1], Number(m[2]), Number(m[3]), m[4]] as const),
  );

  test("every script checks its numeric parameters", () => {
    expect(rangeCalls.map(([name, param]) => `${name}:${param}`)).toEqual([
      "host-setup:Port",
      "host-setup:ActivationIntervalMinutes",
      "host-setup:RenewalIntervalMinutes",
      "host-setup:ActivationRetries",
      "host-setup:RetryDelaySeconds",
      "client-rearm:RestartDelaySeconds",
      "client-setup:KmsPort",
    ]);
  });

  const ruleFor: Record<string, { min: number; max: number; allowed: string }> = {
    Port: PARAMETER_RULES.port,
    KmsPort: PARAMETER_RULES.port,
    ActivationIntervalMinutes: PARAMETER_RULES.intervalMinutes,
    RenewalIntervalMinutes: PARAMETER_RULES.intervalMinutes,
    ActivationRetries: PARAMETER_RULES.activationRetries,
    RetryDelaySeconds: PARAMETER_RULES.retryDelaySeconds,
    RestartDelaySeconds: PARAMETER_RULES.restartDelaySeconds,
  };

  test.each(rangeCalls)(
    "%s.ps1 %s: range %d..%d and wording %j",
    (_name, param, min, max, allowed) => {
      expect({ min, max, allowed }).toEqual(ruleFor[param]);
    },
  );

  test.each(SCRIPT_NAMES.filter((n) => n === "host-setup" || n === "client-setup").map((n) => [n]))(
    "%s.ps1 words a malformed key as validateProductKeyFormat does",
    (name) => {
      const text = loadScript(name);
      const parameter = name === "host-setup" ? "HostKey" : "SetupKey";
      // product-key.ps1's Get-ProductKeyError words it; the script names its parameter.
      expect(text).toContain(`(Get-ProductKeyError -Name '${parameter}' -Key $${parameter})`);
      const m =
        /\(\$Name \+ ' must be ([^']*); received ' \+ \(Show-Key -Key \$Key\) \+ '\.'\)/.exec(text);
      expect(m).not.toBeNull();
      expect(m![1]).toBe(allowedOf(() => validateProductKeyFormat(parameter, "ABC")));
      expect(text).toMatch(/-cmatch \$ProductKeyPattern\b/);
      const alphabet =
        /^\$ProductKeyPattern = '\^\[([A-Z0-9]+)\]\{5\}\(-\[\1\]\{5\}\)\{4\}\$'$/m.exec(text);
      expect(alphabet?.[1]).toBe(PRODUCT_KEY_ALPHABET);
    },
  );
});

test("scriptPath points at the files in components/scripts", () => {
  for (const name of SCRIPT_NAMES) {
    expect(fs.existsSync(scriptPath(name))).toBe(true);
    expect(scriptPath(name).replace(/\\/g, "/")).toMatch(
      new RegExp(`/components/scripts/${name}\\.ps1$`),
    );
  }
});
