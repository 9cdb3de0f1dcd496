/**
 * A KMS host and two clients in a governed subscription (an Azure landing zone): every resource that
 * supports tags carries the organisation's required tags, the host VM has Trusted Launch (Secure Boot,
 * vTPM), encryption at host and boot diagnostics in managed storage, runs in an availability zone with a
 * pinned image and Azure Hybrid Benefit, and has no public IP: it sits in the spoke subnet the platform
 * team provides, whose egress (the host activates its key online with Microsoft) goes through the hub's
 * firewall. The private DNS zone lives beside the host, linked to the spoke VNet.
 *
 * Encryption at host needs the subscription feature Microsoft.Compute/EncryptionAtHost registered
 * (`az feature register --namespace Microsoft.Compute --name EncryptionAtHost`) and a size that supports
 * it (the capability EncryptionAtHostSupported in `az vm list-skus`): a Dsv5 size here, which also
 * supports Trusted Launch and Premium SSD. A policy that requires
 * customer-managed keys instead: give `diskEncryptionSetId` (a disk encryption set's id).
 *
 * tests/examples.governedSubscription.test.ts plans this stack under a baseline policy of its own
 * (tests/fixtures/governance/baseline.ts) that checks tags, Trusted Launch, encryption, public IPs and
 * boot diagnostics on the registered Azure inputs, as Azure Policy would.
 */
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import * as privatedns from "@pulumi/azure-native/privatedns";
import { createScriptStorage, KmsClient, KmsHost } from "../../components";

const cfg = new pulumi.Config();
const location = cfg.get("location") ?? "westeurope";
const subnetId = cfg.require("subnetId");
const zoneName = "kms.internal";
// The tags the subscription's policy requires on every resource that supports tags.
const tags = { costCenter: cfg.require("costCenter"), owner: cfg.require("owner") };

const rg = new resources.ResourceGroup("kms-rg", { location, tags });
const zone = new privatedns.PrivateZone("kms-zone", {
  resourceGroupName: rg.name,
  privateZoneName: zoneName,
  location: "global",
  tags,
});
new privatedns.VirtualNetworkLink("kms-zone-link", {
  resourceGroupName: rg.name,
  privateZoneName: zone.name,
  location: "global",
  virtualNetwork: { id: subnetId.replace(/\/subnets\/[^/]+$/, "") },
  registrationEnabled: false,
  tags,
});

// Scripts by reference: each script is uploaded once to a private container and read by the VMs'
// managed identity (docs/scripts-by-reference.md); the account and the identity carry the tags too.
const scripts = createScriptStorage("kms-scripts", { resourceGroupName: rg.name, location, tags });

const host = new KmsHost("kms", {
  hostKey: cfg.requireSecret("hostKey"),
  adminPassword: cfg.requireSecret("adminPassword"),
  resourceGroupName: rg.name,
  location,
  subnetId,
  clientAddressPrefixes: ["10.80.0.0/16"],
  windowsServerVersion: "2022",
  vmSize: "Standard_D2s_v5",
  externalClients: { windowsServer: 3 },
  dns: { zoneName, zoneId: zone.id, resourceGroupName: rg.name, private: true },
  // What the subscription's policies require (Trusted Launch and boot diagnostics are on by default).
  tags,
  zone: "1",
  encryptionAtHost: true,
  imageVersion: cfg.require("imageVersion"),
  licenseType: "Windows_Server",
  osDiskType: "Premium_LRS",
  scriptStorage: scripts.scriptStorage,
});

const clients = ["app-01", "app-02"].map(
  (vmName) =>
    new KmsClient(`client-${vmName}`, {
      azureVm: { resourceGroupName: "apps-rg", vmName, location },
      product: "Windows Server 2022 Datacenter",
      host,
      // Existing VMs from one Marketplace image share a CMID until rearmed: rearmed, each counts.
      rearm: true,
      tags,
    }),
);

export const kmsServer = host.kmsServer;
export const activationReport = host.activationReport;
export const clientStatuses = clients.map((c) => c.status);
