/** Validation of the clients' address prefixes (CIDRs, single addresses, Azure service tags). */
import { isIPv4, isIPv6 } from "node:net";
import { KmsConfigError, showValue } from "pulumi-kms-activation-catalog";
import { requireString } from "./names";

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
