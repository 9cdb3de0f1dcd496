/**
 * docs/azure-notes.md's `transforms` example, run as written (its ```ts block, with the package import
 * pointed at the sources) under the SDK's mocks, with transforms applied as the engine applies them
 * (helpers/engineTransforms.ts): the host VM gets the identity and the extra tag; no other child changes.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle, valueOf } from "./helpers/componentMocks";
import { applyTransformsLikeTheEngine } from "./helpers/engineTransforms";

const mocks = installMocks();
const stopCallbacks = applyTransformsLikeTheEngine();
afterAll(() => stopCallbacks());

const DOC = path.resolve(__dirname, "..", "docs", "azure-notes.md");

/** The first ```ts block after the heading "### Anything else: Pulumi `transforms`". */
function transformsExample(): string {
  const text = fs.readFileSync(DOC, "utf8");
  const at = text.indexOf("### Anything else: Pulumi `transforms`");
  expect(at).toBeGreaterThan(0);
  const m = /```ts\n([\s\S]*?)\n```/.exec(text.slice(at));
  if (!m) throw new Error("no ts block in the transforms section");
  return m[1];
}

/** Runs the example as a CommonJS module; returns its exports. */
function runExample(code: string): Record<string, unknown> {
  const js = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const exports: Record<string, unknown> = {};
  const requireFor = (id: string) =>
    id === "pulumi-kms-activation" ? require("../components") : require(id);
  new Function("exports", "require", js)(exports, requireFor);
  return exports;
}

test("the documented transform changes the host VM, and only it", async () => {
  pulumi.runtime.setAllConfig(
    {
      "project:hostKey": "BBBBB-CCCCC-DDDDD-FFFFF-KHMXV",
      "project:adminPassword": "Corr3ct-Horse-Battery!",
      "project:subnetId":
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/kms",
    },
    ["project:hostKey", "project:adminPassword"],
  );
  const { host } = runExample(transformsExample()) as { host: { vmId: pulumi.Output<string> } };
  await valueOf(host.vmId);
  await settle();
  const vm = mocks.one("azure-native:compute:VirtualMachine", "kms-vm").plain;
  expect(vm.identity).toEqual({ type: "SystemAssigned" });
  expect(vm.tags).toEqual({ costCenter: "it-1234", patchGroup: "kms" });
  // Everything else the component set is still there.
  expect(vm.securityProfile).toMatchObject({ securityType: "TrustedLaunch" });
  const nic = mocks.one("azure-native:network:NetworkInterface", "kms-nic").plain;
  expect(nic.identity).toBeUndefined();
  expect(nic.tags).toEqual({ costCenter: "it-1234" });
  const setup = mocks.one(
    "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
    "kms-setup",
  ).plain;
  expect(setup.tags).toEqual({ costCenter: "it-1234" });
});
