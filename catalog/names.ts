/**
 * Name matching shared by the catalog lookups: one normal form for exact lookups, and "did you mean"
 * suggestions by token overlap and edit distance. No Pulumi here.
 */

/**
 * The normal form used for exact, case-insensitive lookups: lower case, a leading "Microsoft" dropped,
 * punctuation (`:`, `,`, `(`, `)`, `/`, `_`) and runs of whitespace collapsed to one space.
 * "Windows Server 2025 Datacenter: Azure Edition" and "windows server 2025 datacenter azure edition"
 * have the same normal form.
 */
export function normalizeName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9.+]+/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^microsoft /, "");
}

/** Abbreviations and spellings people type, expanded before suggestions are scored. */
const EXPANSIONS: Record<string, string> = {
  win: "windows",
  w: "windows",
  ws: "windows server",
  srv: "server",
  dc: "datacenter",
  datacentre: "datacenter",
  std: "standard",
  ent: "enterprise",
  edu: "education",
  wks: "workstations",
  workstation: "workstations",
  pp: "professional plus",
  proplus: "professional plus",
};

/** Splits "win11" / "ws2022" into "win 11" / "ws 2022" and expands the abbreviations above. */
function queryTokens(name: string): string[] {
  const spaced = normalizeName(name).replace(/([a-z])(\d)/g, "$1 $2");
  return spaced
    .split(" ")
    .filter((t) => t.length > 0)
    .flatMap((t) => (EXPANSIONS[t] ?? t).split(" "));
}

/** Levenshtein edit distance (insert, delete, substitute). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost));
    }
    previous = current;
  }
  return previous[b.length];
}

/** How well one query token matches a candidate token: 1 exact, 0.8 a near miss, 0 otherwise. */
function tokenMatch(q: string, c: string): number {
  if (q === c) return 1;
  // Numbers (versions, years) must match exactly: 2019 is not a typo of 2016.
  if (/\d/.test(q) || /\d/.test(c)) return 0;
  const allowed = Math.min(q.length, c.length) >= 8 ? 2 : Math.min(q.length, c.length) >= 4 ? 1 : 0;
  if (allowed > 0 && editDistance(q, c) <= allowed) return 0.8;
  // "pro" for "professional", "ent" for "enterprise".
  if (Math.min(q.length, c.length) >= 3 && (c.startsWith(q) || q.startsWith(c))) return 0.8;
  // "datacentre" vs "datacenter" and other transpositions of the last letters.
  if (q.length >= 6 && c.length >= 6 && q.slice(0, -2) === c.slice(0, -2)) return 0.8;
  return 0;
}

/** Similarity in [0, 1] of a query to one candidate name (Dice coefficient over matched tokens). */
export function nameSimilarity(query: string, candidate: string): number {
  const q = queryTokens(query);
  const c = queryTokens(candidate);
  if (q.length === 0 || c.length === 0) return 0;
  const used = new Set<number>();
  let matched = 0;
  for (const token of q) {
    let best = 0;
    let bestIndex = -1;
    c.forEach((ct, i) => {
      if (used.has(i)) return;
      const m = tokenMatch(token, ct);
      if (m > best) {
        best = m;
        bestIndex = i;
      }
    });
    if (bestIndex >= 0) used.add(bestIndex);
    matched += best;
  }
  return (2 * matched) / (q.length + c.length);
}

/**
 * Up to `max` candidate names closest to `query`, best first. Each candidate may have several
 * spellings (its name and aliases); the best spelling counts, the canonical name is returned. Ties
 * keep catalog order. Candidates scoring under `minScore` are left out.
 */
export function closestNames(
  query: string,
  candidates: readonly { name: string; spellings: readonly string[] }[],
  max = 3,
  minScore = 0.5,
): string[] {
  const scored = candidates.map((candidate, index) => {
    let score = 0;
    let distance = Number.POSITIVE_INFINITY;
    for (const spelling of [candidate.name, ...candidate.spellings]) {
      const s = nameSimilarity(query, spelling);
      const d = editDistance(normalizeName(query), normalizeName(spelling));
      if (s > score || (s === score && d < distance)) {
        score = s;
        distance = d;
      }
    }
    return { name: candidate.name, score, distance, index };
  });
  return scored
    .filter((s) => s.score >= minScore)
    .sort((a, b) => b.score - a.score || a.distance - b.distance || a.index - b.index)
    .slice(0, max)
    .map((s) => s.name);
}

/** `"a", "b" or "c"`: a short list of quoted names for a message. */
export function quoteList(names: readonly string[], conjunction = "or"): string {
  const quoted = names.map((n) => JSON.stringify(n));
  if (quoted.length <= 1) return quoted.join("");
  return `${quoted.slice(0, -1).join(", ")} ${conjunction} ${quoted[quoted.length - 1]}`;
}
