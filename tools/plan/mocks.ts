/**
 * Plausible mock outputs for the resources this library registers, for `pulumi.runtime.setMocks`.
 *
 * Deterministic: the same program gives the same ids, addresses, CMIDs and script results. One context
 * per plan run (`createPlanMocks()`), so nothing leaks from one run into the next.
 */
import { createHash } from "crypto";

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

export type ScriptKind = "host-setup" | "client-setup" | "client-activate" | "status";

/** What a mocked script run knows about its surroundings. */
export interface ScriptContext {
  kind: ScriptKind;
  role: "host" | "client";
  /** Resource name of the run command / command. */
  name: string;
  /** Parameters of the script (plain values; secrets unwrapped, never printed). */
  parameters: Record<string, string>;
  /** Distinct client machines that ran client-setup so far in this plan. */
  clientMachines: number;
  /** Machine identity, for the CMID. */
  machine: string;
  /** Client setups end pending (0xC004F038), as before a host's count reaches the threshold. */
  pendingAtSetup?: boolean;
}

/** Unwraps secret envelopes (`{ [sig]: secretSig, value }`) the mock monitor hands to `newResource`. */
export function unwrapSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[SECRET_SIG_KEY] === SECRET_SIG) return unwrapSecrets(o.value);
    const r: Record<string, unknown> = {};
    for (const k of Object.keys(o)) r[k] = unwrapSecrets(o[k]);
    return r;
  }
  return v;
}

