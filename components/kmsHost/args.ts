/**
 * KmsHost's arguments, with the TSDoc that docs/components.md and the plugin schema are generated from.
 * Only types: what each argument means, its default, and which are required when a VM is created.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AzureVmTarget, KmsScriptStorage, SshTarget } from "../remote";

/** Clients outside this stack that also activate against the host and so add to its count. */
export interface KmsExternalClients {
  /**
   * Windows client OS machines (Windows 10/11) outside this stack.
   * @default 0
   */
  windowsClient?: pulumi.Input<number>;
  /**
   * Windows Server machines outside this stack.
   * @default 0
   */
  windowsServer?: pulumi.Input<number>;
  /**
   * Office installations (volume Office) outside this stack.
   * @default 0
   */
  office?: pulumi.Input<number>;
}

/**
 * One Office version the KMS host activates: that version's Office KMS host key and where the host finds
 * the Office Volume License Pack's license files. Azure's own KMS does not activate Office.
 */
export interface KmsOfficeHost {
  /**
   * Office version: "LTSC 2024", "LTSC 2021", "2019" or "2016" ("Office LTSC 2024" and "2024" are read
   * the same). One entry per version.
   */
  version: string;
  /** The Office KMS host key of that version, from the Microsoft 365 admin center / VLSC. Secret everywhere. */
  hostKey: pulumi.Input<string>;
  /**
   * Where the Office Volume License Pack's license files are: a folder on the host holding the extracted
   * `.xrm-ms` files, or a `.zip` of them (a path on the host, or an http(s) URI; pass a URI with a SAS token
   * as a secret). `""` when the pack is already installed on the host. Not the pack's `.exe`: Microsoft
   * documents it only as an interactive installer (see docs/office.md).
   */
  volumeLicensePack: pulumi.Input<string>;
}

/** Registration of the host in an Azure DNS zone: an A record for the host and the `_vlmcs._tcp` SRV record. */
export interface KmsHostDns {
  /**
   * The zone, e.g. "corp.contoso.com" or a private zone "kms.internal". A plain string keeps it readable
   * for the kms-guard policies; give `zoneId` too when the zone is created in the same program.
   */
  zoneName: pulumi.Input<string>;
  /** Resource group of the zone. */
  resourceGroupName: pulumi.Input<string>;
  /**
   * Azure resource ID of the zone (`zone.id` of a `privatedns.PrivateZone` or `dns.Zone`). Give it when
   * the zone is created in the same program: the A and SRV records are then written only after the zone
   * exists. With the name alone nothing orders them after the zone, and Azure may answer their PUT with
   * 404 (zone not found).
   * @default - the records do not wait for the zone (it exists already, outside this program)
   */
  zoneId?: pulumi.Input<string>;
  /**
   * `true` for an Azure Private DNS zone, `false` for a public zone. A plain value: it decides the resource type.
   * @default false
   */
  private?: boolean;
  /**
   * Sub-domain for the SRV record: `_vlmcs._tcp.<recordName>.<zoneName>`.
   * @default - the zone apex, `_vlmcs._tcp.<zoneName>`
   */
  recordName?: pulumi.Input<string>;
  /**
   * Label of the host's A record in the zone: the host becomes `<hostName>.<zoneName>`.
   * @default - the component name
   */
  hostName?: pulumi.Input<string>;
  /**
   * IPv4 address for the A record of an existing machine (a created VM uses its own private address).
   * @default - the created VM's private address, or `ssh.host` when it is an IPv4 address
   */
  ipAddress?: pulumi.Input<string>;
  /**
   * Time to live of the A and SRV records, in seconds.
   * @default 3600
   */
  ttl?: pulumi.Input<number>;
}

export interface KmsHostArgs {
  /** The KMS host key (CSVLK) from the Microsoft 365 admin center / VLSC. Secret everywhere. */
  hostKey: pulumi.Input<string>;

  /**
   * Configure this existing Azure VM (through Managed Run Command) instead of creating one.
   * @default - a new VM is created
   */
  azureVm?: AzureVmTarget;
  /**
   * Configure this existing Windows machine over SSH instead of creating one.
   * @default - a new VM is created
   */
  ssh?: SshTarget;

