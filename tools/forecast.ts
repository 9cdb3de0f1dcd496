/**
 * Activation forecast: when the KMS clients of a planned stack activate, or why they never will.
 *
 * Pure model of kms-domain.md §2 (no Pulumi in this file):
 * - the host answers every request with its count of distinct machines seen in the last 30 days; it
 *   remembers 50 Windows machines and 10 Office machines;
 * - Windows client OS activates at count ≥ 25, Windows Server and Office at ≥ 5; servers and client OS
 *   add to the same Windows count, Office has its own;
 * - an unactivated client retries every activation interval (the host's, 120 min by default, once it has
 *   had a first answer), an activated one renews every renewal interval (7 days) and stays activated
 *   180 days after the last success;
 * - our threshold barrier: clients told 0xC004F038 (count too low) are asked again right after all
 *   clients of the host registered, i.e. at the end of the deployment.
 *
 * The deployment itself is modelled as instantaneous: clients make their first request in the order
 * they are declared, at minute 0. Times are minutes after the deployment.
 */
import { ACTIVATION } from "../components/catalog/activation";
import type { ActivationFamily, KmsClientSummary, KmsHostSummary } from "../components/summary";

/** The numbers the model uses: the catalog's (Microsoft's, see kms-domain.md §2.1 and §2.2). */
export const FORECAST_RULES = {
  thresholds: ACTIVATION.thresholds,
  countGroup: ACTIVATION.countGroup,
  hostMemory: { windows: ACTIVATION.hostMemory, office: ACTIVATION.officeHostMemory } as Record<
    CountGroup,
    number
  >,
  countWindowDays: ACTIVATION.countWindowDays,
  defaultActivationIntervalMinutes: ACTIVATION.defaultActivationIntervalMinutes,
  defaultRenewalIntervalMinutes: ACTIVATION.defaultRenewalIntervalMinutes,
  validityDays: ACTIVATION.validityDays,
};

export type CountGroup = "windows" | "office";

export const FAMILY_NAMES: Record<ActivationFamily, string> = {
  windowsClient: "Windows client OS",
  windowsServer: "Windows Server",
  office: "Office",
};

const FAMILIES: ActivationFamily[] = ["windowsClient", "windowsServer", "office"];

/** A KMS host as the forecast needs it. */
export interface ForecastHostSpec {
  name: string;
  /** Host's activation interval (minutes); default 120. */
  activationIntervalMinutes?: number;
  /** Host's renewal interval (minutes); default 10080. */
  renewalIntervalMinutes?: number;
  /** Clients outside the stack that also contacted the host in the last 30 days. */
  externalClients?: { windowsClient?: number; windowsServer?: number; office?: number };
  /** `false` when the host is known to have no Office host key; undefined = not declared (assumed present). */
  officeHostKey?: boolean;
  /** DNS zone the host's SRV record is published in, to match clients that discover by DNS. */
  dnsZone?: string;
  /** Host FQDN, to match clients given a `kmsServer`. */
  fqdn?: string;
}

/** A KMS client as the forecast needs it. Order in the spec = order of first requests. */
export interface ForecastClientSpec {
  name: string;
  /** Undefined when the product is not in the catalog (the forecast cannot place it). */
  family?: ActivationFamily;
  /** Name of the host it activates against (`host` argument, or the host the policies attribute it to). */
  host?: string;
  /**
   * Whether it joins the host's threshold barrier (only clients given `host` do: the barrier asks them
   * again at the end of the deployment). Others that get 0xC004F038 retry after the activation interval.
   * Default: true when `host` is given.
   */
  barrier?: boolean;
  /** `kmsServer` ("name" or "name:port"). */
  kmsServer?: string;
  /** `lookupDomain`, or undefined for DNS discovery in the machine's own domain. */
  lookupDomain?: string;
  /** Machine identity; clients with the same machine count once. Default: the client's name. */
  machine?: string;
  /** `false` when the client is configured but not asked to activate. Default true. */
  activate?: boolean;
  /**
   * Why the client is not forecast at all: a kms-guard policy blocks it, or its host cannot be told
   * (kms-plan fills this in from the policies, so that the forecast agrees with them).
   */
  notForecast?: string;
}

export interface ForecastSpec {
  hosts: ForecastHostSpec[];
  clients: ForecastClientSpec[];
}

