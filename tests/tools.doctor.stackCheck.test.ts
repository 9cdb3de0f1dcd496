/**
 * `kms-doctor --stack-outputs` reads what the README's stack exports: the reference stack's outputs, as
 * `pulumi stack output --json` writes them (here from the offline plan of index.ts), parse into the
 * values the doctor checks, and the domain it searches is the stack's zone.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { diagnose, parseStackOutputs, stackDomain } from "../tools/doctor";
import { startSilentDnsServer } from "./helpers/dnsmasq";
import type { PlanResult } from "../tools/plan";

test("the reference stack's exported outputs are a valid --stack-outputs file", async () => {
  let result!: PlanResult;
  await jest.isolateModulesAsync(async () => {
    const { plan } = require("../tools/plan") as typeof import("../tools/plan");
    result = await plan(path.join(__dirname, "..", "examples", "reference-stack"), {});
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

/** The README's "Use it in your stack" program, as a user copies it (importing the library's sources). */
function readmeProgram(): string {
  const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Use it in your stack"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1];
  return code.replace(
    'from "pulumi-kms-activation"',
    `from ${JSON.stringify(path.join(__dirname, "..", "components"))}`,
  );
}

test("the outputs the README's own program exports are enough for kms-doctor --stack-outputs (no 'no domain given')", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-readme-"));
  const silent = await startSilentDnsServer();
  try {
    fs.writeFileSync(path.join(tmp, "Pulumi.yaml"), "name: readme-stack\nruntime: nodejs\n");
    fs.writeFileSync(path.join(tmp, "index.ts"), readmeProgram());
    fs.symlinkSync(path.join(__dirname, "..", "node_modules"), path.join(tmp, "node_modules"));
    let result!: PlanResult;
    await jest.isolateModulesAsync(async () => {
      const { plan, secretConfig } = require("../tools/plan") as typeof import("../tools/plan");
      result = await plan(tmp, {
        config: {
          hostKey: secretConfig("BBBBB-CCCCC-DDDDD-FFFFF-KHMXV"),
          adminPassword: secretConfig("Str0ng!Passw0rd"),
          subnetId:
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/kms",
        },
      });
    });
    const parsed = parseStackOutputs(JSON.parse(JSON.stringify(result.outputs)));
    expect(parsed.kmsServer).toBe("kms.kms.internal:1688");
    const report = await diagnose({
      stackOutputs: parsed,
      dnsServers: [silent.server],
      timeoutMs: 200,
    });
    if (stackDomain(parsed) === undefined) {
      // Only kmsServer: checked as a fixed host, with what to export to check the record too.
      expect(report.mode).toBe("fixedHost");
      expect(report.fixedHost?.target).toBe("kms.kms.internal");
      expect(report.findings.map((f) => f.check)).toContain("stack-no-domain");
    } else {
      expect(report.domains.map((d) => d.domain)).toEqual([stackDomain(parsed)]);
    }
  } finally {
    await silent.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}, 60_000);

test("outputs with none of the names the doctor reads: the error names what to export", () => {
  expect(() => parseStackOutputs({ activation: {} })).toThrow(
    /export const kmsServer = host\.kmsServer;.*export const srvRecordName = host\.srvRecordName;/,
  );
});
