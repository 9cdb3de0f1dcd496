/**
 * Values the plan's mocks derive deterministically: secret envelopes unwrapped, GUIDs, Azure names and
 * ids, the parameters a Run Command or remote command carries.
 */
import { createHash } from "crypto";
// The SDK's own signatures of a secret envelope. `run.ts` loads the same SDK at module load, so this
// import loads nothing more; they are constants of the wire format, equal in every SDK version.
import {
  specialSecretSig as SECRET_SIG,
  specialSigKey as SECRET_SIG_KEY,
} from "@pulumi/pulumi/runtime";
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

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

export function hash(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

/** A deterministic GUID from a seed (used for CMIDs and VM ids). */
export function deterministicGuid(seed: string): string {
  const h = hash(seed).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Every string found in a value (for script headers). */
export function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (v !== null && typeof v === "object") Object.values(v).forEach((x) => strings(x, out));
  return out;
}

export function paramsOf(inputs: Record<string, unknown>): Record<string, string> {
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
export function azureName(type: string, name: string, inputs: Record<string, unknown>): string {
  const cls = type.split(":")[2] ?? "";
  const key = NAME_KEYS[cls] ?? cls.charAt(0).toLowerCase() + cls.slice(1) + "Name";
  return typeof inputs[key] === "string" ? (inputs[key] as string) : name;
}

export function azureId(type: string, name: string, inputs: Record<string, unknown>): string {
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