/** When one client activates: minutes after deployment, or `null` for never. */
export interface ClientForecast {
  name: string;
  family?: ActivationFamily;
  machine: string;
  /** Count the host answers to the client's first request (undefined when not placed on a host). */
  firstCount?: number;
  /** Activated by its first request, during the deployment. */
  activatesOnFirstRequest: boolean;
  /** Activation time with our threshold barrier (re-ask at deployment end). */
  withBarrierMinutes: number | null;
  /** Activation time with Windows' default behaviour (retry after the activation interval). */
  defaultMinutes: number | null;
  /** Why it never activates (or why it is not forecast). */
  reason?: string;
}

export interface FamilyForecast {
  family: ActivationFamily;
  label: string;
  countGroup: CountGroup;
  threshold: number;
  /** Clients of this family placed on this host (activate ≠ false). */
  clients: number;
  /** Distinct machines in this family's count group from this stack. */
  distinctMachines: number;
  /** External clients counted in the same count group. */
  externalClients: number;
  /** Host count once every client made its first request (capped at the host's memory). */
  finalCount: number;
  reached: boolean;
  activatedOnFirstRequest: number;
  /** Clients that got 0xC004F038 first. */
  pending: number;
  /** When the last client of the family activates; null when some never do. */
  allActivated: { withBarrierMinutes: number | null; defaultMinutes: number | null };
  /**
   * From the moment the threshold is reached (during the deployment) to all activated; null when
   * never reached.
   */
  thresholdToAllActivated: { withBarrierMinutes: number | null; defaultMinutes: number | null };
  reason?: string;
  perClient: ClientForecast[];
}

export interface HostForecast {
  host: string;
  activationIntervalMinutes: number;
  renewalIntervalMinutes: number;
  validityDays: number;
  /** Only families with at least one client or external client. */
  families: FamilyForecast[];
  notes: string[];
}

export interface Forecast {
  hosts: HostForecast[];
  /** Clients that could not be placed on a host of the stack, with the reason. */
  unplaced: ClientForecast[];
}

function hostPart(server: string): string {
  const s = server.trim().toLowerCase();
  if (s.startsWith("[")) return s.slice(1, s.indexOf("]"));
  const i = s.lastIndexOf(":");
  return i > 0 && s.indexOf(":") === i ? s.slice(0, i) : s;
}

function placeClient(c: ForecastClientSpec, hosts: ForecastHostSpec[]): ForecastHostSpec | string {
  if (c.host !== undefined) {
    return hosts.find((h) => h.name === c.host) ?? `its host "${c.host}" is not in this stack`;
  }
  if (c.kmsServer !== undefined) {
    const target = hostPart(c.kmsServer);
    const found = hosts.find(
      (h) =>
        target === h.name.toLowerCase() ||
        (h.fqdn !== undefined && target === h.fqdn.toLowerCase().replace(/\.$/, "")) ||
        target.split(".")[0] === h.name.toLowerCase(),
    );
    return (
      found ?? `it activates against kmsServer "${c.kmsServer}", which is not a host of this stack`
    );
  }
  if (c.lookupDomain !== undefined) {
    const domain = c.lookupDomain.toLowerCase().replace(/\.$/, "");
    const found = hosts.find(
      (h) => h.dnsZone !== undefined && h.dnsZone.toLowerCase().replace(/\.$/, "") === domain,
    );
    if (found) return found;
  }
  if (hosts.length === 1) return hosts[0];
  if (hosts.length === 0) return "the stack declares no KMS host";
  return "it discovers its host through DNS and the stack has several hosts";
}

function interval(v: number | undefined, dflt: number): number {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : dflt;
}

/** Forecast for a stack. Pure and deterministic. */
export function forecast(spec: ForecastSpec): Forecast {
  const placed = new Map<string, ForecastClientSpec[]>();
  const unplaced: ClientForecast[] = [];
  for (const h of spec.hosts) placed.set(h.name, []);
  for (const c of spec.clients) {
    const machine = c.machine ?? c.name;
    if (c.family === undefined) {
      unplaced.push(
        never(
          c,
          machine,
          "its product is not in the catalog, so its family and threshold are unknown",
        ),
      );
      continue;
    }
    if (c.notForecast !== undefined) {
      unplaced.push(never(c, machine, c.notForecast));
      continue;
    }
    const where = placeClient(c, spec.hosts);
    if (typeof where === "string") {
      unplaced.push(never(c, machine, where));
      continue;
    }
    placed.get(where.name)!.push(c);
  }
  return { hosts: spec.hosts.map((h) => forecastHost(h, placed.get(h.name) ?? [])), unplaced };
}

