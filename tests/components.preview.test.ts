/**
 * Preview: outputs the provider does not return are unknown and their applies never run. The components
 * must still register everything (nothing may wait on an unknown value) and the tests must not hang.
 */
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle } from "./helpers/componentMocks";

const mocks = installMocks({ preview: true });
const { KmsClient, KmsHost } = require("../components") as typeof import("../components");

const HOST_KEY = "BBBBB-CCCCC-DDDDD-FFFFF-KHMXV";

/** Resolves with whether the output is known (unknown outputs never run their applies in preview). */
function isKnown(o: pulumi.Output<unknown>): Promise<boolean> {
  return (o as unknown as { isKnown: Promise<boolean> }).isKnown;
}

test("a host with DNS and barrier clients registers every step a preview can know", async () => {
  expect(pulumi.runtime.isDryRun()).toBe(true);
  const host = new KmsHost("kms", {
    hostKey: HOST_KEY,
    resourceGroupName: "rg",
    location: "westeurope",
    subnetId: pulumi.output(
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
    ),
    clientAddressPrefixes: ["10.50.0.0/16"],
    adminPassword: "Corr3ct-Horse-Battery!",
    dns: { zoneName: "kms.internal", resourceGroupName: "rg", private: true },
  });
  const clients = [1, 2].map(
    (i) =>
      new KmsClient(`c${i}`, {
        azureVm: { resourceGroupName: "rg", vmName: `app0${i}`, location: "westeurope" },
        product: "Windows Server 2022 Datacenter",
        host,
      }),
  );
  await settle();
  await new Promise((r) => setTimeout(r, 300));
  await settle();
  const names = mocks.resources.map((r) => r.name).sort();
  expect(names).toEqual(
    [
      "c1",
      "c1-activate",
      "c1-setup",
      "c2",
      "c2-activate",
      "c2-setup",
      "kms",
      "kms-a",
      "kms-count",
      "kms-nic",
      "kms-nsg",
      "kms-setup",
      "kms-srv",
      "kms-srv",
      "kms-vm",
    ].sort(),
  );
  // Script results are not known in preview: statuses stay unknown instead of hanging or guessing. The
  // re-activation steps are registered at declaration, so the preview shows every step pulumi up runs.
  expect(await isKnown(host.status)).toBe(false);
  expect(await isKnown(clients[0].status)).toBe(false);
  expect(await isKnown(host.port)).toBe(true);
});
