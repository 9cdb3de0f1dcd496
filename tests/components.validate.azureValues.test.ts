/**
 * Values Azure would refuse are KmsConfigErrors before anything is created (the administrator password
 * by Azure's rules, never shown; the region; the subnet ID), and secrets written as plain strings get a
 * warning that says how to pass them as secrets.
 */
import { installMocks, settle, valueOf } from "./helpers/componentMocks";

const mocks = installMocks();
const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
const lib = require("../components") as typeof import("../components");
const { validateAdminPassword, validateLocation, validateSubnetId } =
  require("../components/validate/azure") as typeof import("../components/validate/azure");

const HOST_KEY = "BBBBB-CCCCC-DDDDD-FFFFF-KHMXV";
const SUBNET =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/kms";
const created = (extra: Record<string, unknown> = {}) => ({
  hostKey: pulumi.secret(HOST_KEY),
  resourceGroupName: "kms-rg",
  location: "westeurope",
  subnetId: SUBNET,
  clientAddressPrefixes: ["10.0.0.0/16"],
  adminPassword: pulumi.secret("Str0ng!Passw0rd"),
  ...extra,
});

beforeEach(async () => {
  await settle();
  mocks.reset();
});

function errorOf(build: () => unknown): Error {
  try {
    build();
  } catch (e) {
    return e as Error;
  }
  throw new Error("no error");
}

describe("adminPassword: Azure's rules for a Windows VM, the password never shown", () => {
  test.each([
    ["abc", "a 3-character password (not shown) with lower-case letters"],
    ["alllowercase1", "a 13-character password (not shown) with lower-case letters, digits"],
    ["Sh0rt!", "a 6-character password (not shown)"],
    [`Aa1!${"x".repeat(120)}`, "a 124-character password (not shown)"],
    ["P@ssw0rd", "one of the passwords Azure disallows (not shown)"],
    ["Password1", "one of the passwords Azure disallows (not shown)"],
  ])("%s is refused", (password, received) => {
    const e = errorOf(() => validateAdminPassword("adminPassword", password));
    expect(e).toBeInstanceOf(lib.KmsConfigError);
    expect(e.message).toContain("adminPassword must be a password Azure accepts for a Windows VM");
    expect(e.message).toContain(`received ${received}`);
    expect(e.message.replace(/"P@ssw0rd" or "Password1"/, "")).not.toContain(password);
  });

  test.each(["Str0ng!Passw0rd", "lower UPPER 123", "Abcdefg1", "ab1!ab1!"])("%s passes", (p) => {
    expect(() => validateAdminPassword("adminPassword", p)).not.toThrow();
  });

  test('KmsHost with adminPassword "abc": a KmsConfigError before anything registers', async () => {
    const e = errorOf(() => new lib.KmsHost("kms", created({ adminPassword: "abc" }) as never));
    expect(e.message).toMatch(/^KmsHost "kms": adminPassword must be a password Azure accepts/);
    expect(e.message).not.toContain('"abc"');
    await settle();
    expect(mocks.resources).toEqual([]);
  });
});

