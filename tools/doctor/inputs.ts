/** kms-doctor's inputs: DNS names, host:port, DNS servers, timeouts; and the RFC 2782 order of SRV records. */
import { formatHostPort, validateHostPort } from "../../components/validate";
import { KmsConfigError, showValue, ACTIVATION } from "pulumi-kms-activation-catalog";
import * as net from "node:net";
import { CONTEXT, MAX_TIMEOUT_MS, VLMCS_PREFIX } from "./types";

export interface SrvLike {
  priority: number;
  weight: number;
}

/**
 * Orders SRV records as RFC 2782 does: ascending priority; within one priority, repeatedly pick a record
 * with probability proportional to its weight (records of weight 0 first, so they are picked only when the
 * draw is 0). `random` returns uniform numbers in [0, 1); inject it for a deterministic order.
 */
export function orderSrvRecords<T extends SrvLike>(
  records: readonly T[],
  random: () => number = Math.random,
): T[] {
  const priorities = [...new Set(records.map((r) => r.priority))].sort((a, b) => a - b);
  const ordered: T[] = [];
  for (const priority of priorities) {
    const group = records.filter((r) => r.priority === priority);
    const remaining = [
      ...group.filter((r) => r.weight === 0),
      ...group.filter((r) => r.weight !== 0),
    ];
    while (remaining.length > 0) {
      const sum = remaining.reduce((s, r) => s + r.weight, 0);
      const draw = Math.min(sum, Math.floor(random() * (sum + 1)));
      let running = 0;
      let index = remaining.length - 1;
      for (let i = 0; i < remaining.length; i++) {
        running += remaining[i].weight;
        if (running >= draw) {
          index = i;
          break;
        }
      }
      ordered.push(remaining[index]);
      remaining.splice(index, 1);
    }
  }
  return ordered;
}

/** Lower-case, no trailing dot: how DNS names are compared. */
export function normalizeName(name: string): string {
  return name.trim().replace(/\.$/, "").toLowerCase();
}

const LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;

function isDnsName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split(".").every((l) => LABEL.test(l));
}

/** Validates a `--domain`; a leading `_vlmcs._tcp.` is accepted and removed. */
export function parseDomain(input: string, argument = "--domain"): string {
  let domain = input.trim().replace(/\.$/, "");
  if (domain.toLowerCase().startsWith(`${VLMCS_PREFIX}.`))
    domain = domain.slice(VLMCS_PREFIX.length + 1);
  if (!isDnsName(domain)) {
    throw new KmsConfigError(
      argument,
      showValue(input),
      "a DNS domain such as corp.contoso.com",
      CONTEXT,
    );
  }
  return domain;
}

function parsePort(text: string, argument: string, input: string, allowed: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535))
    throw new KmsConfigError(argument, showValue(input), allowed, CONTEXT);
  return port;
}

/** Parses "name", "name:port", "ipv4:port", "ipv6" or "[ipv6]:port" (the `slmgr /skms` forms). */
export function parseHostPort(
  input: string,
  defaultPort: number = ACTIVATION.defaultPort,
  argument = "--host",
): { host: string; port: number } {
  // The same rules as a KmsClient's kmsServer (slmgr /skms), with the doctor's name in the message.
  try {
    const { host, port } = validateHostPort(argument, input.trim());
    return { host, port: port ?? defaultPort };
  } catch (e) {
    throw e instanceof KmsConfigError ? e.withContext(CONTEXT) : e;
  }
}

/** Validates a DNS server as Node's `setServers` takes it: "ip", "ip:port" or "[ipv6]:port". */
export function parseDnsServer(input: string, argument = "--dns-server"): string {
  const allowed =
    'an IP address with an optional port, e.g. "10.0.0.4", "127.0.0.1:5353" or "[::1]:5353"';
  const text = input.trim();
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    if (!net.isIPv6(bracketed[1]))
      throw new KmsConfigError(argument, showValue(input), allowed, CONTEXT);
    if (bracketed[2] !== undefined) parsePort(bracketed[2], argument, input, allowed);
    return text;
  }
  if (net.isIPv6(text)) return text;
  const [ip, port, ...rest] = text.split(":");
  if (!net.isIPv4(ip) || rest.length > 0)
    throw new KmsConfigError(argument, showValue(input), allowed, CONTEXT);
  if (port !== undefined) parsePort(port, argument, input, allowed);
  return text;
}

/** Validates `--timeout` (milliseconds). */
export function parseTimeoutMs(input: string | number, argument = "--timeout"): number {
  const value = typeof input === "number" ? input : /^\s*\d+\s*$/.test(input) ? Number(input) : NaN;
  if (!Number.isInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
    throw new KmsConfigError(
      argument,
      showValue(input),
      `a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`,
      CONTEXT,
    );
  }
  return value;
}

/** "host:port", an IPv6 address in brackets ("[fd00::4]:1688"), as slmgr /skms takes it. */
export const hp = (host: string, port: number) => formatHostPort({ host, port });
