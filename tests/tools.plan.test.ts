import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";
import * as dns from "@pulumi/azure-native/dns";
import { plan, secretConfig } from "../tools/plan";
import type { PlanPolicy, PlanResult } from "../tools/plan";
import {
  KMS_CLIENT_TYPE,
  KMS_HOST_TYPE,
  type KmsClientSummary,
  type KmsHostSummary,
} from "pulumi-kms-activation-catalog";

const RAW_SECRET = "Sup3r-S3cret-Passw0rd!";

/** A component shaped like ours: a plain summary to super(), children, registerOutputs with the summary. */
class FakeHost extends pulumi.ComponentResource {
  readonly privateIpAddress: pulumi.Output<string | undefined>;
  constructor(name: string, summary: KmsHostSummary, password: pulumi.Input<string>) {
    super(KMS_HOST_TYPE, name, { summary }, {});
    const nic = new network.NetworkInterface(
      `${name}-nic`,
      {
        resourceGroupName: "rg",
        ipConfigurations: [{ name: "ipconfig1", subnet: { id: "subnet-id" } }],
      },
      { parent: this },
    );
    const vm = new compute.VirtualMachine(
      `${name}-vm`,
      {
        resourceGroupName: "rg",
        vmName: name,
        osProfile: { computerName: name, adminUsername: "kmsadmin", adminPassword: password },
        networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
        // Not returned by the mocks: unknown during a preview.
        tags: { nicGuid: nic.resourceGuid.apply((g) => g ?? "none") },
      },
      { parent: this },
    );
    new compute.VirtualMachineRunCommandByVirtualMachine(
      `${name}-setup`,
      {
        resourceGroupName: "rg",
        vmName: vm.name,
        runCommandName: `${name}-setup`,
        source: { script: "# host-setup.ps1\nparam([string]$HostKey)" },
        protectedParameters: pulumi.secret([{ name: "HostKey", value: password }]),
      },
      { parent: this, dependsOn: [vm] },
    );
    this.privateIpAddress = nic.ipConfigurations.apply((c) => c?.[0]?.privateIPAddress);
    this.registerOutputs({ privateIpAddress: this.privateIpAddress, summary });
  }
}

class FakeClient extends pulumi.ComponentResource {
  constructor(name: string, summary: KmsClientSummary) {
    super(KMS_CLIENT_TYPE, name, { summary }, {});
    this.registerOutputs({ summary });
  }
}

const hostSummary = (over: Partial<KmsHostSummary> = {}): KmsHostSummary => ({
  name: "kms",
  createsVm: true,
  transport: "runCommand",
  port: 1688,
  dnsPublishing: false,
  lowPriority: false,
  externalClients: { windowsClient: 0, windowsServer: 0, office: 0 },
  ...over,
});
const clientSummary = (name: string): KmsClientSummary => ({
  name,
  transport: "runCommand",
  machine: `azure:rg/${name}`,
  family: "windowsServer",
  discovery: "host",
  hostName: "kms",
  activate: true,
});

function program(clients: number, hostOver: Partial<KmsHostSummary> = {}) {
  return () => {
    const password = new pulumi.Config().requireSecret("adminPassword");
    const host = new FakeHost("kms", hostSummary(hostOver), password);
    for (let i = 0; i < clients; i++) new FakeClient(`c${i}`, clientSummary(`c${i}`));
    new dns.RecordSet("kms-srv", {
      resourceGroupName: "rg",
      zoneName: "corp.example",
      relativeRecordSetName: "_vlmcs._tcp",
      recordType: "SRV",
      ttl: 3600,
      srvRecords: [{ priority: 0, weight: 0, port: 1688, target: "kms.corp.example" }],
    });
    return { hostIp: host.privateIpAddress, password };
  };
}

const config = { adminPassword: secretConfig(RAW_SECRET) };

