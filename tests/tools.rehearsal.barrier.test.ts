/**
 * The threshold barrier with 30 clients, rehearsed in the real lab: 30 Windows 11 Enterprise VMs (client
 * OS: the host activates them at a count of 25) declared with `host`. The first 24 ask before the count
 * is reached and get 0xC004F038; after all of them registered, the barrier reads the host's count and
 * asks again, so every client ends the same deployment activated by our host.
 */
import * as pulumi from "@pulumi/pulumi";
import { KmsClient, KmsHost } from "../components";
import { secretConfig } from "../tools/plan";
import type { RehearsalResult } from "../tools/rehearsal";
import { describeWithTool } from "./helpers/tools";

const SUBNET =
  "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s";

function program(): void {
  const cfg = new pulumi.Config();
  const host = new KmsHost("kms", {
    hostKey: cfg.requireSecret("hostKey"),
    resourceGroupName: "rg",
    location: "westeurope",
    subnetId: SUBNET,
    clientAddressPrefixes: ["10.0.0.0/16"],
    adminPassword: cfg.requireSecret("adminPassword"),
    windowsServerVersion: "2022",
  });
  for (let i = 1; i <= 30; i++) {
    new KmsClient(`pc${String(i).padStart(2, "0")}`, {
      azureVm: { resourceGroupName: "rg-desktops", vmName: `pc-${i}`, location: "westeurope" },
      product: "Windows 11 Enterprise",
      host,
    });
  }
}

jest.setTimeout(600_000);

describeWithTool("pwsh", "the threshold barrier in the lab", () => {
  test("30 client-OS VMs: all activated by the host at the end of the same deployment", async () => {
    let r!: RehearsalResult;
    await jest.isolateModulesAsync(async () => {
      const { rehearse } = require("../tools/rehearsal") as typeof import("../tools/rehearsal");
      r = await rehearse(
        program,
        // Marketplace images (the default): licensed by Azure's KMS before our scripts run, so only
        // the barrier's second ask makes them activated by our host. Each with a CMID of its own
        // (--lab-own-cmid: rearmed before): the barrier is under test here, not shared CMIDs.
        { sharedCmid: false },
        {
          config: {
            hostKey: secretConfig("kms-plan-secret-placeholder(kms-activation:hostKey)"),
            adminPassword: secretConfig("P@ssw0rd-lab"),
          },
        },
      );
    });
    expect({ failures: r.lab.failures, errors: r.lab.deploymentErrors }).toEqual({
      failures: [],
      errors: [],
    });
    const host = r.lab.machines.find((m) => m.role === "host")!;
    expect(host.currentCount).toBe(30);
    const clients = r.lab.machines.filter((m) => m.role === "client");
    expect(clients).toHaveLength(30);
    // Activated by our host (the same host:port for all), not only licensed by Azure's KMS.
    const by = clients[0].activatedBy;
    expect(by).toMatch(/^[\w.-]+:1688$/);
    expect(by).not.toMatch(/azkms|kms\.core\.windows\.net/i);
    for (const c of clients) {
      expect({ name: c.name, activated: c.activated, by: c.activatedBy }).toEqual({
        name: c.name,
        activated: true,
        by,
      });
    }
  });
});
