/**
 * KmsClient's arguments, with the TSDoc that docs/components.md and the plugin schema are generated from.
 */
import * as pulumi from "@pulumi/pulumi";
import type { KmsHost } from "../kmsHost";
import type { AzureVmTarget, KmsScriptStorage, SshTarget } from "../remote";

export interface KmsClientArgs {
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
   * A KmsHost in the same program: the client uses its `kmsServer` and joins its threshold barrier.
   * Declare the client in the same synchronous part of the program as the host (not after an `await`):
   * a later one is refused. Other languages give the host as a resource reference and join the barrier
   * by listing the client in the host's `KmsThresholdBarrier` (docs/multi-language.md).
   * @default - see `kmsServer` and `lookupDomain`
   */
  host?: KmsHost;
  /**
   * Fixed KMS host, "name" or "name:port" (`[IPv6]:port`), like `slmgr /skms`. For a KmsHost in the same
   * program give its `kmsServer` (or `fqdn`) output, or its fqdn as a plain string: declared in the same
   * synchronous part of the program as the host, the client then joins the host's threshold barrier and
   * its setup waits for the host's setup, as with `host` (leave the host out of `dependsOn`: waiting for
   * the whole host keeps the client out of the barrier, with a warning).
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
