/**
 * Validation of plain input values, run at construction before any child resource is registered.
 *
 * Every validator takes the argument's name as the user wrote it (`port`, `dns.zoneName`,
 * `hosts[1].weight`) and the value, returns the normalised value, and throws a `KmsConfigError` that
 * names the argument, shows the value (product keys only by their last five characters) and says what
 * is allowed. Values that are not known yet (Outputs, Promises) are not validated here: pass them
 * through `plainValue` first and skip `undefined`; the scripts check them again at run time.
 */
import * as pulumi from "@pulumi/pulumi";
import { isIPv4, isIPv6 } from "node:net";
import { KmsConfigError, showKey, showValue } from "./errors";
import { ACTIVATION } from "./catalog/activation";
import { quoteList } from "./catalog/names";
import { type Product, findProductsBySetupKey, requireProduct } from "./catalog/products";

// ---------------------------------------------------------------- plain values

function isUnknown(value: unknown): boolean {
  if (pulumi.Output.isInstance(value)) return true;
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function containsUnknown(value: unknown, depth: number): boolean {
  if (isUnknown(value)) return true;
  if (depth > 8) return false;
  if (Array.isArray(value)) return value.some((v) => containsUnknown(v, depth + 1));
  if (isPlainObject(value)) return Object.values(value).some((v) => containsUnknown(v, depth + 1));
  return false;
}

/**
 * The value itself when it is plain and known (no Output or Promise anywhere inside its arrays and
 * plain objects), else `undefined`: callers validate what they can see and skip the rest.
 */
export function plainValue<T>(input: pulumi.Input<T> | T | undefined): T | undefined {
  if (input === undefined || containsUnknown(input, 0)) return undefined;
  return input as T;
}

// ---------------------------------------------------------------- numbers

function integerIn(
  argument: string,
  value: unknown,
  min: number,
  max: number,
  allowed: string,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new KmsConfigError(argument, showValue(value), allowed);
  }
  return value;
}

/** A TCP port: an integer from 1 to 65535. */
export function validatePort(argument: string, value: unknown): number {
  return integerIn(
    argument,
    value,
    1,
    65535,
    `an integer from 1 to 65535 (the KMS default is ${ACTIVATION.defaultPort})`,
  );
}

/** A KMS activation or renewal interval: whole minutes from 15 to 43200 (30 days). */
export function validateIntervalMinutes(argument: string, value: unknown): number {
  return integerIn(
    argument,
    value,
    ACTIVATION.minIntervalMinutes,
    ACTIVATION.maxIntervalMinutes,
    `a whole number of minutes from ${ACTIVATION.minIntervalMinutes} to ${ACTIVATION.maxIntervalMinutes} (30 days)`,
  );
}

/** A count of machines: a whole number, 0 or more. */
export function validateCount(argument: string, value: unknown): number {
  return integerIn(argument, value, 0, Number.MAX_SAFE_INTEGER, "a whole number, 0 or more");
}

/** A DNS TTL: whole seconds from 1 to 2147483647. */
export function validateTtlSeconds(argument: string, value: unknown): number {
  return integerIn(
    argument,
    value,
    1,
    2147483647,
    "a whole number of seconds from 1 to 2147483647",
  );
}

/** An SRV priority: an integer from 0 to 65535 (clients prefer the lowest). */
export function validateSrvPriority(argument: string, value: unknown): number {
  return integerIn(argument, value, 0, 65535, "an integer from 0 to 65535 (lower is preferred)");
}

/** An SRV weight: an integer from 0 to 65535. */
export function validateSrvWeight(argument: string, value: unknown): number {
  return integerIn(
    argument,
    value,
    0,
    65535,
    "an integer from 0 to 65535 (relative share among hosts of equal priority)",
  );
}

// ---------------------------------------------------------------- characters a script could run

const CHARACTER_NAMES: Record<string, string> = {
  ";": "a semicolon",
  $: "a dollar sign",
  "`": "a backtick",
  "'": "a single quote",
  '"': "a double quote",
  "\u2018": "a typographic quote",
  "\u2019": "a typographic quote",
  "\u201A": "a typographic quote",
  "\u201B": "a typographic quote",
  "\u201C": "a typographic quote",
  "\u201D": "a typographic quote",
  "\u201E": "a typographic quote",
  " ": "a space",
  "\u00A0": "a non-breaking space",
  "\t": "a tab",
  "\n": "a newline",
  "\r": "a carriage return",
  "|": "a pipe",
  "&": "an ampersand",
  "(": "a parenthesis",
  ")": "a parenthesis",
  "<": "an angle bracket",
  ">": "an angle bracket",
  "{": "a brace",
  "}": "a brace",
};

/**
 * A description of the first character in `value` that PowerShell or a shell could read as code
 * (`;`, `$`, backtick, quotes, whitespace, `|`, `&`, parentheses, angle brackets, braces, control
 * characters), e.g. `a semicolon (";")`; undefined when there is none.
 */
