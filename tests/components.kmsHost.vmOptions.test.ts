/**
 * What enterprise policies commonly require of the created host VM: Trusted Launch, boot
 * diagnostics with managed storage, an availability zone, Azure Hybrid Benefit, a pinned image version,
 * encryption (a disk encryption set or encryption at host), the OS disk type; and tags on every resource
 * the components create. Each option is validated with a KmsConfigError before anything registers.
 */
import { installMocks, settle, valueOf } from "./helpers/componentMocks";

const mocks = installMocks();
// Components are imported after the mocks exist.
const { KmsClient, KmsConfigError, KmsHost, KmsSrvRecord } =
  require("../components") as typeof import("../components");

const HOST_KEY = "BBBBB-CCCCC-DDDDD-FFFFF-KHMXV"; // well-formed, not a published setup key
const PASSWORD = "Corr3ct-Horse-Battery!";
const SUBNET =
  "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/kms";
const DES =
  "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/kms-des";
const TAGS = { costCenter: "it-1234", owner: "platform" };

function createdHostArgs(extra: Record<string, unknown> = {}) {
  return {
    hostKey: HOST_KEY,
    resourceGroupName: "rg",
    location: "westeurope",
    subnetId: SUBNET,
    clientAddressPrefixes: ["10.50.0.0/16"],
    adminPassword: PASSWORD,
    ...extra,
  };
}

beforeEach(async () => {
  await settle();
  mocks.reset();
});

async function createdVm(extra: Record<string, unknown> = {}) {
  const host = new KmsHost("kms", createdHostArgs(extra) as never);
  await valueOf(host.vmId);
  await settle();
  return mocks.one("azure-native:compute:VirtualMachine", "kms-vm").plain;
}

describe("the created VM's defaults", () => {
  test("Trusted Launch with Secure Boot and vTPM, boot diagnostics in managed storage, StandardSSD_LRS", async () => {
    const vm = await createdVm();
    expect(vm.securityProfile).toEqual({
      securityType: "TrustedLaunch",
      uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
    });
    // Managed storage: enabled without a storageUri.
    expect(vm.diagnosticsProfile).toEqual({ bootDiagnostics: { enabled: true } });
    const storage = vm.storageProfile as Record<string, Record<string, unknown>>;
    expect(storage.osDisk.managedDisk).toEqual({ storageAccountType: "StandardSSD_LRS" });
    expect(storage.imageReference.version).toBe("latest");
    // Regional, pay-as-you-go, no encryption beyond Azure's platform-managed keys.
    expect(vm.zones).toBeUndefined();
    expect(vm.licenseType).toBeUndefined();
  });
});

describe("the created VM's options", () => {
  test("zone, Hybrid Benefit, pinned image, OS disk type, disk encryption set, encryption at host", async () => {
    const vm = await createdVm({
      zone: "2",
      licenseType: "Windows_Server",
      imageVersion: "20348.1006.220908",
      osDiskType: "Premium_ZRS",
      diskEncryptionSetId: DES,
      encryptionAtHost: true,
    });
    expect(vm.zones).toEqual(["2"]);
    expect(vm.licenseType).toBe("Windows_Server");
    const storage = vm.storageProfile as Record<string, Record<string, unknown>>;
    expect(storage.imageReference).toEqual({
      publisher: "MicrosoftWindowsServer",
      offer: "WindowsServer",
      sku: "2022-datacenter-g2",
      version: "20348.1006.220908",
    });
    expect(storage.osDisk.managedDisk).toEqual({
      storageAccountType: "Premium_ZRS",
      diskEncryptionSet: { id: DES },
    });
    expect(vm.securityProfile).toEqual({
      securityType: "TrustedLaunch",
      uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
      encryptionAtHost: true,
    });
  });

  test("Trusted Launch off: a standard-security VM; boot diagnostics off", async () => {
    const vm = await createdVm({ trustedLaunch: false, bootDiagnostics: false });
    expect(vm.securityProfile).toBeUndefined();
    expect(vm.diagnosticsProfile).toEqual({ bootDiagnostics: { enabled: false } });
  });

  test("Secure Boot off keeps the vTPM (Trusted Launch with one of its two parts)", async () => {
    const vm = await createdVm({ secureBoot: false });
    expect(vm.securityProfile).toEqual({
      securityType: "TrustedLaunch",
      uefiSettings: { secureBootEnabled: false, vTpmEnabled: true },
    });
  });

  test("the policy summary's image carries the pinned version", async () => {
    const host = new KmsHost(
      "kms",
      createdHostArgs({ imageVersion: "20348.1006.220908" }) as never,
    );
    expect(host.summaryValue.image?.version).toBe("20348.1006.220908");
  });
});

