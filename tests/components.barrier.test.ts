/**
 * The multi-language plugin's threshold barrier (KmsThresholdBarrier), in-process under the SDK's mocks:
 * its rules (each a KmsConfigError before anything of it registers), and that clients of a plugin host
 * constructed after the host's turn wait for it instead of being refused. tests/components.plugin.runner.test.ts
 * covers the same component through the real plugin runner and Construct calls.
 */
import { installMocks, pendingAtSetup, settle, valueOf } from "./helpers/componentMocks";

const mocks = installMocks();
const { pluginComponents } =
  require("../components/plugin") as typeof import("../components/plugin");
const { KmsConfigError } = require("../components") as typeof import("../components");

type Ctor = new (name: string, args: object) => { [k: string]: unknown };
const [PluginHost, PluginClient, , Barrier] = pluginComponents as unknown as Ctor[];
const MOCK_COMMAND_TYPE = "azure-native:compute:VirtualMachineRunCommandByVirtualMachine";
const HOST_KEY = "BBBBB-CCCCC-DDDDD-FFFFF-KHMXV";
const vm = (vmName: string) => ({ resourceGroupName: "rg", vmName, location: "westeurope" });

beforeEach(async () => {
  await settle();
  mocks.reset();
});

/** A plugin host, and clients constructed after its turn (as separate Construct calls arrive). */
async function hostAndLateClients(hostName: string, ...clients: [string, object?][]) {
  const host = new PluginHost(hostName, { hostKey: HOST_KEY, azureVm: vm(`${hostName}-vm`) });
  await Promise.resolve();
  await Promise.resolve();
  const made = clients.map(
    ([name, extra]) =>
      new PluginClient(name, {
        azureVm: vm(name),
        product: "Windows Server 2022 Datacenter",
        host,
        ...extra,
      }),
  );
  return { host, clients: made };
}

const steps = () =>
  mocks.resources.filter((r) => r.name.endsWith("-count") || r.name.endsWith("-activate"));

describe("KmsThresholdBarrier (plugin)", () => {
  test("a late client with rearm keeps its own dependsOn (e.g. its VM): its rearm and setup wait for it", async () => {
    const { host } = await hostAndLateClients("k0");
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const Custom = pulumi.CustomResource as unknown as new (
      type: string,
      name: string,
      props: object,
    ) => import("@pulumi/pulumi").Resource;
    const machine = new Custom("test:index:Machine", "z-machine", {});
    const Client = PluginClient as unknown as new (
      name: string,
      args: object,
      opts: object,
    ) => unknown;
    new Client(
      "z-1",
      { azureVm: vm("z-vm"), product: "Windows Server 2022 Datacenter", host, rearm: true },
      { dependsOn: [machine] },
    );
    await settle();
    const urn = (name: string) => mocks.resources.find((r) => r.name === name)!.urn;
    const deps = (name: string) => mocks.resources.find((r) => r.name === name)!.dependencies ?? [];
    expect(deps("z-1-rearm")).toContain(urn("z-machine"));
    expect(deps("z-1-setup")).toEqual(expect.arrayContaining([urn("z-machine"), urn("z-1-rearm")]));
  });

  test("clients of a plugin host constructed after its turn are accepted and wait: no count or activate step until a barrier lists them", async () => {
    const { clients } = await hostAndLateClients("k1", ["a-1"], ["a-2"]);
    await settle();
    expect(clients).toHaveLength(2);
    expect(steps()).toEqual([]);
  });

  test("the barrier activates clients whose setup ended pending; their own status stays the setup's", async () => {
    mocks.responder = pendingAtSetup();
    const { host, clients } = await hostAndLateClients("k2", ["b-2"], ["b-1"]);
    const barrier = new Barrier("k2-barrier", { host, clients });
    const statuses = (await valueOf(barrier.clientStatuses as never)) as { activated: boolean }[];
    expect(statuses.map((s) => s.activated)).toEqual([true, true]);
    expect(await valueOf(clients[0].status as never)).toMatchObject({ pending: true });
    expect(await valueOf(barrier.activationReport as never)).toMatchObject({
      clients: 2,
      activated: 2,
      pending: 0,
    });
    expect(
      steps()
        .map((r) => r.name)
        .sort(),
    ).toEqual(["b-1-activate", "b-2-activate", "k2-count"]);
  });

  test.each([
    [
      "an empty list",
      () => [],
      /clients must be at least one KmsClient given host: KmsHost "k3"; received an empty list/,
    ],
    [
      "a client listed twice",
      (c: unknown[]) => [c[0], c[0]],
      /clients\[1\] must be listed once; received KmsClient "c-1"/,
    ],
    [
      "a client with activate: false",
      (c: unknown[]) => [c[1]],
      /clients\[0\] must be a KmsClient given host: KmsHost "k3" \(with activate left true\).*; received KmsClient "c-2"/,
    ],
  ])("refuses %s before it registers anything", async (_what, list, message) => {
    const { host, clients } = await hostAndLateClients("k3", ["c-1"], ["c-2", { activate: false }]);
    await settle();
    mocks.reset();
    expect(() => new Barrier("k3-barrier", { host, clients: list(clients) })).toThrow(
      KmsConfigError,
    );
    expect(() => new Barrier("k3-barrier", { host, clients: list(clients) })).toThrow(message);
    await settle();
    expect(mocks.resources).toEqual([]);
  });

  test("Windows and Office on one machine: re-activated one after the other, in list order", async () => {
    const host = new PluginHost("k5", { hostKey: HOST_KEY, azureVm: vm("k5-vm") });
    await Promise.resolve();
    await Promise.resolve();
    const windows = new PluginClient("e-win", {
      azureVm: vm("app-e"),
      product: "Windows Server 2022 Datacenter",
      host,
    });
    const office = new PluginClient("e-office", {
      azureVm: vm("app-e"),
      product: "Office LTSC Professional Plus 2024",
      host,
    });
    const barrier = new Barrier("k5-barrier", { host, clients: [office, windows] });
    await valueOf(barrier.activationReport as never);
    await settle();
    const first = mocks.one(MOCK_COMMAND_TYPE, "e-office-activate");
    const second = mocks.one(MOCK_COMMAND_TYPE, "e-win-activate");
    expect(second.dependencies).toContain(first.urn);
    expect(first.dependencies).not.toContain(second.urn);
  });

  test("one barrier per host: a second is refused, naming the first", async () => {
    const { host, clients } = await hostAndLateClients("k4", ["d-1"]);
    const first = new Barrier("k4-barrier", { host, clients });
    expect(() => new Barrier("k4-again", { host, clients })).toThrow(
      /KmsThresholdBarrier "k4-again": host must be a KmsHost without another KmsThresholdBarrier.*; received KmsHost "k4", whose barrier is KmsThresholdBarrier "k4-barrier"/,
    );
    // The first barrier ends (and logs its warnings) within the test, not after it.
    await valueOf(first.activationReport as never);
  });
});