export function unsafeCharacter(value: string): string | undefined {
  for (const ch of value) {
    const name = CHARACTER_NAMES[ch];
    if (name) return /\s/.test(ch) ? name : `${name} (${JSON.stringify(ch)})`;
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) {
      return `a control character (U+${code.toString(16).toUpperCase().padStart(4, "0")})`;
    }
  }
  return undefined;
}

function refuseUnsafe(argument: string, value: string, what: string): void {
  const ch = unsafeCharacter(value);
  if (ch) {
    throw new KmsConfigError(
      argument,
      showValue(value),
      `${what} without ${ch}, which PowerShell or a shell could read as code`,
    );
  }
}

// ---------------------------------------------------------------- DNS names

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const SERVICE_LABEL = /^_[a-z0-9](?:[a-z0-9-]{0,60}[a-z0-9])?$/i;
const DNS_RULE =
  "dot-separated labels of 1 to 63 letters, digits and hyphens (not starting or ending with a hyphen), 253 characters in all";

/** Why `name` (without a trailing dot) is not an RFC 1123 host name, or undefined when it is one. */
function dnsNameProblem(name: string): string | undefined {
  if (name.length === 0) return "it is empty";
  if (name.length > 253) return `it is ${name.length} characters long`;
  for (const label of name.split(".")) {
    if (label.length === 0) return "it has an empty label (two dots in a row, or a leading dot)";
    if (label.length > 63)
      return `label "${label.slice(0, 12)}…" is ${label.length} characters long`;
    if (!LABEL.test(label)) return `label "${label}" is not letters, digits and inner hyphens`;
  }
  return undefined;
}

function requireString(argument: string, value: unknown, what: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new KmsConfigError(argument, showValue(value), what);
  }
  return value;
}

/**
 * A DNS host name (RFC 1123), single-label or fully qualified, with an optional trailing dot.
 * Returns the name without the trailing dot.
 */
export function validateDnsName(argument: string, value: unknown): string {
  const what = 'a DNS name such as "kms01.contoso.com"';
  const s = requireString(argument, value, what);
  refuseUnsafe(argument, s, what);
  const name = s.endsWith(".") ? s.slice(0, -1) : s;
  const problem = dnsNameProblem(name);
  if (problem)
    throw new KmsConfigError(argument, showValue(s), `${what}: ${DNS_RULE}, but ${problem}`);
  return name;
}

/** A DNS zone name: a DNS name with at least two labels ("contoso.com"). Returns it without a trailing dot. */
export function validateZoneName(argument: string, value: unknown): string {
  const what =
    'a DNS zone name with at least two labels, such as "contoso.com" or "corp.contoso.internal"';
  const s = requireString(argument, value, what);
  refuseUnsafe(argument, s, what);
  const name = s.endsWith(".") ? s.slice(0, -1) : s;
  const problem = dnsNameProblem(name) ?? (name.includes(".") ? undefined : "it has one label");
  if (problem)
    throw new KmsConfigError(argument, showValue(s), `${what}: ${DNS_RULE}, but ${problem}`);
  return name;
}

/**
 * A record name relative to its zone ("branch1", "kms01", "_vlmcs._tcp.branch1"): no trailing dot and
 * not "@". Labels follow RFC 1123, except that leading labels may be underscore labels of the SRV form
 * `_service._proto` (RFC 2782); an underscore label after an ordinary label is refused.
 */
export function validateRecordName(argument: string, value: unknown): string {
  const what =
    'a record name relative to the zone, such as "branch1" (labels of letters, digits and hyphens; only leading labels of the SRV form "_service._proto" may start with "_")';
  const s = requireString(argument, value, what);
  refuseUnsafe(argument, s, what);
  const fail = (problem: string): never => {
    throw new KmsConfigError(argument, showValue(s), `${what}, but ${problem}`);
  };
  if (s === "@") fail('"@" (the zone apex) cannot hold the record');
  if (s.endsWith(".")) fail("it ends with a dot, which makes it absolute");
  if (s.length > 253) fail(`it is ${s.length} characters long`);
  let leading = true;
  for (const label of s.split(".")) {
    if (label.length === 0) fail("it has an empty label (two dots in a row, or a leading dot)");
    if (label.startsWith("_")) {
      if (!leading) fail(`label "${label}" starts with "_" after an ordinary label`);
      if (!SERVICE_LABEL.test(label)) fail(`label "${label}" is not a valid service label`);
      continue;
    }
    leading = false;
    if (label.length > 63)
      fail(`label "${label.slice(0, 12)}…" is ${label.length} characters long`);
    if (!LABEL.test(label)) fail(`label "${label}" is not letters, digits and inner hyphens`);
  }
  return s;
}

// ---------------------------------------------------------------- host[:port]

export interface HostPort {
  /** Host name, IPv4 address, or IPv6 address without brackets. */
  host: string;
  port?: number;
}

