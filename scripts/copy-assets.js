#!/usr/bin/env node
/**
 * Second half of `npm run build`: tsc compiles components/ and tools/ into bin/, this copies the files tsc
 * does not emit next to their compiled modules, keeping the relative paths the code loads them by:
 *   components/scripts/*.ps1   -> <outDir>/components/scripts/   (loaded by components/scripts/load.ts)
 *   components/catalog/*.json  -> <outDir>/components/catalog/   (the catalog data)
 * Usage: node scripts/copy-assets.js [--outDir <dir>]   (default: bin, relative to the repository root)
 */
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");

/** Source directories and the extensions copied from each (not recursive: assets live beside their loader). */
const ASSETS = [
  { dir: "components/scripts", extensions: [".ps1"] },
  { dir: "components/catalog", extensions: [".json"] },
];

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

module.exports = { ASSETS, copyAssets };

if (require.main === module) {
  const outDir = parseOutDir(process.argv.slice(2));
  const copied = copyAssets(outDir);
  console.log(
    `copy-assets: ${copied.length} files into ${path.relative(process.cwd(), outDir) || "."}`,
  );
}
