/**
 * `npm run generate`: every generated file in one run, in dependency order.
 *
 * 1. The error-code table inside `components/scripts/common.ps1` (gen-error-table.ts).
 * 2. `docs/components.md`, `docs/error-codes.md`, `docs/policies.md` (gen-*-doc(s).ts).
 *
 * Each generator also runs alone (`npx ts-node -T scripts/<file>.ts`); the tests that compare a
 * generated file with its source name this command.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

const GENERATORS = [
  "gen-error-table.ts",
  "gen-components-doc.ts",
  "gen-error-codes-doc.ts",
  "gen-policy-docs.ts",
];

for (const file of GENERATORS) {
  // Each in its own process, as it runs alone: a generator's module state never leaks into the next.
  execFileSync(
    process.execPath,
    [require.resolve("ts-node/dist/bin"), "-T", join(__dirname, file)],
    {
      stdio: "inherit",
    },
  );
  console.log(`generated: ${file}`);
}
