/** The forecast as text, as kms-plan prints it. */
import type { Forecast } from "./types";

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
