/**
 * Every example under examples/ plans offline with the plan tool (tools/plan/): the expected
 * components and Azure resources register, with no mandatory kms-guard violation. The examples declare
 * their secrets (`secret: true` in Pulumi.yaml, no value): the plan tool supplies marked placeholders.
 */
import * as path from "path";
import { plan, type PlanResult } from "../tools/plan";

const EXAMPLES = path.resolve(__dirname, "..", "examples");

/** What createScriptStorage("kms-scripts") registers (scripts by reference, issue 21). */
const SCRIPT_STORAGE = [
  "azure-native:storage:StorageAccount kms-scripts-account",
  "azure-native:storage:BlobContainer kms-scripts-container",
  "azure-native:managedidentity:UserAssignedIdentity kms-scripts-identity",
  "azure-native:authorization:RoleAssignment kms-scripts-reader",
];
/** One blob per distinct script the example runs (the account and the text's hash left out of the name). */
const blobs = (...scripts: string[]): string[] =>
  scripts.map((script) => `azure-native:storage:Blob kms-script-${script}`);

const cases: [string, string[]][] = [
  [
    "single-host",
    [
      "azure-native:resources:ResourceGroup kms-rg",
      "azure-native:network:VirtualNetwork kms-vnet",
      "azure-native:network:Subnet kms-subnet",
      "azure-native:privatedns:PrivateZone kms-zone",
      "azure-native:privatedns:VirtualNetworkLink kms-zone-link",
      "kms:index:KmsHost kms",
      "azure-native:network:NetworkSecurityGroup kms-nsg",
      "azure-native:network:NetworkInterface kms-nic",
      "azure-native:compute:VirtualMachine kms-vm",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine kms-setup",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine kms-count",
      "azure-native:privatedns:PrivateRecordSet kms-a",
      "kms:index:KmsSrvRecord kms-srv",
      "azure-native:privatedns:PrivateRecordSet kms-srv",
      "kms:index:KmsClient client-app-01",
      "kms:index:KmsClient client-app-02",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine client-app-01-rearm",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine client-app-01-setup",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine client-app-01-activate",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine client-app-02-rearm",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine client-app-02-setup",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine client-app-02-activate",
      ...SCRIPT_STORAGE,
      ...blobs("host-setup", "status", "client-setup", "client-activate", "client-rearm"),
    ],
  ],
  [
    "two-hosts",
    [
      "kms:index:KmsHost kms-a",
      "kms:index:KmsHost kms-b",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine kms-a-setup",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine kms-b-setup",
      "kms:index:KmsSrvRecord kms-srv",
      "azure-native:dns:RecordSet kms-srv",
      ...[1, 2, 3, 4, 5].flatMap((i) => [
        `kms:index:KmsClient app-${i}`,
        `azure-native:compute:VirtualMachineRunCommandByVirtualMachine app-${i}-rearm`,
        `azure-native:compute:VirtualMachineRunCommandByVirtualMachine app-${i}-setup`,
      ]),
      ...blobs("host-setup", "client-setup", "client-rearm"),
    ],
  ],
  [
    "on-prem-ssh",
    [
      "kms:index:KmsHost kms",
      "azure-native:network:NetworkSecurityGroup kms-nsg",
      "azure-native:network:NetworkInterface kms-nic",
      "azure-native:compute:VirtualMachine kms-vm",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine kms-setup",
      "azure-native:dns:RecordSet kms-a",
      "kms:index:KmsSrvRecord kms-srv",
      "azure-native:dns:RecordSet kms-srv",
      "kms:index:KmsClient onprem-fs-01",
      "kms:index:KmsClient onprem-pc-0042",
      "command:remote:Command onprem-fs-01-setup",
      "command:remote:Command onprem-pc-0042-setup",
      // Given host.kmsServer, the clients join the host's threshold barrier.
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine kms-count",
      "command:remote:Command onprem-fs-01-activate",
      "command:remote:Command onprem-pc-0042-activate",
      ...SCRIPT_STORAGE,
      // The count step (the clients joined the host's barrier) runs status.ps1.
      ...blobs("host-setup", "status"),
    ],
  ],
  [
    "existing-host",
    [
      "kms:index:KmsHost kms01",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine kms01-setup",
      "azure-native:dns:RecordSet kms01-a",
      "kms:index:KmsSrvRecord kms01-srv",
      "azure-native:dns:RecordSet kms01-srv",
      "kms:index:KmsClient client-build-01",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine client-build-01-setup",
      ...blobs("host-setup", "client-setup"),
    ],
  ],
  [
    "governed-subscription",
    [
      "azure-native:resources:ResourceGroup kms-rg",
      "azure-native:privatedns:PrivateZone kms-zone",
      "azure-native:privatedns:VirtualNetworkLink kms-zone-link",
      "kms:index:KmsHost kms",
      "azure-native:network:NetworkSecurityGroup kms-nsg",
      "azure-native:network:NetworkInterface kms-nic",
      "azure-native:compute:VirtualMachine kms-vm",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine kms-setup",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine kms-count",
      "azure-native:privatedns:PrivateRecordSet kms-a",
      "kms:index:KmsSrvRecord kms-srv",
      "azure-native:privatedns:PrivateRecordSet kms-srv",
      ...["app-01", "app-02"].flatMap((vm) => [
        `kms:index:KmsClient client-${vm}`,
        `azure-native:compute:VirtualMachineRunCommandByVirtualMachine client-${vm}-rearm`,
        `azure-native:compute:VirtualMachineRunCommandByVirtualMachine client-${vm}-setup`,
        `azure-native:compute:VirtualMachineRunCommandByVirtualMachine client-${vm}-activate`,
      ]),
      ...SCRIPT_STORAGE,
      ...blobs("host-setup", "status", "client-setup", "client-activate", "client-rearm"),
    ],
  ],
];

