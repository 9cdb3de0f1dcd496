/**
 * Issue 23 items 4 and 5: every source key the lab's code and docs/lab.md cite (`[PLAN]`, `[VA-TIMING]`,
 * ...) is defined in docs/sources.md, and nothing cites `kms-domain.md`, which is not in the repository.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");
const KEY = /\[([A-Z][A-Z0-9]*(?:[.-][A-Z0-9*]+)*)\]/g;
/** Brackets that are not source keys: WQL's `IS [NOT] NULL`. */
const NOT_KEYS = new Set(["NOT"]);

function tracked(...dirs: string[]): string[] {
  return execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", ...dirs], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\n")
    .filter((f) => f !== "" && fs.existsSync(path.join(ROOT, f)));
}

const defined = new Set(
  [
    ...fs
      .readFileSync(path.join(ROOT, "docs", "sources.md"), "utf8")
      .matchAll(/^\| `\[([^\]]+)\]`/gm),
  ].map((m) => m[1]),
);

test("docs/sources.md defines the keys the lab's code and docs/lab.md cite", () => {
  expect(defined.size).toBeGreaterThan(20);
  const cited = new Map<string, string>();
  for (const f of [...tracked("lab").filter((f) => f.endsWith(".ps1")), "docs/lab.md"]) {
    const text = fs.readFileSync(path.join(ROOT, f), "utf8");
    // In PowerShell only comments cite sources; in the docs, everything.
    const cites = f.endsWith(".ps1")
      ? text
          .split("\n")
          .map((l) => (l.includes("#") ? l.slice(l.indexOf("#")) : ""))
          .join("\n")
      : text;
    for (const m of cites.matchAll(KEY)) {
      if (!NOT_KEYS.has(m[1]) && !cited.has(m[1])) cited.set(m[1], f);
    }
  }
  expect(cited.size).toBeGreaterThan(20);
  const undefinedKeys = [...cited].filter(([k]) => !defined.has(k)).map(([k, f]) => `${k} (${f})`);
  expect(undefinedKeys).toEqual([]);
});

test("every lab file that implements licensing rules names its sources", () => {
  const rules = [
    "Machine",
    "Instances",
    "Keys",
    "Kms",
    "Cim",
    "Methods",
    "Restart",
    "Service",
    "Firewall",
  ];
  const untagged = rules.filter(
    (r) =>
      !/# Sources: \[/.test(fs.readFileSync(path.join(ROOT, "lab", `KmsLab.${r}.ps1`), "utf8")),
  );
  expect(untagged).toEqual([]);
});

test("nothing cites kms-domain.md, which is not in the repository", () => {
  const citing = tracked(
    "components",
    "tools",
    "policy",
    "lab",
    "docs",
    "tests",
    "scripts",
    "README.md",
  )
    .filter((f) => !f.startsWith("tests/docs.sources.test.ts"))
    .filter((f) => /kms-domain(\.md| §)/.test(fs.readFileSync(path.join(ROOT, f), "utf8")));
  expect(citing).toEqual([]);
});
