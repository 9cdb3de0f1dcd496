/**
 * Remote steps register azure-native's Run Command type without the class's 18 type aliases
 * (components/remote/runCommandResource.ts): the Node SDK spends about 0.8 MB and 45 ms per step on them,
 * which made a stack of 1,000 clients exceed 2 GB in `kms-plan`. Same type token, inputs and provider
 * version as the class. Counted from the registration requests, not timed.
 */
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle } from "./helpers/componentMocks";

installMocks();
const requests: { type: string; name: string; aliases: number; version: string }[] = [];
const monitor = (
  pulumi.runtime as unknown as {
    getMonitor(): { registerResource(req: never, cb: never): unknown };
  }
).getMonitor();
const original = monitor.registerResource.bind(monitor);
monitor.registerResource = ((
  req: {
    getType(): string;
    getName(): string;
    getAliasesList(): unknown[];
    getAliasspecsList?(): unknown[];
    getVersion(): string;
  },
  cb: never,
) => {
  requests.push({
    type: req.getType(),
    name: req.getName(),
    aliases: req.getAliasesList().length + (req.getAliasspecsList?.().length ?? 0),
    version: req.getVersion(),
  });
  return original(req as never, cb);
}) as never;

const { runScript } = require("../components/remote") as typeof import("../components/remote");
const compute =
  require("@pulumi/azure-native/compute") as typeof import("@pulumi/azure-native/compute");

test("a remote step registers the Run Command type with azure-native's provider version and no type aliases", async () => {
  runScript(
    "c1-setup",
    {
      target: {
        kind: "runCommand",
        azureVm: { resourceGroupName: "rg", vmName: "c1", location: "westeurope" },
      },
      script: "status",
      parameters: { Role: "client" },
    },
    {},
  );
  // What azure-native's class registers, for comparison.
  new compute.VirtualMachineRunCommandByVirtualMachine("by-class", {
    resourceGroupName: "rg",
    vmName: "c2",
  });
  await settle();
  const step = requests.find((r) => r.name === "c1-setup")!;
  const byClass = requests.find((r) => r.name === "by-class")!;
  expect(step.type).toBe("azure-native:compute:VirtualMachineRunCommandByVirtualMachine");
  expect(step.type).toBe(byClass.type);
  expect(step.version).toBe(byClass.version);
  expect(byClass.aliases).toBe(18);
  expect(step.aliases).toBe(0);
});
