/**
 * Child resource names are a contract: renaming one replaces real infrastructure (a new VM, a new run of
 * every script). This pins every resource the reference stack registers, with clients from config so
 * that host, client and barrier children all appear, whatever the files behind them look like.
 */
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle, valueOf } from "./helpers/componentMocks";

const mocks = installMocks();

test("the reference stack's resources keep their types and names", async () => {
  await settle();
  mocks.reset();
  pulumi.runtime.setAllConfig(
    {
      "project:hostKey": "BBBBB-CCCCC-DDDDD-FFFFF-KHMXV",
      "project:adminPassword": "Corr3ct-Horse-Battery!",
      "project:newClientCount": "2",
      "project:existingClients": JSON.stringify([
        { vmName: "app01", resourceGroupName: "apps", product: "Windows Server 2019 Datacenter" },
      ]),
    },
    ["project:hostKey", "project:adminPassword"],
  );
  let stack!: typeof import("../examples/reference-stack");
  jest.isolateModules(() => {
    stack = require("../examples/reference-stack") as typeof import("../examples/reference-stack");
  });
  await valueOf(stack.activationReport, 10000);
  await settle();
  // The URN's type chain holds every parent's type: re-parenting a child replaces it too.
  const names = mocks.resources
    .filter((r) => r.urn !== undefined)
    .map((r) => r.urn!.split("::").slice(2).join("::"))
    // A script blob's name ends in 12 hex digits of its text's SHA-256 (it changes with the script).
    .map((n) => n.replace(/^(azure-native:storage:Blob::.*)-[0-9a-f]{12}$/, "$1-<sha256>"))
    .sort();
  expect(names).toEqual([...EXPECTED].sort());
});

const EXPECTED: string[] = [
  // Scripts by reference: the script storage, and one blob per distinct script.
  "azure-native:authorization:RoleAssignment::kms-scripts-reader",
  "azure-native:managedidentity:UserAssignedIdentity::kms-scripts-identity",
  "azure-native:storage:Blob::kms-script-kms93330bfe536be244-kms-scripts-client-activate-<sha256>",
  "azure-native:storage:Blob::kms-script-kms93330bfe536be244-kms-scripts-client-rearm-<sha256>",
  "azure-native:storage:Blob::kms-script-kms93330bfe536be244-kms-scripts-client-setup-<sha256>",
  "azure-native:storage:Blob::kms-script-kms93330bfe536be244-kms-scripts-host-setup-<sha256>",
  "azure-native:storage:Blob::kms-script-kms93330bfe536be244-kms-scripts-status-<sha256>",
  "azure-native:storage:BlobContainer::kms-scripts-container",
  "azure-native:storage:StorageAccount::kms-scripts-account",
  "azure-native:compute:VirtualMachine::kms-client-01-vm",
  "azure-native:compute:VirtualMachine::kms-client-02-vm",
  "azure-native:network:NatGateway::kms-nat",
  "azure-native:network:NetworkInterface::kms-client-01-nic",
  "azure-native:network:NetworkInterface::kms-client-02-nic",
  "azure-native:network:PublicIPAddress::kms-nat-ip",
  "azure-native:network:Subnet::kms-subnet",
  "azure-native:network:VirtualNetwork::kms-vnet",
  "azure-native:privatedns:PrivateZone::kms-zone",
  "azure-native:privatedns:VirtualNetworkLink::kms-zone-link",
  "azure-native:resources:ResourceGroup::kms-rg",
  "kms:index:KmsClient$azure-native:compute:VirtualMachineRunCommandByVirtualMachine::client-app01-activate",
  "kms:index:KmsClient$azure-native:compute:VirtualMachineRunCommandByVirtualMachine::client-app01-setup",
  "kms:index:KmsClient$azure-native:compute:VirtualMachineRunCommandByVirtualMachine::kms-client-01-activate",
  // New in issue 13: the rearm step of the new client VMs (Marketplace images share one CMID).
  "kms:index:KmsClient$azure-native:compute:VirtualMachineRunCommandByVirtualMachine::kms-client-01-rearm",
  "kms:index:KmsClient$azure-native:compute:VirtualMachineRunCommandByVirtualMachine::kms-client-01-setup",
  "kms:index:KmsClient$azure-native:compute:VirtualMachineRunCommandByVirtualMachine::kms-client-02-activate",
  "kms:index:KmsClient$azure-native:compute:VirtualMachineRunCommandByVirtualMachine::kms-client-02-rearm",
  "kms:index:KmsClient$azure-native:compute:VirtualMachineRunCommandByVirtualMachine::kms-client-02-setup",
  "kms:index:KmsClient::client-app01",
  "kms:index:KmsClient::kms-client-01",
  "kms:index:KmsClient::kms-client-02",
  "kms:index:KmsHost$azure-native:compute:VirtualMachine::kms-vm",
  "kms:index:KmsHost$azure-native:compute:VirtualMachineRunCommandByVirtualMachine::kms-count",
  "kms:index:KmsHost$azure-native:compute:VirtualMachineRunCommandByVirtualMachine::kms-setup",
  "kms:index:KmsHost$azure-native:network:NetworkInterface::kms-nic",
  "kms:index:KmsHost$azure-native:network:NetworkSecurityGroup::kms-nsg",
  "kms:index:KmsHost$azure-native:privatedns:PrivateRecordSet::kms-a",
  "kms:index:KmsHost$kms:index:KmsSrvRecord::kms-srv",
  "kms:index:KmsHost::kms",
  "kms:index:KmsSrvRecord$azure-native:privatedns:PrivateRecordSet::kms-srv",
];
