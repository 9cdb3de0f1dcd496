/**
 * The kms-guard pack as a whole: names and metadata conventions, the pack's files, the generated docs,
 * and the shared reading helpers. Never constructs the PolicyPack (policy/index.ts).
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import * as policyModule from "../policy/policies";
import { policies, POLICY_PACK_NAME } from "../policy/policies";
import { UNKNOWN, configWithDefaults, toPlain } from "../policy/values";
import { hostPart, nameFromUrn, portPart, srvDomainOf, typeFromUrn } from "../policy/text";
import { POLICY_DOCS_PATH, renderPolicyDocs } from "../scripts/gen-policy-docs";
import { preview } from "./helpers/policyFixtures";

const POLICY_DIR = join(__dirname, "..", "policy");
const camel = (kebab: string) => kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

describe("kms-guard conventions", () => {
  test("the pack holds exactly the six fixed policies, in the documented order", () => {
    expect(POLICY_PACK_NAME).toBe("kms-guard");
    expect(policies.map((p) => p.name)).toEqual([
      "enforce-activation-threshold",
      "require-compatible-host-key",
      "disallow-internet-kms-port",
      "require-srv-record-for-discovery",
      "enforce-interval-range",
      "disallow-azure-edition-host",
    ]);
  });

  test.each(policies.map((p) => [p.name, p] as const))(
    "%s: file, export and name agree",
    (name, p) => {
      expect(name).toMatch(/^(enforce|require|disallow)-[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(existsSync(join(POLICY_DIR, `${camel(name)}.ts`))).toBe(true);
      expect((policyModule as Record<string, unknown>)[camel(name)]).toBe(p);
    },
  );

  test.each(policies.map((p) => [p.name, p] as const))(
    "%s: metadata lives in the policy object",
    (_, p) => {
      expect(p.description).toMatch(/^[A-Z].{40,}\.$/s);
      expect(p.remediationSteps).toMatch(/^[A-Z].{40,}\.$/s);
      expect(["low", "medium", "high", "critical"]).toContain(p.severity);
      expect(["advisory", "mandatory"]).toContain(p.enforcementLevel);
      for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {})) {
        expect([key, schema.default !== undefined, typeof schema.description]).toEqual([
          key,
          true,
          "string",
        ]);
      }
      expect(Object.keys(p.configSchema?.properties ?? {})).not.toContain("enforcementLevel");
    },
  );

  test.each([
    ["enforce-activation-threshold", "stack", "mandatory"],
    ["require-compatible-host-key", "stack", "mandatory"],
    ["disallow-internet-kms-port", "resource", "mandatory"],
    ["require-srv-record-for-discovery", "stack", "mandatory"],
    ["enforce-interval-range", "resource", "mandatory"],
    ["disallow-azure-edition-host", "resource", "mandatory"],
  ])("%s is a %s policy, %s by default", (name, kind, level) => {
    const p = policies.find((x) => x.name === name)!;
    expect(["validateStack" in p ? "stack" : "resource", p.enforcementLevel]).toEqual([
      kind,
      level,
    ]);
  });

  test("no policy file imports azure-native (the pack compares type tokens)", () => {
    const offenders = readdirSync(POLICY_DIR)
      .filter((f) => f.endsWith(".ts"))
      .filter((f) => readFileSync(join(POLICY_DIR, f), "utf8").includes("@pulumi/azure-native"));
    expect(offenders).toEqual([]);
  });
});

describe("kms-guard files", () => {
  test("PulumiPolicy.yaml declares a nodejs TypeScript pack with a description", () => {
    const yaml = readFileSync(join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8");
    expect(yaml).toMatch(/^description: .+/m);
    expect(yaml).toMatch(/^runtime:\n {2}name: nodejs\n {2}options:\n {4}typescript: true$/m);
    expect(yaml).not.toMatch(/\t/);
  });

  test("package.json has a version and points at index.ts", () => {
    const pkg = JSON.parse(readFileSync(join(POLICY_DIR, "package.json"), "utf8"));
    expect([pkg.name, typeof pkg.version, pkg.main]).toEqual(["kms-guard", "string", "index.ts"]);
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(pkg.dependencies).sort()).toEqual([
      "@pulumi/policy",
      "@pulumi/pulumi",
      "pulumi-kms-activation-catalog",
    ]);
    expect(existsSync(join(POLICY_DIR, pkg.main))).toBe(true);
  });

  test("index.ts builds exactly one PolicyPack from the exported policies", () => {
    const index = readFileSync(join(POLICY_DIR, "index.ts"), "utf8");
    expect(index.match(/new PolicyPack\(/g)).toEqual(["new PolicyPack("]);
    expect(index).toContain('import { POLICY_PACK_NAME, policies } from "./policies";');
  });

  test("docs/policies.md is the generator's output", () => {
    expect(readFileSync(POLICY_DOCS_PATH, "utf8")).toBe(renderPolicyDocs());
  });
});

describe("reading what the engine hands a policy", () => {
  test("the sentinels known to the pack are the SDK's", () => {
    const values = [
      preview.unknownStringValue,
      preview.unknownNumberValue,
      preview.unknownArrayValue,
      preview.unknownObjectValue,
    ];
    expect(values.map((v) => toPlain(v))).toEqual([UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN]);
  });

  test("toPlain copies props behind the preview proxy, unknown values marked", () => {
    const props = preview.unknownCheckingProxy({
      a: 1,
      b: preview.unknownStringValue,
      c: [{ d: "x" }, preview.unknownObjectValue],
      e: { f: preview.unknownArrayValue },
    });
    expect(toPlain(props)).toEqual({
      a: 1,
      b: UNKNOWN,
      c: [{ d: "x" }, UNKNOWN],
      e: { f: UNKNOWN },
    });
    expect(toPlain(props, undefined)).toEqual({
      a: 1,
      b: undefined,
      c: [{ d: "x" }, undefined],
      e: { f: undefined },
    });
  });

  test.each([
    ["kms.corp.contoso.com", "kms.corp.contoso.com", undefined],
    ["KMS.corp.contoso.com.:1689", "kms.corp.contoso.com", 1689],
    ["10.0.0.4:1688", "10.0.0.4", 1688],
    ["[fd00::4]:1688", "fd00::4", 1688],
    ["fd00::4", "fd00::4", undefined],
  ])("kmsServer %p: host %p, port %p", (server, host, port) => {
    expect([hostPart(server), portPart(server)]).toEqual([host, port]);
  });

  test.each([
    ["corp.contoso.com", "_vlmcs._tcp", "corp.contoso.com"],
    ["Corp.Contoso.com.", "_VLMCS._TCP", "corp.contoso.com"],
    ["corp.contoso.com", "_vlmcs._tcp.branch1", "branch1.corp.contoso.com"],
    ["corp.contoso.com", "_ldap._tcp", undefined],
    ["corp.contoso.com", "@", undefined],
  ])("SRV record set %p / %p serves %p", (zone, rel, domain) => {
    expect(srvDomainOf(zone, rel)).toBe(domain);
  });

  test.each([
    ["urn:pulumi:dev::kms::kms:index:KmsHost::kms", "kms:index:KmsHost", "kms"],
    [
      "urn:pulumi:dev::kms::kms:index:KmsHost$azure-native:compute:VirtualMachine::kms-vm",
      "azure-native:compute:VirtualMachine",
      "kms-vm",
    ],
  ])("URN %p: type %p, name %p", (urn, type, name) => {
    expect([typeFromUrn(urn), nameFromUrn(urn)]).toEqual([type, name]);
  });

  test.each([
    [{}, { ports: [1688] }],
    [{ ports: [1689] }, { ports: [1689] }],
    [undefined, { ports: [1688] }],
  ])("config %j with defaults is %j", (given, expected) => {
    const schema = { properties: { ports: { type: "array" as const, default: [1688] } } };
    expect(configWithDefaults(schema, () => given)).toEqual(expected);
  });
});
