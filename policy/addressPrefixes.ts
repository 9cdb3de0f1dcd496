/**
 * Address prefix maths for `disallow-internet-kms-port`: which prefixes, alone or together, open a port
 * to the whole internet, and which lie outside private address space. Pure; no Pulumi.
 */
import { isIPv4, isIPv6 } from "node:net";

/** Service tags and wildcards that mean "any source" in an NSG rule. */
const ANY_SOURCE = new Set(["*", "internet", "any"]);

/**
 * True for a single prefix that opens a port to the whole internet: `*`, `Internet`, `Any`, or a /0
 * CIDR ("0.0.0.0/0", "::/0", "0::/0"), ignoring surrounding whitespace.
 */
export function isInternetWidePrefix(value: unknown): boolean {
  if (typeof value !== "string") return false;
  const s = value.trim().toLowerCase();
  if (ANY_SOURCE.has(s)) return true;
  const m = /^([^/]+)\/0*0$/.exec(s);
  return m !== null && (isIPv4(m[1]) || isIPv6(m[1]));
}

interface Range {
  family: 4 | 6;
  first: bigint;
  last: bigint;
}

function ipv4ToBigInt(a: string): bigint {
  return a.split(".").reduce((n, o) => (n << 8n) + BigInt(Number(o)), 0n);
}

function ipv6ToBigInt(a: string): bigint {
  let s = a.toLowerCase();
  // An embedded IPv4 tail ("::ffff:10.0.0.1") becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]);
    s = s.slice(0, -v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = s.includes("::") ? s.split("::") : [s, undefined];
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((n, g) => (n << 16n) + BigInt(parseInt(g || "0", 16)), 0n);
}

/** The address range of a CIDR prefix or a single address; undefined for anything else (service tags). */
export function prefixRange(value: string): Range | undefined {
  const s = value.trim();
  const [addr, bitsText, ...rest] = s.split("/");
  if (rest.length > 0) return undefined;
  const family = isIPv4(addr) ? 4 : isIPv6(addr) ? 6 : undefined;
  if (family === undefined) return undefined;
  const width = family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!/^\d+$/.test(bitsText ?? "0") || bits < 0 || bits > width) return undefined;
  const n = family === 4 ? ipv4ToBigInt(addr) : ipv6ToBigInt(addr);
  const hostBits = BigInt(width - bits);
  const first = (n >> hostBits) << hostBits;
  return { family, first, last: first + (1n << hostBits) - 1n };
}

function covers(ranges: Range[], family: 4 | 6): boolean {
  const end = (1n << BigInt(family === 4 ? 32 : 128)) - 1n;
  const mine = ranges
    .filter((r) => r.family === family)
    .sort((a, b) => (a.first < b.first ? -1 : 1));
  let next = 0n;
  for (const r of mine) {
    if (r.first > next) return false;
    if (r.last + 1n > next) next = r.last + 1n;
    if (next > end) return true;
  }
  return false;
}

/**
 * The internet-wide reach of a set of prefixes: a single internet-wide entry, or "IPv4" / "IPv6" when the
 * prefixes together cover every address of that family (["0.0.0.0/1", "128.0.0.0/1"] is all of IPv4);
 * undefined when they do not.
 */
export function internetWideReach(prefixes: readonly string[]): string | undefined {
  const single = prefixes.find((p) => isInternetWidePrefix(p));
  if (single !== undefined) return `"${single}"`;
  const ranges = prefixes.map(prefixRange).filter((r): r is Range => r !== undefined);
  const families = ([4, 6] as const).filter((f) => covers(ranges, f));
  if (families.length === 0) return undefined;
  return `${prefixes.map((p) => `"${p}"`).join(", ")}, which together cover all of ${families
    .map((f) => `IPv${f}`)
    .join(" and ")}`;
}

/** Private and non-routable space: RFC 1918, RFC 6598 shared space, loopback, link-local, IPv6 ULA. */
const PRIVATE = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "fc00::/7",
  "fe80::/10",
  "::1/128",
].map((p) => prefixRange(p)!);

/** True for a CIDR prefix (or address) that is not entirely inside private address space. */
export function isPublicPrefix(value: string): boolean {
  const r = prefixRange(value);
  if (!r) return false;
  return !PRIVATE.some((p) => p.family === r.family && p.first <= r.first && r.last <= p.last);
}
