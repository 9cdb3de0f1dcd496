/**
 * KmsClient, read top to bottom: validate the args → with `rearm`, the rearm step → the client-setup step
 * (after the rearm, the host's setup, and another client of the same host on the same machine) → with `host`, the threshold barrier and
 * the re-activation step → the status parsed from the last script's result.
 */
import * as pulumi from "@pulumi/pulumi";
import { KmsConfigError, KMS_CLIENT_TYPE } from "pulumi-kms-activation-catalog";
import { applyAll } from "../inputs";
import type { KmsHost } from "../kmsHost";
import { runScript, validateScriptStorage, withScriptStorage } from "../remote";
import {
  ClientResult,
  clientActivateParameters,
  clientRearmParameters,
  clientSetupParameters,
  OFFICE_APPLICATION_ID,
  WINDOWS_APPLICATION_ID,
} from "../scripts";
import { validateHostPort } from "../validate";
import type { KmsClientArgs } from "./args";
import { joinByKmsServer } from "./join";
import { clientStatus, KmsClientStatus } from "./status";
import { validateKmsClientArgs } from "./validate";

export type { KmsClientArgs } from "./args";
export type { KmsClientStatus } from "./status";
export { clientStatus } from "./status";
export { validateKmsClientArgs } from "./validate";

/**
 * Configures one Windows machine as a KMS client: installs the setup key when it differs, points the
 * client at its host (fixed host, lookup domain or DNS discovery), activates and reports the status.
 * For Office, use a second KmsClient on the same machine with the Office product: with the same `host`,
 * its steps run after the first client's (Run Command runs one script at a time on a VM); without `host`,
 * give it `dependsOn: [<the first KmsClient>]`, which orders its script run too.
 */
export class KmsClient extends pulumi.ComponentResource {
  static readonly __pulumiType = KMS_CLIENT_TYPE;

  /** Licensing state after setup (and after the threshold barrier). Unknown during preview. */
  public readonly status: pulumi.Output<KmsClientStatus>;
  /** Canonical catalog product name, when known. */
  public readonly product: pulumi.Output<string | undefined>;
  /**
   * The step that installs the setup key and points the machine at its KMS host (`<name>-setup`): a
   * Managed Run Command on an Azure VM, or a remote command over SSH. Depend on it to run something once
   * the machine is configured.
   */
  public readonly setupStep: pulumi.CustomResource;
  /** The rearm step (`<name>-rearm`) when `rearm` is true, which runs before the setup. */
  public readonly rearmStep?: pulumi.CustomResource;
  /** @internal The KmsHost whose threshold barrier this client joined (`host`). */
  readonly kmsHost?: KmsHost;
  /** @internal The component's name. */
  readonly clientName: string;

