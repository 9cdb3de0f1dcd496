/**
 * The Managed Run Command resource of a remote step: `azure-native:compute:VirtualMachineRunCommandByVirtualMachine`,
 * the same type token, inputs, outputs and provider version as azure-native's class, without the class's 18
 * type aliases (`azure-native:compute/v20200601:…` to `…/v20260301:…`).
 *
 * Why: the Node SDK turns each alias of a child resource into outputs and URN computations; measured under
 * the plan's mocks, 2,000 run commands took 1.7 GB of heap and 91 s through the class, 190 MB and 20 s
 * without its aliases (docs/benchmarks.md, "Scale"). Two or three run commands per client made that the
 * largest cost of a stack of 1,000 clients. The aliases only move resources registered under a versioned
 * token (azure-native v1 and v2's explicit-version modules) to the default one; this library has only ever
 * registered the default token, so none of its run commands needs them.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as compute from "@pulumi/azure-native/compute";
// The provider version azure-native's own classes register with (so the engine uses the same plugin).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getVersion } = require("@pulumi/azure-native/utilities") as { getVersion(): string };

export const RUN_COMMAND_TYPE = "azure-native:compute:VirtualMachineRunCommandByVirtualMachine";

/** The outputs azure-native's class declares (they are filled from the provider's state). */
const OUTPUTS = [
  "azureApiVersion",
  "instanceView",
  "name",
  "provisioningState",
  "systemData",
  "type",
] as const;

export class RunCommand extends pulumi.CustomResource {
  /** @internal */
  static readonly __pulumiType = RUN_COMMAND_TYPE;
  /** The run command's name in Azure. */
  declare readonly name: pulumi.Output<string>;
  /** What Azure returned last (empty unless read with `$expand=instanceView`). */
  declare readonly instanceView: pulumi.Output<unknown>;

  constructor(
    name: string,
    args: compute.VirtualMachineRunCommandByVirtualMachineArgs,
    opts: pulumi.CustomResourceOptions = {},
  ) {
    const inputs: pulumi.Inputs = { ...args };
    for (const o of OUTPUTS) if (!(o in inputs)) inputs[o] = undefined;
    // The provider version, as azure-native's classes set it, without `pulumi.mergeOptions`: that turns a
    // `dependsOn` given as a Promise (the count step waits for every client's setup so) into an Output of
    // the resources, whose unknown-value checks then walk every object reachable from them (all clients,
    // their outputs and their host), several times: half of the allocations a plan of 300 clients made
    // beyond the hand-written program's (docs/benchmarks.md). The SDK reads a Promise `dependsOn` as is.
    super(RUN_COMMAND_TYPE, name, inputs, { ...opts, version: opts.version ?? getVersion() });
  }
}
