import * as pulumi from "@pulumi/pulumi";
import { findProductsBySetupKey, Product, requireProduct } from "./catalog";
import { KmsConfigError, showValue } from "./errors";
import { hostOfOutput } from "./hostOutputs";
import { known, withContext } from "./inputs";
import type { KmsHost } from "./kmsHost";
import {
  machineIdentity,
  resolveTarget,
  runScript,
  AzureVmTargetArgs,
  SshTargetArgs,
  Target,
} from "./remote";
import {
  ClientResult,
  clientActivateParameters,
  clientSetupParameters,
  OFFICE_APPLICATION_ID,
  WINDOWS_APPLICATION_ID,
} from "./scripts";
import { KMS_CLIENT_TYPE, KmsClientSummary } from "./summary";
import { plainValue, validateDnsName, validateHostPort, validateSetupKey } from "./validate";

export interface KmsClientArgs {
  /**
   * The Azure VM to configure, through Managed Run Command. Give this or `ssh`. Pass the resource group
   * and VM name as plain strings (order with `dependsOn` when the VM is created in the same program):
   * the kms-guard policies count distinct machines by them, and cannot while they are unknown outputs.
   * @default - `ssh` is used
   */
  azureVm?: AzureVmTargetArgs;
  /**
   * The Windows machine to configure over SSH (on-premises, other clouds). Give this or `azureVm`.
   * @default - `azureVm` is used
   */
  ssh?: SshTargetArgs;
  /**
   * Catalog product name, e.g. "Windows Server 2022 Datacenter", "Windows 11 Enterprise",
   * "Office LTSC Professional Plus 2024": picks the KMS client setup key (GVLK) and the activation family.
   * @default - the product of `setupKey` (one of the two is required)
   */
  product?: string;
  /**
   * KMS client setup key to install instead of the product's published one (`slmgr /ipk`).
   * @default - the published setup key of `product`
   */
  setupKey?: pulumi.Input<string>;
  /**
   * A KmsHost in the same program: the client uses its `kmsServer` and joins its threshold barrier.
   * Declare the client in the same synchronous part of the program as the host (not after an `await`):
   * a later one is refused. TypeScript only; other languages give `kmsServer`.
   * @default - see `kmsServer` and `lookupDomain`
   */
  host?: KmsHost;
  /**
   * Fixed KMS host, "name" or "name:port" (`[IPv6]:port`), like `slmgr /skms`. For a KmsHost in the same
   * program give its `kmsServer` output: the client's setup then waits for the host's setup. A plain
   * string naming that host does not wait: add `dependsOn: [host]`.
   * @default - DNS discovery
   */
  kmsServer?: pulumi.Input<string>;
  /**
   * Domain whose `_vlmcs._tcp` record the client looks up (`slmgr /skms-domain`), for clients whose own DNS
   * suffix is another (workgroup VMs on Azure get `*.internal.cloudapp.net`). When the host is a KmsHost
   * in the same program (so with DNS discovery too), add `dependsOn: [host]`: nothing else orders the
   * client's setup after the host's, and a client that asks first fails with 0xC004F074.
   * @default - the machine's own DNS domain (`slmgr /ckms`: clears any fixed host and port)
   */
  lookupDomain?: pulumi.Input<string>;
  /**
   * Activate now (`slmgr /ato`). With `false` the key and target are set and Windows activates on its
   * own schedule.
   * @default true
   */
  activate?: boolean;
}

