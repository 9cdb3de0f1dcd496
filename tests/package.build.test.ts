/**
 * `npm run build` starts from an empty bin/: tsc never deletes output, so a module that became a folder
 * (tools/plan.ts → tools/plan/index.ts) would leave bin/tools/plan.js behind, and Node would load that
 * stale file before bin/tools/plan/index.js.
 */
import { execSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

test("the build script's first step removes bin/ (run here in a scratch folder)", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const firstStep = String(pkg.scripts.build).split(" && ")[0];
  expect(firstStep).not.toMatch(/tsc/);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "kms-build-"));
  try {
    fs.mkdirSync(path.join(work, "bin", "tools"), { recursive: true });
    fs.writeFileSync(path.join(work, "bin", "tools", "plan.js"), "// stale");
    execSync(firstStep, { cwd: work, stdio: "pipe" });
    expect(fs.existsSync(path.join(work, "bin"))).toBe(false);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
