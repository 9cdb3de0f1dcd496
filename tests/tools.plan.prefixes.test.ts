/**
 * Output-valued clientAddressPrefixes: judged by its value where it lands (the host's NSG rule), never
 * "cannot decide" on a value the plan knows; prefixes that together cover all of IPv4 are refused.
 */
import * as pulumi from "@pulumi/pulumi";
import { KmsHost } from "../components";
import { plan, secretConfig } from "../tools/plan";

const config = {
  hostKey: secretConfig("ABCDE-FGHIJ-KLMNO-PQRST-VWXYZ"),
  adminPassword: secretConfig("Placeholder-Passw0rd!"),
};

function hostWith(prefixes: pulumi.Input<string[]>) {
  return () => {
    const cfg = new pulumi.Config();
    new KmsHost("kms", {
      hostKey: cfg.requireSecret("hostKey"),
      adminPassword: cfg.requireSecret("adminPassword"),
      resourceGroupName: "rg",
      location: "westeurope",
      subnetId:
        "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
      clientAddressPrefixes: prefixes,
      windowsServerVersion: "2022",
    });
  };
}

const port = (r: Awaited<ReturnType<typeof plan>>) =>
  r.violations
    .filter((v) => v.policyName === "disallow-internet-kms-port")
    .map((v) => `${v.enforcementLevel}: ${v.message}`);

test('a known pulumi.output(["10.0.0.0/16"]) passes (it blocked the stack: cannot decide)', async () => {
  const result = await plan(hostWith(pulumi.output(["10.0.0.0/16"])), { config });
  expect(port(result)).toEqual([]);
});

test("a known Output covering all of IPv4 with two /1 prefixes is refused on the NSG rule", async () => {
  const result = await plan(hostWith(pulumi.output(["0.0.0.0/1", "128.0.0.0/1"])), { config });
  expect(port(result)).toEqual([
    expect.stringMatching(
      /^mandatory: NetworkSecurityGroup "kms-nsg" rule ".*" allows inbound TCP to the KMS port 1688 from "0.0.0.0\/1", "128.0.0.0\/1", which together cover all of IPv4/,
    ),
  ]);
});
