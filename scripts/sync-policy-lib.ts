/**
 * Copies the parts of the library the kms-guard policy pack reads (the component summaries, the SRV
 * name, the catalog) into `policy/lib/`, so that the pack stands alone: `pulumi policy publish` uploads
 * the `policy/` folder by itself, and a pack that imports `../components` does not survive that.
 *
 * The copies are committed; `tests/policyStandalone.test.ts` fails when one differs from its source.
 * Run `npx ts-node -T scripts/sync-policy-lib.ts` after changing a source file.
 */
import { mkdirSync, readFileSync, writeFileSync } from "fs";
import { dirname, join } from "path";

const ROOT = join(__dirname, "..");
export const POLICY_LIB = join(ROOT, "policy", "lib");

/** Paths under components/ that the pack needs, with everything they import. */
export const POLICY_LIB_FILES = [
  "summary.ts",
  "srv.ts",
  "errors.ts",
  "catalog/index.ts",
  "catalog/activation.ts",
  "catalog/clones.ts",
  "catalog/errorCodes.ts",
  "catalog/gvlk.json",
  "catalog/keyGroupData.ts",
  "catalog/keyGroupRules.ts",
  "catalog/keyGroups.ts",
  "catalog/names.ts",
  "catalog/productData.ts",
  "catalog/productRows.ts",
  "catalog/products.ts",
] as const;

const HEADER =
  "// Generated: copied from components/%FILE% by scripts/sync-policy-lib.ts for the standalone policy pack; do not edit.\n";

/** The text of the copy of `components/<file>` (a header line on TypeScript files; JSON as is). */
export function policyLibCopy(file: string): string {
  const source = readFileSync(join(ROOT, "components", file), "utf8");
  return file.endsWith(".ts") ? HEADER.replace("%FILE%", file) + source : source;
}

if (require.main === module) {
  for (const file of POLICY_LIB_FILES) {
    const target = join(POLICY_LIB, file);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, policyLibCopy(file));
  }
  console.log(`wrote ${POLICY_LIB_FILES.length} files to ${POLICY_LIB}`);
}
