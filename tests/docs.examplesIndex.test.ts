/**
 * examples/README.md lists every example folder (the office example was missing), with
 * a link to it, and lists no folder that does not exist.
 */
import * as fs from "fs";
import * as path from "path";

const EXAMPLES = path.resolve(__dirname, "..", "examples");

test("examples/README.md's table links every folder of examples/, and only those", () => {
  const folders = fs
    .readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const readme = fs.readFileSync(path.join(EXAMPLES, "README.md"), "utf8");
  const rows = [...readme.matchAll(/^\| \[([\w-]+)\]\(([\w-]+)\) +\|/gm)];
  expect(rows.filter((m) => m[1] !== m[2])).toEqual([]);
  expect(rows.map((m) => m[1]).sort()).toEqual(folders);
  expect(folders).toContain("office");
});