const results = new Map<string, PlanResult>();

beforeAll(async () => {
  // Sequentially: each plan installs its own mocks in this process.
  for (const [dir] of cases) results.set(dir, await plan(path.join(EXAMPLES, dir)));
}, 120_000);

describe.each(cases)("examples/%s", (dir, expected) => {
  test("registers exactly the expected resources", () => {
    const got = results
      .get(dir)!
      .resources.filter((r) => r.type !== "pulumi:pulumi:Stack")
      .map((r) => `${r.type} ${r.name}`)
      .map((n) =>
        n.replace(/ kms-script-[a-z0-9]+-kms-scripts-([a-z-]+)-[0-9a-f]{12}$/, " kms-script-$1"),
      )
      .sort();
    expect(got).toEqual([...expected].sort());
  });

  test("every Run Command names its script by URI (scripts by reference), none carries the text", () => {
    const steps = results
      .get(dir)!
      .resources.filter((r) => r.type.endsWith(":VirtualMachineRunCommandByVirtualMachine"));
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      const source = step.inputs.source as Record<string, unknown>;
      expect(source).not.toHaveProperty("script");
      expect(String(source.scriptUri)).toMatch(/\/kms-scripts\/[a-z-]+-[0-9a-f]{64}\.ps1$/);
    }
  });

  test("no mandatory policy violation", () => {
    const mandatory = results
      .get(dir)!
      .violations.filter((v) => v.enforcementLevel === "mandatory")
      .map((v) => `${v.policyName}: ${v.message}`);
    expect(mandatory).toEqual([]);
  });
});

test("examples/two-hosts: clients on DNS discovery in the zone (lookupDomain) with two hosts plan clean (no violation at all)", () => {
  expect(results.get("two-hosts")!.violations).toEqual([]);
  const clients = results
    .get("two-hosts")!
    .resources.filter((r) => r.type === "kms:index:KmsClient");
  expect(clients.map((c) => (c.inputs.summary as { discovery: string }).discovery)).toEqual([
    "lookupDomain",
    "lookupDomain",
    "lookupDomain",
    "lookupDomain",
    "lookupDomain",
  ]);
});

test("examples/governed-subscription: the host VM has what the subscription's policies require", () => {
  const vm = results
    .get("governed-subscription")!
    .resources.find((r) => r.type === "azure-native:compute:VirtualMachine")!;
  expect(vm.inputs).toMatchObject({
    securityProfile: {
      securityType: "TrustedLaunch",
      uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
      encryptionAtHost: true,
    },
    diagnosticsProfile: { bootDiagnostics: { enabled: true } },
    zones: ["1"],
    licenseType: "Windows_Server",
    storageProfile: {
      imageReference: { sku: "2022-datacenter-g2", version: "20348.1006.220908" },
      osDisk: { managedDisk: { storageAccountType: "Premium_LRS" } },
    },
    tags: { costCenter: "it-1234", owner: "platform-team@contoso.com" },
  });
  const nic = results
    .get("governed-subscription")!
    .resources.find((r) => r.type === "azure-native:network:NetworkInterface")!;
  expect(JSON.stringify(nic.inputs)).not.toContain("publicIPAddress");
});

test("the VM-less examples create no VM, NIC or NSG", () => {
  for (const dir of ["two-hosts", "existing-host"]) {
    const types = results.get(dir)!.resources.map((r) => r.type);
    expect(
      types.filter((t) => /compute:VirtualMachine$|NetworkInterface|NetworkSecurityGroup/.test(t)),
    ).toEqual([]);
  }
});

test("secrets declared in Pulumi.yaml reach the components as placeholders, never as plain text", () => {
  const host = results
    .get("single-host")!
    .resources.find((r) => r.type === "azure-native:compute:VirtualMachine")!;
  expect(JSON.stringify(host.inputs)).not.toContain(
    "kms-plan-secret-placeholder(kms-single-host:adminPassword)",
  );
});
