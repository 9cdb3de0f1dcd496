/** kms-doctor's network steps, each bounded in time: DNS queries (c-ares), name resolution, TCP probes. */
import { promises as dnsPromises } from "node:dns";
import * as net from "node:net";
import type { ConnectionResult, NameStatus, SrvStatus, TargetResult, TcpStatus } from "./types";

interface DnsFailure {
  status: Exclude<SrvStatus, "found">;
  detail: string;
}

export function classifyDnsError(e: unknown, timeoutMs: number): DnsFailure {
  const code = (e as NodeJS.ErrnoException)?.code ?? "";
  switch (code) {
    case "ENOTFOUND":
      return { status: "nxdomain", detail: "the name does not exist (NXDOMAIN)" };
    case "ENODATA":
      return {
        status: "nodata",
        detail: "the name exists but has no record of this type (NODATA)",
      };
    case "ETIMEOUT":
    case "ECANCELLED":
      return {
        status: "timeout",
        detail:
          (e as { detail?: string }).detail ??
          `no answer from the DNS server within ${timeoutMs} ms`,
      };
    case "ESERVFAIL":
      return { status: "servfail", detail: "the DNS server answered SERVFAIL" };
    case "EREFUSED":
      return { status: "servfail", detail: "the DNS server refused the query (REFUSED)" };
    case "ECONNREFUSED":
      return {
        status: "servfail",
        detail: "nothing listens on the DNS server's port (connection refused)",
      };
    default:
      return {
        status: "error",
        detail: `${code || "error"}: ${(e as Error)?.message ?? String(e)}`,
      };
  }
}

/** Errors after which a resolver asks the next DNS server; NXDOMAIN and NODATA are answers, not failures. */
const TRY_NEXT_SERVER = new Set([
  "ETIMEOUT",
  "ECANCELLED",
  "ESERVFAIL",
  "EREFUSED",
  "ECONNREFUSED",
  "EBADRESP",
  "EFORMERR",
  "ECONNRESET",
]);

/**
 * Asks the DNS servers in order, as the Windows DNS client fails over: each server gets an equal share of
 * the bound (`timeoutMs / servers`), so a dead first server (a stale first `nameserver` in resolv.conf,
 * a decommissioned DNS server in the client's list) leaves time for the next one.
 */
export class DnsClient {
  /** Servers that did not answer, and the server that answered after them (for the report). */
  readonly skipped = new Map<string, { detail: string; answeredBy: string }>();
  private readonly list: string[];

  constructor(
    servers: string[] | undefined,
    private readonly timeoutMs: number,
  ) {
    this.list = servers ? [...servers] : new dnsPromises.Resolver().getServers();
  }

  /** Milliseconds each server gets. */
  get perServerMs(): number {
    return Math.max(1, Math.floor(this.timeoutMs / Math.max(1, this.list.length)));
  }

  /** One query, server by server, each on a fresh resolver cancelled at its share of the bound. */
  async query<T>(run: (r: dnsPromises.Resolver) => Promise<T>): Promise<T> {
    const each = this.perServerMs;
    const failed: { server: string; detail: string }[] = [];
    let last: unknown;
    for (const server of this.list) {
      try {
        const answer = await this.ask(server, each, run);
        for (const f of failed) {
          if (!this.skipped.has(f.server))
            this.skipped.set(f.server, { detail: f.detail, answeredBy: server });
        }
        return answer;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException)?.code ?? "";
        if (!TRY_NEXT_SERVER.has(code)) throw e;
        last = e;
        failed.push({ server, detail: classifyDnsError(e, each).detail });
      }
    }
    if (this.list.length > 1 && failed.every((f) => /^no answer/.test(f.detail))) {
      throw Object.assign(new Error("no DNS server answered"), {
        code: "ETIMEOUT",
        detail: `no answer from any of ${this.list.length} DNS servers (${each} ms each)`,
      });
    }
    throw last ?? Object.assign(new Error("no DNS server configured"), { code: "ECONNREFUSED" });
  }

  private async ask<T>(
    server: string,
    timeoutMs: number,
    run: (r: dnsPromises.Resolver) => Promise<T>,
  ): Promise<T> {
    const resolver = new dnsPromises.Resolver({ timeout: timeoutMs, tries: 1 });
    resolver.setServers([server]);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        resolver.cancel();
        reject(Object.assign(new Error("DNS query timed out"), { code: "ETIMEOUT" }));
      }, timeoutMs);
    });
    try {
      return await Promise.race([run(resolver), bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  serversInUse(): string[] {
    return [...this.list];
  }
}

interface Resolution {
  resolution: NameStatus;
  detail?: string;
  addresses: string[];
}

export async function resolveTarget(
  dns: DnsClient,
  name: string,
  timeoutMs: number,
): Promise<Resolution> {
  if (net.isIP(name)) return { resolution: "resolved", addresses: [name] };
  const [v4, v6] = await Promise.allSettled([
    dns.query((r) => r.resolve4(name)),
    dns.query((r) => r.resolve6(name)),
  ]);
  const addresses = [
    ...(v4.status === "fulfilled" ? v4.value : []),
    ...(v6.status === "fulfilled" ? v6.value : []),
  ];
  if (addresses.length > 0) return { resolution: "resolved", addresses };
  const failures = [v4, v6].map((r) =>
    r.status === "rejected" ? classifyDnsError(r.reason, timeoutMs) : undefined,
  );
  const first = failures.find((f) => f && f.status !== "nodata") ?? failures[0];
  if (failures.every((f) => f?.status === "nodata") || !first) {
    return { resolution: "nodata", detail: "the name has no A or AAAA record", addresses: [] };
  }
  return { resolution: first.status, detail: first.detail, addresses: [] };
}

/** Opens a TCP connection and closes it at once; bounded by `timeoutMs`. */
export function probeTcp(
  address: string,
  port: number,
  timeoutMs: number,
): Promise<ConnectionResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    let settled = false;
    const done = (status: TcpStatus, detail?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(detail === undefined ? { address, port, status } : { address, port, status, detail });
    };
    const timer = setTimeout(
      () => done("timeout", `no answer within ${timeoutMs} ms (filtered?)`),
      timeoutMs,
    );
    socket.once("connect", () => done("open"));
    socket.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ECONNREFUSED")
        done(
          "refused",
          "connection refused: nothing listens on the port, or a firewall rejects it",
        );
      else done("error", `${e.code ?? "error"}: ${e.message}`);
    });
  });
}

export async function checkTarget(
  dns: DnsClient,
  target: string,
  port: number,
  timeoutMs: number,
): Promise<
  Pick<TargetResult, "resolution" | "resolutionDetail" | "addresses" | "connections" | "reachable">
> {
  const r = await resolveTarget(dns, target, timeoutMs);
  const connections = await Promise.all(r.addresses.map((a) => probeTcp(a, port, timeoutMs)));
  return {
    resolution: r.resolution,
    ...(r.detail === undefined ? {} : { resolutionDetail: r.detail }),
    addresses: r.addresses,
    connections,
    reachable: connections.some((c) => c.status === "open"),
  };
}
