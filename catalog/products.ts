/**
 * Products a KMS host can activate, with their published KMS client setup keys (GVLKs): the lookups by
 * name, alias and setup key, and the error that explains a name the catalog does not know.
 *
 * The keys are the 162 rows of `gvlk.json` (a copy of the project's reference table, sourced from
 * Microsoft's GVLK pages; Office 2010/2013 from third-party copies of retired TechNet pages). A row that
 * covers several releases becomes one product per release with the same key (productRows.ts), because
 * which KMS host key activates a product depends on the release (a Windows Server 2019 CSVLK activates
 * Windows 10 but not Windows 11). The tables the rows are read with are in productData.ts.
 */
import { KmsConfigError, showValue } from "./errors";
import { closestNames, normalizeName, quoteList } from "./names";
import type { Product } from "./productData";
import { PRODUCTS } from "./productRows";

export type { Product, ProductSource } from "./productData";
export { PRODUCTS } from "./productRows";

const byName = new Map<string, Product>();
for (const p of PRODUCTS) {
  for (const n of [p.name, ...p.aliases]) {
    const key = normalizeName(n);
    const existing = byName.get(key);
    if (existing && existing !== p) {
      throw new Error(`catalog: "${n}" names both "${existing.name}" and "${p.name}"`);
    }
    byName.set(key, p);
  }
}

/** Normalised setup key: upper case, no whitespace. */
function keyOf(key: string): string {
  return key.replace(/\s+/g, "").toUpperCase();
}

const bySetupKey = new Map<string, Product[]>();
for (const p of PRODUCTS) {
  const list = bySetupKey.get(p.setupKey) ?? [];
  list.push(p);
  bySetupKey.set(p.setupKey, list);
}

/** The product with this name or alias (case- and punctuation-insensitive), or undefined. */
export function findProduct(name: string): Product | undefined {
  if (typeof name !== "string") return undefined;
  return byName.get(normalizeName(name));
}

/** Products whose published setup key is `key` (several when releases share a key); [] if none. */
export function findProductsBySetupKey(key: string): Product[] {
  if (typeof key !== "string") return [];
  return [...(bySetupKey.get(keyOf(key)) ?? [])];
}

/** True when `key` is one of the published KMS client setup keys. */
export function isPublishedSetupKey(key: string): boolean {
  return findProductsBySetupKey(key).length > 0;
}

const EXAMPLES = quoteList(
  ["Windows Server 2022 Datacenter", "Windows 11 Enterprise", "Office LTSC Professional Plus 2024"],
  "or",
);

/** Names of subscription products that KMS cannot activate. */
const SUBSCRIPTION =
  /\b(microsoft 365|office 365|m365|o365|365 apps|apps for (enterprise|business)|project online|project plan|visio plan)\b/;

function notKmsReason(normalized: string): string | undefined {
  if (SUBSCRIPTION.test(normalized)) {
    return (
      "a product that KMS can activate: Microsoft 365 Apps (Office 365) and subscription Project/Visio " +
      "use subscription licensing (the user's Microsoft 365 sign-in), not KMS; use a volume-licensed " +
      'edition such as "Office LTSC Professional Plus 2024", or leave this client\'s Office to Microsoft 365'
    );
  }
  if (
    /\bwindows (10|11) home\b/.test(normalized) ||
    /\bhome (single language|n)\b/.test(normalized)
  ) {
    return (
      "a volume-licensed edition: Windows Home editions have no published KMS client setup key and " +
      'cannot be activated by KMS; upgrade to Pro or Enterprise (e.g. "Windows 11 Pro")'
    );
  }
  return undefined;
}

/**
 * The product named `name`, or a KmsConfigError for `argument` that explains: subscription products
 * (Microsoft 365 Apps, Office 365) cannot use KMS; otherwise up to three closest catalog names.
 */
export function requireProduct(name: unknown, argument: string): Product {
  if (typeof name !== "string" || name.trim() === "") {
    throw new KmsConfigError(
      argument,
      showValue(name),
      `a product name from the catalog, e.g. ${EXAMPLES}`,
    );
  }
  const found = findProduct(name);
  if (found) return found;
  const reason = notKmsReason(normalizeName(name));
  if (reason) throw new KmsConfigError(argument, showValue(name), reason);
  const suggestions = closestNames(
    name,
    PRODUCTS.map((p) => ({ name: p.name, spellings: p.aliases })),
  );
  const allowed =
    suggestions.length > 0
      ? `a product name from the catalog (did you mean ${quoteList(suggestions)}?)`
      : `a product name from the catalog, e.g. ${EXAMPLES}`;
  throw new KmsConfigError(argument, showValue(name), allowed);
}
