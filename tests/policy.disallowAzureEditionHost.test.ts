import { disallowAzureEditionHost, isAzureEditionSku } from "../policy/disallowAzureEditionHost";
import { runResourcePolicy, urnOf } from "./helpers/policyHarness";
import { host, preview } from "./helpers/policyFixtures";

const VM = "azure-native:compute:VirtualMachine";
const WHY =
  "which cannot be a KMS host: Azure activates it itself, and it does not take a KMS host key. Use Windows Server " +
  'Standard or Datacenter (windowsServerVersion "2022" or "2025", image sku "2022-datacenter" or "2025-datacenter").';

const run = (r: Parameters<typeof runResourcePolicy>[1]) =>
  runResourcePolicy(disallowAzureEditionHost, r);
const vm = (sku: unknown, parent?: string) => ({
  type: VM,
  name: "kms-vm",
  props: {
    storageProfile: {
      imageReference: {
        publisher: "MicrosoftWindowsServer",
        offer: "WindowsServer",
        sku,
        version: "latest",
      },
    },
  },
  parent,
});
const KMS_HOST_URN = urnOf("kms:index:KmsHost", "kms");

describe("disallow-azure-edition-host", () => {
  test.each([
    ["a KmsHost on Windows Server 2022 Datacenter", host()],
    [
      "an existing machine with a declared OS",
      host({ createsVm: false, image: undefined, windowsServerVersion: "2019" }),
    ],
    ["a KmsHost VM from a Datacenter image", vm("2025-datacenter-g2", KMS_HOST_URN)],
  ])("compliant: %s", async (_, resource) => {
    expect(await run(resource)).toEqual([]);
  });

  test.each([
    ["an Azure Edition VM that is not a KMS host", vm("2022-datacenter-azure-edition")],
    [
      "an Azure Edition VM under another component",
      vm("2022-datacenter-azure-edition", urnOf("my:index:App", "app")),
    ],
    ["a storage account", { type: "azure-native:storage:StorageAccount", name: "st", props: {} }],
  ])("not applicable: %s", async (_, resource) => {
    expect(await run(resource)).toEqual([]);
  });

  test.each([
    [
      "KmsHost image sku",
      host({
        image: {
          publisher: "MicrosoftWindowsServer",
          offer: "WindowsServer",
          sku: "2022-datacenter-azure-edition",
          version: "latest",
        },
      }),
      `KmsHost "kms" would run Windows Server Datacenter: Azure Edition (image sku "2022-datacenter-azure-edition"), ${WHY}`,
    ],
    [
      "KmsHost windowsServerVersion",
      host({ windowsServerVersion: "2025-azure-edition", image: undefined }),
      `KmsHost "kms" would run Windows Server Datacenter: Azure Edition (windowsServerVersion "2025-azure-edition"), ${WHY}`,
    ],
    [
      "a VM whose parent is a KmsHost",
      vm("2022-datacenter-azure-edition-hotpatch", KMS_HOST_URN),
      `VirtualMachine "kms-vm" of KmsHost "kms" uses image sku "2022-datacenter-azure-edition-hotpatch", Windows ` +
        `Server Datacenter: Azure Edition, ${WHY}`,
    ],
  ])("violation: %s", async (_, resource, expected) => {
    expect(await run(resource)).toEqual([expected]);
  });

  test("violation: a VM deeper under a KmsHost, found through its own URN", async () => {
    const deep = {
      ...vm("2025-datacenter-azure-edition"),
      parent: urnOf("my:index:Wrapper", "w", "kms:index:KmsHost"),
      urn: "urn:pulumi:dev::kms::kms:index:KmsHost$my:index:Wrapper$azure-native:compute:VirtualMachine::kms-vm",
    };
    expect(await run(deep)).toEqual([
      `VirtualMachine "kms-vm" (under a KmsHost) uses image sku "2025-datacenter-azure-edition", Windows Server ` +
        `Datacenter: Azure Edition, ${WHY}`,
    ]);
  });

  test.each([
    [
      "an existing machine whose OS is not declared",
      host({ createsVm: false, image: undefined, windowsServerVersion: undefined }),
      'Cannot decide whether KmsHost "kms" runs Azure Edition: it configures an existing machine whose OS is not ' +
        "declared. Set windowsServerVersion.",
    ],
    [
      "a created VM whose version is an Output",
      host({ image: undefined, windowsServerVersion: undefined }),
      'Cannot decide whether KmsHost "kms" runs Azure Edition: its image and windowsServerVersion are not known at ' +
        "preview.",
    ],
    [
      "a KmsHost VM whose sku is not known at preview",
      {
        ...vm("x", KMS_HOST_URN),
        props: preview.unknownCheckingProxy(vm(preview.unknownStringValue).props),
      },
      'Cannot decide whether VirtualMachine "kms-vm" of KmsHost "kms" runs Azure Edition: its image sku is not ' +
        "known at preview (or the image is not a marketplace image).",
    ],
  ])("cannot decide: %s", async (_, resource, expected) => {
    expect(await run(resource)).toEqual([expected]);
  });

  test.each([
    ["2022-datacenter-azure-edition", true],
    ["2022-datacenter-azure-edition-core-smalldisk", true],
    ["2025-Datacenter-AzureEdition", true],
    ["2022-datacenter-g2", false],
    ["2019-datacenter-gensecond", false],
  ])("isAzureEditionSku(%p) is %p", (sku, expected) => {
    expect(isAzureEditionSku(sku)).toBe(expected);
  });
});
