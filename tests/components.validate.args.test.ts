/**
 * Bad plain input: every argument gets a KmsConfigError naming it, before anything is registered.
 */
import { installMocks, settle } from "./helpers/componentMocks";

const mocks = installMocks();
const { KmsClient, KmsHost, KmsSrvRecord, KmsConfigError } =
  require("../components") as typeof import("../components");

const HOST_KEY = "BBBBB-CCCCC-DDDDD-FFFFF-KHMXV";
const SUBNET =
  "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/kms";
const created = {
  hostKey: HOST_KEY,
  resourceGroupName: "rg",
  location: "westeurope",
  subnetId: SUBNET,
  clientAddressPrefixes: ["10.50.0.0/16"],
  adminPassword: "Corr3ct-Horse-Battery!",
};
const vm = { resourceGroupName: "rg", vmName: "app01", location: "westeurope" };

beforeEach(async () => {
  await settle();
  mocks.reset();
});

function expectConfigError(build: () => unknown, argument: string, fragment: string): void {
  let error: unknown;
  try {
    build();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(KmsConfigError);
  const e = error as InstanceType<typeof KmsConfigError>;
  expect(e.argument).toBe(argument);
  expect(e.message).toContain(fragment);
  expect(e.message).not.toContain(HOST_KEY);
}

afterEach(async () => {
  await settle();
});

describe("KmsHost rejects bad input before registering anything", () => {
  test.each<[string, Record<string, unknown>, string, string]>([
    [
      "missing hostKey",
      { hostKey: undefined },
      "hostKey",
      'KmsHost "kms": hostKey must be the KMS host key (CSVLK), as a secret; received nothing.',
    ],
    [
      "a published setup key as host key",
      { hostKey: "WX4NM-KYWYW-QJJR4-XV3QB-6VM33" },
      "hostKey",
      "Windows Server 2022 Datacenter",
    ],
    ["a malformed host key", { hostKey: "12345-ABCDE" }, "hostKey", "hostKey must be"],
    ["port 0", { port: 0 }, "port", "an integer from 1 to 65535"],
    ["port 70000", { port: 70000 }, "port", "received 70000"],
    [
      "activation interval 10",
      { activationIntervalMinutes: 10 },
      "activationIntervalMinutes",
      "15",
    ],
    [
      "renewal interval 50000",
      { renewalIntervalMinutes: 50000 },
      "renewalIntervalMinutes",
      "43200",
    ],
    [
      "Internet prefix",
      { clientAddressPrefixes: ["10.0.0.0/8", "0.0.0.0/0"] },
      "clientAddressPrefixes[1]",
      "0.0.0.0/0",
    ],
    ["star prefix", { clientAddressPrefixes: ["*"] }, "clientAddressPrefixes[0]", "*"],
    [
      "empty prefixes",
      { clientAddressPrefixes: [] },
      "clientAddressPrefixes",
      "clientAddressPrefixes",
    ],
    [
      "Azure Edition",
      { windowsServerVersion: "2022-datacenter-azure-edition" },
      "windowsServerVersion",
      "Azure Edition",
    ],
    ["unknown version", { windowsServerVersion: "2019" }, "windowsServerVersion", "2022"],
    ["unknown key group", { keyGroup: "Windows Server 2030" }, "keyGroup", "Windows Server 2030"],
    [
      "client key group on a server",
      { keyGroup: "Windows 10" },
      "keyGroup",
      "Windows Server 2022 can host",
    ],
    [
      "negative external clients",
      { externalClients: { windowsClient: -1 } },
      "externalClients.windowsClient",
      "received -1",
    ],
    [
      "fractional external servers",
      { externalClients: { windowsServer: 2.5 } },
      "externalClients.windowsServer",
      "received 2.5",
    ],
    [
      "zone with a semicolon",
      { dns: { zoneName: "kms.internal;rm", resourceGroupName: "rg" } },
      "dns.zoneName",
      ";",
    ],
    [
      "single-label zone",
      { dns: { zoneName: "internal", resourceGroupName: "rg" } },
      "dns.zoneName",
      "internal",
    ],
    [
      "record name with a space",
      { dns: { zoneName: "kms.internal", resourceGroupName: "rg", recordName: "branch 1" } },
      "dns.recordName",
      "branch 1",
    ],
    [
      "host name with $",
      { dns: { zoneName: "kms.internal", resourceGroupName: "rg", hostName: "kms$(calc)" } },
      "dns.hostName",
      "$",
    ],
    ["reserved admin name", { adminUsername: "administrator" }, "adminUsername", "reserved"],
    ["missing subnet", { subnetId: undefined }, "subnetId", "set to create the host VM"],
    [
      "missing password",
      { adminPassword: undefined },
      "adminPassword",
      "set to create the host VM",
    ],
    [
      "dnsPublishing as a string",
      { dnsPublishing: "yes" },
      "dnsPublishing",
      "a plain true or false",
    ],
    [
      "dns.ipAddress that is a name",
      { dns: { zoneName: "kms.internal", resourceGroupName: "rg", ipAddress: "kms01" } },
      "dns.ipAddress",
      "an IPv4 address such as 10.50.1.4",
    ],
    [
      "dns.ipAddress out of range",
      { dns: { zoneName: "kms.internal", resourceGroupName: "rg", ipAddress: "10.50.1.300" } },
      "dns.ipAddress",
      'received "10.50.1.300"',
    ],
  ])("%s", async (_label, change, argument, fragment) => {
    expectConfigError(
      () => new KmsHost("kms", { ...created, ...change } as never),
      argument,
      fragment,
    );
    await settle();
    expect(mocks.resources).toHaveLength(0);
  });

  test("VM arguments together with an existing machine", async () => {
    expectConfigError(
      () => new KmsHost("kms", { hostKey: HOST_KEY, azureVm: vm, subnetId: SUBNET }),
      "subnetId",
      "left out when azureVm is given",
    );
    expectConfigError(
      () =>
        new KmsHost("kms", {
          hostKey: HOST_KEY,
          azureVm: vm,
          ssh: { host: "h", user: "u", password: "p" },
        }),
      "azureVm / ssh",
      "exactly one",
    );
    await settle();
    expect(mocks.resources).toHaveLength(0);
  });

  test.each<[unknown, string]>([
    ["2022-datacenter-azure-edition", "Azure Edition"],
    ["Windows 95", '"2016", "2019", "2022" or "2025"'],
  ])("an existing host declared as %s is refused", (version, fragment) => {
    expectConfigError(
      () =>
        new KmsHost("kms", {
          hostKey: HOST_KEY,
          azureVm: vm,
          windowsServerVersion: version as string,
        }),
      "windowsServerVersion",
      fragment,
    );
  });

  test("an existing machine with dns needs its address for the A record", async () => {
    expectConfigError(
      () =>
        new KmsHost("kms", {
          hostKey: HOST_KEY,
          azureVm: vm,
          dns: { zoneName: "kms.internal", resourceGroupName: "rg" },
        }),
      "dns.ipAddress",
      "the IPv4 address of the existing machine",
    );
    expectConfigError(
      () =>
        new KmsHost("kms", {
          hostKey: HOST_KEY,
          ssh: { host: "kms01.corp.contoso.com", user: "a", password: "p" },
          dns: { zoneName: "kms.internal", resourceGroupName: "rg" },
        }),
      "dns.ipAddress",
      "the IPv4 address of the existing machine",
    );
    await settle();
    expect(mocks.resources).toHaveLength(0);
  });

  test("the error shows only the last five characters of a bad key", () => {
    try {
      new KmsHost("kms", { ...created, hostKey: "NPPR9-FWDCX-D2C8J-H872K-2YT43" });
      throw new Error("no error");
    } catch (e) {
      expect((e as Error).message).not.toContain("NPPR9-FWDCX");
      expect((e as Error).message).toContain("2YT43");
    }
  });
});

describe("KmsClient rejects bad input before registering anything", () => {
  const base = { azureVm: vm, product: "Windows 11 Enterprise" };
  test.each<[string, Record<string, unknown>, string, string]>([
    ["no target", { azureVm: undefined }, "azureVm / ssh", "exactly one of azureVm"],
    [
      "both targets",
      { ssh: { host: "h", user: "u", password: "p" } },
      "azureVm / ssh",
      "exactly one",
    ],
    ["unknown product", { product: "Windows 11 Enterprize" }, "product", "Windows 11 Enterprise"],
    ["no product and no key", { product: undefined }, "product / setupKey", "neither"],
    [
      "another product's setup key",
      { setupKey: "WX4NM-KYWYW-QJJR4-XV3QB-6VM33" },
      "setupKey",
      "Windows Server 2022 Datacenter",
    ],
    [
      "host and kmsServer",
      { kmsServer: "kms01", lookupDomain: "corp.contoso.com" },
      "kmsServer / lookupDomain",
      "at most one",
    ],
    ["kmsServer with a pipe", { kmsServer: "kms01|calc" }, "kmsServer", "|"],
    ["kmsServer port 0", { kmsServer: "kms01:0" }, "kmsServer", "kmsServer"],
    ["lookupDomain with a backtick", { lookupDomain: "corp`.contoso.com" }, "lookupDomain", "`"],
    [
      "an activation interval (the host's applies)",
      { activationIntervalMinutes: 120 },
      "activationIntervalMinutes",
      "host's settings apply",
    ],
    [
      "ssh without user",
      { azureVm: undefined, ssh: { host: "10.0.0.5", password: "p" } },
      "ssh.user",
      "administrator account",
    ],
    [
      "ssh with password and key",
      { azureVm: undefined, ssh: { host: "10.0.0.5", user: "a", password: "p", privateKey: "k" } },
      "ssh.password / ssh.privateKey",
      "exactly one",
    ],
    [
      "ssh host with a semicolon",
      { azureVm: undefined, ssh: { host: "h;calc", user: "a", password: "p" } },
      "ssh.host",
      ";",
    ],
    ["activate as a string", { activate: "true" }, "activate", "a plain true or false"],
  ])("%s", async (_label, change, argument, fragment) => {
    expectConfigError(
      () => new KmsClient("c1", { ...base, ...change } as never),
      argument,
      fragment,
    );
    await settle();
    expect(mocks.resources).toHaveLength(0);
  });

  test("Microsoft 365 Apps is explained, not just unknown", () => {
    expectConfigError(
      () => new KmsClient("c1", { ...base, product: "Microsoft 365 Apps for enterprise" }),
      "product",
      "KMS",
    );
  });
});

describe("KmsSrvRecord rejects bad input before registering anything", () => {
  const base = {
    zoneName: "corp.contoso.com",
    resourceGroupName: "dns",
    hosts: [{ target: "kms01.corp.contoso.com" }],
  };
  test.each<[string, Record<string, unknown>, string, string]>([
    ["no hosts", { hosts: [] }, "hosts", "at least one"],
    ["target with a quote", { hosts: [{ target: "kms01'.corp" }] }, "hosts[0].target", "'"],
    [
      "port 65536",
      { hosts: [{ target: "kms01.corp.contoso.com", port: 65536 }] },
      "hosts[0].port",
      "65535",
    ],
    [
      "priority -1",
      { hosts: [{ target: "a.corp.contoso.com" }, { target: "b.corp.contoso.com", priority: -1 }] },
      "hosts[1].priority",
      "0",
    ],
    [
      "weight 70000",
      { hosts: [{ target: "a.corp.contoso.com", weight: 70000 }] },
      "hosts[0].weight",
      "65535",
    ],
    ["ttl 0", { ttl: 0 }, "ttl", "ttl"],
    ["zone with a newline", { zoneName: "corp.contoso.com\nx" }, "zoneName", "zoneName"],
    ["private as a string", { private: "true" }, "private", "a plain true or false"],
  ])("%s", async (_label, change, argument, fragment) => {
    expectConfigError(
      () => new KmsSrvRecord("srv", { ...base, ...change } as never),
      argument,
      fragment,
    );
    await settle();
    expect(mocks.resources).toHaveLength(0);
  });
});