function never(c: ForecastClientSpec, machine: string, reason: string): ClientForecast {
  return {
    name: c.name,
    family: c.family,
    machine,
    activatesOnFirstRequest: false,
    withBarrierMinutes: null,
    defaultMinutes: null,
    reason,
  };
}

function forecastHost(h: ForecastHostSpec, clients: ForecastClientSpec[]): HostForecast {
  const R = FORECAST_RULES;
  const activationInterval = interval(
    h.activationIntervalMinutes,
    R.defaultActivationIntervalMinutes,
  );
  const renewalInterval = interval(h.renewalIntervalMinutes, R.defaultRenewalIntervalMinutes);
  const ext = (f: ActivationFamily): number => Math.max(0, Math.floor(h.externalClients?.[f] ?? 0));
  const notes: string[] = [];
  if (renewalInterval >= R.countWindowDays * 24 * 60) {
    notes.push(
      `renewal interval ${renewalInterval} min is 30 days or more: the host forgets clients after 30 days, so its count can fall below the threshold between renewals`,
    );
  }

  // Simulate the first requests, in order, per count group.
  const groups: Record<CountGroup, { count: number; seen: Set<string>; external: number }> = {
    windows: { count: 0, seen: new Set(), external: ext("windowsClient") + ext("windowsServer") },
    office: { count: 0, seen: new Set(), external: ext("office") },
  };
  for (const g of Object.keys(groups) as CountGroup[]) {
    groups[g].count = Math.min(R.hostMemory[g], groups[g].external);
  }
  const first = new Map<ForecastClientSpec, number>();
  const active = clients.filter((c) => c.activate !== false);
  for (const c of active) {
    const g = groups[R.countGroup[c.family!]];
    const machine = c.machine ?? c.name;
    if (!g.seen.has(machine)) {
      g.seen.add(machine);
      g.count = Math.min(R.hostMemory[R.countGroup[c.family!]], g.count + 1);
    }
    first.set(c, g.count);
  }

  const families: FamilyForecast[] = [];
  for (const family of FAMILIES) {
    const mine = clients.filter((c) => c.family === family);
    const group = R.countGroup[family];
    const g = groups[group];
    if (mine.length === 0 && ext(family) === 0) continue;
    const threshold = R.thresholds[family];
    const finalCount = g.count;
    const noOfficeKey = family === "office" && h.officeHostKey === false;
    const reached = finalCount >= threshold && !noOfficeKey;
    let reason: string | undefined;
    if (noOfficeKey) {
      reason = "the host has no Office host key, so it cannot activate Office";
    } else if (!reached) {
      const dup = mine.length - new Set(mine.map((c) => c.machine ?? c.name)).size;
      reason =
        `the host's ${group === "windows" ? "Windows" : "Office"} count would reach ${finalCount} of the ${threshold} needed ` +
        `for ${FAMILY_NAMES[family]}: add ${threshold - finalCount} more distinct machine(s) active within 30 days, ` +
        `or declare the clients outside this stack in externalClients` +
        (dup > 0 ? ` (${dup} client(s) share a machine and count once)` : "");
    }
    const perClient: ClientForecast[] = mine.map((c) => {
      const machine = c.machine ?? c.name;
      if (c.activate === false) {
        return { ...never(c, machine, "activate is false"), firstCount: undefined };
      }
      const firstCount = first.get(c)!;
      if (noOfficeKey) return { ...never(c, machine, reason!), firstCount };
      if (firstCount >= threshold) {
        return {
          name: c.name,
          family,
          machine,
          firstCount,
          activatesOnFirstRequest: true,
          withBarrierMinutes: 0,
          defaultMinutes: 0,
        };
      }
      if (!reached) return { ...never(c, machine, reason!), firstCount };
      return {
        name: c.name,
        family,
        machine,
        firstCount,
        activatesOnFirstRequest: false,
        // Only barrier members are asked again at the deployment's end; the others wait for their retry.
        withBarrierMinutes: (c.barrier ?? c.host !== undefined) ? 0 : activationInterval,
        defaultMinutes: activationInterval,
      };
    });
    const requested = perClient.filter((p) => p.reason !== "activate is false");
    const onFirst = requested.filter((p) => p.activatesOnFirstRequest).length;
    const pending = requested.length - onFirst;
    const maxOf = (k: "withBarrierMinutes" | "defaultMinutes"): number | null =>
      requested.some((p) => p[k] === null)
        ? null
        : Math.max(0, ...requested.map((p) => p[k] as number));
    const allActivated = {
      withBarrierMinutes: maxOf("withBarrierMinutes"),
      defaultMinutes: maxOf("defaultMinutes"),
    };
    families.push({
      family,
      label: FAMILY_NAMES[family],
      countGroup: group,
      threshold,
      clients: requested.length,
      distinctMachines: g.seen.size,
      externalClients: g.external,
      finalCount,
      reached,
      activatedOnFirstRequest: onFirst,
      pending,
      allActivated,
      // The threshold is reached during the deployment (minute 0), so both spans equal the finish times.
      thresholdToAllActivated: reached
        ? allActivated
        : { withBarrierMinutes: null, defaultMinutes: null },
      reason,
      perClient,
    });
  }
  return {
    host: h.name,
    activationIntervalMinutes: activationInterval,
    renewalIntervalMinutes: renewalInterval,
    validityDays: R.validityDays,
    families,
    notes,
  };
}

