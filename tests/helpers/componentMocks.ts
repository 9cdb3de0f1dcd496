/**
 * Mocks for component tests: records every registered resource (type, name, parent URN, inputs with
 * secret envelopes kept) and lets a test decide what each script prints. Import the components only after
 * `installMocks()` (jest gives every test file its own module registry and Pulumi state).
 */
import * as pulumi from "@pulumi/pulumi";
import { unwrapSecrets } from "../../tools/plan/mocks";

export interface Recorded {
  type: string;
  name: string;
  urn?: string;
  parent?: string;
  /** Inputs as the monitor received them: secrets are `{ 4dabf…: "1b47…", value }` envelopes. */
  inputs: Record<string, unknown>;
  /** Inputs with secret envelopes unwrapped. */
  plain: Record<string, unknown>;
  /** URNs of the resources it depends on (`dependsOn`, and resources its inputs come from). */
  dependencies?: string[];
}

export interface ScriptCall {
  /** Resource name of the run command / remote command, e.g. "kms-setup", "c1-activate". */
  name: string;
  script: "host-setup" | "client-rearm" | "client-setup" | "client-activate" | "status";
  parameters: Record<string, string>;
  machine: string;
}

/** What a responder is told besides the call. */
export interface ScriptContext {
  /**
   * Distinct machines whose client setup ran before this call: what a KMS host's count would be by then
   * (each client has a CMID of its own in these mocks, and every setup asks the host).
   */
  clientMachinesBefore: number;
}

/** What a script prints: the test returns the result object (printed as the last JSON line). */
export type ScriptResponder = (
  call: ScriptCall,
  context?: ScriptContext,
) => Record<string, unknown>;

export const defaultResponder: ScriptResponder = (call, context) => {
  if (call.script === "client-rearm") {
    return {
      script: call.script,
      ok: true,
      changed: ["rearm", "restartScheduled"],
      errorCode: null,
      licenseStatus: "Licensed",
      licenseStatusCode: 1,
      activated: false,
      pending: false,
      pendingReason: null,
      cmid: "cmid-image",
      cmidBefore: "cmid-image",
      rearm: "restart-pending",
      restartScheduled: true,
    };
  }
  if (call.script === "client-setup" || call.script === "client-activate") {
    return {
      script: call.script,
      ok: true,
      changed: [],
      errorCode: null,
      licenseStatus: "Licensed",
      licenseStatusCode: 1,
      activated: true,
      pending: false,
      pendingReason: null,
      cmid: `cmid-${call.machine}`,
      kmsServer: "kms.kms.internal:1688",
    };
  }
  return {
    script: call.script,
    ok: true,
    changed: [],
    errorCode: null,
    licenseStatus: "Licensed",
    licenseStatusCode: 1,
    isKmsHost: true,
    currentCount: call.script === "host-setup" ? 0 : (context?.clientMachinesBefore ?? 0),
    port: 1688,
    dnsPublishing: false,
    lowPriority: false,
    activationIntervalMinutes: 120,
    renewalIntervalMinutes: 10080,
    partialProductKey: "KHMXV",
  };
};

/**
 * Client setups end pending (0xC004F038: the host's count is below the threshold), except those
 * `activatesAtSetup` names; everything else answers as `defaultResponder` does.
 */
export function pendingAtSetup(
  activatesAtSetup: (call: ScriptCall) => boolean = () => false,
): ScriptResponder {
  return (call, context) =>
    call.script === "client-setup" && !activatesAtSetup(call)
      ? {
          ...defaultResponder(call, context),
          errorCode: "0xC004F038",
          activated: false,
          pending: true,
          licenseStatus: "Notification",
        }
      : defaultResponder(call, context);
}

export interface MockState {
  resources: Recorded[];
  scriptCalls: ScriptCall[];
  responder: ScriptResponder;
  reset(): void;
  byType(type: string): Recorded[];
  one(type: string, name: string): Recorded;
}

/** The input that holds the Azure name of a resource type (the provider reports it as `name`). */
const AZURE_NAME_INPUT: Record<string, string> = {
  "azure-native:resources:ResourceGroup": "resourceGroupName",
  "azure-native:network:VirtualNetwork": "virtualNetworkName",
  "azure-native:privatedns:PrivateZone": "privateZoneName",
  "azure-native:compute:VirtualMachine": "vmName",
  "azure-native:compute:VirtualMachineRunCommandByVirtualMachine": "runCommandName",
};

/** Which of our scripts a text is, by the parameters its param() block declares. */
function scriptOf(text: unknown): ScriptCall["script"] | undefined {
  if (typeof text !== "string") return undefined;
  if (/\$HostKey\b/.test(text)) return "host-setup";
  if (/\$SetupKey\b/.test(text)) return "client-setup";
  if (/\$SetupDigest\b/.test(text)) return "client-activate";
  if (/\$Role\b/.test(text)) return "status";
  if (/\$RestartDelaySeconds\b/.test(text)) return "client-rearm";
  return undefined;
}

