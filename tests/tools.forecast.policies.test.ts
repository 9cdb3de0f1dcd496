/**
 * The forecast agrees with the policies: a client that a mandatory policy blocks is not
 * forecast as activated, and the forecast says why; clients are placed on the host the policies
 * attribute them to.
 */
import * as pulumi from "@pulumi/pulumi";
import { KmsClient, KmsHost, KmsSrvRecord } from "../components";
import { plan, secretConfig } from "../tools/plan";

const config = { hostKey: secretConfig("ABCDE-FGHIJ-KLMNO-PQRST-VWXYZ") };

function host(name: string, version = "2022"): KmsHost {
  return new KmsHost(name, {
    hostKey: new pulumi.Config().requireSecret("hostKey"),
    azureVm: { resourceGroupName: "kms-rg", vmName: name, location: "westeurope" },
    windowsServerVersion: version,
    fqdn: `${name}.corp.contoso.com`,
  });
}

function server(name: string, args: Partial<ConstructorParameters<typeof KmsClient>[1]>): void {
  new KmsClient(name, {
    azureVm: { resourceGroupName: "apps", vmName: name, location: "westeurope" },
    product: "Windows Server 2022 Datacenter",
    ...args,
  });
}

test("a wrong key group: the clients are not forecast as activated, the forecast names the policy", async () => {
  const result = await plan(
    () => {
      const h = host("kms", "2019");
      for (let i = 1; i <= 5; i++) server(`s${i}`, { host: h });
    },
    { config },
  );
  expect(result.violations.map((v) => v.policyName)).toContain("require-compatible-host-key");
  expect(result.forecast.hosts[0].families).toEqual([]);
  expect(result.forecast.unplaced.map((u) => [u.name, u.withBarrierMinutes])).toEqual(
    [1, 2, 3, 4, 5].map((i) => [`s${i}`, null]),
  );
  expect(result.forecast.unplaced[0].reason).toMatch(
    /^blocked by require-compatible-host-key: KMS host "kms" holds a .*Windows Server 2019 key/,
  );
});

test("a machine unknown at preview that the count depends on: that client is not forecast", async () => {
  const result = await plan(
    () => {
      const h = host("kms");
      for (let i = 1; i <= 4; i++) server(`s${i}`, { host: h });
      new KmsClient("s5", {
        azureVm: { resourceGroupName: "apps", vmName: pulumi.output("s5"), location: "westeurope" },
        product: "Windows Server 2022 Datacenter",
        host: h,
      });
    },
    { config },
  );
  expect(result.forecast.unplaced.map((u) => u.name)).toEqual(["s5"]);
  expect(result.forecast.unplaced[0].reason).toMatch(
    /^blocked by enforce-activation-threshold: Cannot decide whether the Windows Server clients of KMS host "kms" activate/,
  );
});

test("clients of two hosts of one domain are placed as the policies attribute them (lowest SRV priority)", async () => {
  const result = await plan(
    () => {
      const a = host("kms-a");
      const b = host("kms-b");
      new KmsSrvRecord("srv", {
        zoneName: "corp.contoso.com",
        resourceGroupName: "dns-rg",
        hosts: [
          { target: a.fqdn, priority: 10 },
          { target: b.fqdn, priority: 0 },
        ],
      });
      // rearm: existing VMs whose image the plan cannot see would count once otherwise.
      for (let i = 1; i <= 5; i++)
        server(`s${i}`, { lookupDomain: "corp.contoso.com", rearm: true });
    },
    { config },
  );
  expect(result.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
  expect(result.forecast.unplaced).toEqual([]);
  const byHost = Object.fromEntries(
    result.forecast.hosts.map((h) => [
      h.host,
      h.families.map((f) => [f.label, f.clients, f.reached]),
    ]),
  );
  expect(byHost).toEqual({ "kms-a": [], "kms-b": [["Windows Server", 5, true]] });
});

describe("DNS discovery in the client's own domain", () => {
  const dnsClients = () => {
    for (let i = 1; i <= 5; i++) server(`s${i}`, { rearm: true });
  };

  test("one host and no _vlmcs._tcp record in the stack: not forecast as activated, as the policy says", async () => {
    const result = await plan(
      () => {
        host("kms");
        dnsClients();
      },
      { config },
    );
    const advisory = result.violations.filter(
      (v) => v.policyName === "require-srv-record-for-discovery",
    );
    expect(advisory.map((v) => v.enforcementLevel)).toEqual(Array(5).fill("advisory"));
    expect(advisory[0].message).toContain("declares no _vlmcs._tcp SRV record");
    expect(result.forecast.unplaced.map((u) => u.name)).toEqual(["s1", "s2", "s3", "s4", "s5"]);
    const reason = result.forecast.unplaced[0].reason;
    expect(reason).toContain("declares no _vlmcs._tcp SRV record");
    expect(reason).toContain("0x8007232B");
    expect(result.forecast.hosts[0].families).toEqual([]);
  });

  test("one host whose dns creates the record: placed on it", async () => {
    const result = await plan(
      () => {
        new KmsHost("kms", {
          hostKey: new pulumi.Config().requireSecret("hostKey"),
          azureVm: { resourceGroupName: "kms-rg", vmName: "kms", location: "westeurope" },
          windowsServerVersion: "2022",
          dns: { zoneName: "corp.contoso.com", resourceGroupName: "dns-rg", ipAddress: "10.0.0.4" },
        });
        dnsClients();
      },
      { config },
    );
    expect(result.forecast.unplaced).toEqual([]);
    expect(result.forecast.hosts[0].families.map((f) => [f.label, f.clients])).toEqual([
      ["Windows Server", 5],
    ]);
  });
});
