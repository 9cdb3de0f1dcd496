/**
 * The counting behind enforce-activation-threshold: distinct machines per count group (Windows, Office)
 * attributed to a KMS host, plus its externalClients, and the findings for one host and for hosts of one
 * DNS domain that share its clients by SRV weight.
 */
import { ACTIVATION, FAMILY_LABELS, type ActivationFamily } from "pulumi-kms-activation-catalog";
import { isKnownNumber, isKnownString } from "./values";
import { clientsPhrase, quoteList, reportAdvisory } from "./text";
import type { ClientEntry, HostEntry } from "./stack";
import type { SharedHosts } from "./attribution";

type CountGroup = "windows" | "office";

const FAMILIES: readonly ActivationFamily[] = ["windowsServer", "windowsClient", "office"];
const GROUP_LABEL: Record<CountGroup, string> = { windows: "Windows", office: "Office" };

const WAYS_OUT: Record<CountGroup, string> = {
  windows:
    "Ways out: add Windows machines that activate against this host; declare the machines outside this stack " +
    "that use it in externalClients.windowsClient / externalClients.windowsServer; for Azure VMs, use Azure KMS " +
    "(azkms.core.windows.net:1688), which has no threshold; or use Active Directory-based activation or MAK keys.",
  office:
    "Ways out: add Office machines that activate against this host; declare the machines outside this stack " +
    "that use it in externalClients.office; or use Active Directory-based activation or MAK keys (Azure KMS " +
    "does not activate Office).",
};

function externalCount(host: HostEntry, group: CountGroup): number {
  const ext = host.summary?.externalClients;
  const n = (v: unknown) => (isKnownNumber(v) && v > 0 ? Math.floor(v) : 0);
  if (!ext) return 0;
  return group === "windows" ? n(ext.windowsClient) + n(ext.windowsServer) : n(ext.office);
}

interface GroupCount {
  /** Clients of this count group attributed to the host, in stack order. */
  clients: ClientEntry[];
  /** Distinct known machines. */
  distinct: number;
  /** Clients whose machine is not known at preview. */
  unknownMachine: ClientEntry[];
  /** Clients on a machine already counted. */
  duplicates: number;
  /** Clients on VMs made from one Marketplace image and not rearmed, counted once per image. */
  clones: ClientEntry[];
  external: number;
  /** Lowest and highest possible count. */
  low: number;
  high: number;
}

function countGroup(host: HostEntry, clients: ClientEntry[], group: CountGroup): GroupCount {
  const machines = new Set<string>();
  const unknownMachine: ClientEntry[] = [];
  let duplicates = 0;
  const clones: ClientEntry[] = [];
  for (const c of clients) {
    const m = c.sharedCmid !== undefined ? `cmid:${c.sharedCmid}` : c.summary?.machine;
    if (c.sharedCmid !== undefined) clones.push(c);
    if (!isKnownString(m)) unknownMachine.push(c);
    else if (machines.has(m.toLowerCase())) duplicates++;
    else machines.add(m.toLowerCase());
  }
  // Only an image with several clones changes the count.
  const cloneClients = clones.filter(
    (c) => clones.filter((o) => o.sharedCmid === c.sharedCmid).length > 1,
  );
  const external = externalCount(host, group);
  const distinct = machines.size;
  // Unknown machines may all be one machine already counted (or one machine when none is known).
  const low = distinct + (distinct === 0 && unknownMachine.length > 0 ? 1 : 0) + external;
  const high = distinct + unknownMachine.length + external;
  return {
    clients,
    distinct,
    unknownMachine,
    duplicates,
    clones: cloneClients,
    external,
    low,
    high,
  };
}

function needPhrase(family: ActivationFamily, need: number, margin: number, count: number): string {
  const threshold = ACTIVATION.thresholds[family];
  const base =
    margin > 0
      ? `${need} (${threshold} + marginMachines ${margin}; ${need - count} more)`
      : `${need} (${need - count} more)`;
  return `${FAMILY_LABELS[family]}${family === "windowsClient" ? " OS" : ""} needs ${base}`;
}

function machines(n: number, group: CountGroup): string {
  return `${n} distinct ${GROUP_LABEL[group]} ${n === 1 ? "machine" : "machines"}`;
}

function familyName(family: ActivationFamily): string {
  return `${FAMILY_LABELS[family]}${family === "windowsClient" ? " OS" : ""}`;
}

