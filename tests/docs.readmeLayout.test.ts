/**
 * The README's Layout table describes the tree: every path it names exists, and every folder a newcomer
 * would look for (the top level, and the folders of components/ and tools/) is named in it.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The rows of the table under "## Layout": [first cell, second cell]. */
function layoutRows(): [string, string][] {
  const start = README.indexOf("\n## Layout\n");
  expect(start).toBeGreaterThan(-1);
  const section = README.slice(start).split(/\n## /)[1];
  return section
    .split("\n")
    .filter((l) => l.startsWith("|") && !/^\|\s*-/.test(l))
    .slice(1)
    .map((l) => {
      const cells = l.split("|").map((c) => c.trim());
      return [cells[1], cells[2]] as [string, string];
    });
}

const ticked = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** A name in the table that means a file or folder: it ends with "/" or a file extension. */
const isPathName = (s: string) => /\/$|\.(ts|js|ps1|json|yaml|md)$/.test(s) && !/\s/.test(s);

/** Files and folders that `pattern` (with `*` wildcards) names, looked up in `dir`. */
function matches(dir: string, pattern: string): string[] {
  const [first, ...rest] = pattern.replace(/\/$/, "").split("/");
  const re = new RegExp(`^${first.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return [];
  const found = fs.readdirSync(dir).filter((f) => re.test(f));
  if (rest.length === 0) return found.map((f) => path.join(dir, f));
  return found.flatMap((f) => matches(path.join(dir, f), rest.join("/")));
}

function exists(folders: string[], name: string): boolean {
  return [ROOT, ...folders.map((f) => path.join(ROOT, f))].some(
    (dir) => matches(dir, name).length > 0,
  );
}

describe("README Layout table", () => {
  const rows = layoutRows();
  const named = new Set(rows.flatMap(([first]) => ticked(first).map((t) => t.replace(/\/$/, ""))));

  test("has rows", () => {
    expect(rows.length).toBeGreaterThan(5);
  });

  test("every path it names exists (in the row's folder, a folder it names, or the top level)", () => {
    const missing: string[] = [];
    for (const [first, second] of rows) {
      const folders = ticked(first).filter((t) => t.endsWith("/"));
      // `components/provider.ts`, `plugin*.ts`: a name without a folder sits beside the one before it.
      const beside = ticked(first)
        .filter((t) => t.includes("/") && !t.endsWith("/"))
        .map((t) => path.dirname(t));
      for (const name of ticked(first)) {
        if (!exists(beside, name)) missing.push(name);
      }
      const rowFolders = [
        ...folders,
        ...folders.flatMap((f) =>
          ticked(second)
            .filter((t) => t.endsWith("/"))
            .map((t) => f + t),
        ),
        // A file named in a row of files (`components/provider.ts`) is looked up beside it.
        ...ticked(first)
          .filter((t) => !t.endsWith("/"))
          .map((t) => path.dirname(t)),
      ];
      for (const name of ticked(second).filter(isPathName)) {
        if (!exists(rowFolders, name)) missing.push(`${name} (row ${first})`);
      }
    }
    expect(missing).toEqual([]);
  });

  test("names every top-level folder and every folder of components/ and tools/", () => {
    const ignored = new Set(["node_modules", "bin", "coverage", ".git", ".ci", ".github"]);
    const folders = (dir: string) =>
      fs
        .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
        .filter((e) => e.isDirectory() && !ignored.has(e.name) && !e.name.startsWith("."))
        .map((e) => (dir ? `${dir}/${e.name}` : e.name));
    const secondCells = rows.map(([, second]) => second).join(" ");
    const unnamed = [...folders(""), ...folders("components"), ...folders("tools")].filter((f) => {
      const base = f.split("/").pop()!;
      // Named as a row of its own, or inside its parent's row as `<name>/` (or `<name>` for tools/).
      return (
        !named.has(f) &&
        !secondCells.includes(`\`${base}/\``) &&
        !secondCells.includes(`\`${base}\``)
      );
    });
    expect(unnamed).toEqual([]);
  });
});