  /** Resource group for the created VM, NIC and NSG. Required when a VM is created. */
  resourceGroupName?: pulumi.Input<string>;
  /** Azure region for the created VM. Required when a VM is created. */
  location?: pulumi.Input<string>;
  /** Subnet for the created VM's NIC (no public IP is created). Required when a VM is created. */
  subnetId?: pulumi.Input<string>;
  /**
   * Address prefixes allowed to reach the KMS port (the clients' networks). Never `*`, `Internet`,
   * `0.0.0.0/0`. Required when a VM is created.
   */
  clientAddressPrefixes?: pulumi.Input<pulumi.Input<string>[]>;
  /** Password of the created VM's administrator (secret). Required when a VM is created. */
  adminPassword?: pulumi.Input<string>;
  /**
   * Administrator account of the created VM.
   * @default "kmsadmin"
   */
  adminUsername?: pulumi.Input<string>;
  /**
   * Size of the created VM. KMS needs little: 2 vCPUs and 4 GiB serve thousands of clients. It must
   * support Generation 2 VMs (the images are Gen2): Av2, Dv2, Dv3 and Ev3 sizes are refused.
   * @default "Standard_B2s"
   */
  vmSize?: pulumi.Input<string>;
  /**
   * Availability zone of the created VM: "1", "2" or "3", in a region with zones. Its OS disk is placed
   * in the same zone; the NIC and NSG are regional. Changing it replaces the VM.
   * @default - no zone (a regional VM)
   */
  zone?: string;
  /**
   * Trusted Launch for the created VM (`securityProfile.securityType` "TrustedLaunch"): Secure Boot and a
   * virtual TPM. The host's images are Gen2 (`<version>-datacenter-g2`) and Windows Server 2022 and 2025
   * support it, as does the default size's B-family. `false` creates a standard-security VM.
   * @default true
   */
  trustedLaunch?: boolean;
  /**
   * Secure Boot of the created VM (`uefiSettings.secureBootEnabled`), a part of Trusted Launch.
   * @default - the value of `trustedLaunch`
   */
  secureBoot?: boolean;
  /**
   * Virtual TPM of the created VM (`uefiSettings.vTpmEnabled`), a part of Trusted Launch.
   * @default - the value of `trustedLaunch`
   */
  vTpm?: boolean;
  /**
   * Boot diagnostics of the created VM with managed storage (serial log and screenshot kept by Azure;
   * no storage account of yours).
   * @default true
   */
  bootDiagnostics?: boolean;
  /**
   * Azure Hybrid Benefit: "Windows_Server" when Windows Server licences with Software Assurance (or
   * subscriptions) cover the created VM, so Azure does not bill the Windows licence; "None" removes it.
   * @default - none: pay-as-you-go, the Windows licence is in the VM's price
   */
  licenseType?: string;
  /**
   * Marketplace image version of the created VM, "Major.Minor.Build" (e.g. "20348.1006.220908"; list them
   * with `az vm image list --all --publisher MicrosoftWindowsServer --offer WindowsServer --sku
   * 2022-datacenter-g2`). The default registers the same input on every run, but the VM gets the image
   * that is newest when it is created; pin a version for identical VMs (Azure removes old versions from
   * the Marketplace in time). Changing it replaces the VM.
   * @default "latest"
   */
  imageVersion?: string;
  /**
   * Managed disk type of the created VM's OS disk: "StandardSSD_LRS", "Standard_LRS", "Premium_LRS",
   * "StandardSSD_ZRS" or "Premium_ZRS" (the size must support Premium storage for the Premium types).
   * @default "StandardSSD_LRS"
   */
  osDiskType?: string;
  /**
   * Azure resource ID of a disk encryption set: the OS disk is encrypted with your customer-managed key
   * (the set's identity needs access to its key vault).
   * @default - platform-managed keys (Azure encrypts every managed disk at rest)
   */
  diskEncryptionSetId?: pulumi.Input<string>;
  /**
   * Encryption at host (`securityProfile.encryptionAtHost`): temporary disk and disk caches encrypted
   * on the VM host too. The subscription must have the feature `Microsoft.Compute/EncryptionAtHost`
   * registered, and the size must support it.
   * @default false
   */
  encryptionAtHost?: boolean;
  /**
   * Windows Server version of the created VM (Datacenter, Gen2 image): "2022" or "2025". Never Azure
   * Edition, which cannot be a KMS host. For an existing machine, declare its version here ("2016",
   * "2019", "2022", "2025", "2012 R2", or "Windows 10" for a client KMS host) so the policies can check
   * the key group.
   * @default "2022"
   */
  windowsServerVersion?: string;