/** True for a secret envelope. */
export function isSecretEnvelope(v: unknown): boolean {
  return (
    v !== null &&
    typeof v === "object" &&
    (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG
  );
}

function hash(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

/** A deterministic GUID from a seed (used for CMIDs and VM ids). */
export function deterministicGuid(seed: string): string {
  const h = hash(seed).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Which script a run command or command runs: the `# <script>.ps1` comment header of its text first,
 * then the resource name (`-count` → host status, `-activate` → client re-activation, `-setup` → host
 * or client setup, depending on the parent component).
 */
export function detectScript(
  name: string,
  texts: string[],
  parentType?: string,
  roleParameter?: string,
): { kind: ScriptKind; role: "host" | "client" } | undefined {
  const role = (fallback: "host" | "client"): "host" | "client" =>
    roleParameter === "host" || roleParameter === "client" ? roleParameter : fallback;
  const parentRole: "host" | "client" | undefined = parentType?.endsWith(":KmsHost")
    ? "host"
    : parentType?.endsWith(":KmsClient")
      ? "client"
      : undefined;
  for (const t of texts) {
    const m = /^\s*#\s*(host-setup|client-setup|client-activate|status)\.ps1\b/im.exec(t);
    if (m) {
      const kind = m[1] as ScriptKind;
      if (kind === "host-setup") return { kind, role: "host" };
      if (kind === "client-setup" || kind === "client-activate") return { kind, role: "client" };
      return { kind, role: role(/-count$/.test(name) ? "host" : (parentRole ?? "client")) };
    }
  }
  if (/-count$/.test(name)) return { kind: "status", role: role("host") };
  if (/-status$/.test(name)) return { kind: "status", role: role(parentRole ?? "client") };
  if (/-activate$/.test(name)) return { kind: "client-activate", role: "client" };
  if (/-setup$/.test(name)) {
    const r = parentRole ?? (/host|kms-?server/i.test(name) ? "host" : "client");
    return { kind: r === "host" ? "host-setup" : "client-setup", role: r };
  }
  return undefined;
}

function int(v: string | undefined, dflt: number): number {
  const n = v === undefined || v === "" ? NaN : Number(v);
  return Number.isInteger(n) && n > 0 ? n : dflt;
}

/** The one JSON result line a mocked script prints (see the result shapes in docs/plan.md). */
export function mockScriptResult(ctx: ScriptContext): Record<string, unknown> {
  const p = ctx.parameters;
  const host = {
    licenseStatus: "Licensed",
    licenseStatusCode: 1,
    isKmsHost: true,
    currentCount: ctx.kind === "host-setup" ? 0 : ctx.clientMachines,
    port: int(p.Port, 1688),
    dnsPublishing: p.DnsPublishing === "true",
    lowPriority: p.LowPriority === "true",
    activationIntervalMinutes: int(p.ActivationIntervalMinutes, 120),
    renewalIntervalMinutes: int(p.RenewalIntervalMinutes, 10080),
    partialProductKey: "XXXXX",
  };
  const kmsServer = p.KmsServer ? `${p.KmsServer}:${int(p.KmsPort, 1688)}` : "kms.example:1688";
  const client = {
    licenseStatus: "Licensed",
    licenseStatusCode: 1,
    activated: true,
    pending: false,
    pendingReason: null,
    cmid: deterministicGuid(`cmid:${ctx.machine}`),
    kmsServer,
  };
  const base = { script: ctx.kind, ok: true, changed: [] as string[], errorCode: null };
  if (ctx.kind === "client-setup" && ctx.pendingAtSetup) {
    return {
      ...base,
      ...client,
      errorCode: "0xC004F038",
      licenseStatus: "Notification",
      licenseStatusCode: 5,
      activated: false,
      pending: true,
      pendingReason: "The KMS host's count is too low",
    };
  }
  if (ctx.kind === "status")
    return { ...base, role: ctx.role, ...(ctx.role === "host" ? host : client) };
  return { ...base, ...(ctx.kind === "host-setup" ? host : client) };
}

/** Script output as the transports return it: a human log line, then the JSON line. */
export function mockScriptOutput(ctx: ScriptContext): string {
  return `[kms-plan mock] ${ctx.kind}.ps1 (${ctx.role}) on ${ctx.machine}\n${JSON.stringify(mockScriptResult(ctx))}\n`;
}

/** Every string found in a value (for script headers). */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (v !== null && typeof v === "object") Object.values(v).forEach((x) => strings(x, out));
  return out;
}

function paramsOf(inputs: Record<string, unknown>): Record<string, string> {
  const r: Record<string, string> = {};
  for (const key of ["parameters", "protectedParameters"]) {
    const list = inputs[key];
    if (!Array.isArray(list)) continue;
    for (const p of list) {
      if (p && typeof p === "object" && typeof (p as { name?: unknown }).name === "string") {
        const v = (p as { value?: unknown }).value;
        r[(p as { name: string }).name] = v === undefined || v === null ? "" : String(v);
      }
    }
  }
  // SSH transport: stdin carries `{ script, parameters }` as JSON.
  if (typeof inputs.stdin === "string" && inputs.stdin.trimStart().startsWith("{")) {
    try {
      const doc = JSON.parse(inputs.stdin) as { parameters?: Record<string, unknown> };
      for (const [k, v] of Object.entries(doc.parameters ?? {}))
        r[k] ??= v === null ? "" : String(v);
    } catch {
      // not JSON: no parameters
    }
  }
  return r;
}

const RESOURCE_SEGMENTS: Record<string, [string, string]> = {
  "azure-native:compute:VirtualMachine": ["Microsoft.Compute", "virtualMachines"],
  "azure-native:network:NetworkInterface": ["Microsoft.Network", "networkInterfaces"],
  "azure-native:network:NetworkSecurityGroup": ["Microsoft.Network", "networkSecurityGroups"],
  "azure-native:network:VirtualNetwork": ["Microsoft.Network", "virtualNetworks"],
  "azure-native:network:PublicIPAddress": ["Microsoft.Network", "publicIPAddresses"],
  "azure-native:dns:Zone": ["Microsoft.Network", "dnsZones"],
  "azure-native:privatedns:PrivateZone": ["Microsoft.Network", "privateDnsZones"],
};

const NAME_KEYS: Record<string, string> = {
  VirtualMachine: "vmName",
  VirtualMachineRunCommandByVirtualMachine: "runCommandName",
  RecordSet: "relativeRecordSetName",
  PrivateRecordSet: "relativeRecordSetName",
  ResourceGroup: "resourceGroupName",
};

/** Azure resource name as the provider would pick it: the explicit name input, else the Pulumi name. */
function azureName(type: string, name: string, inputs: Record<string, unknown>): string {
  const cls = type.split(":")[2] ?? "";
  const key = NAME_KEYS[cls] ?? cls.charAt(0).toLowerCase() + cls.slice(1) + "Name";
  return typeof inputs[key] === "string" ? (inputs[key] as string) : name;
}

function azureId(type: string, name: string, inputs: Record<string, unknown>): string {
  const rg = typeof inputs.resourceGroupName === "string" ? inputs.resourceGroupName : "rg";
  const base = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}`;
  if (type === "azure-native:resources:ResourceGroup") {
    return `/subscriptions/${SUBSCRIPTION}/resourceGroups/${azureName(type, name, inputs)}`;
  }
  const seg = RESOURCE_SEGMENTS[type];
  if (seg) return `${base}/providers/${seg[0]}/${seg[1]}/${azureName(type, name, inputs)}`;
  if (type === "azure-native:network:Subnet") {
    return `${base}/providers/Microsoft.Network/virtualNetworks/${inputs.virtualNetworkName}/subnets/${azureName(type, name, inputs)}`;
  }
  if (type === "azure-native:compute:VirtualMachineRunCommandByVirtualMachine") {
    return `${base}/providers/Microsoft.Compute/virtualMachines/${inputs.vmName}/runCommands/${azureName(type, name, inputs)}`;
  }
  const [, mod = "resources", cls = "Resource"] = type.split(":");
  return `${base}/providers/Microsoft.${mod}/${cls.charAt(0).toLowerCase()}${cls.slice(1)}s/${azureName(type, name, inputs)}`;
}

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

/** A remote step (a script run) as its transport carries it, handed to a lab that runs it. */
export interface RemoteStep {
  /** Resource type and name of the step (`<component>-setup`, `-count`, `-activate`, Office steps). */
  type: string;
  name: string;
  /** Type and name of the parent component, when there is one. */
  parentType?: string;
  parentName?: string;
  /** Which of our scripts it runs, when recognised. */
  script?: { kind: ScriptKind; role: "host" | "client" };
  transport: "runCommand" | "ssh";
  /** Run Command: the VM. */
  vm?: { resourceGroupName: string; vmName: string };
  /** SSH: where the connection goes. */
  ssh?: { host: string; port: number; user?: string };
  /** Run Command: the script text and its parameters as registered (secrets unwrapped). */
  runCommand?: {
    script: string;
    parameters: { name: string; value: string }[];
    protectedParameters: { name: string; value: string }[];
  };
  /** SSH: the command line and stdin as registered (secrets unwrapped). */
  command?: { create: string; stdin: string };
}

/** What the machine gave back: exit code, standard output (as the transport keeps it), error output. */
export interface RemoteOutcome {
  exitCode: number;
  output: string;
  error: string;
}

/** A resource as the lab hook sees it: plain inputs (secrets unwrapped) and the mock state made for it. */
export interface ObservedResource {
  type: string;
  name: string;
  /** The id the mocks gave it (custom resources). */
  id?: string;
  custom: boolean;
  parentType?: string;
  parentName?: string;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
}

/**
 * Runs the remote steps of a plan somewhere real enough (the lab of `kms-plan --lab`): each Run Command
 * or remote command resource waits for `run`, and the get-invoke that reads a Run Command's result
 * answers with what it returned. A step that exits non-zero fails `pulumi up`
 * (`treatFailureAsDeploymentFailure`, or the command provider's non-zero exit): its resource never
 * completes, so nothing that depends on it runs; the hook reports the failure (`runCommandFailure`,
 * `commandFailure` word it as `pulumi up` would).
 */
export interface LabHook {
  /** Called for every registered resource (components included), before its state is returned. */
  observe?(resource: ObservedResource): void;
  run(step: RemoteStep): Promise<RemoteOutcome>;
  /**
   * Steps running now, finished so far, and failed (exited non-zero): the plan ends a failed deployment
   * once nothing moves any more.
   */
  activity?(): { running: number; finished: number; failed: number };
}

/** Creates a fresh, deterministic set of mock handlers. */
export interface PlanMockOptions {
  /** Client setups end pending (0xC004F038), so the threshold barrier's re-activation steps appear. */
  clientsPendingAtSetup?: boolean;
  /** Remote steps run through this hook instead of being given mock results. */
  lab?: LabHook;
}

/** The last line of a script's output that is one JSON object with a `message`, if any. */
function scriptMessage(output: string): string | undefined {
  const lines = output.split(/\r?\n/).filter((l) => l.trim() !== "");
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i].trim();
    if (!l.startsWith("{")) continue;
    try {
      const doc = JSON.parse(l) as { message?: unknown; errorCode?: unknown };
      if (typeof doc.message === "string" && doc.message !== "") {
        return typeof doc.errorCode === "string" && !doc.message.includes(doc.errorCode)
          ? `${doc.errorCode}: ${doc.message}`
          : doc.message;
      }
    } catch {
      // not JSON
    }
    return undefined;
  }
  return undefined;
}

/** The tail of an output for an error message (the script's own message first when it printed one). */
function failureDetail(outcome: RemoteOutcome): string {
  const message = scriptMessage(outcome.output);
  const tail = `${outcome.output}${outcome.error ? `\n${outcome.error}` : ""}`.trim();
  const lines = tail.split(/\r?\n/).slice(-12).join("\n");
  return message ? `${message}\n--- last output ---\n${lines}` : lines;
}

/** The error a failed Run Command gives `pulumi up` (treatFailureAsDeploymentFailure: true). */
export function runCommandFailure(
  name: string,
  vm: { resourceGroupName: string; vmName: string },
  outcome: RemoteOutcome,
): Error {
  return new Error(
    `Run Command "${name}" on VM ${vm.resourceGroupName}/${vm.vmName} failed with exit code ${outcome.exitCode}: ${failureDetail(outcome)}`,
  );
}

/** The error a remote command that exits non-zero gives `pulumi up` (@pulumi/command). */
export function commandFailure(
  name: string,
  ssh: { host: string; port: number },
  outcome: RemoteOutcome,
): Error {
  return new Error(
    `command "${name}" on ${ssh.host}:${ssh.port}: Process exited with status ${outcome.exitCode}: ${failureDetail(outcome)}`,
  );
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
      const step = args.custom === false ? undefined : remoteStep(type, name, args.inputs);
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

  /** The step a Run Command or remote command resource carries, for the lab hook. */
  function remoteStep(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
  ): RemoteStep | undefined {
    const key = `${type}::${name}`;
    const plain = unwrapSecrets(inputs) as Record<string, unknown>;
    const params = paramsOf(plain);
    const script =
      detectScript(name, strings(plain), parentTypes.get(key), params.Role) ?? undefined;
    const base = {
      type,
      name,
      parentType: parentTypes.get(key),
      parentName: parentNames.get(key),
      ...(script ? { script } : {}),
    };
    const pairs = (v: unknown): { name: string; value: string }[] =>
      Array.isArray(v)
        ? v
            .filter((p) => p && typeof p === "object" && typeof p.name === "string")
            .map((p: { name: string; value?: unknown }) => ({
              name: p.name,
              value: p.value === undefined || p.value === null ? "" : String(p.value),
            }))
        : [];
    if (type === "azure-native:compute:VirtualMachineRunCommandByVirtualMachine") {
      const source = (plain.source ?? {}) as { script?: unknown };
      return {
        ...base,
        transport: "runCommand",
        vm: {
          resourceGroupName: String(plain.resourceGroupName ?? ""),
          vmName: String(plain.vmName ?? ""),
        },
        runCommand: {
          script: typeof source.script === "string" ? source.script : "",
          parameters: pairs(plain.parameters),
          protectedParameters: pairs(plain.protectedParameters),
        },
      };
    }
    if (type === "command:remote:Command") {
      const conn = (plain.connection ?? {}) as { host?: unknown; port?: unknown; user?: unknown };
      return {
        ...base,
        transport: "ssh",
        ssh: {
          host: String(conn.host ?? ""),
          port: typeof conn.port === "number" ? conn.port : 22,
          ...(typeof conn.user === "string" ? { user: conn.user } : {}),
        },
        command: {
          create: typeof plain.create === "string" ? plain.create : "",
          stdin: typeof plain.stdin === "string" ? plain.stdin : "",
        },
      };
    }
    return undefined;
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
