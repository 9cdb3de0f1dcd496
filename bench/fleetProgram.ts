/**
 * The program the plan and rehearsal benchmarks measure (bench/plan.ts, bench/lab.ts) and
 * tests/components.planWork.test.ts counts: a created KMS host and N existing Azure VMs as its clients
 * with `host` (threshold barrier included), scripts by reference. Config: the secrets `hostKey` and
 * `adminPassword`.
 */
import * as pulumi from "@pulumi/pulumi";
import { KmsClient, KmsHost } from "../components";
import type { KmsScriptStorage } from "../components";

export const BENCH_SUBNET =
  "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s";

export const BENCH_SCRIPT_STORAGE: KmsScriptStorage = {
  accountName: "kmsbenchscripts",
  resourceGroupName: "rg",
  containerName: "kms-scripts",
  identity: {
    clientId: "00000000-0000-4000-8000-00000000c11e",
    resourceId:
      "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/kms",
  },
};

/** The program with `n` clients, as plan() and rehearse() take one. */
export function fleetProgram(n: number): () => void {
  return () => {
    const cfg = new pulumi.Config();
    const host = new KmsHost("kms", {
      scriptStorage: BENCH_SCRIPT_STORAGE,
      hostKey: cfg.requireSecret("hostKey"),
      resourceGroupName: "rg",
      location: "westeurope",
      subnetId: BENCH_SUBNET,
      clientAddressPrefixes: ["10.0.0.0/16"],
      adminPassword: cfg.requireSecret("adminPassword"),
      windowsServerVersion: "2022",
    });
    for (let i = 0; i < n; i++) {
      new KmsClient(`c${i}`, {
        azureVm: { resourceGroupName: "rg-apps", vmName: `app-${i}`, location: "westeurope" },
        product: "Windows Server 2022 Datacenter",
        host,
      });
    }
  };
}
