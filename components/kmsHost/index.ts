/**
 * KmsHost, read top to bottom as the flow of data: validate the args (plain values, before any child
 * registers; the catalog supplies key groups and defaults) → the machine (a created VM or an existing
 * one) → the remote steps (host-setup.ps1 for Windows, then each Office version, through Run Command or
 * SSH) → DNS records → the threshold barrier → the status parsed from the scripts' results. Each step
 * has a file of its own in this folder.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as compute from "@pulumi/azure-native/compute";
import type * as network from "@pulumi/azure-native/network";
import { ACTIVATION, KMS_HOST_TYPE, KmsHostSummary } from "pulumi-kms-activation-catalog";
import { ActivationBarrier, ActivationReport, ClientSteps } from "../barrier";
import { markHostOutput } from "../hostOutputs";
import {
  scriptBlob,
  scriptBlobsOwnerScoped,
  validateScriptStorage,
  withScriptStorage,
} from "../remote";
import { SCRIPT_NAMES } from "../scripts";
import type { KmsScriptStorage } from "../remote";
import type { HostResult } from "../scripts";
import { formatHostPort } from "../validate";
import type { KmsHostArgs } from "./args";
import { hostDnsRecords } from "./dns";
import { hostStatus, KmsHostStatus, officeStatuses } from "./status";
import { hostSteps } from "./steps";
import { validateKmsHostArgs } from "./validate";
import { DEFAULT_WINDOWS_SERVER_VERSION } from "./validateVm";
import { createHostVm, existingMachine } from "./vm";

export type {
  KmsExternalClients,
  KmsExternalClientsArgs,
  KmsHostArgs,
  KmsHostDns,
  KmsHostDnsArgs,
  KmsOfficeHost,
  KmsOfficeHostArgs,
} from "./args";
export type { KmsHostStatus, KmsOfficeHostStatus } from "./status";
export { officeStatuses } from "./status";
export { hostSecurityRules } from "./securityRules";
export { validateKmsHostArgs } from "./validate";
export { computerNameFor, hostImage } from "./vm";

/**
 * A Windows KMS host: creates a Windows Server VM (NIC without public IP, NSG that admits only the KMS
 * port from the clients' networks) or takes an existing machine, then installs and activates the host key
 * and applies the host settings remotely. With `dns`, also the A record and the `_vlmcs._tcp` SRV record.
 * The host activates its key online with Microsoft, so its subnet needs outbound Internet access (newer
 * subnets have no default outbound access: add a NAT gateway, as the reference stack does).
 */
export class KmsHost extends pulumi.ComponentResource {
  static readonly __pulumiType = KMS_HOST_TYPE;

  /** Azure resource ID of the VM (undefined for an SSH machine). */
  public readonly vmId: pulumi.Output<string | undefined>;
  /** Private IPv4 address of the host, when known. */
  public readonly privateIpAddress: pulumi.Output<string | undefined>;
  /**
   * Name clients reach the host by. Resolves once the host's setup (and each Office step) has completed,
   * so a client or SRV record given it waits for the host.
   */
  public readonly fqdn: pulumi.Output<string>;
  /** KMS port. */
  public readonly port: pulumi.Output<number>;
  /**
   * "fqdn:port", for a client's `kmsServer` (`slmgr /skms`). Resolves once the host's setup (and each
   * Office step) has completed, so a client given it runs its setup after the host's, without `dependsOn`.
   */
  public readonly kmsServer: pulumi.Output<string>;
  /** The host's licensing state as its script read it back. Unknown during preview. */
  public readonly status: pulumi.Output<KmsHostStatus>;
  /** The threshold barrier's findings: count after all clients registered, duplicate CMIDs. */
  public readonly activationReport: pulumi.Output<ActivationReport>;
  /** The `_vlmcs._tcp` query name when `dns` is given. */
  public readonly srvRecordName: pulumi.Output<string | undefined>;

  /**
   * The created host VM, to reference or depend on (its `id`, `identity`, extensions of your own).
   * `undefined` when the host configures an existing machine (`azureVm` or `ssh`).
   */
  public readonly vm?: compute.VirtualMachine;
  /** The created VM's network interface (no public IP); `undefined` for an existing machine. */
  public readonly networkInterface?: network.NetworkInterface;
  /**
   * The created VM's network security group, which admits the KMS port only from
   * `clientAddressPrefixes`; `undefined` for an existing machine.
   */
  public readonly networkSecurityGroup?: network.NetworkSecurityGroup;
  /**
   * The step that installs and activates the host key and applies the host settings (`<name>-setup`):
   * a Managed Run Command on an Azure VM, or a remote command over SSH. Depend on it to run something
   * once the machine is a KMS host.
   */
  public readonly setupStep: pulumi.CustomResource;
  /** The Office host steps (`<name>-office-<version>`), one per entry of `office`, in its order. */
  public readonly officeSteps: pulumi.CustomResource[];

