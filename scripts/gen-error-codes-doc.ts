/**
 * Generates docs/error-codes.md from the catalog's ERROR_CODES, so the page never drifts from the
 * code. Run: `npx ts-node -T scripts/gen-error-codes-doc.ts`. A test checks that the committed page
 * equals `renderErrorCodesDoc()`.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ERROR_CODES, type ErrorCode } from "pulumi-kms-activation-catalog";

export const ERROR_CODES_DOC_PATH = join(__dirname, "..", "docs", "error-codes.md");

/** Markdown-safe prose: `<host>` would otherwise be read as an HTML tag. */
function prose(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/</g, "\\<").replace(/\*/g, "\\*");
}

function section(e: ErrorCode): string {
  const lines = [`## ${e.code}`, ""];
  if (e.symbol) lines.push(`Symbol: \`${e.symbol}\``, "");
  lines.push(`**Meaning:** ${prose(e.meaning)}.`, "");
  lines.push(`**Fix:** ${prose(e.fix)}`, "");
  lines.push(`Source: ${e.source}`, "");
  return lines.join("\n");
}

/** The whole page, exactly as committed. */
export function renderErrorCodesDoc(codes: readonly ErrorCode[] = ERROR_CODES): string {
  const index = codes.map((e) => `[${e.code}](#${e.code.toLowerCase()})`).join(" · ");
  return [
    "<!-- Generated from catalog/errorCodes.ts by scripts/gen-error-codes-doc.ts; do not edit by hand. -->",
    "",
    "# Activation error codes",
    "",
    "The activation errors an admin meets with KMS, what they mean and what to do. The same text is",
    "what `describeErrorCode` (catalog/) returns for a code in any common spelling",
    '("0xC004F038", "C004F038", -1073418184, 3221549112). For any other code, `slui.exe 0x2a <code>`',
    "on the machine shows Windows' own description.",
    "",
    index,
    "",
    ...codes.map(section),
  ].join("\n");
}

if (require.main === module) {
  writeFileSync(ERROR_CODES_DOC_PATH, renderErrorCodesDoc());
  console.log(`wrote ${ERROR_CODES_DOC_PATH} (${ERROR_CODES.length} codes)`);
}
