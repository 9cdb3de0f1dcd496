/**
 * One KMS host in its own VNet with a private DNS zone (linked to the VNet) holding the host's A record and
 * the `_vlmcs._tcp` SRV record; two existing Azure VMs in that VNet become clients and find the host
 * through the host object (fixed host + threshold barrier). Domain-joined clients whose DNS suffix is the
 * zone could use DNS discovery instead (drop `host`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import { createScriptStorage, KmsClient, KmsHost } from "../../components";

const cfg = new pulumi.Config();
const location = cfg.get("location") ?? "westeurope";
const zoneName = "kms.internal";

const rg = new resources.ResourceGroup("kms-rg", { location });
const vnet = new network.VirtualNetwork("kms-vnet", {
  resourceGroupName: rg.name,
  location,
  addressSpace: { addressPrefixes: ["10.60.0.0/16"] },
});
const subnet = new network.Subnet("kms-subnet", {
  resourceGroupName: rg.name,
  virtualNetworkName: vnet.name,
  addressPrefix: "10.60.1.0/24",
});
const zone = new privatedns.PrivateZone("kms-zone", {
  resourceGroupName: rg.name,
  privateZoneName: zoneName,
  location: "global",
});
// Private zones answer only VNets linked to them (and custom DNS servers must forward to 168.63.129.16).
new privatedns.VirtualNetworkLink("kms-zone-link", {
  resourceGroupName: rg.name,
  privateZoneName: zone.name,
  location: "global",
  virtualNetwork: { id: vnet.id },
  registrationEnabled: false,
});

// Scripts by reference: each distinct script is uploaded once and every step names it by URI, read with
// this identity (docs/scripts-by-reference.md). The existing client VMs need it attached (scriptIdentityId).
const scripts = createScriptStorage("kms-scripts", { resourceGroupName: rg.name, location });

const host = new KmsHost("kms", {
  scriptStorage: scripts.scriptStorage,
  hostKey: cfg.requireSecret("hostKey"),
  adminPassword: cfg.requireSecret("adminPassword"),
  resourceGroupName: rg.name,
  location,
  subnetId: subnet.id,
  clientAddressPrefixes: ["10.60.0.0/16"],
  windowsServerVersion: "2022",
  externalClients: { windowsServer: cfg.getNumber("externalWindowsServers") ?? 3 },
  // zoneId orders the A and SRV records after the zone; zoneName stays plain for the policies.
  dns: { zoneName, zoneId: zone.id, resourceGroupName: rg.name, private: true },
});

const clients = ["app-01", "app-02"].map(
  (vmName) =>
    new KmsClient(`client-${vmName}`, {
      azureVm: { resourceGroupName: "apps-rg", vmName, location },
      product: "Windows Server 2022 Datacenter",
      host,
      // Marketplace VMs share their image's client machine ID (SkipRearm=1): rearm each once (a restart),
      // or the host counts them as one client.
      rearm: true,
    }),
);

export const kmsServer = host.kmsServer;
export const scriptIdentityId = scripts.identityId;
export const srvRecordName = host.srvRecordName;
export const activationReport = host.activationReport;
export const clientStatuses = clients.map((c) => c.status);
