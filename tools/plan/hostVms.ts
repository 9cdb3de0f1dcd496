/**
 * The host key's activation budget and the VMs KmsHost creates. One KMS host key (CSVLK) activates at
 * most six KMS hosts, and each of them at most ten times (activated, then reactivated up to nine times):
 * Microsoft, "Key Management Services (KMS) activation planning"; past that, activation fails with
 * 0xC004C008. A new host VM activates the key again, so a change that replaces the host's VM spends one.
 *
 * What an offline plan can know: the inputs of the VM this plan would create, not the deployed stack.
 * - Without a state, it names the inputs whose change gives a new VM (`REPLACING_INPUTS`) and says that it
 *   cannot see whether this update changes them (`pulumi preview` shows a replace of `<host>-vm`).
 * - With the inputs of an earlier plan (kms-plan --lab-state keeps them), it compares, and says which
 *   input changed.
 */
import type { PlanResult, PlannedResource } from "./types";

export const KMS_HOST_TYPE = "kms:index:KmsHost";
export const VM_TYPE = "azure-native:compute:VirtualMachine";

/** The CSVLK's budget (Microsoft, KMS activation planning). */
export const HOST_KEY_BUDGET = { hosts: 6, activationsPerHost: 10 } as const;

/**
 * The VM inputs whose change gives a new VM: the resource's identity (a new name, resource group or
 * region is a new VM), and properties Azure refuses to change on an existing VM (PropertyChangeNotAllowed:
 * the update fails, and replacing the VM by hand, e.g. `pulumi up --replace`, spends an activation too).
 * The size (`hardwareProfile.vmSize`) changes in place (a restart), not here.
 */
export const REPLACING_INPUTS = [
  "vmName",
  "resourceGroupName",
  "location",
  "storageProfile.imageReference",
  "osProfile.computerName",
  "osProfile.adminUsername",
] as const;

/** A host VM this plan would create: its KmsHost and the inputs that decide whether it is replaced. */
export interface HostVm {
  host: string;
  /** The VM resource's name (`<host>-vm`). */
  resource: string;
  /** Each of `REPLACING_INPUTS` as planned (JSON text; "[unknown]" when not known offline). */
  inputs: Record<string, string>;
}

function at(obj: Record<string, unknown>, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split(".")) {
    v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined;
  }
  return v;
}

/** The VMs KmsHosts of the plan create, in plan order. */
export function hostVms(resources: readonly PlannedResource[]): HostVm[] {
  const hosts = new Map(
    resources.filter((r) => r.type === KMS_HOST_TYPE).map((r) => [r.urn, r.name] as const),
  );
  return resources
    .filter((r) => r.type === VM_TYPE && r.parent !== undefined && hosts.has(r.parent))
    .map((r) => ({
      host: hosts.get(r.parent!)!,
      resource: r.name,
      inputs: Object.fromEntries(
        REPLACING_INPUTS.map((k) => [k, JSON.stringify(at(r.inputs, k) ?? null)]),
      ),
    }));
}

/** What replaces a host VM between two plans: per host, the inputs that changed (before → now). */
export function replacedHostVms(
  before: readonly HostVm[],
  now: readonly HostVm[],
): { host: string; resource: string; changed: string[] }[] {
  const out: { host: string; resource: string; changed: string[] }[] = [];
  for (const vm of now) {
    const old = before.find((b) => b.host === vm.host);
    if (!old) continue;
    const changed = REPLACING_INPUTS.filter(
      (k) =>
        old.inputs[k] !== vm.inputs[k] &&
        !String(old.inputs[k]).includes("[unknown]") &&
        !String(vm.inputs[k]).includes("[unknown]"),
    ).map((k) => `${k} ${old.inputs[k]} → ${vm.inputs[k]}`);
    if (old.resource !== vm.resource) changed.unshift(`resource ${old.resource} → ${vm.resource}`);
    if (changed.length > 0) out.push({ host: vm.host, resource: vm.resource, changed });
  }
  return out;
}

const BUDGET =
  `one host key (CSVLK) activates at most ${HOST_KEY_BUDGET.hosts} KMS hosts, each at most ` +
  `${HOST_KEY_BUDGET.activationsPerHost} times (Microsoft, KMS activation planning); past that, activation ` +
  "fails with 0xC004C008 and only Microsoft's Activation Center can add activations";

/** The warning for a host VM that a change replaces. */
export function replacementWarning(r: {
  host: string;
  resource: string;
  changed: string[];
}): string {
  return (
    `KmsHost "${r.host}": this change replaces its VM (${r.changed.join("; ")}). The new VM activates the ` +
    `host key again: ${BUDGET}.`
  );
}

/**
 * The plan's note on the host VMs it would create, when it has no earlier plan to compare with: what
 * would replace them, and that the offline plan cannot see whether this update does.
 */
export function hostVmNote(result: Pick<PlanResult, "resources">): string | undefined {
  const vms = hostVms(result.resources);
  if (vms.length === 0) return undefined;
  return [
    "Host VMs (each new host VM spends one activation of the host key):",
    ...vms.map(
      (v) =>
        `  ${v.host}: ${v.resource} is replaced by a change of ${REPLACING_INPUTS.join(", ")}; ${BUDGET}.`,
    ),
    "  kms-plan cannot see the deployed stack, so it cannot tell whether this update replaces them: look for a",
    "  replace of these VMs in `pulumi preview`, or keep --lab-state between rehearsals (it compares).",
  ].join("\n");
}
