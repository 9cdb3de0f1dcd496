/** Loading a script's `.ps1` text, with the helper files it includes inlined. */
import * as fs from "fs";
import * as path from "path";
import { SCRIPT_NAMES } from "./names";
import type { ScriptName } from "./names";

const scriptCache = new Map<ScriptName, string>();

/**
 * Where a script's `.ps1` file is: next to this module (TypeScript source, or a build that copied the
 * `.ps1` files into `bin/components/scripts/`), else the source folder seen from a build without them.
 */
export function scriptPath(name: ScriptName): string {
  if (!SCRIPT_NAMES.includes(name)) {
    throw new Error(
      `Unknown script ${JSON.stringify(name)}; expected one of ${SCRIPT_NAMES.join(", ")}.`,
    );
  }
  const file = `${name}.ps1`;
  const candidates = [
    path.join(__dirname, file),
    path.resolve(__dirname, "..", "..", "..", "components", "scripts", file),
  ];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) {
    throw new Error(
      `The PowerShell script ${file} was not found; looked in ${candidates.join(" and ")}.`,
    );
  }
  return found;
}

/**
 * The helper file every script includes first (the log, the result line, error codes). The other
 * helper files (`product-key.ps1`, `client-result.ps1`, `host-office.ps1`, ...) are each included only by
 * the scripts that use them; a helper file has no `param()` block and is never run on its own.
 */
export const COMMON_SCRIPT = "common.ps1";

/** `. "$PSScriptRoot\<file>.ps1"` on a line of its own: how a script includes a helper file. */
const INCLUDE_LINE = /^\. "\$PSScriptRoot\\([A-Za-z0-9_.-]+\.ps1)"[ \t]*$/gm;

/** One form of a text on every machine: no byte-order mark, LF line ends (a Windows checkout has CRLF). */
export function normalizeScriptText(text: string): string {
  return text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
}

/** The helper files a script's text includes, in order (`. "$PSScriptRoot\<file>.ps1"` lines). */
export function includedFiles(scriptText: string): string[] {
  return [...normalizeScriptText(scriptText).matchAll(INCLUDE_LINE)].map((m) => m[1]);
}

/**
 * The single text a transport sends: the script with each `. "$PSScriptRoot\<file>.ps1"` line replaced
 * by that file's text, line endings normalised. Run Command and the SSH bootstrap run one text, without
 * the folder the repository's scripts dot-source their helpers from. A helper is inlined once, one level
 * deep, and is never one of the scripts: each of those is an error, as a missing file is.
 */
export function assembleScript(scriptText: string, readInclude: (file: string) => string): string {
  const seen = new Set<string>();
  return normalizeScriptText(scriptText).replace(INCLUDE_LINE, (_line, file: string) => {
    if (seen.has(file.toLowerCase())) {
      throw new Error(
        `${file} is included twice; a script includes each helper file once (its functions would be defined twice in the text sent).`,
      );
    }
    seen.add(file.toLowerCase());
    if (SCRIPT_NAMES.some((n) => `${n}.ps1` === file.toLowerCase())) {
      throw new Error(
        `${file} is a script, not a helper file; a script cannot include another script.`,
      );
    }
    const included = normalizeScriptText(readInclude(file)).replace(/\n+$/, "");
    if (new RegExp(INCLUDE_LINE.source, "m").test(included)) {
      throw new Error(
        `${file} includes another file; helper files are included one level deep only.`,
      );
    }
    // The header names index.ts (loadScript's public home); it is part of the registered script text.
    return `# ---- ${file}, inlined by the loader (components/scripts/index.ts) ----\n${included}\n# ---- end of ${file} ----`;
  });
}

/** A script assembled from the `.ps1` files in `dir` (the folder of the shipped scripts by default). */
export function loadScriptFrom(dir: string, name: ScriptName): string {
  return assembleScript(fs.readFileSync(path.join(dir, `${name}.ps1`), "utf8"), (file) => {
    const helper = path.join(dir, file);
    if (!fs.existsSync(helper)) {
      throw new Error(
        `${name}.ps1 includes the helper file ${file}, which is not in ${dir}; it belongs next to the script.`,
      );
    }
    return fs.readFileSync(helper, "utf8");
  });
}

/** The text of a script, as the machine runs it (read once, then cached): helpers inlined, LF line ends. */
export function loadScript(name: ScriptName): string {
  let text = scriptCache.get(name);
  if (text === undefined) {
    text = loadScriptFrom(path.dirname(scriptPath(name)), name);
    scriptCache.set(name, text);
  }
  return text;
}