  constructor(name: string, args: KmsClientArgs, opts?: pulumi.ComponentResourceOptions) {
    const validated = validateKmsClientArgs(name, args);
    const { summary, product } = validated;
    validateScriptStorage(args.scriptStorage, `KmsClient "${name}"`);
    // Scripts by reference from the client's own script storage, else its host's.
    refuseBarrierDeadlock(name, args.host, opts?.dependsOn);
    // A client given the host's kmsServer or fqdn (not `host`) joins its barrier too (joinByKmsServer).
    const byServer = args.host ? undefined : joinByKmsServer(name, args, summary, opts);
    if (byServer?.host) {
      // The summary (a fresh object) says so, for the policies and the forecast.
      Object.assign(summary, { hostName: byServer.host.summaryValue.name, barrier: true });
    }
    const joined: KmsHost | undefined = args.host ?? byServer?.host;
    // A client constructed after its host's list closed: refused in TypeScript; a deferred member of the
    // multi-language plugin's hosts, which an explicit barrier (KmsThresholdBarrier) lists later.
    const deferred =
      args.host !== undefined &&
      args.host.barrier.isClosed &&
      args.host.barrier.acceptsDeferredClients;
    if (args.host?.barrier.isClosed && summary.activate && !deferred) {
      throw args.host.barrier.lateClientError(name);
    }
    super(KMS_CLIENT_TYPE, name, { summary }, opts);
    // Scripts by reference from the client's own script storage (its blobs), else its host's.
    const target = args.scriptStorage
      ? withScriptStorage(validated.target, args.scriptStorage, this)
      : withScriptStorage(validated.target, args.host?.scriptStorage, args.host);
    this.kmsHost = args.host;
    this.clientName = name;
    // A client that joined by kmsServer is a client of that host too (refuseBarrierDeadlock reads it).
    if (byServer?.host) this.kmsHost = byServer.host;
    if (byServer?.warning) pulumi.log.warn(byServer.warning, this);

    const applicationId =
      product?.family === "office" ? OFFICE_APPLICATION_ID : WINDOWS_APPLICATION_ID;
    const kmsServer: pulumi.Input<string | undefined> = args.host
      ? args.host.kmsServer
      : args.kmsServer;
    const setupParameters = applyAll(
      [args.setupKey ?? product?.setupKey ?? "", kmsServer, args.lookupDomain] as const,
      ([setupKey, server, lookupDomain]) => {
        const hostPort = server ? validateHostPort("kmsServer", server) : undefined;
        return clientSetupParameters({
          setupKey,
          kmsServer: hostPort?.host,
          kmsPort: hostPort?.port,
          lookupDomain,
          activate: summary.activate,
          applicationId,
        }).parameters;
      },
    );

    // Another KmsClient of the same host on the same machine (Windows and Office): run after it, setup
    // after setup and re-activation after re-activation (Run Command runs one script at a time on a VM).
    // (Not for a deferred client: Construct calls may arrive in any order; its dependsOn orders it.)
    const sameMachine =
      joined && summary.machine && !deferred ? joined.clientSteps.get(summary.machine) : undefined;
    // With `host`: the earlier client of this machine, and a deferred client's own dependsOn (the plugin
    // has no other way to order it).
    const machineOrder = [
      ...(sameMachine ? [sameMachine.setup] : []),
      ...(deferred ? plainDependsOn(opts?.dependsOn) : []),
    ];
    const setupDependsOn: pulumi.CustomResourceOptions["dependsOn"] = joined
      ? // With `host`, wait for the host's setup steps only: depending on the whole host component would
        // also wait for its count step, which waits for this client. A client that joined by kmsServer
        // keeps its own dependsOn too (checked free of the host and its clients).
        [joined.barrier.hostSetup, ...machineOrder, ...(byServer?.host ? byServer.dependsOn : [])]
      : // Without `host`, the component's own dependsOn (e.g. the Windows KmsClient of this machine)
        // also orders the script run; passed as given (the SDK takes a resource, a list or an Output).
        opts?.dependsOn;
    // A rearm first (`rearm: true`): the machine restarts with a client machine ID of its own, and the
    // setup checks that before it activates. It needs no host, so it runs while the host is built; it waits
    // for an earlier client of the same machine (one script at a time per VM).
    const rearm = summary.rearm
      ? runScript(
          `${name}-rearm`,
          {
            target,
            script: "client-rearm",
            parameters: clientRearmParameters().parameters,
            tags: args.tags,
          },
          {
            parent: this,
            dependsOn: joined ? [...machineOrder, ...(byServer?.dependsOn ?? [])] : opts?.dependsOn,
          },
        )
      : undefined;
    const setup = runScript(
      `${name}-setup`,
      { target, script: "client-setup", parameters: setupParameters, tags: args.tags },
      {
        parent: this,
        // After the rearm; without `host`, the rearm already waited for the component's dependsOn.
        dependsOn: rearm
          ? joined
            ? [joined.barrier.hostSetup, ...machineOrder, rearm.resource]
            : [rearm.resource]
          : setupDependsOn,
      },
    );
    // The client's last word: its re-activation step's result when it needed one, else its setup's.
    let final: pulumi.Output<ClientResult> | undefined;
    if (joined && summary.activate) {
      const member = {
        name,
        machine: summary.machine,
        family: summary.family,
        setup: setup.resource,
      };
      const makeFinal = (
        countStep: pulumi.Resource,
        after: pulumi.Output<unknown> | undefined,
      ): pulumi.Output<ClientResult> => {
        // Once every client of the host has registered and the host's count was read, the client is
        // asked to activate again: a client whose setup ended pending (0xC004F038, the count was still
        // below the threshold) activates now instead of after its activation interval. The step is
        // registered here, for every member, so that a preview and a saved plan show it; for a client
        // that activated at setup it is one cheap Activate() call. It runs again when the setup
        // changes, and waits for the previous configuration of the same machine (Run Command runs
        // one script at a time per VM in these components). Parameters derived from the previous
        // configuration's result carry its steps as dependencies (no resource inside an apply).
        const parameters = applyAll(
          [setupParameters, after ?? sameMachine?.done] as const,
          ([p]) => clientActivateParameters(applicationId, p).parameters,
        );
        return runScript(
          `${name}-activate`,
          { target, script: "client-activate", parameters, tags: args.tags },
          { parent: this, dependsOn: [countStep] },
        ).result as pulumi.Output<ClientResult>;
      };
      if (deferred) {
        // Its status stays the setup's; the explicit barrier reports the re-activation's.
        joined.barrier.defer({ ...member, client: this, makeFinal });
      } else {
        joined.barrier.join(member, (countStep) => (final = makeFinal(countStep, undefined)));
      }
    }
    if (joined && summary.machine && !deferred) {
      joined.clientSteps.set(summary.machine, {
        setup: setup.resource,
        done: final ?? (setup.result as pulumi.Output<unknown>),
      });
    }

    this.setupStep = setup.resource;
    this.rearmStep = rearm?.resource;
    final ??= setup.result as pulumi.Output<ClientResult>;
    this.status = final.apply(clientStatus);
    this.product = pulumi.output(summary.product);
    this.registerOutputs({ status: this.status, product: this.product, summary });
  }
}