/**
 * A KMS host as `slmgr /skms` takes it: `name`, `name:port`, `IPv4`, `IPv4:port`, `IPv6`, `[IPv6]` or
 * `[IPv6]:port`. Returns the host (IPv6 without brackets) and the port when one was given.
 */
export function validateHostPort(argument: string, value: unknown): HostPort {
  const what =
    'a host name or address with an optional port: "kms01.contoso.com", "kms01:1688", "10.0.0.4:1688" or "[fd00::4]:1688"';
  const s = requireString(argument, value, what);
  refuseUnsafe(argument, s, what);
  const fail = (problem: string): never => {
    throw new KmsConfigError(argument, showValue(s), `${what}, but ${problem}`);
  };
  let host: string;
  let portText: string | undefined;
  if (s.startsWith("[")) {
    const m = /^\[([^\]]*)\](?::(.*))?$/.exec(s);
    if (!m)
      return fail(
        '"[" starts an IPv6 address that must be closed by "]" and may be followed by ":port"',
      );
    host = m[1];
    portText = m[2];
    if (!isIPv6(host)) fail(`"${host}" is not an IPv6 address`);
  } else if ((s.match(/:/g) ?? []).length >= 2) {
    if (!isIPv6(s))
      fail("it is not an IPv6 address (write an IPv6 address with a port as [address]:port)");
    host = s;
  } else {
    const colon = s.indexOf(":");
    host = colon >= 0 ? s.slice(0, colon) : s;
    portText = colon >= 0 ? s.slice(colon + 1) : undefined;
    if (/^[\d.]+$/.test(host)) {
      if (!isIPv4(host)) fail(`"${host}" is not an IPv4 address`);
    } else {
      const name = host.endsWith(".") ? host.slice(0, -1) : host;
      const problem = dnsNameProblem(name);
      if (problem) fail(problem);
      host = name;
    }
  }
  if (portText === undefined) return { host };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) fail(`the port after ":" must be an integer from 1 to 65535`);
  return { host, port };
}

/** `host`, `host:port`, or `[IPv6]:port`: the form `slmgr /skms` and `validateHostPort` accept. */
export function formatHostPort({ host, port }: HostPort): string {
  const h = isIPv6(host) && port !== undefined ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

// ---------------------------------------------------------------- address prefixes

const PREFIX_RULE =
  'an address prefix: IPv4 or IPv6 CIDR such as "10.0.0.0/16" or "fd00::/64", a single address, or the Azure service tag "VirtualNetwork"';

/**
 * An address prefix for a network security rule: IPv4/IPv6 CIDR, a single IPv4/IPv6 address, or the
 * Azure service tag "VirtualNetwork" (any case). Returns it trimmed ("VirtualNetwork" as Azure spells
 * it). `*`, "Internet" and "Any" are not prefixes here; internet-wide CIDRs pass this check and are
 * refused by `validateClientAddressPrefixes`.
 */
export function validateCidr(argument: string, value: unknown): string {
  const s = requireString(argument, value, PREFIX_RULE).trim();
  if (s.toLowerCase() === "virtualnetwork") return "VirtualNetwork";
  const [address, prefix, extra] = s.split("/");
  const v4 = isIPv4(address);
  const v6 = isIPv6(address);
  const prefixOk =
    prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (v4 ? 32 : 128));
  if (extra !== undefined || !(v4 || v6) || !prefixOk) {
    throw new KmsConfigError(argument, showValue(value), PREFIX_RULE);
  }
  return s;
}

/**
 * True for prefixes that match the whole internet: `*`, "Internet", "Any" (any case) and every /0
 * CIDR ("0.0.0.0/0", "::/0", "0::/0"), ignoring surrounding whitespace.
 */
export function isInternetWidePrefix(value: unknown): boolean {
  if (typeof value !== "string") return false;
  const s = value.trim().toLowerCase();
  if (s === "*" || s === "internet" || s === "any") return true;
  const m = /^([^/]+)\/0*0$/.exec(s);
  return m !== null && (isIPv4(m[1]) || isIPv6(m[1]));
}

/**
 * The address prefixes allowed to reach the KMS port: a non-empty list, each a valid prefix
 * (`validateCidr`) and none internet-wide. Pass a plain array (see `plainValue`).
 */
export function validateClientAddressPrefixes(argument: string, value: unknown): string[] {
  const what = `a non-empty list of your KMS clients' address prefixes, each ${PREFIX_RULE}`;
  if (!Array.isArray(value) || value.length === 0) {
    throw new KmsConfigError(argument, showValue(value), what);
  }
  return value.map((prefix, i) => {
    if (isInternetWidePrefix(prefix)) {
      throw new KmsConfigError(
        `${argument}[${i}]`,
        showValue(prefix),
        `the address range of your KMS clients, not one that opens the KMS port to the whole internet (${PREFIX_RULE})`,
      );
    }
    return validateCidr(`${argument}[${i}]`, prefix);
  });
}

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