/** What the client reports after its setup (and after the host's barrier, when it joined one). */
export interface KmsClientStatus {
  licenseStatus: string;
  activated: boolean;
  /** True while the host's count is below the threshold (0xC004F038). */
  pending: boolean;
  pendingReason?: string;
  /** Client machine ID: machines with the same one count once on the host. */
  cmid?: string;
  /** The KMS host the client used or will use. */
  kmsServer?: string;
  partialProductKey?: string;
  productName?: string;
  errorCode?: string;
  changed: string[];
}

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
  /** @internal The KmsHost whose threshold barrier this client joined (`host`). */
  readonly kmsHost?: KmsHost;
  /** @internal The component's name. */
  readonly clientName: string;

  constructor(name: string, args: KmsClientArgs, opts?: pulumi.ComponentResourceOptions) {
    const { summary, target, product } = validateKmsClientArgs(name, args);
    refuseBarrierDeadlock(name, args.host, opts?.dependsOn);
    if (args.host?.barrier.isClosed && summary.activate) {
      throw args.host.barrier.lateClientError(name);
    }
    super(KMS_CLIENT_TYPE, name, { summary }, opts);
    this.kmsHost = args.host;
    this.clientName = name;

    const applicationId =
      product?.family === "office" ? OFFICE_APPLICATION_ID : WINDOWS_APPLICATION_ID;
    const kmsServer: pulumi.Input<string | undefined> = args.host
      ? args.host.kmsServer
      : args.kmsServer;
    const setupParameters = pulumi
      .all([
        pulumi.output(args.setupKey ?? product?.setupKey ?? ""),
        pulumi.output(kmsServer),
        pulumi.output(args.lookupDomain),
      ])
      .apply(([setupKey, server, lookupDomain]) => {
        const hostPort = server ? validateHostPort("kmsServer", server) : undefined;
        return clientSetupParameters({
          setupKey,
          kmsServer: hostPort?.host,
          kmsPort: hostPort?.port,
          lookupDomain,
          activate: summary.activate,
          applicationId,
        }).parameters;
      });

    // Another KmsClient of the same host on the same machine (Windows and Office): run after it, setup
    // after setup and re-activation after re-activation (Run Command runs one script at a time on a VM).
    const sameMachine =
      args.host && summary.machine ? args.host.clientSteps.get(summary.machine) : undefined;
    const setupDependsOn: pulumi.CustomResourceOptions["dependsOn"] = args.host
      ? // With `host`, wait for the host's setup steps only: depending on the whole host component would
        // also wait for its count step, which waits for this client.
        [args.host.barrier.hostSetup, ...(sameMachine ? [sameMachine.setup] : [])]
      : // Without `host`, the component's own dependsOn (e.g. the Windows KmsClient of this machine)
        // also orders the script run; passed as given (the SDK takes a resource, a list or an Output).
        opts?.dependsOn;
    const setup = runScript(
      `${name}-setup`,
      { target, script: "client-setup", parameters: setupParameters },
      { parent: this, dependsOn: setupDependsOn },
    );
    // The client's last word: its re-activation step's result when it needed one, else its setup's.
    let final: pulumi.Output<ClientResult> | undefined;
    if (args.host && summary.activate) {
      args.host.barrier.join(
        { name, machine: summary.machine, family: summary.family, setup: setup.resource },
        (countStep) => {
          // Once every client of the host has registered and the host's count was read, the client is
          // asked to activate again: a client whose setup ended pending (0xC004F038, the count was still
          // below the threshold) activates now instead of after its activation interval. The step is
          // registered here, for every member, so that a preview and a saved plan show it; for a client
          // that activated at setup it is one cheap Activate() call. It runs again when the setup
          // changes, and waits for the previous configuration of the same machine (Run Command runs
          // one script at a time per VM in these components). Parameters derived from the previous
          // configuration's result carry its steps as dependencies (no resource inside an apply).
          const parameters = pulumi
            .all([setupParameters, sameMachine?.done ?? pulumi.output(undefined)])
            .apply(([p]) => clientActivateParameters(applicationId, p).parameters);
          final = runScript(
            `${name}-activate`,
            { target, script: "client-activate", parameters },
            { parent: this, dependsOn: [countStep] },
          ).result as pulumi.Output<ClientResult>;
          return final;
        },
      );
    }
    if (args.host && summary.machine) {
      args.host.clientSteps.set(summary.machine, {
        setup: setup.resource,
        done: final ?? (setup.result as pulumi.Output<unknown>),
      });
    }

    final ??= setup.result as pulumi.Output<ClientResult>;
    this.status = final.apply(clientStatus);
    this.product = pulumi.output(summary.product);
    this.registerOutputs({ status: this.status, product: this.product, summary });
  }
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

export function clientStatus(r: ClientResult): KmsClientStatus {
  return {
    licenseStatus: r.licenseStatus ?? "Unknown",
    activated: r.activated === true,
    pending: r.pending === true,
    pendingReason: r.pendingReason ?? undefined,
    cmid: r.cmid ?? undefined,
    kmsServer: r.kmsServer ?? undefined,
    partialProductKey: r.partialProductKey ?? undefined,
    productName: r.productName ?? undefined,
    errorCode: r.errorCode ?? undefined,
    changed: r.changed ?? [],
  };
}

