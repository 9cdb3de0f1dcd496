/**
 * Plausible mock outputs for the resources this library registers, for `pulumi.runtime.setMocks`.
 *
 * Deterministic: the same program gives the same ids, addresses, CMIDs and script results. One context
 * per plan run (`createPlanMocks()`), so nothing leaks from one run into the next.
 */
import { detectScript, mockScriptOutput } from "./mockScripts";
import { remoteStep } from "./labSteps";
import type { LabHook } from "./labSteps";
import {
  azureId,
  azureName,
  deterministicGuid,
  hash,
  paramsOf,
  strings,
  unwrapSecrets,
} from "./mockValues";

export { detectScript, mockScriptOutput, mockScriptResult } from "./mockScripts";
export type { ScriptContext, ScriptKind } from "./mockScripts";
export { deterministicGuid, isSecretEnvelope, unwrapSecrets } from "./mockValues";
export { commandFailure, runCommandFailure } from "./labSteps";
export type { LabHook, ObservedResource, RemoteOutcome, RemoteStep } from "./labSteps";

type MockState = { id: string | undefined; state: Record<string, unknown> };

/** Mock handlers for one plan run. */
export interface PlanMocks {
  newResource(args: MockResourceArgs): MockState;
  call(args: MockCallArgs): Record<string, unknown>;
  /**
   * Parent of the resource being registered, set by the plan's monitor wrapper: its type, and its URN
   * (the lab hook reads the parent component's name from it).
   */
  setParentType(
    type: string,
    name: string,
    parentType: string | undefined,
    parentUrn?: string,
  ): void;
}

/** Mock handlers whose remote steps run in a lab: they answer asynchronously. */
export interface LabPlanMocks extends Omit<PlanMocks, "newResource" | "call"> {
  newResource(args: MockResourceArgs): MockState | Promise<MockState>;
  call(args: MockCallArgs): Record<string, unknown> | Promise<Record<string, unknown>>;
}

interface MockResourceArgs {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  custom?: boolean;
  id?: string;
}
interface MockCallArgs {
  token: string;
  inputs: Record<string, unknown>;
}

/** Creates a fresh, deterministic set of mock handlers. */
export interface PlanMockOptions {
  /** Client setups end pending (0xC004F038) in the mocked results; the registered resources do not change. */
  clientsPendingAtSetup?: boolean;
  /** Remote steps run through this hook instead of being given mock results. */
  lab?: LabHook;
}

