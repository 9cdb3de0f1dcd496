/**
 * The rehearsal's verdicts: a client counts as activated only when a KMS host of this program activated
 * it. A Marketplace VM that Azure's own KMS licensed, and that got 0xC004F038 from our host, is pending:
 * on Azure it stays on Azure's licence until our host's count is reached (or forever, when it is not).
 *
 * - `licensedBy`: who holds the licence now ("name:port" as the client reached it; the lab's own
 *   `licensedBy` when it reports one, else its `activatedBy` while the product is Licensed).
 * - `activated` / `activatedBy`: licensed by a host of this program: the lab's `licensedByMachine` when
 *   it reports one, else the name the client reached it by (VM name, address, fqdn, A and SRV records:
 *   every name the rehearsal told the lab's DNS).
 * - `clientVerdicts`: each KmsClient the program points at one of its hosts (the forecast's placement,
 *   which is the policies' attribution) and asks to activate, with whether it ended activated by it.
 */
import type { Forecast } from "../forecast";
import { licenseStatusName } from "./results";
import type { LabClientVerdict, LabLike, LabMachineState, RehearsalMachine } from "./types";

/** Azure's own KMS (Marketplace images point Windows at it), never a host of this program. */
const AZURE_KMS = /^(azkms|kms)\.core\.windows\.net$/i;

function normalize(name: string): string {
  return name.trim().replace(/\.$/, "").toLowerCase();
}

/** "name:port" / "[v6]:port" → name. */
function hostOf(by: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(by.trim());
  if (bracketed) return normalize(bracketed[1]);
  const colons = by.split(":").length - 1;
  return normalize(colons === 1 ? by.slice(0, by.indexOf(":")) : by);
}

/**
 * The names the rehearsal tells the lab's DNS (name → lab machine), recorded by wrapping the lab: the
 * names clients reach a host by.
 */