export function checkHost(
  host: HostEntry,
  clients: ClientEntry[],
  margin: number,
  report: (message: string, urn?: string) => void,
): void {
  for (const group of ["windows", "office"] as CountGroup[]) {
    const inGroup = clients.filter(
      (c) => c.summary?.family && ACTIVATION.countGroup[c.summary.family] === group,
    );
    if (inGroup.length === 0) continue;
    const count = countGroup(host, inGroup, group);
    const failing: ActivationFamily[] = [];
    const undecided: ActivationFamily[] = [];
    for (const family of FAMILIES) {
      if (!inGroup.some((c) => c.summary?.family === family)) continue;
      const need = ACTIVATION.thresholds[family] + margin;
      if (count.high < need) failing.push(family);
      else if (count.low < need) undecided.push(family);
    }
    if (failing.length > 0) {
      const never = inGroup.filter((c) => failing.includes(c.summary!.family!)).map((c) => c.name);
      const atMost = count.unknownMachine.length > 0 ? " at most" : "";
      const dup =
        count.duplicates > 0
          ? `; ${count.duplicates} ${count.duplicates === 1 ? "KmsClient is on a machine" : "KmsClients are on machines"} already counted`
          : "";
      const clones =
        count.clones.length > 0
          ? `${clientsPhrase(count.clones.map((c) => c.name))} ${count.clones.length === 1 ? "is a VM" : "are VMs"} ` +
            "this stack creates from one Azure Marketplace image, generalized with SkipRearm=1: they share one " +
            "client machine ID until rearmed, and the host counts them once. Give their KmsClient rearm: true " +
            "(the reference stack: newClientRearm). "
          : "";
      report(
        `KMS host "${host.name}" would count${atMost} ${machines(count.high, group)} ` +
          `(${count.high - count.external} in this stack + ${count.external} in externalClients${dup}), but ` +
          `${failing.map((f) => needPhrase(f, ACTIVATION.thresholds[f] + margin, margin, count.high)).join(" and ")}. ` +
          `These clients would never activate (0xC004F038, count insufficient): ${quoteList(never, "and")}. ` +
          clones +
          WAYS_OUT[group],
        host.urn,
      );
    }
    if (undecided.length > 0) {
      const unknownNames = count.unknownMachine.map((c) => c.name);
      report(
        `Cannot decide whether the ${undecided.map(familyName).join(" and ")} clients of KMS host "${host.name}" ` +
          `activate: ${clientsPhrase(unknownNames)} ${unknownNames.length === 1 ? "has a machine" : "have machines"} ` +
          `not known at preview, so the host would count between ${count.low} and ${machines(count.high, group)}; ${undecided
            .map((f) => `${familyName(f)} needs ${ACTIVATION.thresholds[f] + margin}`)
            .join(
              " and ",
            )}. Give azureVm resourceGroupName and vmName (or ssh host) as plain values so machines can be counted.`,
        host.urn,
      );
    }
  }
}

/**
 * Clients of one DNS domain spread over hosts of equal SRV priority (by weight). A client answered
 * 0xC004F038 looks the record up again at its next attempt and may reach another host, so every host can
 * end up seeing every machine of the domain: they never activate only when even that is short of the
 * threshold (mandatory); when the first split by weight leaves a host short, activation can take
 * several activation intervals (advisory, with the numbers).
 */
export function checkShared(
  shared: SharedHosts,
  clients: ClientEntry[],
  margin: number,
  report: (message: string, urn?: string) => void,
): void {
  const hosts = shared.hosts.map((h) => h.host);
  const weights = shared.hosts.map((h) => Math.max(0, h.weight));
  const total = weights.reduce((a, b) => a + b, 0);
  const share = (i: number) => (total > 0 ? weights[i] / total : 1 / hosts.length);
  const head =
    `KMS hosts ${quoteList(
      hosts.map((h) => h.name),
      "and",
    )} share the clients of "${shared.domain}" (SRV priority ${shared.priority}, ` +
    `weights ${weights.join(" and ")})`;
  for (const group of ["windows", "office"] as CountGroup[]) {
    const inGroup = clients.filter(
      (c) => c.summary?.family && ACTIVATION.countGroup[c.summary.family] === group,
    );
    if (inGroup.length === 0) continue;
    const counts = hosts.map((h) => countGroup(h, inGroup, group));
    const best = Math.max(...counts.map((c) => c.high));
    const families = FAMILIES.filter((f) => inGroup.some((c) => c.summary?.family === f));
    const failing = families.filter((f) => best < ACTIVATION.thresholds[f] + margin);
    if (failing.length > 0) {
      const never = inGroup.filter((c) => failing.includes(c.summary!.family!)).map((c) => c.name);
      report(
        `${head}: even if every client reached the same host, the best would count ${machines(best, group)}, ` +
          `but ${failing.map((f) => needPhrase(f, ACTIVATION.thresholds[f] + margin, margin, best)).join(" and ")}. ` +
          `These clients would never activate (0xC004F038, count insufficient): ${quoteList(never, "and")}. ` +
          WAYS_OUT[group],
        clients[0].urn,
      );
      continue;
    }
    // The first split by weight, from the machines known at preview.
    const first = counts.map((c, i) => Math.floor(c.distinct * share(i)) + c.external);
    const short = families.filter((f) => first.some((n) => n < ACTIVATION.thresholds[f] + margin));
    if (short.length === 0) continue;
    const distinct = counts[0].distinct;
    const split = hosts
      .map(
        (h, i) =>
          `"${h.name}" about ${first[i]}` +
          (counts[i].external > 0 ? ` (${counts[i].external} of them in externalClients)` : ""),
      )
      .join(", ");
    reportAdvisory(
      report,
      `${head}: the ${distinct} distinct ${GROUP_LABEL[group]} ${distinct === 1 ? "machine" : "machines"} of this ` +
        `stack split by weight, so at first contact the hosts would count ${split}, but ${short
          .map((f) => `${familyName(f)} needs ${ACTIVATION.thresholds[f] + margin}`)
          .join(
            " and ",
          )}. A client answered 0xC004F038 looks the record up again at its next attempt (every ` +
        `activation interval, 120 minutes by default) and may reach another host, so ${clientsPhrase(
          inGroup.map((c) => c.name),
        )} may take several intervals to activate. To have them activate at once, give one host a lower SRV ` +
        "priority number (it then takes every client, the others stay as fallback), or count more machines " +
        "(externalClients).",
      clients[0].urn,
    );
  }
}