/** A deferred client's own `dependsOn` (the plugin passes a plain list) also orders its setup. */
function plainDependsOn(
  dependsOn: pulumi.ComponentResourceOptions["dependsOn"],
): pulumi.Input<pulumi.Resource>[] {
  if (dependsOn === undefined) return [];
  return Array.isArray(dependsOn) ? dependsOn : [dependsOn as pulumi.Input<pulumi.Resource>];
}

/**
 * A client with `host` must not wait for that host, nor for another client of it: the host's count step
 * (`<host>-count`) waits for every client's setup, and the clients' `-activate` steps wait for the count
 * step, so such a `dependsOn` waits for itself and the deployment hangs without a word. Refused here, with
 * what to do instead. Only plain resources in `dependsOn` can be checked (not Outputs or Promises).
 */
function refuseBarrierDeadlock(
  name: string,
  host: KmsHost | undefined,
  dependsOn: pulumi.ComponentResourceOptions["dependsOn"],
): void {
  if (host === undefined || dependsOn === undefined) return;
  const list = Array.isArray(dependsOn) ? dependsOn : [dependsOn];
  for (const d of list) {
    if (d === host) {
      throw new KmsConfigError(
        "dependsOn",
        `[KmsHost "${host.summaryValue.name}", …]`,
        `free of the KmsHost given as host: the host's count step waits for this client's setup, so waiting for the whole host would wait for itself and the deployment would hang. With host, the client already waits for the host's setup: leave the host out of dependsOn`,
        `KmsClient "${name}"`,
      );
    }
    if (d instanceof KmsClient && d.kmsHost === host) {
      throw new KmsConfigError(
        "dependsOn",
        `[KmsClient "${d.clientName}", …]`,
        `free of other clients of the same host: their activation steps wait for the host's count step, which waits for this client, so the deployment would hang. Clients of one host on the same machine (Windows and Office) are ordered one after the other without dependsOn`,
        `KmsClient "${name}"`,
      );
    }
  }
}
