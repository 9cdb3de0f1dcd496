/**
 * Multi-language component plugin: `pulumi package add <this repository>` gives Python, Go, C#, Java and
 * YAML programs `kms:index:KmsHost`, `kms:index:KmsClient` and `kms:index:KmsSrvRecord`, and
 * `kms:index:KmsThresholdBarrier` (barrier.ts), the host's threshold barrier, which TypeScript
 * programs have implicitly.
 *
 * The schema comes from Pulumi's TypeScript analyzer (`@pulumi/pulumi/provider/experimental`), which
 * accepts a class only when it extends `ComponentResource` directly, has one constructor with an `args`
 * interface, and uses no unions, anonymous object types or references to our own components. The
 * TypeScript classes carry what the analyzer cannot read (`KmsClientArgs.host`, the host's barrier), so the
 * plugin publishes thin subclasses instead: same class names, same type tokens, the real constructors at
 * run time, and a surface without those parts. `KmsClient.host` is added to the schema as a resource
 * reference, and resolved to the live KmsHost, by the provider (provider.ts). Type assertions at
 * the end of this file fail to compile if the subclasses' outputs drift from the real classes'.
 *
 * This module is also the library's compiled entry (`main.js` loads it): it re-exports the library. The
 * provider host starts only through `startPluginHost()`, which `main.js` calls when Pulumi's plugin runner
 * loads the package (never when a program imports the library).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ActivationReport } from "../barrier";
import * as lib from "../index";
import { KmsThresholdBarrier } from "./barrier";
import { pluginConstructed } from "./registry";
import { packageRoot, packageVersion, pluginSchemaDir } from "./package";
import type { KmsClientArgs, KmsClientStatus } from "../kmsClient";
import type { KmsHostArgs, KmsHostStatus } from "../kmsHost";
import type { KmsSrvRecordArgs } from "../kmsSrvRecord";
import type { AzureVmTarget, KmsScriptStorage, SshTarget } from "../remote";

export * from "../index";
export { packageRoot, packageVersion, pluginSchemaDir } from "./package";
export type { KmsThresholdBarrierArgs } from "./barrier";

/** Package name in the plugin's type tokens: `kms:index:<Class>`. */
export const PLUGIN_NAME = "kms";

/**
 * The arguments of `KmsClient` in other languages as the analyzer reads them: everything but `host`,
 * which the provider adds to the schema as a resource reference (provider.ts). Kept equal to
 * `Omit<KmsClientArgs, "host">` by a compile-time check below (written out because the analyzer loses
 * docs and types of mapped types).
 */
export interface KmsClientPluginArgs {
  /**
   * The Azure VM to configure, through Managed Run Command. Give this or `ssh`. Pass the resource group
   * and VM name as plain strings (order with `dependsOn` when the VM is created in the same program):
   * the kms-guard policies count distinct machines by them, and cannot while they are unknown outputs.
   * @default - `ssh` is used
   */
  azureVm?: AzureVmTarget;
  /**
   * The Windows machine to configure over SSH (on-premises, other clouds). Give this or `azureVm`.
   * @default - `azureVm` is used
   */
  ssh?: SshTarget;
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
   * Fixed KMS host, "name" or "name:port" (`[IPv6]:port`), like `slmgr /skms`; e.g. a KmsHost's
   * `kmsServer` output.
   * @default - DNS discovery
   */
  kmsServer?: pulumi.Input<string>;
  /**
   * Domain whose `_vlmcs._tcp` record the client looks up (`slmgr /skms-domain`), for clients whose own DNS
   * suffix is another (workgroup VMs on Azure get `*.internal.cloudapp.net`).
   * @default - the machine's own DNS domain (`slmgr /ckms`: clears any fixed host and port)
   */
  lookupDomain?: pulumi.Input<string>;
  /**
   * Activate now (`slmgr /ato`). With `false` the key and target are set and Windows activates on its
   * own schedule.
   * @default true
   */
  activate?: boolean;
  /**
   * Rearm Windows once before the setup (`slmgr /rearm`), so that the machine gets a client machine ID
   * (CMID) of its own at its next restart, which the step schedules (`shutdown /r /t 15`). For VMs made
   * from one generalized image: Azure Marketplace images are generalized with SkipRearm=1, so their VMs
   * share one CMID and a KMS host counts them as one client. Adds the child `<name>-rearm`; the setup then
   * checks that the machine restarted with a new CMID before it activates. Runs once per machine (a record
   * in %ProgramData%\pulumi-kms-activation\rearm.json), and uses one of its finite rearms. Windows
   * products only: on a machine with an Office client too, set it on the Windows KmsClient. Plain boolean.
   * @default false
   */
  rearm?: boolean;
  /**
   * Tags for the Azure Run Commands the client creates on its VM (setup, rearm, re-activation); an SSH
   * machine gets no Azure resource. At most 50 tags; names without `<>%&\\?/`.
   * @default - none
   */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Where the scripts are kept (Azure VMs): each distinct script is uploaded once per stack to this blob
   * container and the client's Run Commands reference it (`scriptUri`, read with the VM's managed identity)
   * instead of carrying its text. The VM's identity needs "Storage Blob Data Reader" on the container and a
   * network path to the account (see docs/scripts-by-reference.md). SSH machines always get the script
   * on stdin.
   * @default - the host's `scriptStorage` when `host` is given; else the script travels inline in each step
   */
  scriptStorage?: KmsScriptStorage;
}

