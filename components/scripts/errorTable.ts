/**
 * The error codes each script explains by itself (a failed run must say what the code means and how to
 * fix it, even when read in the Azure portal). Their text is copied from the catalog between two marker
 * lines in each `.ps1`; `tests/scripts.test.ts` fails when the copy and the catalog differ.
 *
 * After changing the catalog or the lists below, rewrite the copies with:
 *   npx ts-node -T components/scripts/errorTable.ts
 */
import * as fs from "fs";
import { lookupErrorCode } from "../catalog/errorCodes";
import type { ScriptName } from "./index";

/** The codes each script can meet. Others get Windows' own text through `slui.exe 0x2a <code>`. */
export const SCRIPT_ERROR_CODES: Readonly<Record<ScriptName, readonly string[]>> = {
  // Installing and activating a host key online.
  "host-setup": [
    "0xC004F050",
    "0xC004F051",
    "0xC004C008",
    "0xC004C003",
    "0xC004F014",
    "0xC004F041",
    "0xC004F00F",
  ],
  // Installing a setup key, finding the host, activating against it.
  "client-setup": [
    "0xC004F038",
    "0xC004F039",
    "0xC004F041",
    "0xC004F042",
    "0xC004F050",
    "0xC004F051",
    "0xC004F06C",
    "0xC004F074",
    "0xC004F014",
    "0xC004F00F",
    "0xC004F035",
    "0x8007232B",
    "0x8007232A",
    "0x8007251D",
    "0x8007007B",
    "0x800706BA",
  ],
  // Activating again against a host already chosen.
  "client-activate": [
    "0xC004F038",
    "0xC004F039",
    "0xC004F041",
    "0xC004F042",
    "0xC004F06C",
    "0xC004F074",
    "0xC004F014",
    "0xC004F00F",
    "0x8007232B",
    "0x8007232A",
    "0x8007251D",
    "0x8007007B",
    "0x800706BA",
  ],
  // LicenseStatusReason of a machine that is not licensed.
  status: [
    "0xC004F038",
    "0xC004F039",
    "0xC004F041",
    "0xC004F042",
    "0xC004F06C",
    "0xC004F074",
    "0xC004F014",
    "0xC004F00F",
    "0x8007232B",
    "0x8007251D",
    "0x8007007B",
    "0x800706BA",
  ],
};

export const TABLE_BEGIN = "# BEGIN error codes";
export const TABLE_END = "# END error codes";

export interface EmbeddedErrorCode {
  code: string;
  meaning: string;
  fix: string;
}

/** A PowerShell expression for a string: single quotes, `''` for a quote, `[char]` for non-ASCII. */
export function psString(text: string): string {
  const parts: string[] = [];
  let literal = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x20 && cp <= 0x7e) {
      literal += ch === "'" ? "''" : ch;
      continue;
    }
    if (literal !== "") parts.push(`'${literal}'`);
    literal = "";
    for (const unit of ch.split(""))
      parts.push(
        `[string][char]0x${unit.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`,
      );
  }
  if (literal !== "" || parts.length === 0) parts.push(`'${literal}'`);
  return parts.length === 1 ? parts[0] : `(${parts.join(" + ")})`;
}

/** Reads back what `psString` wrote. */
export function readPsString(expr: string): string {
  let s = expr.trim();
  if (s.startsWith("(") && s.endsWith(")")) s = s.slice(1, -1);
  const token = /'((?:[^']|'')*)'|\[string\]\[char\]0x([0-9A-F]{4})|\s*\+\s*/gy;
  let out = "";
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < s.length && (m = token.exec(s)) !== null) {
    if (m[1] !== undefined) out += m[1].replace(/''/g, "'");
    else if (m[2] !== undefined) out += String.fromCharCode(parseInt(m[2], 16));
    at = token.lastIndex;
  }
  if (at !== s.length) throw new Error(`Not a string written by psString: ${expr}`);
  return out;
}

/** The lines between the markers for one script, from the catalog. */
export function renderErrorTable(script: ScriptName): string {
  const lines = SCRIPT_ERROR_CODES[script].map((code) => {
    const entry = lookupErrorCode(code);
    if (!entry)
      throw new Error(
        `${script}: error code ${code} is not in the catalog (components/catalog/errorCodes.ts).`,
      );
    return `    '${entry.code}' = @(${psString(entry.meaning)}, ${psString(entry.fix)})`;
  });
  return ["$KmsErrorCodes = @{", ...lines, "}"].join("\n");
}

function blockBounds(scriptText: string): { start: number; end: number } {
  const begin = scriptText.indexOf(TABLE_BEGIN);
  const end = scriptText.indexOf(TABLE_END);
  if (begin < 0 || end < begin)
    throw new Error(`The script has no "${TABLE_BEGIN}" ... "${TABLE_END}" block.`);
  const start = scriptText.indexOf("\n", begin) + 1;
  return { start, end };
}

/** The text between the marker lines (without them), as it is in the script. */
export function embeddedErrorTableText(scriptText: string): string {
  const { start, end } = blockBounds(scriptText.replace(/\r\n/g, "\n"));
  return scriptText.replace(/\r\n/g, "\n").slice(start, end).replace(/\n$/, "");
}

/** The codes, meanings and fixes as written in the script. */
export function readEmbeddedErrorCodes(scriptText: string): EmbeddedErrorCode[] {
  const entry = /^\s*'(0x[0-9A-F]{8})' = @\((.*)\)\s*$/;
  const result: EmbeddedErrorCode[] = [];
  for (const line of embeddedErrorTableText(scriptText).split("\n")) {
    const m = entry.exec(line);
    if (!m) continue;
    const [meaning, fix] = splitPair(m[2]);
    result.push({ code: m[1], meaning: readPsString(meaning), fix: readPsString(fix) });
  }
  return result;
}

/** Splits "<expr>, <expr>" at the comma outside quotes and parentheses. */
function splitPair(text: string): [string, string] {
  let quoted = false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === "(") depth++;
    else if (!quoted && c === ")") depth--;
    else if (!quoted && depth === 0 && c === ",") return [text.slice(0, i), text.slice(i + 1)];
  }
  throw new Error(`Expected two strings separated by a comma: ${text}`);
}

/** The script text with the block between the markers replaced by the catalog's text. */
export function withErrorTable(scriptText: string, script: ScriptName): string {
  const text = scriptText.replace(/\r\n/g, "\n");
  const { start, end } = blockBounds(text);
  return `${text.slice(0, start)}${renderErrorTable(script)}\n${text.slice(end)}`;
}

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { scriptPath, SCRIPT_NAMES } = require("./index") as typeof import("./index");
  for (const name of SCRIPT_NAMES) {
    const file = scriptPath(name);
    const before = fs.readFileSync(file, "utf8");
    const after = withErrorTable(before, name);
    if (after !== before) fs.writeFileSync(file, after);
    console.log(`${after === before ? "unchanged" : "updated"}: ${file}`);
  }
}
