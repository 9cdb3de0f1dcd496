/**
 * Plausible mock outputs for the resources this library registers, for `pulumi.runtime.setMocks`.
 *
 * Deterministic: the same program gives the same ids, addresses, CMIDs and script results. One context
 * per plan run (`createPlanMocks()`), so nothing leaks from one run into the next. The state of each
 * resource type is in mockResources.ts, script results in mockScripts.ts, a rehearsal's side (remote
 * steps run in the lab) in labMocks.ts.
 */
import { labCall, labNewResource } from "./labMocks";
import type { LabHook } from "./labSteps";
import { detectScript, mockScriptOutput } from "./mockScripts";
import { mockCall, mockState } from "./mockResources";
import type { MockCallArgs, MockResourceArgs, MockRun, MockState } from "./mockResources";
import { hash, paramsOf, strings } from "./mockValues";

export { detectScript, mockScriptOutput, mockScriptResult } from "./mockScripts";
export type { ScriptContext, ScriptKind } from "./mockScripts";
export { deterministicGuid, isSecretEnvelope, unwrapSecrets } from "./mockValues";
export { commandFailure, runCommandFailure } from "./labSteps";
export type { LabHook, ObservedResource, RemoteOutcome, RemoteStep } from "./labSteps";

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

/** What a plan run's mocks do beyond the defaults. */
export interface PlanMockOptions {
  /** Client setups end pending (0xC004F038) in the mocked results; the registered resources do not change. */
  clientsPendingAtSetup?: boolean;
  /** Remote steps run through this hook instead of being given mock results. */
  lab?: LabHook;
}

/** Creates a fresh, deterministic set of mock handlers. */
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

  const run: MockRun = { ipFor, scriptOutput, runCommands, blobs: new Map() };
  return {
    setParentType(type, name, parentType, parentUrn) {
      parentTypes.set(`${type}::${name}`, parentType);
      parentNames.set(`${type}::${name}`, parentUrn?.split("::").pop());
    },
    newResource(args) {
      const made = mockState(run, args);
      if (!options.lab) return made;
      const key = `${args.type}::${args.name}`;
      return labNewResource(options.lab, run, args, made, {
        type: parentTypes.get(key),
        name: parentNames.get(key),
      });
    },
    call(args) {
      return (options.lab ? labCall(run, args) : undefined) ?? mockCall(run, args);
    },
  };
}