/** Builds a forecast spec from the component summaries (components/summary.ts), in declaration order. */
export function specFromSummaries(
  hosts: KmsHostSummary[],
  clients: KmsClientSummary[],
): ForecastSpec {
  return {
    hosts: hosts.map((h) => ({
      name: h.name,
      activationIntervalMinutes: h.activationIntervalMinutes,
      renewalIntervalMinutes: h.renewalIntervalMinutes,
      externalClients: h.externalClients,
      officeHostKey: h.officeVersions === undefined ? undefined : h.officeVersions.length > 0,
      dnsZone: h.dns?.zoneName,
      fqdn: h.dns?.hostFqdn,
    })),
    clients: clients.map((c) => ({
      name: c.name,
      family: c.family,
      host: c.discovery === "host" ? c.hostName : undefined,
      barrier: c.discovery === "host",
      kmsServer: c.discovery === "kmsServer" ? c.kmsServer : undefined,
      lookupDomain: c.discovery === "lookupDomain" ? c.lookupDomain : undefined,
      machine: c.machine,
      activate: c.activate,
    })),
  };
}

function minutes(m: number | null): string {
  if (m === null) return "never";
  if (m === 0) return "at deployment end";
  return m % 1440 === 0 ? `${m / 1440} day(s) after` : `${m} min after`;
}

/** Human-readable forecast, one block per host. */
export function formatForecast(f: Forecast): string {
  const out: string[] = [];
  if (f.hosts.length === 0 && f.unplaced.length === 0)
    return "Activation forecast: no KMS host or client in this plan.";
  out.push(
    "Activation forecast (minutes after the deployment; barrier = pending clients asked again at its end)",
  );
  for (const h of f.hosts) {
    out.push(
      `  host ${h.host}: activation interval ${h.activationIntervalMinutes} min, renewal ${h.renewalIntervalMinutes} min, valid ${h.validityDays} days after each renewal`,
    );
    if (h.families.length === 0) out.push("    no clients");
    for (const fam of h.families) {
      const head =
        `    ${fam.label}: ${fam.clients} client(s)` +
        (fam.externalClients > 0
          ? ` + ${fam.externalClients} external in the ${fam.countGroup} count`
          : "") +
        `, count ${fam.finalCount}/${fam.threshold}`;
      if (!fam.reached) {
        out.push(`${head}: NEVER activate: ${fam.reason}`);
        continue;
      }
      out.push(
        `${head}: ${fam.activatedOnFirstRequest} on first request, ${fam.pending} pending (0xC004F038) until the threshold;` +
          ` all activated ${minutes(fam.allActivated.withBarrierMinutes)} with the barrier,` +
          ` ${minutes(fam.allActivated.defaultMinutes)} by default` +
          (fam.pending > 0
            ? ` (threshold → all: ${fam.thresholdToAllActivated.withBarrierMinutes} vs up to ${fam.thresholdToAllActivated.defaultMinutes} min)`
            : ""),
      );
      const outside = fam.perClient.filter(
        (p) =>
          !p.activatesOnFirstRequest && p.withBarrierMinutes !== null && p.withBarrierMinutes > 0,
      ).length;
      if (outside > 0)
        out.push(
          `      ${outside} pending client(s) are not in the host's threshold barrier (only clients given \`host\` are asked again at the deployment's end): they activate at their next retry`,
        );
      const off = fam.perClient.filter((p) => p.reason === "activate is false").length;
      if (off > 0) out.push(`      ${off} client(s) with activate: false are configured only`);
    }
    for (const n of h.notes) out.push(`    note: ${n}`);
  }
  for (const u of f.unplaced) out.push(`  ${u.name}: not forecast: ${u.reason}`);
  return out.join("\n");
}
