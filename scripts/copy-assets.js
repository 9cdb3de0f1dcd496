#!/usr/bin/env node
/**
 * Second half of `npm run build`: tsc compiles components/ and tools/ into bin/, this copies the files tsc
 * does not emit next to their compiled modules, keeping the relative paths the code loads them by:
 *   components/scripts/*.ps1   -> <outDir>/components/scripts/   (loaded by components/scripts/load.ts)
 * then makes the package's `bin` entries (kms-plan, kms-doctor) executable (tsc writes them 0644, and a
 * folder install, `npm install ../clone`, links them as they are: "Permission denied"), and writes the
 * files that make <outDir>/policy a policy pack the Pulumi CLI runs as compiled JavaScript:
 *   <outDir>/policy/PulumiPolicy.yaml  (policy/PulumiPolicy.yaml without `typescript: true`)
 *   <outDir>/policy/package.json       (name, version, `main: index.js`; no dependencies: @pulumi/policy
 *                                       and @pulumi/pulumi load from the user's node_modules, the
 *                                       catalog from the package's own, where it is bundled)
 * Usage: node scripts/copy-assets.js [--outDir <dir>]   (default: bin, relative to the repository root)
 */
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");

/** Source directories and the extensions copied from each (not recursive: assets live beside their loader). */
const ASSETS = [{ dir: "components/scripts", extensions: [".ps1"] }];

function parseOutDir(argv) {
  const i = argv.indexOf("--outDir");
  if (i === -1) return path.join(ROOT, "bin");
  if (!argv[i + 1]) throw new Error("copy-assets: --outDir needs a directory");
  return path.resolve(argv[i + 1]);
}

/** Copies the assets into outDir and returns the copied paths, relative to outDir, sorted. */
function copyAssets(outDir) {
  const copied = [];
  for (const { dir, extensions } of ASSETS) {
    const from = path.join(ROOT, dir);
    const names = fs
      .readdirSync(from)
      .filter((n) => extensions.includes(path.extname(n)))
      .sort();
    if (names.length === 0)
      throw new Error(`copy-assets: no ${extensions.join("/")} files in ${dir}`);
    const to = path.join(outDir, dir);
    fs.mkdirSync(to, { recursive: true });
    for (const name of names) {
      fs.copyFileSync(path.join(from, name), path.join(to, name));
      copied.push(path.posix.join(dir, name));
    }
  }
  return copied.sort();
}

/** chmod 755 of each package.json `bin` entry under outDir (entries name `bin/...`); returns them. */
function makeBinsExecutable(outDir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const made = [];
  for (const rel of Object.values(pkg.bin || {})) {
    const inOut = path.join(outDir, path.relative("bin", rel));
    const text = fs.readFileSync(inOut, "utf8");
    if (!text.startsWith("#!/usr/bin/env node\n"))
      throw new Error(`copy-assets: ${rel} has no "#!/usr/bin/env node" line`);
    fs.chmodSync(inOut, 0o755);
    made.push(rel);
  }
  return made.sort();
}

/** The policy pack's two files for its compiled copy, as text (exported for tests). */
function policyPackFiles() {
  const yaml = fs.readFileSync(path.join(ROOT, "policy", "PulumiPolicy.yaml"), "utf8");
  const compiled = yaml.replace(
    /^runtime:\n {2}name: nodejs\n {2}options:\n {4}typescript: true\n/m,
    "runtime: nodejs\n",
  );
  if (compiled === yaml)
    throw new Error(
      "copy-assets: policy/PulumiPolicy.yaml has no `typescript: true` runtime block",
    );
  const source = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "package.json"), "utf8"));
  const pkg = {
    name: source.name,
    version: source.version,
    description: source.description,
    private: true,
    license: source.license,
    main: "index.js",
  };
  return { "PulumiPolicy.yaml": compiled, "package.json": JSON.stringify(pkg, null, 2) + "\n" };
}

/** Writes the policy pack files next to the compiled policy/index.js. */
function writePolicyPack(outDir) {
  const dir = path.join(outDir, "policy");
  if (!fs.existsSync(path.join(dir, "index.js")))
    throw new Error(`copy-assets: no compiled policy pack in ${dir} (run tsc first)`);
  for (const [name, text] of Object.entries(policyPackFiles()))
    fs.writeFileSync(path.join(dir, name), text);
}

module.exports = { ASSETS, copyAssets, makeBinsExecutable, policyPackFiles, writePolicyPack };

if (require.main === module) {
  const outDir = parseOutDir(process.argv.slice(2));
  const copied = copyAssets(outDir);
  makeBinsExecutable(outDir);
  writePolicyPack(outDir);
  console.log(
    `copy-assets: ${copied.length} files into ${path.relative(process.cwd(), outDir) || "."}`,
  );
}
