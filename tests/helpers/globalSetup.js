/**
 * Before any test: the catalog workspace's compiled output (catalog/dist) is brought up to date. Tests in
 * this process read the catalog from its sources (jest.config.js maps the package name), but the CLIs
 * and runners the tests start (ts-node, Pulumi's plugin and policy runners) resolve
 * `pulumi-kms-activation-catalog` as Node does: through node_modules to catalog/dist. `tsc` is
 * incremental there, so an up-to-date build costs about a second.
 */
const { execFileSync } = require("child_process");
const path = require("path");

module.exports = async function globalSetup() {
  const root = path.join(__dirname, "..", "..");
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "catalog"], {
    cwd: root,
    stdio: "inherit",
  });
};
