#!/usr/bin/env node
/**
 * `npm prepare`: builds bin/ (`npm run build`) when the build tools are installed in this checkout.
 *
 * npm runs `prepare` in three situations:
 * - `npm ci` / `npm install` in the repository: the dev dependencies are there; build.
 * - `npm install <git url>`: npm installs the dev dependencies in its temporary clone first; build.
 * - `npm install <folder>` of a checkout whose dependencies were never installed: npm links the folder
 *   without installing anything in it, so no compiler is there. Instead of "tsc: not found", say what
 *   to run (`npm ci` in the checkout, which builds bin/; after that the link works).
 */
const { execFileSync } = require("child_process");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");

function resolvable(id) {
  try {
    require.resolve(id, { paths: [ROOT] });
    return true;
  } catch {
    return false;
  }
}

const missing = [
  "typescript/package.json",
  "@types/node/package.json",
  "@pulumi/pulumi/package.json",
]
  .filter((id) => !resolvable(id))
  .map((id) => id.replace(/\/package\.json$/, ""));

if (missing.length > 0) {
  process.stderr.write(
    `pulumi-kms-activation: cannot build ${ROOT}: its dependencies are not installed there (missing ${missing.join(", ")}).\n` +
      `  Run \`npm ci\` in ${ROOT} first (it builds bin/), then \`npm install ${ROOT}\` again;\n` +
      `  or make a tarball there with \`npm pack\` and install that; or install from git (\`npm install git+https://…\`).\n`,
  );
  process.exit(1);
}

execFileSync(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "build"], {
  cwd: ROOT,
  stdio: "inherit",
  shell: process.platform === "win32",
});
