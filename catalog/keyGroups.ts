/**
 * KMS host key (CSVLK) groups: the lookups by name or alias, the default group for a host's own OS, and
 * which products a group activates and which systems can host it. The groups themselves are in
 * keyGroupData.ts.
 */
import { KmsConfigError, showValue } from "./errors";
import { normalizeName, quoteList } from "./names";
import type { Product } from "./productData";
import { requireProduct } from "./products";
import { type KeyGroup, KEY_GROUPS } from "./keyGroupData";

export {
  type KeyGroup,
  type OfficeHostRequirement,
  KEY_GROUPS,
  OFFICE_HOST_REQUIREMENTS,
} from "./keyGroupData";

/** Aliases are matched with all punctuation and spaces removed: "WS 2022" = "ws2022". */
function compact(name: string): string {
  return normalizeName(name).replace(/[^a-z0-9.]/g, "");
}

const groupByName = new Map<string, KeyGroup>();
for (const g of KEY_GROUPS) {
  for (const n of [g.id, g.displayName, ...g.aliases]) {
    const key = compact(n);
    const existing = groupByName.get(key);
    if (existing && existing !== g) throw new Error(`catalog: key group name "${n}" is used twice`);
    groupByName.set(key, g);
  }
}

/** The key group with this id or alias ("2022", "WS2022", "Windows Server 2022"), or undefined. */
export function findKeyGroup(idOrAlias: string): KeyGroup | undefined {
  if (typeof idOrAlias !== "string") return undefined;
  return groupByName.get(compact(idOrAlias));
}

/** The key group, or a KmsConfigError for `argument` listing the groups there are. */
export function requireKeyGroup(id: unknown, argument: string): KeyGroup {
  const found = typeof id === "string" ? findKeyGroup(id) : undefined;
  if (found) return found;
  throw new KmsConfigError(
    argument,
    showValue(id),
    `the key group of your KMS host key (CSVLK): ${quoteList(KEY_GROUPS.map((g) => g.id))}`,
  );
}

/**
 * The canonical host OS for a version as users write it: "2022", "WS2022", "Windows Server 2022
 * Datacenter" → "Windows Server 2022"; "Windows 11 Enterprise" → "Windows 11". Undefined for anything
 * else, including every Azure Edition (which cannot be a KMS host).
 */
export function normalizeHostOs(version: string): string | undefined {
  if (typeof version !== "string") return undefined;
  const n = normalizeName(version);
  if (/azure ?edition/.test(n)) return undefined;
  const server =
    /^(?:windows ?server ?|ws ?|server ?)?(2008 ?r2|2012 ?r2|2008|2012|2016|2019|2022|2025)(?: (?:standard|datacenter|essentials)(?: core)?)?$/.exec(
      n,
    );
  if (server) return `Windows Server ${server[1].replace(/ ?r2$/, " R2")}`;
  const client = /^(?:windows ?|win ?)(11|10|8\.1|7)(?: sp1)?(?: [a-z ]+)?$/.exec(n);
  if (client) return `Windows ${client[1]}`;
  return undefined;
}

/** The key group matching a host's own OS version ("2022" → "Windows Server 2022"), or undefined. */
export function defaultKeyGroupForHost(windowsServerVersion: string): string | undefined {
  const os = normalizeHostOs(windowsServerVersion);
  if (!os) return undefined;
  return KEY_GROUPS.find((g) => g.kind === "windows" && g.id === os)?.id;
}

function groupOf(group: KeyGroup | string): KeyGroup {
  return typeof group === "string" ? requireKeyGroup(group, "keyGroup") : group;
}

/** True when a host holding `group`'s key can activate `product` (a product name or a Product). */
export function canActivate(group: KeyGroup | string, product: Product | string): boolean {
  const p = typeof product === "string" ? requireProduct(product, "product") : product;
  return groupOf(group).activates(p);
}

/** Key groups whose host key activates `product`, newest first ([] for Azure Edition, Office 2013…). */
export function keyGroupsActivating(product: Product | string): KeyGroup[] {
  const p = typeof product === "string" ? requireProduct(product, "product") : product;
  return KEY_GROUPS.filter((g) => g.activates(p));
}

/** True when `group`'s host key can be installed on `hostOsVersion` ("2022", "Windows Server 2022"). */
export function canHost(group: KeyGroup | string, hostOsVersion: string): boolean {
  const os = normalizeHostOs(hostOsVersion);
  return os !== undefined && groupOf(group).hostOs.includes(os);
}
