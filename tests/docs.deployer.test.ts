/**
 * docs/azure-roles-and-cost.md names every Azure resource type the reference stack and the examples
 * register, in its roles table and in its cost table: a new resource type in a component or an example
 * fails here until the page says who may create it and what it costs.
 */
import * as fs from "fs";
import * as path from "path";
import type { PlanResult } from "../tools/plan";

const ROOT = path.join(__dirname, "..");
const DOC = fs.readFileSync(path.join(ROOT, "docs", "azure-roles-and-cost.md"), "utf8");
const PROGRAMS = [
  ...["reference-stack", "single-host", "two-hosts", "on-prem-ssh", "existing-host", "office"].map(
    (x) => path.join(ROOT, "examples", x),
  ),
];

/** The section of the page from `heading` to the next `## `. */
function section(heading: string): string {
  const start = DOC.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = DOC.indexOf("\n## ", start + heading.length);
  return DOC.slice(start, end < 0 ? undefined : end);
}

test("every cloud resource type the programs register is in the roles table and the cost table", async () => {
  const types = new Set<string>();
  for (const dir of PROGRAMS) {
    let result!: PlanResult;
    await jest.isolateModulesAsync(async () => {
      const { plan } = require("../tools/plan") as typeof import("../tools/plan");
      result = await plan(dir, {});
    });
    for (const r of result.resources) {
      if (!/^(kms|pulumi):/.test(r.type)) types.add(r.type);
    }
  }
  expect(types.size).toBeGreaterThanOrEqual(10);
  const roles = section("## Roles");
  const cost = section("## What it costs");
  const missing = [...types]
    .sort()
    .filter((t) => !roles.includes(`\`${t}\``) || !cost.includes(`\`${t}\``));
  expect(missing).toEqual([]);
}, 180_000);

test("the roles table names the exact Run Command actions and a source for them", () => {
  const roles = section("## Roles");
  for (const action of [
    "Microsoft.Compute/virtualMachines/runCommands/write",
    "Microsoft.Network/virtualNetworks/subnets/join/action",
    "Microsoft.Network/privateDnsZones/SRV/write",
  ]) {
    expect(roles).toContain(action);
  }
  expect(roles).toMatch(
    /learn\.microsoft\.com\/azure\/virtual-machines\/windows\/run-command-managed/,
  );
  expect(section("## What it costs")).toMatch(/Prices vary by region/);
});
