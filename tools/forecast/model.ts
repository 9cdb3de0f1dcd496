/**
 * The forecast model: when the KMS clients of a planned stack activate, or why they never will.
 *
 * Pure model of Microsoft's KMS rules ([PLAN], docs/sources.md; no Pulumi in this file):
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
import type { ActivationFamily } from "../../components/summary";
import { FAMILIES, FAMILY_NAMES, FORECAST_RULES } from "./rules";
import type { CountGroup } from "./rules";
import { placeClient } from "./placement";
import type {
  ClientForecast,
  FamilyForecast,
  Forecast,
  ForecastClientSpec,
  ForecastHostSpec,
  ForecastSpec,
  HostForecast,
} from "./types";

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
    // The host counts client machine IDs: clones of one image that share theirs count once.
    const machine = c.sharedCmid !== undefined ? `cmid:${c.sharedCmid}` : (c.machine ?? c.name);
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
      // Clients whose shared CMID is also another machine's (a single VM of an image counts as itself).
      const machinesOf = new Map<string, Set<string>>();
      for (const c of mine.filter((x) => x.sharedCmid !== undefined && x.imageUnknown !== true)) {
        const set = machinesOf.get(c.sharedCmid!) ?? new Set<string>();
        set.add(c.machine ?? c.name);
        machinesOf.set(c.sharedCmid!, set);
      }
      const clones = mine.filter(
        (c) =>
          c.sharedCmid !== undefined &&
          c.imageUnknown !== true &&
          (machinesOf.get(c.sharedCmid)?.size ?? 0) > 1,
      ).length;
      const unseen = mine.filter((c) => c.imageUnknown === true).length;
      reason =
        `the host's ${group === "windows" ? "Windows" : "Office"} count would reach ${finalCount} of the ${threshold} needed ` +
        `for ${FAMILY_NAMES[family]}: add ${threshold - finalCount} more distinct machine(s) active within 30 days, ` +
        `or declare the clients outside this stack in externalClients` +
        (dup > 0 ? ` (${dup} client(s) share a machine and count once)` : "") +
        (clones > 0
          ? ` (${clones} client(s) are VMs from one generalized image that share a client machine ID until rearmed, so the host counts them once: give their KmsClient rearm: true)`
          : "") +
        (unseen > 0
          ? ` (${unseen} client(s) are existing Azure VMs whose image kms-plan cannot see; Marketplace images are generalized with SkipRearm=1, so they may share a client machine ID and are counted once per image here: give their KmsClient rearm: true)`
          : "");
    }
    const clientForecast = (c: ForecastClientSpec): ClientForecast => {
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
    };
    const perClient: ClientForecast[] = mine.map((c) => {
      const p = clientForecast(c);
      return c.imageUnknown === true ? { ...p, mayShareCmid: true } : p;
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
      mayShareCmid: mine
        .filter((c) => c.imageUnknown === true && c.activate !== false)
        .map((c) => c.name),
      perClient,
    });
  }
  const mayShare = families.flatMap((f) => f.mayShareCmid);
  if (mayShare.length > 0) {
    notes.push(
      `${mayShare.length} client(s) on existing Azure VMs whose image kms-plan cannot see (${[...new Set(mayShare)].join(", ")}) ` +
        "may share a client machine ID (Marketplace images are generalized with SkipRearm=1); the counts above " +
        "count them once per image: give their KmsClient rearm: true",
    );
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