/**
 * Extending the real class through a cast keeps its constructor at run time while the analyzer, which
 * reads only the source, sees a direct `ComponentResource` subclass.
 */
const KmsHostBase = lib.KmsHost as unknown as typeof pulumi.ComponentResource;
const KmsClientBase = lib.KmsClient as unknown as typeof pulumi.ComponentResource;
const KmsSrvRecordBase = lib.KmsSrvRecord as unknown as typeof pulumi.ComponentResource;

/** The real constructors take (name, args, opts); the cast base's declared signature starts with a type. */
function baseArgs(name: string, args: object, opts?: pulumi.ComponentResourceOptions) {
  return [name, args, opts] as unknown as [string, string];
}

/**
 * A Windows KMS host: creates a Windows Server VM (NIC without public IP, NSG that admits only the KMS
 * port from the clients' networks) or takes an existing machine, then installs and activates the host key
 * and applies the host settings remotely. With `dns`, also the A record and the `_vlmcs._tcp` SRV record.
 * The host activates its key online with Microsoft, so its subnet needs outbound Internet access (newer
 * subnets have no default outbound access: add a NAT gateway, as the reference stack does).
 */
class KmsHost extends KmsHostBase {
  /** Azure resource ID of the VM (absent for an SSH machine). */
  declare readonly vmId: pulumi.Output<string | undefined>;
  /** Private IPv4 address of the host, when known. */
  declare readonly privateIpAddress: pulumi.Output<string | undefined>;
  /** Name clients reach the host by. */
  declare readonly fqdn: pulumi.Output<string>;
  /** KMS port. */
  declare readonly port: pulumi.Output<number>;
  /** "fqdn:port", for a client's `kmsServer` (`slmgr /skms`). */
  declare readonly kmsServer: pulumi.Output<string>;
  /** The host's licensing state as its script read it back. Unknown during preview. */
  declare readonly status: pulumi.Output<KmsHostStatus>;
  /** The threshold barrier's findings: count after all clients registered, duplicate CMIDs. */
  declare readonly activationReport: pulumi.Output<ActivationReport>;
  /** The `_vlmcs._tcp` query name when `dns` is given. */
  declare readonly srvRecordName: pulumi.Output<string | undefined>;

  constructor(name: string, args: KmsHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super(...baseArgs(name, args, opts));
    const host = this as unknown as lib.KmsHost;
    // Clients arrive in later Construct calls, after the host's client list closed: they wait for the
    // host's KmsThresholdBarrier instead of being refused.
    host.barrier.acceptDeferredClients();
    // Later Construct calls in this process find it by the URN of their `host` reference.
    pluginConstructed.add(this);
  }
}

