/**
 * Which open threshold barrier a client's `kmsServer` points at. A client given `kmsServer:
 * host.kmsServer`, `host.fqdn`, or a plain string naming the host's `fqdn` (with or without its port) is
 * pointed at that KmsHost as surely as one given `host`, and joins its barrier too. Only barriers whose
 * member list is still open are listed (a host declared in the same synchronous part of the program):
 * the list closes in a microtask, so nothing of an earlier program run stays here.
 */
import { hostOfOutput } from "../hostOutputs";
import type { KmsHostSummary } from "pulumi-kms-activation-catalog";

/** A barrier as the registry needs it. */
export interface ListedBarrier {
  readonly hostName: string;
  /** The host's plain summary (its fqdn and port), when its component has one. */
  hostSummary(): KmsHostSummary | undefined;
}

const open: ListedBarrier[] = [];

/** Lists a barrier whose member list is open. */
export function listOpenBarrier(barrier: ListedBarrier): void {
  open.push(barrier);
}

/** Removes a barrier once its member list closed. */
export function unlistBarrier(barrier: ListedBarrier): void {
  const i = open.indexOf(barrier);
  if (i >= 0) open.splice(i, 1);
}

function normalize(name: string): string {
  return name.trim().replace(/\.$/, "").toLowerCase();
}

/** "name", "name:port", "[v6]:port" → name and port (undefined when none is given). */
function parseServer(value: string): { host: string; port?: number } {
  const s = value.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracketed) {
    return { host: normalize(bracketed[1]), port: bracketed[2] ? Number(bracketed[2]) : undefined };
  }
  const m = /^([^:]+):(\d+)$/.exec(s);
  return m ? { host: normalize(m[1]), port: Number(m[2]) } : { host: normalize(s) };
}

/** Whether `kmsServer` (as given to a KmsClient) names the host of `barrier`. */
export function pointsAt(kmsServer: unknown, barrier: ListedBarrier): boolean {
  const owner = hostOfOutput(kmsServer);
  if (owner !== undefined) return owner === barrier.hostName;
  if (typeof kmsServer !== "string" || kmsServer.trim() === "") return false;
  const summary = barrier.hostSummary();
  if (summary === undefined) return false;
  const names = [summary.fqdn, summary.dns?.hostFqdn]
    .filter((n): n is string => typeof n === "string" && n !== "")
    .map(normalize);
  const { host, port } = parseServer(kmsServer);
  // Without a port the client asks 1688 (slmgr /skms): the same host only when it listens there.
  return names.includes(host) && (port ?? 1688) === (summary.port ?? 1688);
}

/** The open barrier of the KmsHost that `kmsServer` names, if there is exactly one. */
export function openBarrierFor<T extends ListedBarrier>(kmsServer: unknown): T | undefined {
  const matches = open.filter((b) => pointsAt(kmsServer, b));
  return matches.length === 1 ? (matches[0] as T) : undefined;
}
