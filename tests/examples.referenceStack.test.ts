/**
 * The reference stack (index.ts + Pulumi.yaml) under mocks: what it registers with the defaults, with
 * clients from config, and that the same config registers the same inputs twice (a second `pulumi up`
 * changes nothing).
 */
import * as pulumi from "@pulumi/pulumi";
import { installMocks, Recorded, settle, valueOf } from "./helpers/componentMocks";

const mocks = installMocks();
const HOST_KEY = "BBBBB-CCCCC-DDDDD-FFFFF-KHMXV";
const PASSWORD = "Corr3ct-Horse-Battery!";

type Stack = typeof import("../examples/reference-stack");

function setConfig(extra: Record<string, string> = {}): void {
  pulumi.runtime.setAllConfig(
    { "project:hostKey": HOST_KEY, "project:adminPassword": PASSWORD, ...extra },
    ["project:hostKey", "project:adminPassword"],
  );
}

async function runStack(
  extra: Record<string, string> = {},
): Promise<{ stack: Stack; resources: Recorded[] }> {
  await settle();
  mocks.reset();
  setConfig(extra);
  let stack!: Stack;
  jest.isolateModules(() => {
    stack = require("../examples/reference-stack") as Stack;
  });
  await valueOf(stack.activationReport, 10000);
  await valueOf(stack.clientStatuses, 10000);
  await settle();
  return { stack, resources: [...mocks.resources] };
}

function names(resources: Recorded[]): string[] {
  return resources.map((r) => `${r.type}::${r.name}`).sort();
}

/** The resources of one new client VM of the reference stack, rearmed (the default). */
const newClient = (i: number): string[] => {
  const name = `kms-client-0${i}`;
  return [
    `azure-native:compute:VirtualMachine::${name}-vm`,
    `azure-native:network:NetworkInterface::${name}-nic`,
    `kms:index:KmsClient::${name}`,
    ...["rearm", "setup", "activate"].map(
      (step) => `azure-native:compute:VirtualMachineRunCommandByVirtualMachine::${name}-${step}`,
    ),
  ];
};

test("defaults: VNet, private zone linked to it, host with A and SRV records, five new Windows Server clients rearmed", async () => {
  const { stack, resources } = await runStack();
  // A script blob's name ends in 12 hex digits of its text's SHA-256 (it changes with the script).
  const blobDigest = (n: string) =>
    n.replace(/^(azure-native:storage:Blob::.*)-[0-9a-f]{12}$/, "$1");
  expect(names(resources).map(blobDigest)).toEqual(
    [
      ...[1, 2, 3, 4, 5].flatMap(newClient),
      // Scripts by reference: the storage, and one blob per distinct script.
      "azure-native:authorization:RoleAssignment::kms-scripts-reader",
      "azure-native:managedidentity:UserAssignedIdentity::kms-scripts-identity",
      "azure-native:storage:BlobContainer::kms-scripts-container",
      "azure-native:storage:StorageAccount::kms-scripts-account",
      ...["client-activate", "client-rearm", "client-setup", "host-setup", "status"].map(
        (script) =>
          `azure-native:storage:Blob::kms-script-kms93330bfe536be244-kms-scripts-${script}`,
      ),
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine::kms-count",
      "azure-native:compute:VirtualMachine::kms-vm",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine::kms-setup",
      "azure-native:network:NetworkInterface::kms-nic",
      "azure-native:network:NatGateway::kms-nat",
      "azure-native:network:NetworkSecurityGroup::kms-nsg",
      "azure-native:network:PublicIPAddress::kms-nat-ip",
      "azure-native:network:Subnet::kms-subnet",
      "azure-native:network:VirtualNetwork::kms-vnet",
      "azure-native:privatedns:PrivateRecordSet::kms-a",
      "azure-native:privatedns:PrivateRecordSet::kms-srv",
      "azure-native:privatedns:PrivateZone::kms-zone",
      "azure-native:privatedns:VirtualNetworkLink::kms-zone-link",
      "azure-native:resources:ResourceGroup::kms-rg",
      "kms:index:KmsHost::kms",
      "kms:index:KmsSrvRecord::kms-srv",
    ].sort(),
  );
  expect(await valueOf(stack.kmsServer)).toBe("kms.kms.internal:1688");
  expect(await valueOf(stack.srvRecordName)).toBe("_vlmcs._tcp.kms.internal");
  expect(await valueOf(stack.hostPrivateIp)).toBe("10.50.1.4");
  expect(stack.dnsZoneName).toBe("kms.internal");
  // Five Windows Server 2022 Datacenter VMs from the Marketplace image, each rearmed before its setup.
  for (const i of [1, 2, 3, 4, 5]) {
    const vm = resources.find((r) => r.name === `kms-client-0${i}-vm`)!;
    expect(vm.plain.storageProfile).toMatchObject({
      imageReference: { publisher: "MicrosoftWindowsServer", offer: "WindowsServer" },
    });
    expect(vm.plain.hardwareProfile).toEqual({ vmSize: "Standard_B2s" });
    const client = resources.find((r) => r.name === `kms-client-0${i}`)!;
    expect(client.plain.summary).toMatchObject({
      product: "Windows Server 2022 Datacenter",
      discovery: "host",
      rearm: true,
    });
  }
  // Every step names its script by URI and reads it with the stack's identity, which every VM has.
  const identity = resources.find((r) => r.name === "kms-scripts-identity")!;
  const steps = resources.filter((r) =>
    r.type.endsWith(":VirtualMachineRunCommandByVirtualMachine"),
  );
  expect(steps).toHaveLength(17);
  for (const step of steps) {
    const source = step.plain.source as Record<string, unknown>;
    expect(source).not.toHaveProperty("script");
    expect(source.scriptUri).toMatch(
      /^https:\/\/kms93330bfe536be244\.blob\.core\.windows\.net\/kms-scripts\/[a-z-]+-[0-9a-f]{64}\.ps1$/,
    );
    expect(Object.keys(source.scriptUriManagedIdentity as object)).toEqual(["clientId"]);
  }
  for (const vm of resources.filter((r) => r.type === "azure-native:compute:VirtualMachine")) {
    expect(vm.plain.identity).toMatchObject({ type: "UserAssigned" });
    expect(
      (vm.plain.identity as { userAssignedIdentities: unknown[] }).userAssignedIdentities,
    ).toHaveLength(1);
  }
  expect(identity).toBeDefined();
  const link = resources.find((r) => r.name === "kms-zone-link")!;
  expect(link.plain).toMatchObject({
    location: "global",
    registrationEnabled: false,
    privateZoneName: "kms.internal",
  });
  const nsg = resources.find((r) => r.name === "kms-nsg")!;
  expect(
    (nsg.plain.securityRules as { sourceAddressPrefixes?: string[] }[])[0].sourceAddressPrefixes,
  ).toEqual(["10.50.0.0/16"]);
});

