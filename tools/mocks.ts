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

/** Mock handlers for one plan run. */
export interface PlanMocks {
  newResource(args: {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    custom?: boolean;
    id?: string;
  }): { id: string | undefined; state: Record<string, unknown> };
  call(args: { token: string; inputs: Record<string, unknown> }): Record<string, unknown>;
  /** Parent type of the resource being registered, set by the plan's monitor wrapper. */
  setParentType(type: string, name: string, parentType: string | undefined): void;
}

/** Creates a fresh, deterministic set of mock handlers. */
export interface PlanMockOptions {
  /** Client setups end pending (0xC004F038), so the threshold barrier's re-activation steps appear. */
  clientsPendingAtSetup?: boolean;
}

export function createPlanMocks(options: PlanMockOptions = {}): PlanMocks {
  const usedIps = new Set<string>();
  const parentTypes = new Map<string, string | undefined>();
  const clientMachines = new Set<string>();
  const runCommands = new Map<string, string>(); // `${vm}/${runCommandName}` → output

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
    setParentType(type, name, parentType) {
      parentTypes.set(`${type}::${name}`, parentType);
    },
    newResource({ type, name, inputs, custom }) {
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
    },
    call({ token, inputs }) {
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
    },
  };
}
