/**
 * A real DNS server for tests: dnsmasq (Debian package dnsmasq-base) on 127.0.0.1 and a free high port,
 * answering only from the records the test gives it. Everything stays on loopback.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as dgram from "node:dgram";
import { promises as dnsPromises } from "node:dns";
import * as net from "node:net";
import * as os from "node:os";
import { findTool, INSTALL_HINT } from "./tools";

export interface SrvHost {
  /** Full record name, e.g. "_vlmcs._tcp.corp.test". */
  name: string;
  target: string;
  port: number;
  priority?: number;
  weight?: number;
}

export interface DnsmasqConfig {
  srvHosts?: SrvHost[];
  /** name → IPv4/IPv6 address. */
  hostRecords?: { name: string; address: string }[];
  /** TXT records (a name that exists without an SRV record answers NODATA). */
  txtRecords?: { name: string; text: string }[];
  /** Domains answered only from the records above: unknown names there get NXDOMAIN, not REFUSED. */
  localDomains?: string[];
}

export interface Dnsmasq {
  /** "127.0.0.1:<port>", as `setServers` and `--dns-server` take it. */
  server: string;
  port: number;
  stop(): Promise<void>;
}

/** Path of the dnsmasq binary (or $DNSMASQ); throws with the install hint when it is missing. */
export function findDnsmasq(): string {
  const found = findTool("dnsmasq");
  if (found === undefined) throw new Error(`dnsmasq not found. Install ${INSTALL_HINT.dnsmasq}.`);
  return found;
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket("udp4");
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A TCP port on 127.0.0.1 with nothing listening on it (it was free a moment ago). */
export function closedTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A TCP listener on 127.0.0.1 standing in for a KMS host's port; accepts and closes connections. */
export function startTcpListener(): Promise<{ port: number; stop(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
      socket.end();
    });
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        port,
        stop: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A UDP socket on 127.0.0.1 that receives DNS queries and never answers. */
export function startSilentDnsServer(): Promise<{ server: string; stop(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket("udp4");
    s.on("message", () => undefined);
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => {
      resolve({
        server: `127.0.0.1:${s.address().port}`,
        stop: () => new Promise<void>((done) => s.close(() => done())),
      });
    });
  });
}

function args(config: DnsmasqConfig, port: number): string[] {
  const a = [
    "--keep-in-foreground",
    "--conf-file=/dev/null",
    "--no-resolv",
    "--no-hosts",
    "--no-poll",
    "--bind-interfaces",
    "--listen-address=127.0.0.1",
    `--port=${port}`,
    "--pid-file=",
    "--log-facility=-",
  ];
  if (process.getuid?.() === 0) a.push(`--user=${os.userInfo().username}`);
  for (const d of config.localDomains ?? []) a.push(`--local=/${d}/`);
  for (const s of config.srvHosts ?? []) {
    a.push(`--srv-host=${s.name},${s.target},${s.port},${s.priority ?? 0},${s.weight ?? 0}`);
  }
  for (const h of config.hostRecords ?? []) a.push(`--host-record=${h.name},${h.address}`);
  for (const t of config.txtRecords ?? []) a.push(`--txt-record=${t.name},${t.text}`);
  return a;
}

async function answers(server: string): Promise<boolean> {
  const r = new dnsPromises.Resolver({ timeout: 200, tries: 1 });
  r.setServers([server]);
  try {
    await r.resolveTxt("ready.dnsmasq.invalid");
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Any DNS answer (REFUSED, NXDOMAIN ...) shows that the server is up; no answer or refused port does not.
    return code !== "ETIMEOUT" && code !== "ECONNREFUSED" && code !== "ECANCELLED";
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Starts dnsmasq with the given records and waits (at most ~5 s) until it answers. */
export async function startDnsmasq(config: DnsmasqConfig): Promise<Dnsmasq> {
  const binary = findDnsmasq();
  let lastError = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeUdpPort();
    const child = spawn(binary, args(config, port), { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    child.once("error", (e) => (output += String(e)));
    const server = `127.0.0.1:${port}`;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && child.exitCode === null) {
      if (await answers(server)) return { server, port, stop: () => stopProcess(child) };
      await new Promise((r) => setTimeout(r, 50));
    }
    await stopProcess(child);
    lastError = `dnsmasq on port ${port} did not answer (exit ${child.exitCode}): ${output.trim()}`;
  }
  throw new Error(lastError);
}
