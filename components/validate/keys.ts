/**
 * Validation of product keys (format, host keys that are not published setup keys, setup keys that fit
 * the product) and of a created host's Windows Server version.
 */
import {
  KmsConfigError,
  showKey,
  showValue,
  quoteList,
  type Product,
  findProductsBySetupKey,
  requireProduct,
} from "pulumi-kms-activation-catalog";

// ---------------------------------------------------------------- product keys

/** The 24 characters seen in every published product key (an observation, not a documented rule). */
export const PRODUCT_KEY_ALPHABET = "BCDFGHJKMNPQRTVWXY2346789";

const KEY_CHAR = `[${PRODUCT_KEY_ALPHABET}]`;
const KEY_FORMAT = new RegExp(`^${KEY_CHAR}{5}(-${KEY_CHAR}{5}){4}$`);
const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/;
const DASH_NAMES: Record<string, string> = {
  "\u2013": "an en dash",
  "\u2014": "an em dash",
  "\u2212": "a minus sign",
};
const KEY_RULE =
  "a product key of five groups of five characters separated by hyphens (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX)";

/**
 * A product key in the 5×5 format over `PRODUCT_KEY_ALPHABET`, case and whitespace ignored, 25
 * characters without hyphens accepted. Returns it upper-case with hyphens. A dash that is not a
 * hyphen (copied from a document) gets its own message: it is a classic cause of 0xC004F050.
 */
export function validateProductKeyFormat(argument: string, key: unknown): string {
  if (typeof key !== "string") throw new KmsConfigError(argument, showKey(key), KEY_RULE);
  const dash = DASHES.exec(key);
  if (dash) {
    const name = DASH_NAMES[dash[0]] ?? "a dash that is not a hyphen";
    throw new KmsConfigError(
      argument,
      showKey(key),
      `${KEY_RULE}, typed with hyphens ("-"): it contains ${name} (${JSON.stringify(dash[0])}), typical of a key copied from a document, which Windows rejects with 0xC004F050`,
    );
  }
  let k = key.replace(/\s+/g, "").toUpperCase();
  if (/^[A-Z0-9]{25}$/.test(k)) k = k.match(/.{5}/g)!.join("-");
  if (KEY_FORMAT.test(k)) return k;
  if (/^[A-Z0-9]{5}(-[A-Z0-9]{5}){4}$/.test(k)) {
    throw new KmsConfigError(
      argument,
      showKey(key),
      `${KEY_RULE} using only ${PRODUCT_KEY_ALPHABET} (product keys have no vowels and no 0, 1 or 5: check O/0 and I/1)`,
    );
  }
  throw new KmsConfigError(argument, showKey(key), KEY_RULE);
}

function productList(products: readonly Product[]): string {
  return quoteList(
    products.map((p) => p.name),
    "and",
  );
}

/**
 * A KMS host key (CSVLK): a well-formed key that is not one of the published client setup keys.
 * Returns the normalised key. The key is never shown, only its last five characters.
 */
export function validateHostKey(argument: string, key: unknown): string {
  const k = validateProductKeyFormat(argument, key);
  const published = findProductsBySetupKey(k);
  if (published.length > 0) {
    throw new KmsConfigError(
      argument,
      showKey(key),
      `your KMS host key (CSVLK) from the Microsoft 365 admin center or VLSC; that is the published KMS client setup key of ${productList(published)}, which clients install and a KMS host cannot be activated with`,
    );
  }
  return k;
}

/**
 * A KMS client setup key. With `product` (a catalog Product or name), a published key of another
 * product is refused and both are named; unpublished well-formed keys are accepted. Returns the
 * normalised key.
 */
export function validateSetupKey(
  argument: string,
  key: unknown,
  product?: Product | string,
): string {
  const k = validateProductKeyFormat(argument, key);
  if (product === undefined) return k;
  const p = typeof product === "string" ? requireProduct(product, "product") : product;
  const published = findProductsBySetupKey(k);
  if (published.length > 0 && !published.some((q) => q.setupKey === p.setupKey)) {
    throw new KmsConfigError(
      argument,
      showKey(key),
      `the KMS client setup key of "${p.name}", not the published setup key of ${productList(published)}`,
    );
  }
  return k;
}

// ---------------------------------------------------------------- host OS

/**
 * The Windows Server version of a KMS host VM this library creates: "2022" or "2025" (also written
 * "Windows Server 2022", "WS2025", or as a number). Azure Edition is refused with the reason.
 */
export function validateWindowsServerVersion(argument: string, value: unknown): "2022" | "2025" {
  const allowed = '"2022" or "2025" (Windows Server Standard or Datacenter)';
  const s = typeof value === "number" ? String(value) : value;
  if (typeof s !== "string") throw new KmsConfigError(argument, showValue(value), allowed);
  if (/azure[\s_-]*edition/i.test(s)) {
    throw new KmsConfigError(
      argument,
      showValue(value),
      `${allowed}, not Azure Edition: Azure activates Azure Edition itself, and it cannot be a KMS host`,
    );
  }
  const m = /^(?:windows ?server ?|ws ?)?(2022|2025)$/.exec(
    s.trim().toLowerCase().replace(/\s+/g, " "),
  );
  if (!m) throw new KmsConfigError(argument, showValue(value), allowed);
  return m[1] as "2022" | "2025";
}
