/**
 * A client pointed at a KmsHost of the program by `kmsServer` (the host's `kmsServer` or `fqdn` output,
 * or a plain string naming the host's fqdn, with or without its port) joins that host's threshold
 * barrier, as a client given `host` does: otherwise a client that asked below the threshold waits its
 * activation interval (120 minutes by default) after the deployment.
 */
import * as pulumi from "@pulumi/pulumi";
import { openBarrierFor } from "../barrier";
import type { ActivationBarrier } from "../barrier";
import type { KmsHost } from "../kmsHost";
import type { KmsClientSummary } from "pulumi-kms-activation-catalog";
import type { KmsClientArgs } from "./args";

export interface KmsServerJoin {
  /** The host whose barrier the client joins; undefined when it cannot. */
  host?: KmsHost;
  /** The client's own `dependsOn`, a plain list (kept for its setup). */
  dependsOn: pulumi.Input<pulumi.Resource>[];
  /** Why a client pointed at a host of the program does not join its barrier. */
  warning?: string;
}

/**
 * The host a client given `kmsServer` (and `activate`) joins, if `kmsServer` names a KmsHost declared in
 * the same synchronous part of the program. Not when its `dependsOn` waits for that host or another of
 * its clients (the host's count step waits for this client: that would hang), nor when `dependsOn` is an
 * Output or a Promise that cannot be checked; the client is then configured without the barrier, with a
 * warning that says why.
 */
export function joinByKmsServer(
  name: string,
  args: KmsClientArgs,
  summary: KmsClientSummary,
  opts: pulumi.ComponentResourceOptions | undefined,
): KmsServerJoin | undefined {
  if (args.kmsServer === undefined || !summary.activate) return undefined;
  const barrier = openBarrierFor<ActivationBarrier>(args.kmsServer);
  if (barrier === undefined) return undefined;
  const host = barrier.host as KmsHost;
  const given = opts?.dependsOn;
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
  const hostName = barrier.hostName;
  const without = (why: string): KmsServerJoin => ({
    dependsOn: [],
    warning:
      `KmsClient "${name}" is pointed at KmsHost "${hostName}" by kmsServer, but ${why}, so it does not ` +
      `join the host's threshold barrier: if it asks before the host's count is reached it waits its ` +
      `activation interval (120 minutes by default). Leave the host and its clients out of dependsOn (the ` +
      `client already waits for the host's setup), or give host: instead of kmsServer`,
  });
  for (const d of list) {
    if (!pulumi.Resource.isInstance(d))
      return without("its dependsOn is not a plain list of resources");
    if (d === host) return without(`its dependsOn waits for the whole KmsHost "${hostName}"`);
    if ((d as { kmsHost?: unknown }).kmsHost === host) {
      return without(`its dependsOn waits for another client of KmsHost "${hostName}"`);
    }
  }
  return { host, dependsOn: list as pulumi.Input<pulumi.Resource>[] };
}
