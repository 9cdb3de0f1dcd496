/**
 * Scripts by reference in the multi-language plugin (components/remote/scriptStore.ts): each Construct
 * call runs without a stack resource, so the blobs are children of their owner. A host with
 * `scriptStorage` registers all five; its clients and its barrier use them (one blob per script, not one
 * per client).
 */
import { installMocks, settle, valueOf } from "./helpers/componentMocks";

const mocks = installMocks();
const { pluginComponents } =
  require("../components/plugin") as typeof import("../components/plugin");
const { scopeScriptBlobsToOwners } =
  require("../components/remote") as typeof import("../components/remote");

type Ctor = new (name: string, args: object) => { [k: string]: unknown };
const [PluginHost, PluginClient, , Barrier] = pluginComponents as unknown as Ctor[];
const vm = (vmName: string) => ({ resourceGroupName: "rg", vmName, location: "westeurope" });
const scriptStorage = {
  accountName: "kmsscripts01",
  resourceGroupName: "rg",
  containerName: "kms-scripts",
};

test("a plugin host registers the five script blobs as its children; its clients and barrier use them", async () => {
  scopeScriptBlobsToOwners(); // what KmsComponentProvider's constructor does
  const host = new PluginHost("kms", {
    hostKey: "BBBBB-CCCCC-DDDDD-FFFFF-KHMXV",
    azureVm: vm("kms-vm"),
    scriptStorage,
  });
  await Promise.resolve();
  const clients = ["app-01", "app-02", "app-03"].map(
    (name) =>
      new PluginClient(name, {
        azureVm: vm(name),
        product: "Windows Server 2022 Datacenter",
        host,
      }),
  );
  const barrier = new Barrier("kms-barrier", { host, clients });
  await valueOf(barrier.activationReport as never, 10000);
  await settle();
  const blobs = mocks.resources.filter((r) => r.type === "azure-native:storage:Blob");
  expect(
    blobs.map((b) => String(b.plain.blobName).replace(/-[0-9a-f]{64}\.ps1$/, "")).sort(),
  ).toEqual(["client-activate", "client-rearm", "client-setup", "host-setup", "status"]);
  for (const b of blobs) expect(b.parent).toMatch(/::kms$/);
  const steps = mocks.resources.filter((r) =>
    r.type.endsWith(":VirtualMachineRunCommandByVirtualMachine"),
  );
  expect(steps.map((s) => s.name).sort()).toEqual([
    "app-01-activate",
    "app-01-setup",
    "app-02-activate",
    "app-02-setup",
    "app-03-activate",
    "app-03-setup",
    "kms-count",
    "kms-setup",
  ]);
  const uris = new Set(blobs.map((b) => String(b.plain.blobName)));
  for (const s of steps) {
    const source = s.plain.source as { scriptUri: string; script?: string };
    expect(source.script).toBeUndefined();
    expect(uris.has(source.scriptUri.split("/").pop()!)).toBe(true);
  }
});
