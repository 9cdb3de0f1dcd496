/**
 * Validation of names: characters a script could run, DNS names, zone and record names, and
 * "host[:port]" for a client's kmsServer. Each validator throws a KmsConfigError naming the argument.
 */
import { isIPv4, isIPv6 } from "node:net";
import { KmsConfigError, showValue } from "pulumi-kms-activation-catalog";

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

export function requireString(argument: string, value: unknown, what: string): string {
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
