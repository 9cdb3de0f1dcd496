/**
 * Reference stack: a KMS host in its own VNet, a private DNS zone linked to the VNet with the host's A
 * record and the `_vlmcs._tcp` SRV record, and KMS clients from config: by default five new Windows
 * Server 2022 Datacenter VMs from the Marketplace image, rearmed for client machine IDs of their own, which
 * reach the Windows Server threshold (5). `npm run plan` evaluates it offline with the defaults in
 * Pulumi.yaml; `pulumi up` deploys it (see README).
 */
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as compute from "@pulumi/azure-native/compute";
import { createScriptStorage, KmsClient, KmsHost } from "../../components";
import {
  KmsConfigError,
  marketplaceImage,
  PRODUCTS_WITH_IMAGES,
  requireProduct,
} from "pulumi-kms-activation-catalog";

interface ExistingClientConfig {
  vmName: string;
  resourceGroupName: string;
  location?: string;
  product: string;
  /** Rearm it once for a client machine ID of its own (clones of one image). @default false */
  rearm?: boolean;
}

const cfg = new pulumi.Config();
const location = cfg.get("location") ?? "westeurope";
const rgName = cfg.get("resourceGroupName") ?? "kms-activation";
const zoneName = cfg.get("dnsZoneName") ?? "kms.internal";
const clientAddressPrefixes = cfg.getObject<string[]>("clientAddressPrefixes") ?? ["10.50.0.0/16"];
const adminUsername = cfg.get("adminUsername") ?? "kmsadmin";
// Five new Windows Server VMs: the Windows Server threshold, so the default deployment ends activated.
const newClientCount = cfg.getNumber("newClientCount") ?? 5;
// Marketplace images share one client machine ID until rearmed: rearm each new VM once (a restart).
const newClientRearm = cfg.getBoolean("newClientRearm") ?? true;
const newClientProduct = cfg.get("newClientProduct") ?? "Windows Server 2022 Datacenter";
const existingClients = cfg.getObject<ExistingClientConfig[]>("existingClients") ?? [];
const hostKey = cfg.requireSecret("hostKey");
const adminPassword = cfg.requireSecret("adminPassword");

const rg = new resources.ResourceGroup("kms-rg", { resourceGroupName: rgName, location });
const vnet = new network.VirtualNetwork("kms-vnet", {
  resourceGroupName: rg.name,
  location,
  addressSpace: { addressPrefixes: [cfg.get("vnetAddressSpace") ?? "10.50.0.0/16"] },
});
// The host activates its key (CSVLK) online with Microsoft once, and Windows Update keeps it current:
// it needs a way out. Subnets created with newer network API versions (and in the portal since 2026)
// have no default outbound access, so the subnet gets an explicit path: a NAT gateway, the outbound
// method Microsoft recommends (learn.microsoft.com, "Default outbound access in Azure"). Nothing inbound
// comes through it; the host still has no public IP of its own.
const natIp = new network.PublicIPAddress("kms-nat-ip", {
  resourceGroupName: rg.name,
  location,
  sku: { name: "Standard" },
  publicIPAllocationMethod: "Static",
});
const nat = new network.NatGateway("kms-nat", {
  resourceGroupName: rg.name,
  location,
  sku: { name: "Standard" },
  publicIpAddresses: [{ id: natIp.id }],
});
const subnet = new network.Subnet("kms-subnet", {
  resourceGroupName: rg.name,
  virtualNetworkName: vnet.name,
  addressPrefix: cfg.get("subnetPrefix") ?? "10.50.1.0/24",
  natGateway: { id: nat.id },
  // Explicit: no implicit default outbound IP; the NAT gateway is the only way out.
  defaultOutboundAccess: false,
});
const zone = new privatedns.PrivateZone("kms-zone", {
  resourceGroupName: rg.name,
  privateZoneName: zoneName,
  location: "global",
});
new privatedns.VirtualNetworkLink("kms-zone-link", {
  resourceGroupName: rg.name,
  privateZoneName: zone.name,
  location: "global",
  virtualNetwork: { id: vnet.id },
  registrationEnabled: false,
});