describe("location and subnetId have Azure's shapes", () => {
  test.each(["westeurope", "eastus2", "swedencentral", "West Europe", "usgovvirginia"])(
    "location %s passes",
    (v) => expect(validateLocation("location", v)).toBe(v),
  );
  test.each([
    ["eu-west-1", "(that is an AWS region's form)"],
    ["westeurope ", "(it has leading or trailing spaces)"],
    ["west_europe", ""],
    ["x", ""],
  ])("location %s is refused", (v, hint) => {
    const e = errorOf(() => validateLocation("location", v));
    expect(e.message).toContain(`location must be an Azure region name such as "westeurope"`);
    expect(e.message).toContain(`received ${JSON.stringify(v)}${hint ? ` ${hint}` : ""}.`);
  });

  test("subnetId: a subnet's resource ID passes; a prefix, a VNet ID or a name gets its own hint", () => {
    expect(validateSubnetId("subnetId", SUBNET)).toBe(SUBNET);
    expect(errorOf(() => validateSubnetId("subnetId", "10.0.1.0/24")).message).toContain(
      'received "10.0.1.0/24": that is an address prefix, not a subnet.',
    );
    expect(
      errorOf(() => validateSubnetId("subnetId", SUBNET.replace(/\/subnets\/kms$/, ""))).message,
    ).toContain("that is a virtual network; add /subnets/<subnet>");
    expect(errorOf(() => validateSubnetId("subnetId", "kms-subnet")).message).toContain(
      "that looks like a subnet name; give its full resource ID",
    );
  });

  test("KmsHost checks location, subnetId and an existing VM's azureVm.location; KmsClient its azureVm.location", () => {
    expect(
      errorOf(() => new lib.KmsHost("kms", created({ location: "eu-west-1" }) as never)).message,
    ).toMatch(/^KmsHost "kms": location must be an Azure region name/);
    expect(
      errorOf(() => new lib.KmsHost("kms", created({ subnetId: "default" }) as never)).message,
    ).toMatch(/^KmsHost "kms": subnetId must be the Azure resource ID of a subnet/);
    expect(
      errorOf(
        () =>
          new lib.KmsHost("kms", {
            hostKey: pulumi.secret(HOST_KEY),
            azureVm: { resourceGroupName: "rg", vmName: "kms", location: "West-Europe" },
          }),
      ).message,
    ).toMatch(/^KmsHost "kms": azureVm\.location must be an Azure region name/);
    expect(
      errorOf(
        () =>
          new lib.KmsClient("c1", {
            azureVm: { resourceGroupName: "rg", vmName: "c1", location: "west europe " },
            product: "Windows 11 Enterprise",
          }),
      ).message,
    ).toMatch(/^KmsClient "c1": azureVm\.location must be an Azure region name/);
  });
});

describe("secrets written as plain strings are warned about, with the fix", () => {
  async function warnings(build: () => unknown): Promise<string[]> {
    const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
    try {
      const r = build() as { status?: import("@pulumi/pulumi").Output<unknown> };
      if (r.status) await valueOf(r.status);
      await settle();
      return warn.mock.calls.map((c) => String(c[0]));
    } finally {
      warn.mockRestore();
    }
  }

  test("KmsHost: hostKey and adminPassword as plain strings, each with how to pass it as a secret", async () => {
    const password = "Plain!Passw0rd9";
    const messages = await warnings(
      () => new lib.KmsHost("kms", created({ hostKey: HOST_KEY, adminPassword: password })),
    );
    expect(messages).toEqual([
      'KmsHost "kms": hostKey is the KMS host key written as a plain string. It travels as a secret, but it is in your program\'s source: pass it as a secret instead: cfg.requireSecret("hostKey") with the value set by `pulumi config set --secret hostKey` (kms-plan: --config-secret hostKey=…), or pulumi.secret(value).',
      expect.stringMatching(
        /^KmsHost "kms": adminPassword is the VM's administrator password written as a plain string\..*cfg\.requireSecret\("adminPassword"\)/,
      ),
    ]);
    expect(messages.join("\n")).not.toContain(HOST_KEY);
    expect(messages.join("\n")).not.toContain(password);
  });

  test("KmsHost over SSH and its Office host key; KmsClient ssh.privateKey", async () => {
    const host = await warnings(
      () =>
        new lib.KmsHost("kms", {
          hostKey: pulumi.secret(HOST_KEY),
          ssh: { host: "10.0.0.4", user: "admin", password: "plain-ssh-pw" },
          office: [
            {
              version: "LTSC 2024",
              hostKey: "GGGGG-HHHHH-JJJJJ-KKKKK-MMMMM",
              volumeLicensePack: "",
            },
          ],
        }),
    );
    expect(host.map((m) => m.split(" written")[0])).toEqual([
      'KmsHost "kms": ssh.password is the SSH password',
      'KmsHost "kms": office[0].hostKey is an Office KMS host key',
    ]);
    const client = await warnings(
      () =>
        new lib.KmsClient("c1", {
          ssh: {
            host: "10.0.0.9",
            user: "admin",
            privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----x",
          },
          product: "Windows 11 Enterprise",
        }),
    );
    expect(client.map((m) => m.split(" written")[0])).toEqual([
      'KmsClient "c1": ssh.privateKey is the SSH private key',
    ]);
    expect(client.join("\n")).not.toContain("BEGIN OPENSSH");
  });

  test("secrets given as secrets (pulumi.secret, cfg.requireSecret) get no warning", async () => {
    expect(await warnings(() => new lib.KmsHost("kms", created()))).toEqual([]);
  });
});
