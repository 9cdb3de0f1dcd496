/**
 * Office volume activation: one KMS host (Windows Server 2022, a created VM) that holds the Windows KMS
 * host key and the Office LTSC 2024 KMS host key, and five existing Azure VMs with Windows Server 2022 and
 * Office LTSC Professional Plus 2024, e.g. Remote Desktop session hosts. Each VM gets two KmsClients, one
 * for Windows and one for Office: with the same `host`, the Office one runs after the Windows one on that
 * VM. Office has its own count on the host and activates at 5 machines. See docs/office.md.
 */
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import * as network from "@pulumi/azure-native/network";
import { createScriptStorage, KmsClient, KmsHost } from "../../components";

const cfg = new pulumi.Config();
const location = cfg.get("location") ?? "westeurope";
const clientCount = cfg.getNumber("clientCount") ?? 5;

const rg = new resources.ResourceGroup("kms-rg", { location });
const vnet = new network.VirtualNetwork("kms-vnet", {
  resourceGroupName: rg.name,
  location,
  addressSpace: { addressPrefixes: ["10.70.0.0/16"] },
});
const subnet = new network.Subnet("kms-subnet", {
  resourceGroupName: rg.name,
  virtualNetworkName: vnet.name,
  addressPrefix: "10.70.1.0/24",
});

// Scripts by reference (docs/scripts-by-reference.md): attach scriptIdentityId to the existing VMs.
const scripts = createScriptStorage("kms-scripts", { resourceGroupName: rg.name, location });

const host = new KmsHost("kms", {
  scriptStorage: scripts.scriptStorage,
  hostKey: cfg.requireSecret("hostKey"),
  adminPassword: cfg.requireSecret("adminPassword"),
  resourceGroupName: rg.name,
  location,
  subnetId: subnet.id,
  clientAddressPrefixes: ["10.70.0.0/16"],
  // Office LTSC 2024 needs Windows Server 2022 or later as KMS host.
  windowsServerVersion: "2022",
  office: [
    {
      version: cfg.get("officeVersion") ?? "LTSC 2024",
      hostKey: cfg.requireSecret("officeHostKey"),
      volumeLicensePack: cfg.requireSecret("volumeLicensePack"),
    },
  ],
  externalClients: { windowsServer: cfg.getNumber("externalWindowsServers") ?? 0 },
});

const vmNames = Array.from(
  { length: clientCount },
  (_, i) => `rds-${String(i + 1).padStart(2, "0")}`,
);
const clients = vmNames.flatMap((vmName) => {
  const azureVm = { resourceGroupName: "rds-rg", vmName, location };
  return [
    new KmsClient(`${vmName}-windows`, {
      azureVm,
      product: "Windows Server 2022 Datacenter",
      host,
      // Marketplace VMs share their image's client machine ID (SkipRearm=1): rearm each once (a
      // restart), or the host counts them, and their Office, as one machine.
      rearm: true,
    }),
    // Same VM, same host: runs after the Windows client's steps (one Run Command at a time per VM).
    new KmsClient(`${vmName}-office`, {
      azureVm,
      product: "Office LTSC Professional Plus 2024",
      host,
    }),
  ];
});

export const kmsServer = host.kmsServer;
export const hostStatus = host.status;
export const activationReport = host.activationReport;
export const clientStatuses = clients.map((c) => c.status);
export const scriptIdentityId = scripts.identityId;
