/**
 * Azure Run Command sends one script file per run, so the scripts cannot share a module: helper functions
 * are repeated in each script that needs them. This keeps the copies identical, so a fix made in one
 * script cannot silently miss the others.
 */
import * as fs from "fs";
import * as path from "path";

const dir = path.join(__dirname, "..", "components", "scripts");
const scripts = fs.readdirSync(dir).filter((f) => f.endsWith(".ps1"));

/** Functions whose copies differ on purpose (each script logs and reports its own fields). */
const DIFFERENT_ON_PURPOSE = new Set(["Write-Log", "New-Result", "Write-Result"]);

function functionsOf(file: string): Map<string, string> {
  const text = fs.readFileSync(path.join(dir, file), "utf8").replace(/\r\n/g, "\n");
  const found = new Map<string, string>();
  for (const m of text.matchAll(/^function ([\w-]+)[^\n]*\{\n[\s\S]*?^\}/gm)) found.set(m[1], m[0]);
  return found;
}

const byName = new Map<string, Map<string, string>>();
for (const file of scripts) {
  for (const [name, body] of functionsOf(file)) {
    const copies = byName.get(name) ?? new Map<string, string>();
    copies.set(file, body);
    byName.set(name, copies);
  }
}
const shared = [...byName].filter(
  ([name, copies]) => copies.size > 1 && !DIFFERENT_ON_PURPOSE.has(name),
);

test("the scripts share helper functions (so this check has something to compare)", () => {
  expect(shared.map(([name]) => name)).toEqual(
    expect.arrayContaining(["ConvertTo-HResultText", "Get-ErrorCode", "Get-LicenseStatusName"]),
  );
});

test.each(shared.map(([name, copies]) => [name, [...copies.keys()].join(", "), copies] as const))(
  "%s is the same in %s",
  (_name, _files, copies) => {
    expect(new Set(copies.values()).size).toBe(1);
  },
);
