/**
 * kms-plan loads a program the way Pulumi's Node.js runtime does (`@pulumi/pulumi/cmd/run/run.js`): a
 * function as `module.exports` is called, a promise is awaited, named exports are the stack outputs,
 * an ESM default export is the whole export; a CommonJS `export default` function is not called (as in
 * Pulumi, pulumi/pulumi#4017). A program that registers nothing besides its stack is said so, and the
 * CLI exits 3.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { NOTHING_DECLARED, isEmptyPlan, plan, programResult } from "../tools/plan";
import { runPlanCli } from "./helpers/planCli";

const ROOT = path.resolve(__dirname, "..");
const FORMS = path.join(__dirname, "fixtures", "programs", "forms");
const BREAKS = path.join(__dirname, "fixtures", "programs", "policy-breaks");

const runMain = runPlanCli;

const THRESHOLD =
  'KMS host "kms" would count 4 distinct Windows machines (4 in this stack + 0 in externalClients), but Windows Server needs 5 (1 more).';

describe("program forms, as Pulumi's Node.js runtime runs them", () => {
  test.each(["export-function", "top-level-promise", "named-exports"])(
    "%s: the program runs, the policies judge what it declared, its outputs are the stack outputs",
    async (form) => {
      const result = await plan(path.join(FORMS, form));
      expect(result.resources.filter((r) => r.type === "kms:index:KmsClient")).toHaveLength(4);
      expect(result.violations.map((v) => v.message).join("\n")).toContain(THRESHOLD);
      expect(result.outputs.kmsServer).toBe("kms.kms.internal:1688");
      expect(result.diagnostics.map((d) => d.message)).not.toContain(NOTHING_DECLARED);
    },
  );

  test("export = async () => …: kms-plan exits 1 on the mandatory violation (it planned an empty stack before)", async () => {
    const r = await runMain([path.join(FORMS, "export-function")]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(THRESHOLD);
  });

  test("a CommonJS default export function is not called (as in Pulumi): warned, nothing declared, exit 3", async () => {
    const result = await plan(path.join(FORMS, "default-export"));
    expect(isEmptyPlan(result)).toBe(true);
    const messages = result.diagnostics.map((d) => d.message);
    expect(messages).toContain(NOTHING_DECLARED);
    expect(messages.join("\n")).toContain(
      "the program's default export is a function, which Pulumi's Node.js runtime does not call in a CommonJS program (pulumi/pulumi#4017)",
    );
    const r = await runMain([path.join(FORMS, "default-export")]);
    expect(r.code).toBe(3);
    expect(r.err).toContain(NOTHING_DECLARED);
  });

  test("a program that registers nothing besides its stack: said so, exit 3 (a CI job must not stay green)", async () => {
    const r = await runMain([path.join(FORMS, "nothing")]);
    expect(r.code).toBe(3);
    expect(r.err).toContain(
      "kms-plan: the program registered no resource besides its stack, so no policy had anything to check.",
    );
  });

  test("an ESM program (type: module): its default export is called (spawned: jest's VM has no dynamic import)", () => {
    const r = spawnSync(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        "tools/plan-cli.ts",
        path.join(FORMS, "esm-default"),
        "--json",
      ],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, JEST_WORKER_ID: "" } },
    );
    expect(r.stderr).not.toContain("failed");
    expect(r.status).toBe(1);
    const result = JSON.parse(r.stdout) as Awaited<ReturnType<typeof plan>>;
    expect(result.resources.map((x) => x.name)).toEqual(["form-esm-default-dev", "esm-nsg"]);
    expect(result.outputs).toEqual({ nsgName: expect.any(String) });
    expect(result.violations.map((v) => v.policyName)).toEqual(["disallow-internet-kms-port"]);
  });
});

describe("programResult (the rules of cmd/run/run.js)", () => {
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  beforeEach(() => warnings.splice(0));

  test.each([
    ["CommonJS function", () => ({ a: 1 }), false, { a: 1 }],
    ["CommonJS named exports", { a: 1, b: "x" }, false, { a: 1, b: "x" }],
    ["ESM default object", { default: { a: 1 } }, true, { a: 1 }],
    ["ESM default function", { default: () => ({ a: 2 }) }, true, { a: 2 }],
    ["ESM named exports", { a: 3 }, true, { a: 3 }],
  ])("%s", async (_name, exported, esm, expected) => {
    expect(await programResult(exported, esm as boolean, warn)).toEqual(expected);
    expect(warnings).toEqual([]);
  });

  test("a promise is awaited as the outputs", async () => {
    expect(await programResult(Promise.resolve({ a: 1 }), false, warn)).toEqual({ a: 1 });
  });

  test("ESM with both a default and named exports is an error, as in Pulumi", () => {
    expect(() => programResult({ default: {}, a: 1 }, true, warn)).toThrow(
      "expected entrypoint module to have either a default export or named exports but not both",
    );
  });
});

describe("--policy-config FILE (the form of pulumi preview --policy-pack-config)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-policy-config-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: unknown) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, typeof content === "string" ? content : JSON.stringify(content));
    return f;
  };
  const program = path.join(BREAKS, "enforce-activation-threshold");

  test("a level given as a string turns the mandatory violation advisory: exit 0", async () => {
    const r = await runMain([
      program,
      "--policy-config",
      file("advisory.json", { "enforce-activation-threshold": "advisory" }),
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("[advisory] enforce-activation-threshold");
  });

  test("settings reach the policy (marginMachines), enforcementLevel in an object", async () => {
    const r = await runMain([
      path.join(BREAKS, "compliant"),
      "--policy-config",
      file("margin.json", {
        "enforce-activation-threshold": { enforcementLevel: "mandatory", marginMachines: 2 },
      }),
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("Windows Server needs 7 (5 + marginMachines 2; 2 more)");
  });

  test('"all" sets every level; a policy\'s own entry wins over it', async () => {
    // Another program: under jest a program module stays cached, and planning it twice declares nothing.
    const r = await runMain([
      path.join(BREAKS, "enforce-interval-range"),
      "--policy-config",
      file("all.json", { all: "disabled", "disallow-internet-kms-port": "mandatory" }),
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Policies: 1 ran, no violation.");
  });

  test.each([
    [
      { "enforce-activation-treshold": "advisory" },
      'no policy named "enforce-activation-treshold"',
    ],
    [{ "enforce-activation-threshold": "warn" }, 'has enforcement level "warn"; allowed: advisory'],
    [
      { "enforce-activation-threshold": { margin: 1 } },
      'has no setting "margin" (its settings: marginMachines)',
    ],
    ["{ not json", "not valid JSON"],
  ])("a wrong file is refused, exit 2: %j", async (content, message) => {
    const r = await runMain([program, "--policy-config", file("bad.json", content)]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });
});
