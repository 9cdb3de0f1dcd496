/**
 * No import circles in catalog/, components/, tools/ and policy/: every relative import (`import type` included:
 * a type-only circle still means two files that cannot be read apart) is followed, and any path that
 * comes back to a file it started from fails the test with the files in order.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { filesUnder, TS_SOURCE } from "./helpers/files";

const ROOT = path.join(__dirname, "..", "components");

/** The files `file` imports or re-exports from, by relative specifier. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:import|export)\s[^;]*?\sfrom\s+"(\.[^"]*)"/g)].map(
    (m) => m[1],
  );
  return specs.map((s) => {
    const base = path.resolve(path.dirname(file), s);
    for (const candidate of [base, `${base}.ts`, path.join(base, "index.ts")]) {
      if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
    }
    throw new Error(`${path.relative(ROOT, file)}: cannot resolve "${s}"`);
  });
}

export function findCircles(root: string): string[][] {
  const graph = new Map(filesUnder(root, TS_SOURCE).map((f) => [f, importsOf(f)]));
  const circles: string[][] = [];
  const done = new Set<string>();
  const visit = (file: string, trail: string[]): void => {
    const at = trail.indexOf(file);
    if (at >= 0) {
      circles.push([...trail.slice(at), file].map((f) => path.relative(root, f)));
      return;
    }
    if (done.has(file)) return;
    for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
    done.add(file);
  };
  for (const file of graph.keys()) visit(file, []);
  return circles;
}

test("components/ has no import circles", () => {
  expect(findCircles(ROOT)).toEqual([]);
});

test.each(["catalog", "tools", "policy"])("%s/ has no import circles", (folder) => {
  expect(findCircles(path.join(ROOT, "..", folder))).toEqual([]);
});

test("the walk finds a circle (it would fail on one)", () => {
  const dir = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "circles-"));
  fs.writeFileSync(path.join(dir, "a.ts"), 'import type { B } from "./b";\nexport type A = B;\n');
  fs.mkdirSync(path.join(dir, "b"));
  fs.writeFileSync(
    path.join(dir, "b", "index.ts"),
    'import { A } from "../a";\nexport type B = A;\n',
  );
  expect(findCircles(dir)).toEqual([["a.ts", "b/index.ts", "a.ts"]]);
  fs.rmSync(dir, { recursive: true });
});