  /**
   * Catalog key group of the CSVLK, e.g. "Windows Server 2025": decides which client products it
   * activates (checked by the require-compatible-host-key policy).
   * @default - the host's own Windows Server version
   */
  keyGroup?: string;
  /**
   * TCP port the KMS host listens on (`slmgr /sprt`).
   * @default 1688
   */
  port?: pulumi.Input<number>;
  /**
   * Minutes unactivated clients wait before they retry (`slmgr /sai`), 15 to 43200.
   * @default 120
   */
  activationIntervalMinutes?: pulumi.Input<number>;
  /**
   * Minutes activated clients wait before they renew (`slmgr /sri`), 15 to 43200.
   * @default 10080
   */
  renewalIntervalMinutes?: pulumi.Input<number>;
  /**
   * Let the host publish its own SRV record by DNS dynamic update (`slmgr /sdns`). Azure DNS takes no
   * dynamic updates, so this stays off and the record is created through `dns` instead.
   * @default false
   */
  dnsPublishing?: boolean;
  /**
   * Run the KMS service at low priority (`slmgr /cpri`); can starve KMS on a busy machine.
   * @default false
   */
  lowPriority?: boolean;
  /**
   * Office versions this host also activates, each with its Office KMS host key and Volume License Pack.
   * The host OS must meet each version's requirement (Office LTSC 2024: Windows Server 2022 or later).
   * @default - no Office activation
   */
  office?: KmsOfficeHost[];
  /**
   * Clients outside this stack that also activate against this host (counted toward the threshold).
   * @default - none
   */
  externalClients?: KmsExternalClients;
  /**
   * Create the host's A record and the `_vlmcs._tcp` SRV record in an Azure DNS zone.
   * @default - no DNS records; clients use `kmsServer` or `host`
   */
  dns?: KmsHostDns;
  /**
   * Name clients use to reach an existing machine when `dns` is not given.
   * @default - `<computer name>.<Azure internal DNS suffix>` for a created VM, `ssh.host` for SSH, `azureVm.vmName` otherwise
   */
  fqdn?: pulumi.Input<string>;
  /**
   * Tags for every Azure resource the host creates: VM, NIC, NSG and its Run Commands (setup, Office and
   * count steps). Not the DNS record sets: Azure does not support tags on them. The OS disk is created
   * by Azure with the VM, and the VM's API takes no tags for it (docs/azure-notes.md). At most 50 tags;
   * names without `<>%&\\?/`.
   * @default - none
   */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Where the scripts are kept (Azure VMs): each distinct script is uploaded once per stack to this blob
   * container and the host's Run Commands reference it (`scriptUri`, read with the VM's managed identity)
   * instead of carrying its text; clients given `host` use it too. A VM this host creates gets
   * `identity.resourceId` attached. The identity needs "Storage Blob Data Reader" on the container and the
   * VM a network path to the account (see docs/scripts-by-reference.md). SSH machines always get the
   * script on stdin.
   * @default - each step carries its script inline
   */
  scriptStorage?: KmsScriptStorage;
}

/** @deprecated Renamed `KmsExternalClients` before the first release (schema type names no longer end in `Args`). */
export type KmsExternalClientsArgs = KmsExternalClients;
/** @deprecated Renamed `KmsOfficeHost` before the first release (schema type names no longer end in `Args`). */
export type KmsOfficeHostArgs = KmsOfficeHost;
/** @deprecated Renamed `KmsHostDns` before the first release (schema type names no longer end in `Args`). */
export type KmsHostDnsArgs = KmsHostDns;