/**
 * Configures one Windows machine as a KMS client: installs the setup key when it differs, points the
 * client at its host (fixed host, lookup domain or DNS discovery), activates and reports the status.
 * For Office, use a second KmsClient on the same machine with the Office product.
 */
class KmsClient extends KmsClientBase {
  /** Licensing state after setup (and after the threshold barrier). Unknown during preview. */
  declare readonly status: pulumi.Output<KmsClientStatus>;
  /** Canonical catalog product name, when known. */
  declare readonly product: pulumi.Output<string | undefined>;

  constructor(name: string, args: KmsClientPluginArgs, opts?: pulumi.ComponentResourceOptions) {
    super(...baseArgs(name, args, opts));
    // A KmsThresholdBarrier constructed later in this process finds it by URN.
    pluginConstructed.add(this);
  }
}

/**
 * The `_vlmcs._tcp` SRV record through which Windows clients discover KMS hosts. Azure DNS takes no
 * dynamic updates, so the record a KMS host would publish itself is created here instead.
 */
class KmsSrvRecord extends KmsSrvRecordBase {
  /** Relative name of the record set in the zone, e.g. "_vlmcs._tcp". */
  declare readonly recordSetName: pulumi.Output<string>;
  /** The name clients query, e.g. "_vlmcs._tcp.corp.contoso.com". */
  declare readonly fqdn: pulumi.Output<string>;
  /** Azure resource ID of the record set. */
  declare readonly recordSetId: pulumi.Output<string>;

  constructor(name: string, args: KmsSrvRecordArgs, opts?: pulumi.ComponentResourceOptions) {
    super(...baseArgs(name, args, opts));
  }
}

/** The classes the plugin serves (named like the TypeScript classes: the name is the type token). */
export const pluginComponents = [KmsHost, KmsClient, KmsSrvRecord, KmsThresholdBarrier];

/** Options for `componentProviderHost` / `ComponentProvider`. */
export function pluginOptions(root: string = packageRoot()) {
  return {
    components: pluginComponents,
    name: PLUGIN_NAME,
    dirname: pluginSchemaDir(root),
    version: packageVersion(root),
  };
}

/**
 * Starts the `kms` component provider: prints its port and serves the engine (GetSchema, Construct) until
 * the engine ends the process. `main.js` calls it when Pulumi's plugin runner loads the package.
 */
export function startPluginHost(root: string = packageRoot()): Promise<void> {
  // Loaded here, not at the top: importing the library must not load the analyzer (and TypeScript).
  type Plugin = typeof import("./provider");
  type Server = typeof import("@pulumi/pulumi/provider");
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { KmsComponentProvider } = require("./provider") as Plugin;
  const { main } = require("@pulumi/pulumi/provider") as Server;
  /* eslint-enable @typescript-eslint/no-require-imports */
  // As componentProviderHost() does, with our provider (the schema's resource references, the hosts).
  return main(new KmsComponentProvider(pluginOptions(root)), process.argv.slice(2));
}

if (require.main === module) void startPluginHost();

// Compile-time checks: the plugin classes publish exactly the real classes' outputs, with the same types.
type OutputKeys<T> = {
  [K in keyof T]-?: T[K] extends pulumi.Output<unknown> ? K : never;
}[keyof T];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type SameOutputs<P, R> =
  Same<OutputKeys<P>, OutputKeys<R>> extends true
    ? Same<Pick<P, OutputKeys<R> & keyof P>, Pick<R, OutputKeys<R>>>
    : false;
const outputsMatch: [
  SameOutputs<KmsHost, lib.KmsHost>,
  SameOutputs<KmsClient, lib.KmsClient>,
  SameOutputs<KmsSrvRecord, lib.KmsSrvRecord>,
  Same<KmsClientPluginArgs, Omit<KmsClientArgs, "host">>,
  // The same keys, optional ones included (the check above lets an optional member be missing).
  Same<keyof KmsClientPluginArgs, Exclude<keyof KmsClientArgs, "host">>,
] = [true, true, true, true, true];
void outputsMatch;