/** Records what each kind of policy is shown. */
function probes() {
  const seen: {
    resource: Record<string, Record<string, unknown>>;
    stack: Record<string, unknown>;
  } = {
    resource: {},
    stack: {},
  };
  const resourceProbe: PlanPolicy = {
    name: "probe-resource",
    description: "Sees inputs.",
    validateResource: (args: { type: string; name: string; props: Record<string, unknown> }) => {
      seen.resource[`${args.type}::${args.name}`] = JSON.parse(JSON.stringify(args.props));
    },
  };
  const stackProbe: PlanPolicy = {
    name: "probe-stack",
    description: "Sees outputs.",
    validateStack: (args: {
      resources: { type: string; name: string; props: object; parent?: { name: string } }[];
    }) => {
      for (const r of args.resources) {
        seen.stack[`${r.type}::${r.name}`] = {
          props: JSON.parse(JSON.stringify(r.props)),
          parent: r.parent?.name,
        };
      }
    },
  };
  return { seen, policies: [resourceProbe, stackProbe] };
}

describe("plan of a synthetic program", () => {
  let result: PlanResult;
  let seen: ReturnType<typeof probes>["seen"];
  beforeAll(async () => {
    const p = probes();
    seen = p.seen;
    result = await plan(program(5), {
      config,
      policies: p.policies,
      project: "synthetic",
      stack: "test",
    });
  });

  test("records every resource with type, name, URN and parent", () => {
    expect(result.resources.map((r) => [r.type, r.name])).toEqual(
      expect.arrayContaining([
        ["pulumi:pulumi:Stack", "synthetic-test"],
        [KMS_HOST_TYPE, "kms"],
        ["azure-native:network:NetworkInterface", "kms-nic"],
        ["azure-native:compute:VirtualMachine", "kms-vm"],
        ["azure-native:compute:VirtualMachineRunCommandByVirtualMachine", "kms-setup"],
        [KMS_CLIENT_TYPE, "c0"],
        [KMS_CLIENT_TYPE, "c4"],
        ["azure-native:dns:RecordSet", "kms-srv"],
      ]),
    );
    expect(result.resources).toHaveLength(11);
    const nic = result.resources.find((r) => r.name === "kms-nic")!;
    expect(nic.urn).toBe(
      "urn:pulumi:test::synthetic::kms:index:KmsHost$azure-native:network:NetworkInterface::kms-nic",
    );
    expect(nic.parent).toBe(
      "urn:pulumi:test::synthetic::pulumi:pulumi:Stack$kms:index:KmsHost::kms",
    );
    expect(result.resources.find((r) => r.name === "kms-srv")!.parent).toBe(
      "urn:pulumi:test::synthetic::pulumi:pulumi:Stack::synthetic-test",
    );
  });

  test("inputs are recorded as given, secrets as [secret]", () => {
    const vm = result.resources.find((r) => r.name === "kms-vm")!;
    expect(vm.inputs.osProfile).toBe("[secret]");
    expect(vm.inputs.vmName).toBe("kms");
    const rc = result.resources.find((r) => r.name === "kms-setup")!;
    expect(rc.inputs.protectedParameters).toBe("[secret]");
    expect(rc.inputs.source).toEqual({ script: "# host-setup.ps1\nparam([string]$HostKey)" });
    expect(result.outputs.password).toBe("[secret]");
  });

  test("mock outputs are plausible: NIC address, VM id, record FQDN, run command result", () => {
    const ip = result.outputs.hostIp as string;
    expect(ip).toMatch(/^10\.0\.1\.\d{1,3}$/);
    const vm = result.resources.find((r) => r.name === "kms-vm")!;
    expect(vm.outputs!.id ?? vm.outputs!.vmId).toBeDefined();
    expect(result.resources.find((r) => r.name === "kms-srv")!.outputs!.fqdn).toBe(
      "_vlmcs._tcp.corp.example.",
    );
    const view = result.resources.find((r) => r.name === "kms-setup")!.outputs!.instanceView as {
      output: string;
    };
    const last = JSON.parse(view.output.trim().split("\n").pop()!);
    expect(last).toEqual({
      script: "host-setup",
      ok: true,
      changed: [],
      errorCode: null,
      licenseStatus: "Licensed",
      licenseStatusCode: 1,
      isKmsHost: true,
      currentCount: 0,
      port: 1688,
      dnsPublishing: false,
      lowPriority: false,
      activationIntervalMinutes: 120,
      renewalIntervalMinutes: 10080,
      partialProductKey: "XXXXX",
    });
  });

  test("resource policies see inputs, components included (their summary)", () => {
    expect(seen.resource[`${KMS_HOST_TYPE}::kms`]).toEqual({ summary: hostSummary() });
    expect(seen.resource["azure-native:dns:RecordSet::kms-srv"]).toMatchObject({
      recordType: "SRV",
      ttl: 3600,
    });
    // The engine hands policies the secret's value; the plan result never shows it (checked below).
    expect(
      (
        seen.resource["azure-native:compute:VirtualMachine::kms-vm"].osProfile as {
          adminPassword: string;
        }
      ).adminPassword,
    ).toBe(RAW_SECRET);
  });

  test("stack policies see outputs: mock state for custom resources, registered outputs for components", () => {
    const host = seen.stack[`${KMS_HOST_TYPE}::kms`] as {
      props: Record<string, unknown>;
      parent: string;
    };
    expect(host.props).toEqual({ privateIpAddress: result.outputs.hostIp, summary: hostSummary() });
    expect(host.parent).toBe("synthetic-test");
    const rs = seen.stack["azure-native:dns:RecordSet::kms-srv"] as {
      props: Record<string, unknown>;
    };
    expect(rs.props.fqdn).toBe("_vlmcs._tcp.corp.example.");
  });

  test("the forecast is built from the component summaries", () => {
    expect(result.forecast.hosts).toHaveLength(1);
    const fam = result.forecast.hosts[0].families[0];
    // Existing Azure VMs (their image unseen, not rearmed) may share one CMID: counted once
    // (tests/tools.forecast.existingVms.test.ts).
    expect([fam.family, fam.clients, fam.finalCount, fam.reached, fam.mayShareCmid.length]).toEqual(
      ["windowsServer", 5, 1, false, 5],
    );
  });

  test("the raw secret value appears nowhere in the result", () => {
    expect(JSON.stringify(result)).not.toContain(RAW_SECRET);
  });
});

