/**
 * Time after the deployment (`kms-plan --lab --lab-after <duration>`): the rehearsal lets the lab's clock
 * run on, and the machines do what they do by themselves meanwhile (docs/lab.md, "Time"): clients not yet
 * activated ask again every activation interval (120 minutes unless the host says otherwise), activated
 * ones renew every renewal interval (7 days), and a host forgets machines it has not heard from in 30 days.
 */

const UNITS: Record<string, number> = { m: 1, min: 1, h: 60, d: 24 * 60, w: 7 * 24 * 60 };

/** At most a year after the deployment (a KMS licence runs 180 days). */
export const MAX_AFTER_MINUTES = 365 * 24 * 60;

/**
 * "90m", "2h", "7d", "1w", or combined ("1d12h"), to minutes; or an error message naming the flag, the
 * value received and what is allowed.
 */
export function parseLabDuration(text: string, flag = "--lab-after"): number | string {
  const t = text.trim().toLowerCase();
  const parts = [...t.matchAll(/(\d+(?:\.\d+)?)(min|m|h|d|w)/g)];
  const whole = parts.map((p) => p[0]).join("");
  const minutes = parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]], 0);
  if (t === "" || whole !== t || !(minutes > 0) || minutes > MAX_AFTER_MINUTES) {
    return `${flag} got ${JSON.stringify(text)}; allowed: a duration such as 90m, 2h, 7d or 1d12h (units m, h, d, w), more than 0 and at most 365d`;
  }
  return Math.round(minutes);
}

/** "2h", "7d", "1d 12h": minutes as people read them. */
export function formatLabDuration(minutes: number): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return (
    [d ? `${d}d` : "", h ? `${h}h` : "", m ? `${m}m` : ""].filter((x) => x !== "").join(" ") || "0m"
  );
}