export function installMocks(options: { preview?: boolean } = {}): MockState {
  const state: MockState = {
    resources: [],
    scriptCalls: [],
    responder: defaultResponder,
    reset() {
      this.resources.length = 0;
      this.scriptCalls.length = 0;
      this.responder = defaultResponder;
    },
    byType(type) {
      return this.resources.filter((r) => r.type === type);
    },
    one(type, name) {
      const found = this.resources.filter((r) => r.type === type && r.name === name);
      if (found.length !== 1) {
        throw new Error(
          `expected one ${type} named ${name}, found ${found.length}: ${this.resources.map((r) => `${r.type}::${r.name}`).join(", ")}`,
        );
      }
      return found[0];
    },
  };
  const outputs = new Map<string, string>();
  const run = (
    name: string,
    script: ScriptCall["script"],
    parameters: Record<string, string>,
    machine: string,
  ) => {
    const clientMachinesBefore = new Set(
      state.scriptCalls.filter((c) => c.script === "client-setup").map((c) => c.machine),
    ).size;
    const call = { name, script, parameters, machine };
    state.scriptCalls.push(call);
    return `log line before the result\r\n${JSON.stringify(state.responder(call, { clientMachinesBefore }))}\r\n`;
  };
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        const plain = unwrapSecrets(args.inputs) as Record<string, unknown>;
        const rec = state.resources.find(
          (r) => r.type === args.type && r.name === args.name && r.urn === undefined,
        );
        if (rec) {
          rec.inputs = args.inputs;
          rec.plain = plain;
        } else {
          state.resources.push({ type: args.type, name: args.name, inputs: args.inputs, plain });
        }
        // A preview's provider knows only the inputs: computed outputs (names, addresses, ids, script
        // output) stay unknown.
        if (options.preview) return { id: undefined, state: args.inputs };
        const nameInput = AZURE_NAME_INPUT[args.type];
        const out: Record<string, unknown> = {
          ...args.inputs,
          name: (nameInput ? plain[nameInput] : undefined) ?? args.name,
        };
        if (args.type === "azure-native:managedidentity:UserAssignedIdentity") {
          out.clientId = "00000000-0000-4000-8000-00000000c11e";
          out.principalId = "00000000-0000-4000-8000-0000000000a1";
        }
        if (args.type === "azure-native:network:NetworkInterface") {
          out.ipConfigurations = [
            { ...(plain.ipConfigurations as object[])[0], privateIPAddress: "10.50.1.4" },
          ];
          out.dnsSettings = { internalDomainNameSuffix: "abc.ax.internal.cloudapp.net" };
        }
        if (args.type === "azure-native:compute:VirtualMachineRunCommandByVirtualMachine") {
          const params = Object.fromEntries(
            [
              ...((plain.parameters as { name: string; value: string }[]) ?? []),
              ...((plain.protectedParameters as { name: string; value: string }[]) ?? []),
            ].map((p) => [p.name, p.value]),
          );
          const source = plain.source as { script?: string; scriptUri?: string } | undefined;
          // A script by reference is named by its blob: `<script>-<sha256>.ps1`.
          const byUri = /\/([a-z-]+)-[0-9a-f]{64}\.ps1$/.exec(source?.scriptUri ?? "")?.[1];
          const script =
            (byUri as ScriptCall["script"] | undefined) ?? scriptOf(source?.script) ?? "status";
          outputs.set(
            `${plain.vmName}/${plain.runCommandName}`,
            run(args.name, script, params, `azure:${plain.resourceGroupName}/${plain.vmName}`),
          );
        }
        if (args.type === "command:remote:Command") {
          const stdin = JSON.parse(String(plain.stdin)) as {
            script: string;
            parameters: Record<string, string>;
          };
          const conn = plain.connection as { host: string; port: number };
          out.stdout = run(
            args.name,
            scriptOf(stdin.script) ?? "status",
            stdin.parameters,
            `ssh:${conn.host}:${conn.port}`,
          );
          out.stderr = "";
        }
        return { id: args.custom === false ? undefined : `${args.name}-id`, state: out };
      },
      call(args) {
        const plain = unwrapSecrets(args.inputs) as Record<string, unknown>;
        if (args.token === "azure-native:compute:getVirtualMachineRunCommandByVirtualMachine") {
          return {
            instanceView: {
              executionState: "Succeeded",
              exitCode: 0,
              output: outputs.get(`${plain.vmName}/${plain.runCommandName}`) ?? "",
            },
          };
        }
        if (args.token === "azure-native:compute:getVirtualMachine") {
          return {
            id: `/subscriptions/s/resourceGroups/${plain.resourceGroupName}/providers/Microsoft.Compute/virtualMachines/${plain.vmName}`,
          };
        }
        return args.inputs;
      },
    },
    "project",
    "stack",
    options.preview ?? false,
  );
  // Record parents: the mock monitor's newResource does not see them.
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
      getParent(): string;
      getDependenciesList?(): string[];
    },
    cb: (err: unknown, resp: { getUrn(): string }) => void,
  ) => {
    const rec: Recorded = {
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent() || undefined,
      inputs: {},
      plain: {},
      dependencies: req.getDependenciesList?.() ?? [],
    };
    state.resources.push(rec);
    return original(
      req as never,
      ((err: unknown, resp: { getUrn(): string }) => {
        if (resp) rec.urn = resp.getUrn();
        cb(err, resp);
      }) as never,
    );
  }) as never;
  return state;
}

/** The value of an output (resolves to undefined when unknown in preview, after a short wait). */
export function valueOf<T>(o: pulumi.Output<T>, timeoutMs = 2000): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    o.apply((v) => {
      clearTimeout(timer);
      resolve(v);
      return v;
    });
  });
}

/** Waits until every registration started so far has finished. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 50));
}