describe("policies as the engine runs them", () => {
  const flagVm = (level?: PlanPolicy["enforcementLevel"]): PlanPolicy => ({
    name: "flag-vm",
    description: "Flags VMs.",
    ...(level ? { enforcementLevel: level } : {}),
    validateResource: (
      args: { type: string; props: { osProfile?: { adminPassword?: string } } },
      report,
    ) => {
      if (args.type === "azure-native:compute:VirtualMachine")
        report(`password is ${args.props.osProfile?.adminPassword}`);
    },
  });

  test("several plans in one process start from fresh state", async () => {
    const a = await plan(program(1), { config, policies: [] });
    const b = await plan(program(3), { config, policies: [] });
    const c = await plan(program(1), { config, policies: [] });
    expect([a.resources.length, b.resources.length, c.resources.length]).toEqual([7, 9, 7]);
    expect(c.outputs.hostIp).toBe(a.outputs.hostIp);
    expect(c.resources.map((r) => r.urn)).toEqual(a.resources.map((r) => r.urn));
  });

  test("concurrent plans are queued, not mixed", async () => {
    const [a, b] = await Promise.all([
      plan(program(2), { config, policies: [] }),
      plan(program(4), { config, policies: [] }),
    ]);
    expect([a.resources.length, b.resources.length]).toEqual([8, 10]);
  });

  test("enforcement level: the policy's, default advisory, overridden by policyConfig, disabled skips", async () => {
    const levels = async (
      p: PlanPolicy,
      policyConfig?: Record<string, { enforcementLevel?: "mandatory" | "disabled" }>,
    ) =>
      (await plan(program(0), { config, policies: [p], policyConfig })).violations.map(
        (v) => v.enforcementLevel,
      );
    expect(await levels(flagVm())).toEqual(["advisory"]);
    expect(await levels(flagVm("mandatory"))).toEqual(["mandatory"]);
    expect(await levels(flagVm("remediate"))).toEqual(["mandatory"]);
    expect(await levels(flagVm(), { "flag-vm": { enforcementLevel: "mandatory" } })).toEqual([
      "mandatory",
    ]);
    expect(
      await levels(flagVm("mandatory"), { "flag-vm": { enforcementLevel: "disabled" } }),
    ).toEqual([]);
  });

  test("a violation carries the policy name, message and the resource URN; secrets in messages are masked", async () => {
    const r = await plan(program(0), {
      config,
      policies: [flagVm("mandatory")],
      project: "p",
      stack: "s",
    });
    expect(r.violations).toEqual([
      {
        policyName: "flag-vm",
        message: "password is [secret]",
        enforcementLevel: "mandatory",
        urn: "urn:pulumi:s::p::kms:index:KmsHost$azure-native:compute:VirtualMachine::kms-vm",
        description: "Flags VMs.",
      },
    ]);
  });

  test("config schema defaults reach getConfig, policyConfig overrides them; notApplicable is silent", async () => {
    const p: PlanPolicy = {
      name: "uses-config",
      description: "Reads config.",
      configSchema: { properties: { minimum: { default: 3 }, label: { default: "x" } } },
      validateStack: (args: { getConfig(): { minimum: number; label: string } }, report) => {
        const c = args.getConfig();
        report(`minimum ${c.minimum} ${c.label}`);
      },
    };
    const na: PlanPolicy = {
      name: "not-applicable",
      description: "Never applies.",
      validateResource: (args: { notApplicable(reason: string): never }) =>
        args.notApplicable("not here"),
    };
    const r = await plan(program(0), {
      config,
      policies: [p, na],
      policyConfig: { "uses-config": { minimum: 7 } },
    });
    expect(r.violations.map((v) => v.message)).toEqual(["minimum 7 x"]);
    expect(r.policiesRun).toEqual(["uses-config", "not-applicable"]);
  });

  test("a policy that throws blocks, as the engine fails the preview", async () => {
    const boom: PlanPolicy = {
      name: "throws",
      description: "Throws.",
      validateStack: () => {
        throw new Error("bad policy");
      },
    };
    const r = await plan(program(0), { config, policies: [boom] });
    expect(r.violations).toEqual([
      {
        policyName: "throws",
        message: "policy 'throws' failed: bad policy",
        enforcementLevel: "mandatory",
        urn: undefined,
        description: "Throws.",
      },
    ]);
  });

  test("preview: a policy touching an unknown value gets an advisory 'can't run' instead of passing or failing", async () => {
    const readsId: PlanPolicy = {
      name: "reads-nic-id",
      description: "Reads the NIC's GUID from VM inputs.",
      enforcementLevel: "mandatory",
      validateResource: (args: { type: string; props: { tags: { nicGuid: string } } }, report) => {
        if (args.type !== "azure-native:compute:VirtualMachine") return;
        if (args.props.tags.nicGuid.length === 0) report("empty");
      },
    };
    const r = await plan(program(0), { config, policies: [readsId], preview: true });
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0].enforcementLevel).toBe("advisory");
    expect(
      r.violations[0].message.startsWith("can't run policy 'reads-nic-id' during preview:"),
    ).toBe(true);
    const vm = r.resources.find((x) => x.name === "kms-vm")!;
    expect(vm.inputs.tags).toEqual({ nicGuid: "[unknown]" });
  });

  test("a program that throws makes plan reject with its error", async () => {
    await expect(
      plan(
        () => {
          throw new Error("bad input");
        },
        { policies: [] },
      ),
    ).rejects.toThrow("bad input");
    // …and the next plan still works.
    expect((await plan(program(0), { config, policies: [] })).resources).toHaveLength(6);
  });

  test("pulumi.log messages are collected as diagnostics", async () => {
    const r = await plan(
      () => {
        const c = new FakeClient("c0", clientSummary("c0"));
        pulumi.log.warn(`careful ${RAW_SECRET}`, c);
      },
      { config, policies: [] },
    );
    expect(r.diagnostics).toEqual([
      { severity: "warn", message: "careful [secret]", resource: `${KMS_CLIENT_TYPE}::c0` },
    ]);
  });
});