  /** @internal The barrier that clients with `host: this` join. */
  readonly barrier: ActivationBarrier;
  /** @internal Where the scripts are kept, for clients that name this host. */
  readonly scriptStorage?: KmsScriptStorage;
  /** @internal The plain summary, for clients that name this host. */
  readonly summaryValue: KmsHostSummary;
  /**
   * @internal The last steps of this host's clients per machine: a second KmsClient on the same machine
   * (Windows and Office) runs after the first, since Run Command runs one script at a time on a VM.
   */
  readonly clientSteps = new Map<string, ClientSteps>();

  constructor(name: string, args: KmsHostArgs, opts?: pulumi.ComponentResourceOptions) {
    const { summary, target } = validateKmsHostArgs(name, args);
    validateScriptStorage(args.scriptStorage, `KmsHost "${name}"`, target === undefined);
    super(KMS_HOST_TYPE, name, { summary }, opts);
    this.summaryValue = summary;
    const port = args.port ?? ACTIVATION.defaultPort;

    const machine =
      target === undefined
        ? createHostVm(
            name,
            args,
            summary.windowsServerVersion ?? DEFAULT_WINDOWS_SERVER_VERSION,
            port,
            this,
          )
        : existingMachine(target, args, this);
    // Scripts by reference when `scriptStorage` is given: the host's steps, its count step, its clients.
    this.scriptStorage = args.scriptStorage;
    const hostTarget = withScriptStorage(machine.target, args.scriptStorage, this);
    // In the plugin, the host's clients and its barrier (later Construct calls) use the host's blobs.
    if (args.scriptStorage !== undefined && scriptBlobsOwnerScoped()) {
      for (const s of SCRIPT_NAMES) scriptBlob(args.scriptStorage, s, this);
    }
    const steps = hostSteps(name, args, summary, hostTarget, port, {
      parent: this,
      dependsOn: machine.dependsOn,
    });
    const dns =
      args.dns === undefined
        ? undefined
        : hostDnsRecords(
            name,
            args.dns,
            summary.dns?.private ?? false,
            { privateIp: machine.privateIp, port, existingMachine: target !== undefined },
            this,
          );
    this.barrier = new ActivationBarrier(name, this, hostTarget, steps.last, args.tags);
    this.vm = machine.created?.vm;
    this.networkInterface = machine.created?.nic;
    this.networkSecurityGroup = machine.created?.nsg;
    this.setupStep = steps.setupResource;
    this.officeSteps = steps.officeResources;

    // The outputs clients are wired with (`kmsServer: host.kmsServer`, `kmsServer: host.fqdn`, a
    // KmsSrvRecord's `target: host.fqdn`) resolve only once the host's last setup step (Windows, then
    // each Office version) has completed: they carry that step as a dependency, so a client given one
    // runs its setup after the host is a KMS host, from every language, without dependsOn. The step's
    // URN is known in a preview too, so the values stay known there.
    const setupDone = steps.last.urn;
    const fqdn = dns?.fqdn ?? machine.defaultFqdn;
    this.vmId = machine.vmId;
    this.privateIpAddress = machine.privateIp;
    this.fqdn = pulumi.all([fqdn, setupDone]).apply(([host]) => host);
    this.port = pulumi.output(port);
    this.kmsServer = pulumi
      .all([fqdn, this.port, setupDone])
      .apply(([host, p]) => formatHostPort({ host, port: p }));
    // Clients and SRV records given these very outputs record this host's name for the policies.
    markHostOutput(this.fqdn, name);
    markHostOutput(this.kmsServer, name);
    const officeVersions = steps.office.map((r) => r.version);
    this.status = pulumi
      .all([steps.setup, this.barrier.countResult, pulumi.all(steps.office.map((r) => r.result))])
      .apply(([s, count, offices]) =>
        hostStatus(
          (count ?? s) as HostResult,
          s as HostResult,
          officeStatuses(officeVersions, offices as HostResult[], count ?? undefined),
        ),
      );
    this.activationReport = this.barrier.report;
    this.srvRecordName = dns?.srvRecordName ?? pulumi.output(undefined);
    this.registerOutputs({
      vmId: this.vmId,
      privateIpAddress: this.privateIpAddress,
      fqdn: this.fqdn,
      port: this.port,
      kmsServer: this.kmsServer,
      status: this.status,
      activationReport: this.activationReport,
      srvRecordName: this.srvRecordName,
      // Read by the kms-guard stack policies; not a class property (its types are not schema types).
      summary,
    });
  }
}
