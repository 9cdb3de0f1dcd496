/**
 * The forecast as text, as kms-plan prints it: every number says what it counts, for a reader who has not
 * read the code (the host's count is shared by Windows client OS and Windows Server; external clients are
 * outside the stack; the barrier asks again only the clients that joined it: given `host`, or its kmsServer or fqdn).
 */
import { FORECAST_RULES } from "./rules";
import type { FamilyForecast, Forecast, HostForecast } from "./types";

function minutes(m: number | null): string {
  if (m === null) return "never";
  if (m === 0) return "at the deployment's end";
  return m % 1440 === 0
    ? `${m / 1440} day(s) after the deployment`
    : `${m} min after the deployment`;
}

/** "1 client" / "2 clients". */
function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What the count is made of, when it is not just this family's clients. */
function countNote(fam: FamilyForecast): string {
  const group =
    fam.countGroup === "windows" ? "the host's Windows count" : "the host's Office count";
  const shared =
    fam.countGroup === "windows" && fam.distinctMachines + fam.externalClients !== fam.clients;
  if (fam.externalClients === 0 && !shared && fam.distinctMachines === fam.clients) return "";
  const parts = [`${count(fam.distinctMachines, "machine", "machines")} in this stack`];
  if (fam.externalClients > 0) parts.push(`${fam.externalClients} outside it in externalClients`);
  const memory = FORECAST_RULES.hostMemory[fam.countGroup];
  const capped =
    fam.distinctMachines + fam.externalClients > memory
      ? `, capped at the ${memory} the host remembers`
      : "";
  return (
    ` (${group}: ${parts.join(" + ")}${capped}` +
    (fam.countGroup === "windows"
      ? "; Windows client OS and Windows Server add to this one count"
      : "") +
    ")"
  );
}

/** When the family's clients activate, in words. */
function timeline(fam: FamilyForecast, host: HostForecast): string {
  const first = fam.activatedOnFirstRequest;
  if (fam.pending === 0) {
    return first === 1
      ? "it activates on its first request, during the deployment"
      : `all ${first} activate on their first request, during the deployment`;
  }
  const outside = fam.perClient.filter(
    (p) => !p.activatesOnFirstRequest && p.withBarrierMinutes !== null && p.withBarrierMinutes > 0,
  ).length;
  const pending =
    fam.pending === 1 ? "1 gets 0xC004F038 and is" : `${fam.pending} get 0xC004F038 and are`;
  const head =
    `${first} ${first === 1 ? "activates" : "activate"} on the first request; ${pending} pending until the ` +
    `count reaches ${fam.threshold}`;
  const retry = `the next retry (the activation interval, ${host.activationIntervalMinutes} min)`;
  if (outside === 0) {
    return (
      `${head}; the threshold barrier asks ${fam.pending === 1 ? "it" : "them"} again at the deployment's end, so ` +
      `all are activated when it ends (without the barrier: ${minutes(fam.allActivated.defaultMinutes)}, at ` +
      `${retry})`
    );
  }
  const inBarrier = fam.pending - outside;
  return (
    `${head}; ` +
    (inBarrier > 0
      ? `the threshold barrier asks ${inBarrier} again at the deployment's end, and ${outside} are not in it`
      : `none of them is in the host's threshold barrier`) +
    ` (only clients given \`host\`, or its kmsServer or fqdn, are asked again), so ${outside === 1 ? "it waits" : "they wait"} for ${retry}: ` +
    `all activated ${minutes(fam.allActivated.withBarrierMinutes)}`
  );
}

/** Human-readable forecast, one block per host. */
export function formatForecast(f: Forecast): string {
  const out: string[] = [];
  if (f.hosts.length === 0 && f.unplaced.length === 0)
    return "Activation forecast: no KMS host or client in this plan.";
  out.push(
    "Activation forecast (times after the deployment; the threshold barrier asks its pending clients again at its end: those given `host`, or its kmsServer or fqdn)",
  );
  for (const h of f.hosts) {
    out.push(
      `  host ${h.host}: activation interval ${h.activationIntervalMinutes} min, renewal ${h.renewalIntervalMinutes} min, valid ${h.validityDays} days after each renewal`,
    );
    if (h.families.length === 0) out.push("    no clients");
    for (const fam of h.families) {
      const head = `    ${fam.label}: ${fam.clients} client(s), count ${fam.finalCount}/${fam.threshold}${countNote(fam)}`;
      if (!fam.reached) {
        out.push(`${head}: NEVER activate: ${fam.reason}`);
        continue;
      }
      out.push(`${head}: ${timeline(fam, h)}`);
      const off = fam.perClient.filter((p) => p.reason === "activate is false").length;
      if (off > 0) out.push(`      ${off} client(s) with activate: false are configured only`);
    }
    for (const n of h.notes) out.push(`    note: ${n}`);
  }
  for (const u of f.unplaced) out.push(`  ${u.name}: not forecast: ${u.reason}`);
  return out.join("\n");
}
