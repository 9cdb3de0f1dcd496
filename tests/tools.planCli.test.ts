import { spawnSync } from "child_process";
import * as path from "path";
import type { PlanResult } from "../tools/plan";
import { runPlanCli } from "./helpers/planCli";

const ROOT = path.resolve(__dirname, "..");
const FIXTURES = path.join(__dirname, "fixtures", "programs");

function cli(args: string[]) {
  const r = spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", "tools/plan-cli.ts", ...args],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, JEST_WORKER_ID: "" },
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const runMain = runPlanCli;

describe("kms-plan CLI (spawned)", () => {
  test("--json prints the PlanResult of a program directory, with stack config and secret placeholders hidden", () => {
    const r = cli([path.join(FIXTURES, "tiny"), "--json"]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as PlanResult;
    expect([result.project, result.stack]).toEqual(["tiny-kms", "dev"]);
    // clientCount: 2 from Pulumi.dev.yaml overrides the default of 1.
    expect(result.resources.map((x) => x.name)).toEqual([
      "tiny-kms-dev",
      "tiny-vm-nic",
      "tiny-vm",
      "tiny-vm-0-setup",
      "tiny-vm-1-setup",
    ]);
    expect(result.resources.find((x) => x.name === "tiny-vm")!.inputs.osProfile).toBe("[secret]");
    expect(r.stdout).not.toContain("kms-plan-secret-placeholder");
    expect(result.violations).toEqual([]);
    expect((result.outputs.results as { script: string }[]).map((x) => x.script)).toEqual([
      "client-setup",
      "client-setup",
    ]);
  });

  test("the reference stack plans with its config defaults, no violation, exit 0", () => {
    const r = cli(["examples/reference-stack"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("+ kms:index:KmsHost  kms");
    expect(r.stdout).toContain("Policies: 6 ran, no violation.");
    expect(r.stdout).toContain("Activation forecast");
  });
});

describe("kms-plan on programs that break one policy each", () => {
  test.each([
    ["compliant", 0, undefined, undefined],
    ["compliant-with-host", 0, undefined, undefined],
    [
      "enforce-activation-threshold",
      1,
      "mandatory",
      'KMS host "kms" would count 4 distinct Windows machines (4 in this stack + 0 in externalClients), but Windows Server needs 5 (1 more).',
    ],
    [
      "require-compatible-host-key",
      1,
      "mandatory",
      'KMS host "kms" has no Office host key, so it cannot activate Office LTSC Professional Plus 2024 on KmsClients "srv-1", "srv-2", "srv-3", "srv-4" and "srv-5" (error 0xC004F042).',
    ],
    [
      "disallow-internet-kms-port",
      1,
      "mandatory",
      'allows inbound TCP to the KMS port 1688 from "*" (destination port "1688")',
    ],
    [
      "enforce-interval-range",
      1,
      "mandatory",
      'Cannot decide whether KmsHost "kms" sets a valid activationIntervalMinutes: the value is not known at preview',
    ],
    [
      "disallow-azure-edition-host",
      1,
      "mandatory",
      'Cannot decide whether KmsHost "kms" runs Azure Edition: it configures an existing machine whose OS is not declared. Set windowsServerVersion.',
    ],
    // Advisory by default: reported, but it does not block.
    [
      "require-srv-record-for-discovery",
      0,
      "advisory",
      'KmsClient "srv-1" finds its KMS host through DNS in its own domain, but this stack declares no _vlmcs._tcp SRV record',
    ],
  ])("%s → exit %i", async (dir, code, level, message) => {
    const r = await runMain([path.join(FIXTURES, "policy-breaks", dir)]);
    expect(r.code).toBe(code);
    if (message === undefined) {
      expect(r.out).toContain("Policies: 6 ran, no violation.");
    } else {
      expect(r.out).toContain(`[${level}] ${dir}`);
      expect(r.out).toContain(message);
    }
  });
});

describe("formatViolations groups a policy's message repeated once per resource", () => {
  test("five clients with the same finding: printed once, the others named", async () => {
    const { formatViolations } = await import("../tools/plan-cli");
    const v = (name: string) => ({
      policyName: "require-srv-record-for-discovery",
      enforcementLevel: "advisory" as const,
      message: `KmsClient "${name}" finds its KMS host through DNS in its own domain, but this stack declares no _vlmcs._tcp SRV record.`,
      urn: `urn:pulumi:dev::p::kms:index:KmsClient::${name}`,
    });
    const text = formatViolations({
      violations: ["srv-1", "srv-2", "srv-3"].map(v),
      policiesRun: [],
    } as unknown as PlanResult);
    expect(text.split("\n")).toEqual([
      "Policy violations (3):",
      "  [advisory] require-srv-record-for-discovery  (3 resources: srv-1, srv-2, srv-3)",
      '      KmsClient "srv-1" finds its KMS host through DNS in its own domain, but this stack declares no _vlmcs._tcp SRV record.',
      '      The same for "srv-2" and "srv-3".',
    ]);
  });
});