// Scripts by reference: each distinct script is uploaded once to this private container and every Run
// Command names it by URI, read with this identity (docs/scripts-by-reference.md). The VMs reach the
// account's public endpoint through the NAT gateway; without a way out, add a private endpoint.
const scripts = createScriptStorage("kms-scripts", {
  resourceGroupName: rg.name,
  location,
  accountName: cfg.get("scriptStorageAccountName") || undefined,
});

const host = new KmsHost("kms", {
  scriptStorage: scripts.scriptStorage,
  hostKey,
  resourceGroupName: rg.name,
  location,
  subnetId: subnet.id,
  clientAddressPrefixes,
  adminUsername,
  adminPassword,
  windowsServerVersion: cfg.get("windowsServerVersion") ?? "2022",
  keyGroup: cfg.get("keyGroup") || undefined,
  port: cfg.getNumber("port") ?? 1688,
  externalClients: {
    windowsClient: cfg.getNumber("externalWindowsClients") ?? 0,
    windowsServer: cfg.getNumber("externalWindowsServers") ?? 0,
  },
  // zoneId orders the A and SRV records after the zone; zoneName stays plain for the policies.
  dns: { zoneName, zoneId: zone.id, resourceGroupName: rg.name, private: true },
});

const clients: KmsClient[] = [];
existingClients.forEach((c, i) => {
  clients.push(
    new KmsClient(`client-${c.vmName ?? i}`, {
      azureVm: {
        resourceGroupName: c.resourceGroupName,
        vmName: c.vmName,
        location: c.location ?? location,
      },
      product: c.product,
      host,
      rearm: c.rearm ?? false,
    }),
  );
});

if (newClientCount > 0) {
  const product = requireProduct(newClientProduct, "newClientProduct").name;
  const image = marketplaceImage(product);
  if (image === undefined) {
    throw new KmsConfigError(
      "newClientProduct",
      JSON.stringify(newClientProduct),
      `a product with a Marketplace image: ${PRODUCTS_WITH_IMAGES.join(", ")}`,
    );
  }
  for (let i = 1; i <= newClientCount; i++) {
    const name = `kms-client-${String(i).padStart(2, "0")}`;
    const nic = new network.NetworkInterface(`${name}-nic`, {
      resourceGroupName: rg.name,
      location,
      ipConfigurations: [
        { name: "ipconfig1", subnet: { id: subnet.id }, privateIPAllocationMethod: "Dynamic" },
      ],
    });
    const vm = new compute.VirtualMachine(`${name}-vm`, {
      resourceGroupName: rg.name,
      location,
      vmName: name,
      hardwareProfile: { vmSize: cfg.get("newClientVmSize") ?? "Standard_B2s" },
      osProfile: {
        computerName: name,
        adminUsername,
        adminPassword,
        windowsConfiguration: { provisionVMAgent: true, enableAutomaticUpdates: true },
      },
      storageProfile: {
        imageReference: image,
        osDisk: {
          createOption: "FromImage",
          managedDisk: { storageAccountType: "StandardSSD_LRS" },
          deleteOption: "Delete",
        },
      },
      networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
      // Reads the script blobs (the host's scriptStorage, which its clients use).
      identity: { type: "UserAssigned", userAssignedIdentities: [scripts.identityId] },
    });
    // Plain names (ordering through dependsOn) keep the machine identity known at preview, so the
    // kms-guard threshold policy can count distinct machines.
    clients.push(
      new KmsClient(
        name,
        {
          azureVm: { resourceGroupName: rgName, vmName: name, location },
          product,
          host,
          rearm: newClientRearm,
        },
        { dependsOn: [vm, rg] },
      ),
    );
  }
}

export const resourceGroup = rg.name;
/** Attach to existing client VMs (existingClients): they read the script blobs with it. */
export const scriptIdentityId = scripts.identityId;
export const hostPrivateIp = host.privateIpAddress;
export const hostFqdn = host.fqdn;
export const kmsServer = host.kmsServer;
export const dnsZoneName = zoneName;
export const srvRecordName = host.srvRecordName;
export const hostStatus = host.status;
export const activationReport = host.activationReport;
export const clientStatuses = pulumi
  .all(clients.map((c) => pulumi.all([pulumi.output(c.urn), c.status])))
  .apply((rows) =>
    Object.fromEntries(rows.map(([urn, status]) => [urn.split("::").pop() as string, status])),
  );
