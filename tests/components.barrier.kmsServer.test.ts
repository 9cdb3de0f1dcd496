/**
 * Every client the program points at a KmsHost joins its threshold barrier: clients given `host`, and
 * clients given the host's `kmsServer` or `fqdn` (its outputs, or a plain string naming its fqdn, with
 * or without its port). A `kmsServer` naming a machine outside the stack, another port, or a client whose
 * `dependsOn` waits for the whole host (that would hang) does not join.
 */
import { installMocks, settle, valueOf } from "./helpers/componentMocks";
import type { KmsClientSummary } from "pulumi-kms-activation-catalog";

const mocks = installMocks();
const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
const { KmsClient, KmsHost } = require("../components") as typeof import("../components");
const { encodeParameterValue } =
  require("../components/scripts") as typeof import("../components/scripts");
const { specFromSummaries } = require("../tools/forecast") as typeof import("../tools/forecast");

const HOST_KEY = "BBBBB-CCCCC-DDDDD-FFFFF-KHMXV";
const vm = (vmName: string) => ({ resourceGroupName: "rg", vmName, location: "westeurope" });
const hostArgs = { hostKey: HOST_KEY, azureVm: vm("kms01"), fqdn: "kms01.corp.contoso.com" };
const RUN = "azure-native:compute:VirtualMachineRunCommandByVirtualMachine";

beforeEach(async () => {
  await settle();
  mocks.reset();
});

const names = () => mocks.resources.map((r) => r.name);
const summaryOf = (name: string) =>
  (mocks.one("kms:index:KmsClient", name).plain as { summary: KmsClientSummary }).summary;

async function done(host: InstanceType<typeof KmsHost>, clients: InstanceType<typeof KmsClient>[]) {
  await Promise.all(clients.map((c) => valueOf(c.status)));
  await valueOf(host.activationReport);
  await settle();
}

describe("clients pointed at a KmsHost by kmsServer join its threshold barrier", () => {
  test.each([
    ["host.kmsServer", (h: InstanceType<typeof KmsHost>) => h.kmsServer],
    ["host.fqdn", (h: InstanceType<typeof KmsHost>) => h.fqdn],
    ["the fqdn as a plain string", () => "kms01.corp.contoso.com"],
    ["fqdn:port as a plain string", () => "KMS01.corp.contoso.com.:1688"],
  ])("kmsServer: %s", async (_, server) => {
    const host = new KmsHost("kms", hostArgs);
    const c = new KmsClient("c1", {
      azureVm: vm("app01"),
      product: "Windows Server 2022 Datacenter",
      kmsServer: server(host),
    });
    await done(host, [c]);
    expect(names()).toEqual(expect.arrayContaining(["kms-count", "c1-activate"]));
    const count = mocks.scriptCalls.find((s) => s.name === "kms-count")!;
    expect(count.parameters.Clients).toBe(encodeParameterValue("c1"));
    // Its setup waits for the host's setup (not for the whole host, whose count waits for it).
    const setup = mocks.one(RUN, "c1-setup");
    const hostSetup = mocks.one(RUN, "kms-setup");
    expect(setup.dependencies).toContain(hostSetup.urn);
    expect(summaryOf("c1")).toMatchObject({
      discovery: "kmsServer",
      hostName: "kms",
      barrier: true,
    });
    expect((await valueOf(host.activationReport))!.clients).toBe(1);
    // The forecast reads the same: asked again at the deployment's end.
    const spec = specFromSummaries([], [summaryOf("c1")]);
    expect(spec.clients[0].barrier).toBe(true);
  });

  test.each([
    ["a host outside the stack", "other.fabrikam.com:1688"],
    ["another port of the host", "kms01.corp.contoso.com:1689"],
  ])("kmsServer naming %s: no barrier", async (_, server) => {
    const host = new KmsHost("kms", hostArgs);
    const c = new KmsClient("c1", {
      azureVm: vm("app01"),
      product: "Windows Server 2022 Datacenter",
      kmsServer: server,
    });
    await done(host, [c]);
    expect(names()).not.toContain("c1-activate");
    expect(names()).not.toContain("kms-count");
    expect(summaryOf("c1").barrier).toBeUndefined();
  });

  test("dependsOn: [host] would wait for the host's count step, which waits for the client: not joined, with a warning", async () => {
    const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
    try {
      const host = new KmsHost("kms", hostArgs);
      const c = new KmsClient(
        "c1",
        {
          azureVm: vm("app01"),
          product: "Windows Server 2022 Datacenter",
          kmsServer: "kms01.corp.contoso.com",
        },
        { dependsOn: [host] },
      );
      await done(host, [c]);
      expect(names()).not.toContain("c1-activate");
      expect(summaryOf("c1").barrier).toBeUndefined();
      expect(warn.mock.calls.map((a) => String(a[0]))).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /KmsClient "c1" is pointed at KmsHost "kms" by kmsServer, but its dependsOn waits for the whole KmsHost "kms"/,
          ),
        ]),
      );
    } finally {
      warn.mockRestore();
    }
  });

  test("a client declared after an await (the host's list closed) is configured without the barrier, not refused", async () => {
    const host = new KmsHost("kms", hostArgs);
    await Promise.resolve();
    const c = new KmsClient("late", {
      azureVm: vm("app09"),
      product: "Windows Server 2022 Datacenter",
      kmsServer: host.kmsServer,
    });
    await done(host, [c]);
    expect(names()).not.toContain("late-activate");
    expect(summaryOf("late")).toMatchObject({ hostName: "kms" });
    expect(summaryOf("late").barrier).toBeUndefined();
  });
});
