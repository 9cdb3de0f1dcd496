/**
 * Clients wired with a KmsHost's own output (`kmsServer: host.kmsServer`, the only wiring Python, C#, Go
 * and YAML have) are attributed to that host, planned through the real components: by the summary's
 * `hostName` in TypeScript, and by the engine's property dependencies when the output comes from another
 * language (through the plugin it arrives as an Output carrying a dependency on the host's URN).
 */
import * as pulumi from "@pulumi/pulumi";
import { KmsClient, KmsHost, KmsSrvRecord } from "../components";
import { plan, secretConfig } from "../tools/plan";

const config = { hostKey: secretConfig("ABCDE-FGHIJ-KLMNO-PQRST-VWXYZ") };

function twoHosts(): [KmsHost, KmsHost] {
  const mk = (name: string) =>
    new KmsHost(name, {
      hostKey: new pulumi.Config().requireSecret("hostKey"),
      azureVm: { resourceGroupName: "kms-rg", vmName: name, location: "westeurope" },
      windowsServerVersion: "2022",
      fqdn: `${name}.corp.contoso.com`,
    });
  return [mk("kms-a"), mk("kms-b")];
}

function servers(n: number, kmsServer: (i: number) => pulumi.Input<string>): void {
  for (let i = 1; i <= n; i++) {
    new KmsClient(`s${i}`, {
      azureVm: { resourceGroupName: "apps", vmName: `s${i}`, location: "westeurope" },
      product: "Windows Server 2022 Datacenter",
      kmsServer: kmsServer(i),
    });
  }
}

const blocking = (r: Awaited<ReturnType<typeof plan>>) =>
  r.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.message);

describe("kmsServer: host.kmsServer", () => {
  test("five servers on kms-a, with two hosts in the stack: no violation (it said 'cannot decide' for each)", async () => {
    const result = await plan(
      () => {
        const [a] = twoHosts();
        servers(5, () => a.kmsServer);
      },
      { config, preview: true },
    );
    expect(result.violations).toEqual([]);
  });

  test("four servers on kms-a: the threshold policy judges kms-a", async () => {
    const result = await plan(
      () => {
        const [a] = twoHosts();
        servers(4, () => a.kmsServer);
      },
      { config, preview: true },
    );
    expect(blocking(result)).toEqual([
      expect.stringMatching(
        /^KMS host "kms-a" would count 4 distinct Windows machines \(4 in this stack \+ 0 in externalClients\), but Windows Server needs 5 \(1 more\)\./,
      ),
    ]);
  });

  test("from another language: the Output depends on the host's URN only (no hostName): attributed through the property dependencies", async () => {
    const result = await plan(
      () => {
        const [a] = twoHosts();
        // What the plugin's Construct hands a KmsClient for `kms_server=host.kms_server`: an Output whose
        // only resource is a DependencyResource of the host's URN.
        // (The SDK's mock monitor puts the stack's type in the URN of its children.)
        const urn = "urn:pulumi:stack::project::pulumi:pulumi:Stack$kms:index:KmsHost::kms-a";
        const dep = new pulumi.DependencyResource(urn);
        servers(4, () => pulumi.all([dep.urn, a.kmsServer]).apply(([, s]) => s));
      },
      { config, preview: true },
    );
    expect(blocking(result)).toEqual([expect.stringMatching(/^KMS host "kms-a" would count 4 /)]);
  });
});

describe("SRV record with target: host.fqdn", () => {
  test("two hosts, one record, priorities 0 and 10, clients on lookupDomain: the priority-0 host is judged", async () => {
    const result = await plan(
      () => {
        const [a, b] = twoHosts();
        new KmsSrvRecord("kms-srv", {
          zoneName: "corp.contoso.com",
          resourceGroupName: "dns-rg",
          hosts: [
            { target: a.fqdn, port: a.port, priority: 10, weight: 100 },
            { target: b.fqdn, port: b.port, priority: 0, weight: 100 },
          ],
        });
        for (let i = 1; i <= 4; i++) {
          new KmsClient(`s${i}`, {
            azureVm: { resourceGroupName: "apps", vmName: `s${i}`, location: "westeurope" },
            product: "Windows Server 2022 Datacenter",
            lookupDomain: "corp.contoso.com",
          });
        }
      },
      { config, preview: true },
    );
    expect(blocking(result)).toEqual([expect.stringMatching(/^KMS host "kms-b" would count 4 /)]);
  });
});

describe("kmsServer naming a machine outside the stack", () => {
  test("is not counted against the stack's only KmsHost (whose name is not known at preview): advisory, no block", async () => {
    const result = await plan(
      () => {
        new KmsHost("kms", {
          hostKey: new pulumi.Config().requireSecret("hostKey"),
          resourceGroupName: "kms-rg",
          location: "westeurope",
          subnetId:
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/kms",
          clientAddressPrefixes: ["10.0.0.0/16"],
          adminPassword: pulumi.secret("Str0ng!Passw0rd"),
        });
        servers(1, () => "other.fabrikam.com:1688");
      },
      { config },
    );
    expect(blocking(result)).toEqual([]);
    // The threshold and the host-key policies each say they cannot decide.
    expect(result.violations.map((v) => [v.policyName, v.enforcementLevel])).toEqual([
      ["enforce-activation-threshold", "advisory"],
      ["require-compatible-host-key", "advisory"],
    ]);
    for (const v of result.violations) {
      expect(v.message).toContain(
        'its kmsServer "other.fabrikam.com:1688" names no KmsHost of this stack',
      );
    }
  });
});