export function createPlanMocks(options?: PlanMockOptions & { lab?: undefined }): PlanMocks;
export function createPlanMocks(options: PlanMockOptions): PlanMocks | LabPlanMocks;
export function createPlanMocks(options: PlanMockOptions = {}): PlanMocks | LabPlanMocks {
  const usedIps = new Set<string>();
  const parentTypes = new Map<string, string | undefined>();
  const parentNames = new Map<string, string | undefined>();
  const clientMachines = new Set<string>();
  const runCommands = new Map<string, unknown>(); // `${vm}/${runCommandName}` → output (lab: instanceView)

  function ipFor(name: string): string {
    let x = 4 + (hash(`ip:${name}`).readUInt16BE(0) % 250);
    while (usedIps.has(`10.0.1.${x}`) && usedIps.size < 250) x = x >= 253 ? 4 : x + 1;
    const ip = `10.0.1.${x}`;
    usedIps.add(ip);
    return ip;
  }

  function scriptOutput(
    type: string,
    name: string,
    plain: Record<string, unknown>,
  ): string | undefined {
    const params = paramsOf(plain);
    const found = detectScript(
      name,
      strings(plain),
      parentTypes.get(`${type}::${name}`),
      params.Role,
    );
    if (!found) return undefined;
    const conn = plain.connection as { host?: unknown; port?: unknown } | undefined;
    const machine =
      typeof plain.vmName === "string"
        ? `azure:${plain.resourceGroupName ?? ""}/${plain.vmName}`
        : conn && typeof conn.host === "string"
          ? `ssh:${conn.host}:${conn.port ?? 22}`
          : name.replace(/-(setup|activate|count|status)$/, "");
    if (found.kind === "client-setup") clientMachines.add(machine);
    return mockScriptOutput({
      kind: found.kind,
      role: found.role,
      name,
      parameters: params,
      clientMachines: clientMachines.size,
      machine,
      pendingAtSetup: options.clientsPendingAtSetup,
    });
  }

  return {
    setParentType(type, name, parentType, parentUrn) {
      parentTypes.set(`${type}::${name}`, parentType);
      parentNames.set(`${type}::${name}`, parentUrn?.split("::").pop());
    },
    newResource(args) {
      const made = mockState(args);
      const lab = options.lab;
      if (!lab) return made;
      const { type, name } = args;
      const key = `${type}::${name}`;
      const observed = (): void =>
        lab.observe?.({
          type,
          name,
          ...(made.id !== undefined ? { id: made.id } : {}),
          custom: args.custom !== false,
          parentType: parentTypes.get(key),
          parentName: parentNames.get(key),
          inputs: unwrapSecrets(args.inputs) as Record<string, unknown>,
          state: unwrapSecrets(made.state) as Record<string, unknown>,
        });
      const step =
        args.custom === false
          ? undefined
          : remoteStep(type, name, args.inputs, {
              type: parentTypes.get(key),
              name: parentNames.get(key),
            });
      if (!step) {
        observed();
        return made;
      }
      return lab.run(step).then((outcome) => {
        if (outcome.exitCode !== 0) {
          // The step failed `pulumi up` (the hook reports it): the engine would stop the program, so
          // nothing that waits for this resource goes on. Its registration never completes; a rejection
          // would instead surface as unhandled rejections all through the SDK.
          return new Promise<MockState>(() => undefined);
        }
        if (step.transport === "runCommand") {
          const view = {
            executionState: "Succeeded",
            executionMessage: "",
            exitCode: 0,
            output: outcome.output,
            error: outcome.error,
          };
          runCommands.set(`${step.vm!.vmName}/${runCommandNameOf(name, args.inputs)}`, view);
          made.state.instanceView = view;
        } else {
          // @pulumi/command keeps stdout and stderr without their last newline.
          made.state.stdout = outcome.output.replace(/\n$/, "");
          made.state.stderr = outcome.error.replace(/\n$/, "");
        }
        observed();
        return made;
      });
    },
    call(args) {
      const lab = options.lab;
      if (
        lab &&
        args.token === "azure-native:compute:getVirtualMachineRunCommandByVirtualMachine"
      ) {
        const plain = unwrapSecrets(args.inputs) as Record<string, unknown>;
        const view = runCommands.get(`${plain.vmName}/${plain.runCommandName}`);
        if (view && typeof view === "object") {
          return {
            ...plain,
            id: azureId(
              "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
              String(plain.runCommandName),
              plain,
            ),
            name: plain.runCommandName,
            instanceView: view,
            provisioningState: "Succeeded",
          };
        }
      }
      return mockCall(args);
    },
  };

  function runCommandNameOf(name: string, inputs: Record<string, unknown>): string {
    const plain = unwrapSecrets(inputs) as Record<string, unknown>;
    return typeof plain.runCommandName === "string" ? plain.runCommandName : name;
  }

  function mockState({
    type,
    name,
    inputs,
    custom,
  }: {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    custom?: boolean;
  }): MockState {
    if (custom === false) return { id: undefined, state: inputs };
    const plain = unwrapSecrets(inputs) as Record<string, unknown>;
    const id = type.startsWith("azure-native:") ? azureId(type, name, plain) : `${name}-id`;
    const state: Record<string, unknown> = { ...inputs, name: azureName(type, name, plain) };
    switch (type) {
      case "azure-native:network:NetworkInterface": {
        const configs = Array.isArray(plain.ipConfigurations)
          ? plain.ipConfigurations
          : [{ name: "ipconfig1" }];
        state.ipConfigurations = configs.map((c: Record<string, unknown>, i: number) => ({
          ...c,
          privateIPAddress: c.privateIPAddress ?? (i === 0 ? ipFor(name) : ipFor(`${name}#${i}`)),
          privateIPAllocationMethod: c.privateIPAllocationMethod ?? "Dynamic",
          provisioningState: "Succeeded",
        }));
        state.macAddress = hash(`mac:${name}`)
          .toString("hex")
          .slice(0, 12)
          .toUpperCase()
          .replace(/(..)(?!$)/g, "$1-");
        break;
      }
      case "azure-native:compute:VirtualMachine":
        state.vmId = deterministicGuid(`vm:${id}`);
        state.provisioningState = "Succeeded";
        break;
      case "azure-native:dns:RecordSet":
      case "azure-native:privatedns:PrivateRecordSet": {
        const zone = plain.zoneName ?? plain.privateZoneName;
        state.fqdn = `${plain.relativeRecordSetName ?? name}.${zone}.`;
        state.provisioningState = "Succeeded";
        break;
      }
      case "azure-native:dns:Zone":
        state.nameServers = ["ns1-01.azure-dns.com.", "ns2-01.azure-dns.net."];
        break;
      case "azure-native:compute:VirtualMachineRunCommandByVirtualMachine": {
        const output = scriptOutput(type, name, plain) ?? "";
        runCommands.set(`${plain.vmName}/${plain.runCommandName ?? name}`, output);
        state.instanceView = {
          executionState: "Succeeded",
          executionMessage: "",
          exitCode: 0,
          output,
          error: "",
        };
        state.provisioningState = "Succeeded";
        break;
      }
      case "command:remote:Command":
      case "command:local:Command":
        state.stdout = scriptOutput(type, name, plain) ?? "";
        state.stderr = "";
        break;
    }
    return { id, state };
  }

  function mockCall({
    token,
    inputs,
  }: {
    token: string;
    inputs: Record<string, unknown>;
  }): Record<string, unknown> {
    const plain = unwrapSecrets(inputs) as Record<string, unknown>;
    if (token === "azure-native:compute:getVirtualMachineRunCommandByVirtualMachine") {
      const key = `${plain.vmName}/${plain.runCommandName}`;
      const output =
        runCommands.get(key) ??
        scriptOutput(
          "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
          String(plain.runCommandName ?? ""),
          plain,
        ) ??
        "";
      return {
        ...plain,
        id: azureId(
          "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
          String(plain.runCommandName),
          {
            ...plain,
          },
        ),
        name: plain.runCommandName,
        instanceView: { executionState: "Succeeded", exitCode: 0, output, error: "" },
        provisioningState: "Succeeded",
      };
    }
    return plain;
  }
}