export function recordingLab(lab: LabLike, names: Map<string, string>): LabLike {
  const setAddress: LabLike["setAddress"] = (fqdn, machine) => {
    names.set(normalize(fqdn), machine);
    return lab.setAddress(fqdn, machine);
  };
  // Every other member passes through (methods bound to the lab), whatever the lab offers.
  return new Proxy(lab, {
    get(target, prop) {
      if (prop === "setAddress") return setAddress;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * Whether "name:port" is a host of this program: the name resolves (as the lab resolves it: a recorded
 * DNS name, else a machine's own name, bare or with a domain) to a lab machine whose role is "host".
 */
export function ourHostTest(
  names: ReadonlyMap<string, string>,
  hostMachines: ReadonlySet<string>,
): (by: string | undefined) => boolean {
  const hosts = new Set([...hostMachines].map(normalize));
  return (by) => {
    if (by === undefined || by === "") return false;
    const name = hostOf(by);
    if (AZURE_KMS.test(name)) return false;
    const machine = names.get(name);
    if (machine !== undefined) return hosts.has(normalize(machine));
    return hosts.has(name.split(".")[0]);
  };
}

/**
 * Whether a host of this program holds the licence of a lab state (or its Office entry): the lab's
 * `licensedByMachine` when it reports one (tools/lab names the host machine that answered), else the
 * name the client reached its KMS by (`licensedBy`), resolved as the lab resolves it.
 */
export function heldByOurs(
  s: Record<string, unknown> | undefined,
  ours: (by: string | undefined) => boolean,
  hostMachines: ReadonlySet<string>,
): boolean {
  if (s === undefined) return false;
  const by = licensedByOf(s);
  if (by === undefined) return false;
  if (typeof s.licensedByMachine === "string" && s.licensedByMachine !== "") {
    return hostMachines.has(s.licensedByMachine);
  }
  return ours(by);
}

/** Who holds a product's licence now, from a lab state (or its Office entry). */
export function licensedByOf(s: Record<string, unknown>): string | undefined {
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  if (licenseStatusName(s.licenseStatus) !== "Licensed") return undefined;
  return str(s.licensedBy) ?? str(s.activatedBy);
}

/**
 * Judges the machines' rows: a client is `activated` only when a host of this program holds its
 * licence (`activatedBy` is then that host); `licensedBy` says who holds it now. Hosts keep their own
 * verdict (their host key activated online).
 */
export function judgeMachines(
  rows: RehearsalMachine[],
  states: readonly LabMachineState[],
  ours: (by: string | undefined) => boolean,
): RehearsalMachine[] {
  const stateOf = new Map(states.map((s) => [s.name, s]));
  const hosts = new Set(rows.filter((r) => r.role === "host").map((r) => r.name));
  return rows.map((row) => {
    if (row.role === "host") return row;
    const state = stateOf.get(row.name);
    const licensedBy = state ? licensedByOf(state) : undefined;
    const activated = heldByOurs(state, ours, hosts);
    const { activatedBy: _, licensedBy: __, ...rest } = row;
    return {
      ...rest,
      activated,
      ...(activated ? { activatedBy: licensedBy } : {}),
      ...(licensedBy ? { licensedBy } : {}),
    };
  });
}

/** The Office entry of a lab state for `product` (else its only one). */
function officeEntry(
  state: LabMachineState | undefined,
  product: string | undefined,
): Record<string, unknown> | undefined {
  const list = Array.isArray(state?.office) ? (state!.office as Record<string, unknown>[]) : [];
  return (
    list.find((o) => product !== undefined && o.product === product) ??
    (list.length === 1 ? list[0] : undefined)
  );
}

/**
 * Every KmsClient the program points at one of its hosts (placed on a host by the forecast, with
 * `activate` not false), with whether a host of this program activated it by the rehearsal's end.
 * Clients whose machine the rehearsal did not reach (no step ran there) are left out.
 */
export function clientVerdicts(
  forecast: Forecast,
  machines: readonly RehearsalMachine[],
  states: readonly LabMachineState[],
  ours: (by: string | undefined) => boolean,
): LabClientVerdict[] {
  const byTarget = new Map(machines.map((m) => [m.target, m]));
  const stateOf = new Map(states.map((s) => [s.name, s]));
  const hosts = new Set(machines.filter((r) => r.role === "host").map((r) => r.name));
  const out: LabClientVerdict[] = [];
  for (const h of forecast.hosts) {
    for (const f of h.families) {
      for (const c of f.perClient) {
        if (c.reason === "activate is false") continue;
        const row = byTarget.get(c.machine);
        if (!row) continue;
        let licensedBy: string | undefined;
        let errorCode: string | undefined;
        let activated: boolean;
        if (f.family === "office") {
          const o = officeEntry(stateOf.get(row.name), row.office);
          licensedBy = o ? licensedByOf(o) : undefined;
          const last = o?.errorCode ?? o?.lastResult;
          errorCode = typeof last === "string" && last.startsWith("0x") ? last : undefined;
          activated = heldByOurs(o, ours, hosts);
        } else {
          licensedBy = row.licensedBy;
          errorCode = row.errorCode;
          activated = row.activated;
        }
        out.push({
          client: c.name,
          machine: row.name,
          host: h.host,
          family: f.family,
          activated,
          ...(activated ? { activatedBy: licensedBy } : {}),
          ...(licensedBy ? { licensedBy } : {}),
          ...(errorCode && !activated ? { errorCode } : {}),
        });
      }
    }
  }
  return out;
}

/** Why a client is not activated by its host, in one line. */
export function verdictReason(v: LabClientVerdict): string {
  const pending =
    v.errorCode === "0xC004F038"
      ? "pending (0xC004F038: the host's count was below the threshold when it asked; it asks again at its next retry)"
      : v.errorCode
        ? `last error ${v.errorCode}`
        : "not activated";
  const licence = v.licensedBy
    ? AZURE_KMS.test(hostOf(v.licensedBy))
      ? `; licensed by Azure's KMS (${v.licensedBy}), which is not KmsHost "${v.host}"`
      : `; licensed by ${v.licensedBy}, not by KmsHost "${v.host}"`
    : "";
  return `${pending}${licence}`;
}

/** A client on which the forecast and the rehearsal disagree at the end of the deployment. */
export interface OutcomeDisagreement {
  client: string;
  /** The forecast: activated when `pulumi up` ends (with the barrier), or when it says it will be. */
  forecast: string;
  /** The rehearsal: activated by its host at its end, or not (and why). */
  rehearsal: string;
}

/**
 * Where the forecast's per-client outcome at the end of the deployment (activated then, or not yet /
 * never) differs from the rehearsal's verdict (activated by that host, or not). Clients the forecast
 * places on a host and asks to activate are compared; one the rehearsal did not reach counts as not
 * activated. Which of a family's clients makes the count reach the threshold depends on the order of their
 * requests, which a deployment does not fix (setups run in parallel): among the clients whose outcome
 * depends on it (activated by their first request, or by a retry after the deployment), only how many
 * are activated at the end is compared; every other client is compared on its own.
 */
export function outcomeDisagreements(
  forecast: Forecast,
  verdicts: readonly LabClientVerdict[],
): OutcomeDisagreement[] {
  const byClient = new Map(verdicts.map((v) => [v.client, v]));
  const out: OutcomeDisagreement[] = [];
  for (const h of forecast.hosts) {
    for (const f of h.families) {
      const compared = f.perClient.filter((c) => c.reason !== "activate is false");
      const orderDependent = compared.filter(
        (c) =>
          c.withBarrierMinutes !== null && (c.activatesOnFirstRequest || c.withBarrierMinutes > 0),
      );
      const countAtEnd = (cs: typeof compared, actual: boolean) =>
        cs.filter((c) =>
          actual ? byClient.get(c.name)?.activated === true : c.withBarrierMinutes === 0,
        ).length;
      const sameCount = countAtEnd(orderDependent, false) === countAtEnd(orderDependent, true);
      for (const c of compared) {
        if (sameCount && orderDependent.includes(c)) continue;
        const predicted = c.withBarrierMinutes === 0;
        const v = byClient.get(c.name);
        const actual = v?.activated === true;
        if (predicted === actual) continue;
        out.push({
          client: c.name,
          forecast: predicted
            ? `activated by ${h.host} at the end of the deployment`
            : c.withBarrierMinutes === null
              ? `never activated by ${h.host}: ${c.reason ?? "?"}`
              : `activated by ${h.host} ${c.withBarrierMinutes} min after the deployment`,
          rehearsal: v
            ? actual
              ? `activated by ${v.activatedBy ?? h.host}`
              : `not activated: ${verdictReason(v)}`
            : "not rehearsed on a machine of its own",
        });
      }
    }
  }
  return out;
}
