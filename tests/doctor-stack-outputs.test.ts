/**
 * `kms-doctor --stack-outputs` reads what the README's stack exports: the reference stack's outputs, as
 * `pulumi stack output --json` writes them (here from the offline plan of index.ts), parse into the
 * values the doctor checks, and the domain it searches is the stack's zone.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseStackOutputs, stackDomain } from "../tools/doctor";
import type { PlanResult } from "../tools/plan";

test("the reference stack's exported outputs are a valid --stack-outputs file", async () => {
  let result!: PlanResult;
  await jest.isolateModulesAsync(async () => {
    const { plan } = require("../tools/plan") as typeof import("../tools/plan");
    result = await plan(path.join(__dirname, ".."), {});
  });
  const outputs = result.outputs as Record<string, unknown>;
  // What the README tells users to run writes every output; the doctor takes the four it needs.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-outputs-"));
  try {
    const file = path.join(tmp, "outputs.json");
    fs.writeFileSync(file, JSON.stringify(outputs, null, 2));
    const parsed = parseStackOutputs(JSON.parse(fs.readFileSync(file, "utf8")));
    expect(parsed.kmsServer).toBe("kms.kms.internal:1688");
    expect(parsed.srvRecordName).toBe("_vlmcs._tcp.kms.internal");
    expect(parsed.dnsZoneName).toBe("kms.internal");
    expect(parsed.hostPrivateIp).toMatch(/^10\.\d+\.\d+\.\d+$/);
    expect(stackDomain(parsed)).toBe("kms.internal");
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}, 60_000);
