/**
 * The forecast and the rehearsal agree: for the reference stack and every example, each
 * client's outcome at the end of the deployment in the forecast (activated by its host then, or not) is
 * the rehearsal's verdict (activated by that host, or not), under the lab's Azure conditions (Marketplace
 * images; machines of one image share a client machine ID until rearmed, stated here so that the test
 * does not depend on the lab's defaults), with the script identity attached to the VMs the programs do not
 * create (--lab-vm-identity: the forecast does not model a failed download).
 */
import * as fs from "fs";
import * as path from "path";
import { describeWithTool } from "./helpers/tools";
import type { RehearsalResult } from "../tools/rehearsal";
import { outcomeDisagreements } from "../tools/rehearsal/verdicts";

jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, "..");
const EXAMPLES = path.join(ROOT, "examples");

/** Jest keeps modules in its own registry: a fresh one per rehearsal, so the program runs again. */
async function rehearse(dir: string): Promise<RehearsalResult> {
  let result!: RehearsalResult;
  await jest.isolateModulesAsync(async () => {
    const mod = require("../tools/rehearsal") as typeof import("../tools/rehearsal");
    // vmIdentity: the examples' existing VMs have the script identity attached, as their docs ask.
    result = await mod.rehearse(dir, { images: "marketplace", sharedCmid: true, vmIdentity: true });
  });
  return result;
}

// The reference stack is one of the examples (examples/reference-stack).
const programs = fs
  .readdirSync(EXAMPLES)
  .filter((d) => fs.existsSync(path.join(EXAMPLES, d, "Pulumi.yaml")))
  .sort()
  .map((d) => path.join(EXAMPLES, d));

describeWithTool("pwsh", "the forecast's per-client outcome equals the rehearsal's", () => {
  test.each(programs.map((p) => [path.relative(ROOT, p), p]))("%s", async (_, dir) => {
    const r = await rehearse(dir);
    const forecastClients = r.forecast.hosts.flatMap((h) =>
      h.families.flatMap((f) => f.perClient.filter((c) => c.reason !== "activate is false")),
    );
    // Every client the forecast places on a host was rehearsed and judged.
    expect(r.lab.clients.map((c) => c.client).sort()).toEqual(
      forecastClients.map((c) => c.name).sort(),
    );
    expect(outcomeDisagreements(r.forecast, r.lab.clients)).toEqual([]);
  });
});