describe("tags on every resource the components create", () => {
  test("a created host: NSG, NIC, VM, setup, Office step and count step; its clients' steps with their own tags", async () => {
    const host = new KmsHost(
      "kms",
      createdHostArgs({
        tags: TAGS,
        office: [
          { version: "LTSC 2024", hostKey: "CCCCC-DDDDD-FFFFF-GGGGG-7TQ24", volumeLicensePack: "" },
        ],
      }) as never,
    );
    const clientTags = { owner: "app-team" };
    const client = new KmsClient("c1", {
      azureVm: { resourceGroupName: "apps", vmName: "vm1", location: "westeurope" },
      product: "Windows Server 2022 Datacenter",
      host,
      rearm: true,
      tags: clientTags,
    });
    await valueOf(host.status);
    await valueOf(client.status);
    await settle();
    const tagged = (type: string, name: string) => mocks.one(type, name).plain.tags;
    const RC = "azure-native:compute:VirtualMachineRunCommandByVirtualMachine";
    expect({
      nsg: tagged("azure-native:network:NetworkSecurityGroup", "kms-nsg"),
      nic: tagged("azure-native:network:NetworkInterface", "kms-nic"),
      vm: tagged("azure-native:compute:VirtualMachine", "kms-vm"),
      setup: tagged(RC, "kms-setup"),
      office: tagged(RC, "kms-office-ltsc2024"),
      count: tagged(RC, "kms-count"),
    }).toEqual({ nsg: TAGS, nic: TAGS, vm: TAGS, setup: TAGS, office: TAGS, count: TAGS });
    expect({
      rearm: tagged(RC, "c1-rearm"),
      setup: tagged(RC, "c1-setup"),
      activate: tagged(RC, "c1-activate"),
    }).toEqual({ rearm: clientTags, setup: clientTags, activate: clientTags });
  });

  test("DNS record sets get none: Azure does not support tags on them (they would be refused)", async () => {
    new KmsSrvRecord("srv", {
      zoneName: "corp.contoso.com",
      resourceGroupName: "dns",
      hosts: [{ target: "kms.corp.contoso.com" }],
    });
    await settle();
    expect(mocks.one("azure-native:dns:RecordSet", "srv").plain.tags).toBeUndefined();
  });
});

describe("each option is validated before anything registers", () => {
  test.each([
    [{ zone: "4" }, "zone", '"4"'],
    [{ zone: 1 }, "zone", "1"],
    [{ trustedLaunch: "yes" }, "trustedLaunch", '"yes"'],
    [{ secureBoot: 0 }, "secureBoot", "0"],
    [{ trustedLaunch: false, vTpm: true }, "vTpm", "true"],
    [{ trustedLaunch: false, secureBoot: true }, "secureBoot", "true"],
    [{ bootDiagnostics: "on" }, "bootDiagnostics", '"on"'],
    [{ licenseType: "Windows_Client" }, "licenseType", '"Windows_Client"'],
    [{ imageVersion: "1.2" }, "imageVersion", '"1.2"'],
    [{ imageVersion: "" }, "imageVersion", '""'],
    [{ osDiskType: "UltraSSD_LRS" }, "osDiskType", '"UltraSSD_LRS"'],
    [{ diskEncryptionSetId: "kms-des" }, "diskEncryptionSetId", '"kms-des"'],
    [{ encryptionAtHost: "true" }, "encryptionAtHost", '"true"'],
    [{ tags: { "cost/center": "x" } }, "tags", 'a tag named "cost/center"'],
    [{ tags: { owner: "x".repeat(257) } }, "tags.owner", "a 257-character value"],
    [{ tags: ["owner"] }, "tags", '["owner"]'],
    [{ vmSize: "Standard_D2_v3" }, "vmSize", '"Standard_D2_v3"'],
    [{ vmSize: "Standard_A2_v2" }, "vmSize", '"Standard_A2_v2"'],
  ])("%j → KmsConfigError on %s", (extra, argument, received) => {
    let error: unknown;
    try {
      new KmsHost("bad", createdHostArgs(extra) as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KmsConfigError);
    const e = error as InstanceType<typeof KmsConfigError>;
    expect({ argument: e.argument, received: e.received }).toEqual({ argument, received });
    expect(e.message).toMatch(/^KmsHost "bad": /);
    expect(mocks.resources.filter((r) => r.name.startsWith("bad"))).toEqual([]);
  });

  test.each([
    "Standard_B2s",
    "Standard_D2s_v3",
    "Standard_DS2_v2",
    "Standard_D2s_v5",
    "Standard_E2s_v3",
  ])("%s runs the Gen2 image: accepted", async (vmSize) => {
    expect((await createdVm({ vmSize })).hardwareProfile).toEqual({ vmSize });
  });

  test("51 tags are refused (Azure allows 50 per resource)", () => {
    const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, "v"]));
    expect(() => new KmsHost("bad", createdHostArgs({ tags }) as never)).toThrow(
      /tags must be at most 50 name-value pairs/,
    );
  });

  test("the VM options are refused for an existing machine, which the component does not create", () => {
    expect(
      () =>
        new KmsHost("bad", {
          hostKey: HOST_KEY,
          azureVm: { resourceGroupName: "rg", vmName: "kms01", location: "westeurope" },
          zone: "1",
        } as never),
    ).toThrow(/zone must be left out when azureVm is given/);
  });

  test("a KmsClient's tags are checked too", () => {
    expect(
      () =>
        new KmsClient("bad-client", {
          azureVm: { resourceGroupName: "apps", vmName: "vm1", location: "westeurope" },
          product: "Windows Server 2022 Datacenter",
          tags: { "a<b": "x" },
        }),
    ).toThrow(KmsConfigError);
  });
});
