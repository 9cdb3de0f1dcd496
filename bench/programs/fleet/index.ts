/**
 * One KMS host (a created VM) and N existing Azure VMs as its clients, scripts by reference: what
 * `kms-plan` is measured on at 1,000 and 3,000 clients (bench/scale.ts). N from KMS_BENCH_CLIENTS; with
 * KMS_BENCH_INLINE=1 the scripts travel inline (no scriptStorage), for comparison.
 */
import * as pulumi from "@pulumi/pulumi";
import { KmsClient, KmsHost } from "../../../components";

const cfg = new pulumi.Config();
const n = Number(process.env.KMS_BENCH_CLIENTS ?? "1000");
const inline = process.env.KMS_BENCH_INLINE === "1";
const scriptStorage = inline
  ? undefined
  : {
      accountName: "kmsfleetscripts",
      resourceGroupName: "infra-rg",
      containerName: "kms-scripts",
      identity: {
        clientId: "00000000-0000-4000-8000-00000000c11e",
        resourceId:
          "/subscriptions/0/resourceGroups/infra-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/kms-scripts",
      },
    };

const host = new KmsHost("kms", {
  hostKey: cfg.requireSecret("hostKey"),
  adminPassword: cfg.requireSecret("adminPassword"),
  resourceGroupName: "kms-rg",
  location: "westeurope",
  subnetId:
    "/subscriptions/0/resourceGroups/kms-rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
  clientAddressPrefixes: ["10.0.0.0/8"],
  windowsServerVersion: "2022",
  scriptStorage,
});

for (let i = 1; i <= n; i++) {
  const vmName = `app-${String(i).padStart(5, "0")}`;
  new KmsClient(vmName, {
    azureVm: { resourceGroupName: "apps-rg", vmName, location: "westeurope" },
    product: "Windows Server 2022 Datacenter",
    host,
  });
}

export const activationReport = host.activationReport;