/** Validates what is known of the args (before anything registers) and builds the policy summary. */
export function validateKmsClientArgs(
  name: string,
  args: KmsClientArgs,
): { summary: KmsClientSummary; target: Target; product: Product | undefined } {
  return withContext(`KmsClient "${name}"`, () => {
    if (args === undefined || args === null) {
      throw new KmsConfigError(
        "args",
        "nothing",
        "an object with azureVm or ssh, and product or setupKey",
      );
    }
    const target = resolveTarget(args.azureVm, args.ssh, true)!;
    let product: Product | undefined;
    if (args.product !== undefined) {
      if (typeof args.product !== "string") {
        throw new KmsConfigError(
          "product",
          "a value that is not a plain string",
          'a catalog product name as a plain string, e.g. "Windows 11 Enterprise"',
        );
      }
      product = requireProduct(args.product, "product");
    }
    const setupKey = known(args.setupKey, (v) => validateSetupKey("setupKey", v, product));
    if (product === undefined) {
      if (args.setupKey === undefined) {
        throw new KmsConfigError(
          "product / setupKey",
          "neither",
          'a catalog product name (e.g. "Windows Server 2022 Datacenter") or a setupKey',
        );
      }
      if (setupKey !== undefined) {
        const products = findProductsBySetupKey(setupKey);
        if (products.length > 0) product = products[0];
      }
    }
    const given = (["host", "kmsServer", "lookupDomain"] as const).filter(
      (k) => args[k] !== undefined,
    );
    if (given.length > 1) {
      throw new KmsConfigError(
        given.join(" / "),
        `${given.length} of them`,
        "at most one of host, kmsServer or lookupDomain",
      );
    }
    if (args.host !== undefined && (typeof args.host !== "object" || !("barrier" in args.host))) {
      throw new KmsConfigError(
        "host",
        showValue(plainValue(args.host as never) ?? "a value"),
        "a KmsHost declared in this program (other languages: kmsServer)",
      );
    }
    const kmsServer = known(args.kmsServer, (v) => {
      validateHostPort("kmsServer", v);
      return v;
    });
    const lookupDomain = known(args.lookupDomain, (v) => validateDnsName("lookupDomain", v));
    // Client-side intervals are not settable: SetVLActivationInterval / SetVLRenewalInterval are host-only
    // methods ("An error is returned if the method is called and the machine is not a key management
    // service", Microsoft's SoftwareLicensingService docs; slmgr /sai and /sri are KMS host options). A
    // client takes both from its host's answer. Other languages and plain JavaScript can still pass them.
    for (const interval of ["activationIntervalMinutes", "renewalIntervalMinutes"] as const) {
      const given = (args as unknown as Record<string, unknown>)[interval];
      if (given !== undefined) {
        throw new KmsConfigError(
          interval,
          showValue(plainValue(given as pulumi.Input<unknown>) ?? "a value"),
          `left out: a KMS client takes its intervals from its host's answer, so the host's settings apply (set ${interval} on the KmsHost; slmgr /${interval === "activationIntervalMinutes" ? "sai" : "sri"} and its CIM method work only on a KMS host)`,
        );
      }
    }
    if (args.activate !== undefined && typeof args.activate !== "boolean") {
      throw new KmsConfigError("activate", showValue(args.activate), "a plain true or false");
    }
    const hostSummary = args.host?.summaryValue;
    const summary: KmsClientSummary = {
      name,
      transport: target.kind,
      machine: machineIdentity(target),
      product: product?.name,
      family: product?.family,
      discovery: args.host
        ? "host"
        : args.kmsServer !== undefined
          ? "kmsServer"
          : args.lookupDomain !== undefined
            ? "lookupDomain"
            : "dns",
      hostName: hostSummary?.name ?? hostOfOutput(args.kmsServer),
      kmsServer: args.host
        ? hostSummary?.fqdn !== undefined && hostSummary.port !== undefined
          ? `${hostSummary.fqdn}:${hostSummary.port}`
          : undefined
        : kmsServer,
      lookupDomain,
      activate: args.activate ?? true,
    };
    return { summary, target, product };
  });
}
