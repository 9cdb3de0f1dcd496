/**
 * The error codes the scripts explain by themselves (a failed run must say what the code means and how
 * to fix it, even when read in the Azure portal): every code of the catalog. Their text is copied from
 * the catalog between two marker lines in `common.ps1`, the helpers every script includes;
 * `tests/components.scripts.test.ts` fails when the copy and the catalog differ.
 *
 * After changing the catalog, rewrite the copy with `npm run generate` (or this file alone:
 * `npx ts-node -T scripts/gen-error-table.ts`).
 */
import * as fs from "fs";
import * as path from "path";
import { ERROR_CODES } from "pulumi-kms-activation-catalog";

/** The file that holds the table: the helpers every script includes. */
export const ERROR_TABLE_FILE = path.join(__dirname, "..", "components", "scripts", "common.ps1");

/** The codes in the scripts' table, in the catalog's order. */
export const SCRIPT_ERROR_CODES: readonly string[] = ERROR_CODES.map((e) => e.code);

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

/** The lines between the markers, from the catalog. */
export function renderErrorTable(): string {
  const lines = ERROR_CODES.map(
    (entry) => `    '${entry.code}' = @(${psString(entry.meaning)}, ${psString(entry.fix)})`,
  );
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

/** The text with the block between the markers replaced by the catalog's text. */
export function withErrorTable(scriptText: string): string {
  const text = scriptText.replace(/\r\n/g, "\n");
  const { start, end } = blockBounds(text);
  return `${text.slice(0, start)}${renderErrorTable()}\n${text.slice(end)}`;
}

if (require.main === module) {
  const before = fs.readFileSync(ERROR_TABLE_FILE, "utf8");
  const after = withErrorTable(before);
  if (after !== before) fs.writeFileSync(ERROR_TABLE_FILE, after);
  console.log(`${after === before ? "unchanged" : "updated"}: ${ERROR_TABLE_FILE}`);
}