test("the host's subnet has an explicit way out (NAT gateway; no default outbound access) for the online activation", async () => {
  const { resources } = await runStack();
  const find = (name: string) => resources.find((r) => r.name === name && r.urn !== undefined)!;
  const subnet = find("kms-subnet");
  expect(subnet.plain).toMatchObject({
    natGateway: { id: "kms-nat-id" },
    defaultOutboundAccess: false,
  });
  expect(subnet.dependencies).toContain(find("kms-nat").urn);
  expect(find("kms-nat").plain).toMatchObject({
    sku: { name: "Standard" },
    publicIpAddresses: [{ id: "kms-nat-ip-id" }],
  });
  expect(find("kms-nat-ip").plain).toMatchObject({
    sku: { name: "Standard" },
    publicIPAllocationMethod: "Static",
  });
  // The host itself still has no public IP: the NAT gateway carries outbound connections only.
  const nic = find("kms-nic");
  expect(JSON.stringify(nic.plain.ipConfigurations)).not.toContain("publicIPAddress");
});

test("the A and SRV record sets wait for the private zone (dns.zoneId), the zone name stays plain", async () => {
  const { resources } = await runStack();
  const zone = resources.find((r) => r.name === "kms-zone" && r.urn !== undefined)!;
  for (const name of ["kms-a", "kms-srv"]) {
    const record = resources.find(
      (r) => r.type === "azure-native:privatedns:PrivateRecordSet" && r.name === name && r.urn,
    )!;
    expect(record.dependencies).toContain(zone.urn);
    expect(record.plain.privateZoneName).toBe("kms.internal");
  }
});

test("clients from config: existing VMs by name and new client VMs join the host's barrier", async () => {
  const { stack, resources } = await runStack({
    "project:newClientCount": "2",
    "project:existingClients": JSON.stringify([
      { vmName: "app01", resourceGroupName: "apps", product: "Windows Server 2019 Datacenter" },
    ]),
  });
  const clientNames = resources
    .filter((r) => r.type === "kms:index:KmsClient")
    .map((r) => r.name)
    .sort();
  expect(clientNames).toEqual(["client-app01", "kms-client-01", "kms-client-02"]);
  const newVm = resources.find(
    (r) => r.type === "azure-native:compute:VirtualMachine" && r.name === "kms-client-01-vm",
  )!;
  expect((newVm.plain.storageProfile as { imageReference: unknown }).imageReference).toEqual({
    publisher: "MicrosoftWindowsServer",
    offer: "WindowsServer",
    sku: "2022-datacenter-g2",
    version: "latest",
  });
  expect(
    resources
      .filter((r) => r.name.endsWith("-activate"))
      .map((r) => r.name)
      .sort(),
  ).toEqual(["client-app01-activate", "kms-client-01-activate", "kms-client-02-activate"]); // registered when declared
  expect(await valueOf(stack.activationReport)).toMatchObject({
    clients: 3,
    distinctMachines: 3,
    activated: 3,
    pending: 0,
  });
  expect(Object.keys((await valueOf(stack.clientStatuses)) ?? {}).sort()).toEqual([
    "client-app01",
    "kms-client-01",
    "kms-client-02",
  ]);
});

test("a product without a Marketplace image for new clients is a KmsConfigError", async () => {
  await expect(
    runStack({ "project:newClientCount": "1", "project:newClientProduct": "Windows 10 Pro" }),
  ).rejects.toThrow(/newClientProduct must be a product with a Marketplace image/);
});

test("the same config registers the same inputs twice (deterministic)", async () => {
  const config = { "project:newClientCount": "1" };
  const first = await runStack(config);
  const second = await runStack(config);
  const shape = (rs: Recorded[]) =>
    rs.map((r) => JSON.stringify([r.type, r.name, r.parent, r.inputs])).sort();
  expect(shape(second.resources)).toEqual(shape(first.resources));
  expect(first.resources.length).toBeGreaterThan(15);
});
