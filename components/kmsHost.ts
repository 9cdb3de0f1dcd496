import * as net from "node:net";
import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";
import {
  ACTIVATION,
  canHost,
  defaultKeyGroupForHost,
  normalizeHostOs,
  requireKeyGroup,
} from "./catalog";
import { KmsConfigError, showKey, showValue } from "./errors";
import { known, knownDefault, plainBoolean, withContext } from "./inputs";
import type { ClientSteps } from "./kmsClient";
import { KmsSrvRecord } from "./kmsSrvRecord";
import { afterZone, zoneIdProblem, zoneRecordSet } from "./zoneRecordSet";
import { ActivationBarrier, ActivationReport } from "./barrier";
import {
  machineIdentity,
  resolveTarget,
  runScript,
  AzureVmTargetArgs,
  SshTargetArgs,
  Target,
} from "./remote";
import {
  HOST_KEY_PARAMETER,
  HostResult,
  hostSetupParameters,
  officeHostSetupParameters,
  VOLUME_LICENSE_PACK_PARAMETER,
} from "./scripts";
import {
  hostMeetsOffice,
  officeHostRequirementText,
  officeStepName,
  requireOfficeVersion,
  validateVolumeLicensePack,
} from "./office";
import { srvQueryName } from "./srv";
import { markHostOutput } from "./hostOutputs";
import { KMS_HOST_TYPE, KmsHostSummary } from "./summary";
import {
  formatHostPort,
  plainValue,
  validateClientAddressPrefixes,
  validateCount,
  validateDnsName,
  validateHostKey,
  validateIntervalMinutes,
  validatePort,
  validateRecordName,
  validateWindowsServerVersion,
  validateZoneName,
} from "./validate";

/** Clients outside this stack that also activate against the host and so add to its count. */
export interface KmsExternalClientsArgs {
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
export interface KmsOfficeHostArgs {
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
export interface KmsHostDnsArgs {
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
  azureVm?: AzureVmTargetArgs;
  /**
   * Configure this existing Windows machine over SSH instead of creating one.
   * @default - a new VM is created
   */
  ssh?: SshTargetArgs;

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
   * Size of the created VM. KMS needs little: 2 vCPUs and 4 GiB serve thousands of clients.
   * @default "Standard_B2s"
   */
  vmSize?: pulumi.Input<string>;
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
  office?: KmsOfficeHostArgs[];
  /**
   * Clients outside this stack that also activate against this host (counted toward the threshold).
   * @default - none
   */
  externalClients?: KmsExternalClientsArgs;
  /**
   * Create the host's A record and the `_vlmcs._tcp` SRV record in an Azure DNS zone.
   * @default - no DNS records; clients use `kmsServer` or `host`
   */
  dns?: KmsHostDnsArgs;
  /**
   * Name clients use to reach an existing machine when `dns` is not given.
   * @default - `<computer name>.<Azure internal DNS suffix>` for a created VM, `ssh.host` for SSH, `azureVm.vmName` otherwise
   */
  fqdn?: pulumi.Input<string>;
  /**
   * Tags for the created Azure resources.
   * @default - none
   */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** One Office version on the host, as the host reported it. */
export interface KmsOfficeHostStatus {
  /** Office version, e.g. "LTSC 2024". */
  version: string;
  licenseStatus: string;
  /** True when the Office KMS host key is installed and activated. */
  activated: boolean;
  /** Distinct Office clients this Office host license saw (its own count; Office activates at 5). */
  currentCount: number;
  /** Last five characters of the Office host key. */
  partialProductKey?: string;
  productName?: string;
  changed: string[];
}

/** What the host reports after setup (and after its clients registered, when it has any). */
export interface KmsHostStatus {
  licenseStatus: string;
  isKmsHost: boolean;
  currentCount: number;
  port: number;
  dnsPublishing: boolean;
  lowPriority: boolean;
  activationIntervalMinutes: number;
  renewalIntervalMinutes: number;
  /** Last five characters of the installed host key. */
  partialProductKey?: string;
  productName?: string;
  changed: string[];
  /** Each Office version of `office`, with its own count, apart from the Windows count above. */
  office: KmsOfficeHostStatus[];
}

const DEFAULT_ADMIN_USERNAME = "kmsadmin";
const DEFAULT_VM_SIZE = "Standard_B2s";
const DEFAULT_WINDOWS_SERVER_VERSION = "2022";
const DEFAULT_DNS_TTL_SECONDS = 3600;

/** Account names Azure refuses for a Windows VM administrator. */
const RESERVED_ADMIN_NAMES = new Set([
  "administrator",
  "admin",
  "user",
  "user1",
  "test",
  "user2",
  "test1",
  "user3",
  "admin1",
  "1",
  "123",
  "a",
  "actuser",
  "adm",
  "admin2",
  "aspnet",
  "backup",
  "console",
  "david",
  "guest",
  "john",
  "owner",
  "root",
  "server",
  "sql",
  "support",
  "support_388945a0",
  "sys",
  "test2",
  "test3",
  "user4",
  "user5",
]);

/** The Marketplace image of a created host: Windows Server Datacenter, Gen2, never Azure Edition. */
export function hostImage(windowsServerVersion: string) {
  return {
    publisher: "MicrosoftWindowsServer",
    offer: "WindowsServer",
    sku: `${windowsServerVersion}-datacenter-g2`,
    version: "latest",
  };
}

/** Windows computer names are at most 15 characters of letters, digits and hyphens. */
export function computerNameFor(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9-]/g, "-").replace(/^-+|-+$/g, "") || "kms";
  return cleaned.slice(0, 15).replace(/-+$/, "");
}

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

  /** @internal The barrier that clients with `host: this` join. */
  readonly barrier: ActivationBarrier;
  /** @internal The plain summary, for clients that name this host. */
  readonly summaryValue: KmsHostSummary;
  /**
   * @internal The last steps of this host's clients per machine: a second KmsClient on the same machine
   * (Windows and Office) runs after the first, since Run Command runs one script at a time on a VM.
   */
  readonly clientSteps = new Map<string, ClientSteps>();

  constructor(name: string, args: KmsHostArgs, opts?: pulumi.ComponentResourceOptions) {
    const { summary, target } = validateKmsHostArgs(name, args);
    super(KMS_HOST_TYPE, name, { summary }, opts);
    this.summaryValue = summary;

    const port = args.port ?? ACTIVATION.defaultPort;
    let setupTarget: Target;
    let vmId: pulumi.Output<string | undefined>;
    let privateIp: pulumi.Output<string | undefined>;
    let defaultFqdn: pulumi.Output<string>;
    const dependsOn: pulumi.Resource[] = [];

    if (target === undefined) {
      // Created VM: NSG → NIC → VM, then the host setup through Managed Run Command.
      const version = summary.windowsServerVersion ?? DEFAULT_WINDOWS_SERVER_VERSION;
      const computerName = computerNameFor(name);
      const nsg = new network.NetworkSecurityGroup(
        `${name}-nsg`,
        {
          resourceGroupName: args.resourceGroupName!,
          location: args.location,
          securityRules: hostSecurityRules(port, args.clientAddressPrefixes!),
          tags: args.tags,
        },
        { parent: this },
      );
      const nic = new network.NetworkInterface(
        `${name}-nic`,
        {
          resourceGroupName: args.resourceGroupName!,
          location: args.location,
          ipConfigurations: [
            {
              name: "ipconfig1",
              subnet: { id: args.subnetId! },
              privateIPAllocationMethod: "Dynamic",
              primary: true,
            },
          ],
          networkSecurityGroup: { id: nsg.id },
          tags: args.tags,
        },
        { parent: this },
      );
      const vm = new compute.VirtualMachine(
        `${name}-vm`,
        {
          resourceGroupName: args.resourceGroupName!,
          location: args.location,
          vmName: name,
          hardwareProfile: { vmSize: args.vmSize ?? DEFAULT_VM_SIZE },
          osProfile: {
            computerName,
            adminUsername: args.adminUsername ?? DEFAULT_ADMIN_USERNAME,
            adminPassword: pulumi.secret(args.adminPassword!),
            windowsConfiguration: {
              provisionVMAgent: true,
              // KMS hosts need current updates to activate new client versions.
              enableAutomaticUpdates: true,
              patchSettings: { patchMode: "AutomaticByOS" },
            },
          },
          storageProfile: {
            imageReference: hostImage(version),
            osDisk: {
              createOption: "FromImage",
              managedDisk: { storageAccountType: "StandardSSD_LRS" },
              deleteOption: "Delete",
            },
          },
          networkProfile: {
            networkInterfaces: [{ id: nic.id, primary: true, deleteOption: "Detach" }],
          },
          tags: args.tags,
        },
        { parent: this, dependsOn: [nic] },
      );
      setupTarget = {
        kind: "runCommand",
        azureVm: {
          resourceGroupName: args.resourceGroupName!,
          vmName: vm.name,
          location: args.location!,
        },
      };
      dependsOn.push(vm);
      vmId = vm.id;
      privateIp = nic.ipConfigurations.apply((c) => c?.[0]?.privateIPAddress);
      defaultFqdn = pulumi
        .all([nic.dnsSettings, privateIp])
        .apply(([d, ip]) =>
          d?.internalDomainNameSuffix
            ? `${computerName}.${d.internalDomainNameSuffix}`
            : (ip ?? computerName),
        );
    } else {
      setupTarget = target;
      if (target.kind === "runCommand") {
        vmId = compute
          .getVirtualMachineOutput(
            { resourceGroupName: target.azureVm.resourceGroupName, vmName: target.azureVm.vmName },
            { parent: this },
          )
          .apply((v) => v.id);
        privateIp = pulumi.output(args.dns?.ipAddress);
        defaultFqdn = pulumi.output(args.fqdn ?? target.azureVm.vmName);
      } else {
        vmId = pulumi.output(undefined);
        privateIp = pulumi
          .all([pulumi.output(args.dns?.ipAddress), pulumi.output(target.ssh.host)])
          .apply(([ip, host]) => ip ?? (isIPv4(host) ? host : undefined));
        defaultFqdn = pulumi.output(args.fqdn ?? target.ssh.host);
      }
    }

    const setup = runScript(
      `${name}-setup`,
      {
        target: setupTarget,
        script: "host-setup",
        parameters: pulumi
          .all([
            pulumi.output(port),
            pulumi.output(
              args.activationIntervalMinutes ?? ACTIVATION.defaultActivationIntervalMinutes,
            ),
            pulumi.output(args.renewalIntervalMinutes ?? ACTIVATION.defaultRenewalIntervalMinutes),
          ])
          .apply(
            ([p, ai, ri]) =>
              hostSetupParameters({
                port: p,
                activationIntervalMinutes: ai,
                renewalIntervalMinutes: ri,
                dnsPublishing: summary.dnsPublishing,
                lowPriority: summary.lowPriority,
              }).parameters,
          ),
        secretParameters: { [HOST_KEY_PARAMETER]: pulumi.secret(args.hostKey) },
      },
      { parent: this, dependsOn },
    );

    // Office: one run of host-setup.ps1 in Office mode per version, after the Windows setup and one after
    // the other (Run Command runs one script at a time on a VM). Clients and the count step wait for the last.
    const officeRuns: { version: string; result: pulumi.Output<HostResult> }[] = [];
    let lastHostStep: pulumi.Resource = setup.resource;
    (args.office ?? []).forEach((office, i) => {
      const version = summary.officeVersions![i];
      // The pack location always travels as a protected parameter: a URI can carry a credential (a SAS
      // token in its query string), and a plain-string one would otherwise sit in plain state and logs.
      // "none" stands for "" (already installed): Run Command may drop a parameter with an empty value.
      const plainPack = plainValue(office.volumeLicensePack);
      if (typeof plainPack === "string" && /^https?:\/\/[^?#]*\?./i.test(plainPack.trim())) {
        pulumi.log.warn(
          `KmsHost "${name}": office[${i}].volumeLicensePack is a URL with a query string (a SAS token?) written as a plain string. It travels as a protected parameter, but it is in your program's source: pass it as a secret instead (pulumi config set --secret).`,
          this,
        );
      }
      const run = runScript(
        officeStepName(name, version),
        {
          target: setupTarget,
          script: "host-setup",
          parameters: officeHostSetupParameters({ officeVersion: version, volumeLicensePack: "" })
            .parameters,
          secretParameters: {
            [HOST_KEY_PARAMETER]: pulumi.secret(office.hostKey),
            [VOLUME_LICENSE_PACK_PARAMETER]: pulumi
              .secret(office.volumeLicensePack)
              .apply((p) => (p ?? "").trim() || "none"),
          },
        },
        { parent: this, dependsOn: [lastHostStep] },
      );
      officeRuns.push({ version, result: run.result as pulumi.Output<HostResult> });
      lastHostStep = run.resource;
    });

    let fqdn = defaultFqdn;
    let srvRecordName: pulumi.Output<string | undefined> = pulumi.output(undefined);
    if (args.dns !== undefined) {
      const d = args.dns;
      const label = d.hostName ?? name.toLowerCase();
      fqdn = pulumi
        .all([pulumi.output(label), pulumi.output(d.zoneName)])
        .apply(([l, z]) => `${l}.${z.replace(/\.$/, "")}`);
      const ttl = d.ttl ?? DEFAULT_DNS_TTL_SECONDS;
      // Empty only while a created VM's address is not known yet (a preview); an existing machine
      // without an address was refused at construction, unless its ssh.host was not known then.
      const aRecords = privateIp.apply((ip) => {
        if (ip) return [{ ipv4Address: ip }];
        if (target === undefined) return [];
        throw new Error(
          `KmsHost "${name}": dns.ipAddress must be the IPv4 address of the existing machine; ssh.host is not an address.`,
        );
      });
      const isPrivate = summary.dns?.private ?? false;
      zoneRecordSet(
        `${name}-a`,
        isPrivate,
        {
          resourceGroupName: d.resourceGroupName,
          zoneName: d.zoneName,
          recordType: "A",
          relativeRecordSetName: label,
          ttl,
          aRecords,
        },
        { parent: this, dependsOn: afterZone(d.zoneId, d.zoneName, isPrivate, "dns.zoneId") },
      );
      const srv = new KmsSrvRecord(
        `${name}-srv`,
        {
          zoneName: d.zoneName,
          zoneId: d.zoneId,
          resourceGroupName: d.resourceGroupName,
          private: summary.dns?.private ?? false,
          recordName: d.recordName,
          hosts: [{ target: fqdn, port }],
          ttl,
        },
        { parent: this },
      );
      srvRecordName = srv.fqdn;
    }

    this.barrier = new ActivationBarrier(name, this, setupTarget, lastHostStep);

    this.vmId = vmId;
    this.privateIpAddress = privateIp;
    // The outputs clients are wired with (`kmsServer: host.kmsServer`, `kmsServer: host.fqdn`, a
    // KmsSrvRecord's `target: host.fqdn`) resolve only once the host's last setup step (Windows, then
    // each Office version) has completed: they carry that step as a dependency, so a client given one
    // runs its setup after the host is a KMS host, from every language, without dependsOn. The step's
    // URN is known in a preview too, so the values stay known there.
    const setupDone = lastHostStep.urn;
    this.fqdn = pulumi.all([fqdn, setupDone]).apply(([host]) => host);
    this.port = pulumi.output(port);
    this.kmsServer = pulumi
      .all([fqdn, this.port, setupDone])
      .apply(([host, p]) => formatHostPort({ host, port: p }));
    // Clients and SRV records given these very outputs record this host's name for the policies.
    markHostOutput(this.fqdn, name);
    markHostOutput(this.kmsServer, name);
    const officeVersions = officeRuns.map((r) => r.version);
    this.status = pulumi
      .all([setup.result, this.barrier.countResult, pulumi.all(officeRuns.map((r) => r.result))])
      .apply(([s, count, offices]) =>
        hostStatus(
          (count ?? s) as HostResult,
          s as HostResult,
          officeStatuses(officeVersions, offices as HostResult[], count ?? undefined),
        ),
      );
    this.activationReport = this.barrier.report;
    this.srvRecordName = srvRecordName;
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

/**
 * The Office part of the host's status: each Office run's result, with the count read after the clients
 * registered (`status.ps1` lists every Office host license with its own count) when there is one.
 */
export function officeStatuses(
  versions: string[],
  runs: HostResult[],
  count: HostResult | undefined,
): KmsOfficeHostStatus[] {
  return versions.map((version, i) => {
    const r = runs[i];
    const later = count?.officeHosts?.find(
      (o) => o.partialProductKey !== null && o.partialProductKey === r?.partialProductKey,
    );
    return {
      version,
      licenseStatus: later?.licenseStatus ?? r?.licenseStatus ?? "Unknown",
      activated: (later?.licenseStatus ?? r?.licenseStatus) === "Licensed",
      currentCount: later?.currentCount ?? r?.currentCount ?? 0,
      partialProductKey: r?.partialProductKey ?? undefined,
      productName: later?.productName ?? r?.productName ?? undefined,
      changed: r?.changed ?? [],
    };
  });
}

function hostStatus(
  latest: HostResult,
  setup: HostResult,
  office: KmsOfficeHostStatus[],
): KmsHostStatus {
  return {
    licenseStatus: latest.licenseStatus ?? setup.licenseStatus ?? "Unknown",
    isKmsHost: latest.isKmsHost ?? setup.isKmsHost ?? false,
    currentCount: latest.currentCount ?? setup.currentCount ?? 0,
    port: latest.port ?? setup.port ?? ACTIVATION.defaultPort,
    dnsPublishing: latest.dnsPublishing ?? setup.dnsPublishing ?? false,
    lowPriority: latest.lowPriority ?? setup.lowPriority ?? false,
    activationIntervalMinutes:
      latest.activationIntervalMinutes ??
      setup.activationIntervalMinutes ??
      ACTIVATION.defaultActivationIntervalMinutes,
    renewalIntervalMinutes:
      latest.renewalIntervalMinutes ??
      setup.renewalIntervalMinutes ??
      ACTIVATION.defaultRenewalIntervalMinutes,
    partialProductKey: latest.partialProductKey ?? setup.partialProductKey ?? undefined,
    productName: latest.productName ?? setup.productName ?? undefined,
    changed: setup.changed ?? [],
    office,
  };
}

/** Azure service tags among the accepted client prefixes (validateCidr): a tag is a name, not an address. */
function isServiceTag(prefix: string): boolean {
  return /^[A-Za-z][A-Za-z0-9.]*$/.test(prefix);
}

/**
 * The allow rules for the clients' prefixes. Azure refuses service tags (e.g. "VirtualNetwork") in the
 * plural `sourceAddressPrefixes` (SecurityRuleParameterContainsUnsupportedValue), so the address
 * prefixes share `allow-kms-from-clients` and each tag gets a rule of its own,
 * `allow-kms-from-<tag>` with the singular `sourceAddressPrefix`. With tags only, the first tag is
 * `allow-kms-from-clients`'s singular prefix.
 */
function clientAllowRules(prefixes: string[], portRange: pulumi.Input<string>) {
  const rule = (name: string, priority: number, source: object) => ({
    name,
    priority,
    direction: "Inbound",
    access: "Allow",
    protocol: "Tcp",
    ...source,
    sourcePortRange: "*",
    destinationAddressPrefix: "*",
    destinationPortRange: portRange,
    description: "KMS activation requests from the client networks",
  });
  const cidrs = prefixes.filter((p) => !isServiceTag(p));
  const tags = [...new Set(prefixes.filter(isServiceTag))];
  const rules =
    cidrs.length > 0
      ? [rule("allow-kms-from-clients", 100, { sourceAddressPrefixes: cidrs })]
      : [rule("allow-kms-from-clients", 100, { sourceAddressPrefix: tags.shift() })];
  tags.forEach((tag, i) =>
    rules.push(rule(`allow-kms-from-${tag.toLowerCase()}`, 110 + i, { sourceAddressPrefix: tag })),
  );
  return rules;
}

/**
 * NSG rules of a created host: the KMS port from the clients' prefixes only (service tags in rules of
 * their own), the port closed to everyone else (the VNet included), and nothing inbound from the
 * Internet. No RDP or SSH: Run Command needs none. Prefixes only known later are checked when known.
 */
export function hostSecurityRules(
  port: pulumi.Input<number>,
  clientAddressPrefixes: pulumi.Input<pulumi.Input<string>[]>,
) {
  const portRange = pulumi.output(port).apply((p) => String(p));
  const denyRules = (portRange: pulumi.Input<string>) => [
    {
      name: "deny-kms-from-others",
      priority: 4000,
      direction: "Inbound",
      access: "Deny",
      protocol: "Tcp",
      sourceAddressPrefix: "*",
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: portRange,
      description: "KMS only from the declared client networks",
    },
    {
      name: "deny-internet-inbound",
      priority: 4096,
      direction: "Inbound",
      access: "Deny",
      protocol: "*",
      sourceAddressPrefix: "Internet",
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: "*",
      description: "Nothing inbound from the Internet",
    },
  ];
  const plain = plainValue(clientAddressPrefixes);
  if (Array.isArray(plain) && plain.every((p) => typeof p === "string")) {
    return [...clientAllowRules(plain as string[], portRange), ...denyRules(portRange)];
  }
  return pulumi
    .all([pulumi.output(clientAddressPrefixes), portRange])
    .apply(([prefixes, range]) => [
      ...clientAllowRules(validateClientAddressPrefixes("clientAddressPrefixes", prefixes), range),
      ...denyRules(range),
    ]);
}

function isIPv4(host: unknown): host is string {
  return typeof host === "string" && net.isIPv4(host);
}

/**
 * The declared OS of an existing host: any Windows Server the catalog knows ("2016", "2019",
 * "Windows Server 2012 R2"), or a Windows client that holds a client CSVLK ("Windows 10"); never Azure
 * Edition. Returned short ("2019", "2012 R2", "Windows 10"), as the policies read it.
 */
function existingHostOs(argument: string, value: unknown): string {
  const os =
    typeof value === "string" || typeof value === "number"
      ? normalizeHostOs(String(value))
      : undefined;
  if (os === undefined) {
    if (typeof value === "string" && /azure[\s_-]*edition/i.test(value)) {
      validateWindowsServerVersion(argument, value); // throws the Azure Edition explanation
    }
    throw new KmsConfigError(
      argument,
      showValue(value),
      'the Windows version of the existing host: a Windows Server release such as "2016", "2019", "2022" or "2025", or "Windows 10" for a client KMS host',
    );
  }
  return os.replace(/^Windows Server /, "");
}

/** Validates what is known of the args (before anything registers) and builds the policy summary. */
export function validateKmsHostArgs(
  name: string,
  args: KmsHostArgs,
): { summary: KmsHostSummary; target: Target | undefined } {
  return withContext(`KmsHost "${name}"`, () => {
    if (args === undefined || args === null) {
      throw new KmsConfigError("args", "nothing", "an object with at least hostKey");
    }
    if (args.hostKey === undefined || args.hostKey === null || plainValue(args.hostKey) === "") {
      throw new KmsConfigError("hostKey", "nothing", "the KMS host key (CSVLK), as a secret");
    }
    known(args.hostKey, (v) => validateHostKey("hostKey", v));
    const target = resolveTarget(args.azureVm, args.ssh, false);
    const vmArgs = [
      "resourceGroupName",
      "location",
      "subnetId",
      "clientAddressPrefixes",
      "adminPassword",
      "adminUsername",
      "vmSize",
    ] as const;
    let clientAddressPrefixes: string[] | undefined;
    if (target === undefined) {
      for (const arg of [
        "resourceGroupName",
        "location",
        "subnetId",
        "clientAddressPrefixes",
        "adminPassword",
      ] as const) {
        if (args[arg] === undefined || plainValue(args[arg]) === "") {
          throw new KmsConfigError(
            arg,
            "nothing",
            "set to create the host VM (or give azureVm or ssh to configure an existing machine instead)",
          );
        }
      }
      const prefixes = plainValue(args.clientAddressPrefixes);
      if (Array.isArray(prefixes) && prefixes.every((p) => typeof p === "string")) {
        clientAddressPrefixes = validateClientAddressPrefixes(
          "clientAddressPrefixes",
          prefixes as string[],
        );
      }
      known(args.adminUsername, (v: string) => {
        if (RESERVED_ADMIN_NAMES.has(v.toLowerCase())) {
          throw new KmsConfigError(
            "adminUsername",
            showValue(v),
            `a name Azure accepts (not one of its reserved names such as "administrator", "admin", "root")`,
          );
        }
        if (!/^[A-Za-z0-9_.-]{1,20}$/.test(v) || v.endsWith(".")) {
          throw new KmsConfigError(
            "adminUsername",
            showValue(v),
            "1 to 20 letters, digits, '_', '-' or '.', not ending in '.'",
          );
        }
      });
    } else {
      for (const arg of vmArgs) {
        if (args[arg] !== undefined) {
          throw new KmsConfigError(
            arg,
            arg === "adminPassword" ? "a value" : showValue(plainValue(args[arg])),
            `left out when ${target.kind === "runCommand" ? "azureVm" : "ssh"} is given (the component configures that machine instead of creating one)`,
          );
        }
      }
    }
    const windowsServerVersion =
      args.windowsServerVersion === undefined
        ? target === undefined
          ? DEFAULT_WINDOWS_SERVER_VERSION
          : undefined
        : target === undefined
          ? validateWindowsServerVersion("windowsServerVersion", args.windowsServerVersion)
          : existingHostOs("windowsServerVersion", args.windowsServerVersion);
    let keyGroup: string | undefined;
    if (args.keyGroup !== undefined) {
      const group = requireKeyGroup(args.keyGroup, "keyGroup");
      if (windowsServerVersion !== undefined && !canHost(group, windowsServerVersion)) {
        throw new KmsConfigError(
          "keyGroup",
          showValue(args.keyGroup),
          `a key group that Windows Server ${windowsServerVersion} can host (${group.displayName} installs on ${group.hostOs.join(", ")})`,
        );
      }
      keyGroup = group.id;
    } else if (windowsServerVersion !== undefined) {
      keyGroup = defaultKeyGroupForHost(windowsServerVersion);
    }
    const port =
      known(args.port, (v) => validatePort("port", v)) ??
      knownDefault(args.port, ACTIVATION.defaultPort);
    const activationIntervalMinutes =
      known(args.activationIntervalMinutes, (v) =>
        validateIntervalMinutes("activationIntervalMinutes", v),
      ) ??
      knownDefault(args.activationIntervalMinutes, ACTIVATION.defaultActivationIntervalMinutes);
    const renewalIntervalMinutes =
      known(args.renewalIntervalMinutes, (v) =>
        validateIntervalMinutes("renewalIntervalMinutes", v),
      ) ?? knownDefault(args.renewalIntervalMinutes, ACTIVATION.defaultRenewalIntervalMinutes);
    const ext = args.externalClients ?? {};
    const externalClients = {
      windowsClient:
        known(ext.windowsClient, (v) => validateCount("externalClients.windowsClient", v)) ?? 0,
      windowsServer:
        known(ext.windowsServer, (v) => validateCount("externalClients.windowsServer", v)) ?? 0,
      office: known(ext.office, (v) => validateCount("externalClients.office", v)) ?? 0,
    };
    let dnsSummary: KmsHostSummary["dns"];
    if (args.dns !== undefined) {
      const d = args.dns;
      if (d.zoneName === undefined || d.resourceGroupName === undefined) {
        throw new KmsConfigError(
          "dns",
          showValue({
            zoneName: plainValue(d.zoneName),
            resourceGroupName: plainValue(d.resourceGroupName),
          }),
          "an object with zoneName and resourceGroupName",
        );
      }
      const zoneName = known(d.zoneName, (v) => validateZoneName("dns.zoneName", v));
      const isPrivate = plainBoolean("dns.private", d.private, false);
      known(d.zoneId, (v) => {
        const problem =
          typeof v === "string" ? zoneIdProblem(v, zoneName, isPrivate) : "a plain string";
        if (problem !== undefined) throw new KmsConfigError("dns.zoneId", showValue(v), problem);
      });
      const recordName = known(d.recordName, (v) => validateRecordName("dns.recordName", v));
      const hostLabel =
        known(d.hostName, (v) => validateRecordName("dns.hostName", v)) ??
        (d.hostName === undefined
          ? validateRecordName("dns.hostName (default: the component name)", name.toLowerCase())
          : undefined);
      known(d.ipAddress, (v) => {
        if (!isIPv4(v)) {
          throw new KmsConfigError(
            "dns.ipAddress",
            showValue(v),
            "an IPv4 address such as 10.50.1.4",
          );
        }
      });
      if (target !== undefined && d.ipAddress === undefined) {
        // An existing machine's A record needs its address: dns.ipAddress, or ssh.host when that is one.
        const sshHost = target.kind === "ssh" ? plainValue(target.ssh.host) : undefined;
        const unknownSshHost = target.kind === "ssh" && sshHost === undefined;
        if (!unknownSshHost && !isIPv4(sshHost)) {
          throw new KmsConfigError(
            "dns.ipAddress",
            "nothing",
            "the IPv4 address of the existing machine (its A record needs one; a created VM uses its own)",
          );
        }
      }
      const recordKnown = d.recordName === undefined || recordName !== undefined;
      dnsSummary = {
        zoneName,
        private: isPrivate,
        recordName,
        srvName:
          zoneName !== undefined && recordKnown ? srvQueryName(zoneName, recordName) : undefined,
        hostFqdn:
          zoneName !== undefined && hostLabel !== undefined
            ? `${hostLabel}.${zoneName.replace(/\.$/, "")}`
            : undefined,
      };
    }
    const officeVersions = validateOffice(args, windowsServerVersion, target !== undefined);
    const knownFqdn = known(args.fqdn, (v) => validateDnsName("fqdn", v));
    const summary: KmsHostSummary = {
      name,
      createsVm: target === undefined,
      transport: target?.kind ?? "runCommand",
      port,
      keyGroup,
      windowsServerVersion,
      image:
        target === undefined && windowsServerVersion !== undefined
          ? hostImage(windowsServerVersion)
          : undefined,
      activationIntervalMinutes,
      renewalIntervalMinutes,
      dnsPublishing: plainBoolean("dnsPublishing", args.dnsPublishing, false),
      lowPriority: plainBoolean("lowPriority", args.lowPriority, false),
      externalClients,
      clientAddressPrefixes,
      dns: dnsSummary,
      officeVersions,
    };
    const sshHost = target?.kind === "ssh" ? plainValue(target.ssh.host) : undefined;
    const fqdn =
      dnsSummary?.hostFqdn ?? knownFqdn ?? (typeof sshHost === "string" ? sshHost : undefined);
    if (fqdn !== undefined) summary.fqdn = fqdn;
    if (target !== undefined) {
      const machine = machineIdentity(target);
      if (machine !== undefined) summary.machine = machine;
    }
    return { summary, target };
  });
}

/**
 * Checks `office` (versions known to the catalog, one entry per version, Office host keys well formed and
 * not a published setup key nor the Windows host key, pack locations, host OS requirement) and returns
 * the Office versions in catalog form ("LTSC 2024"), in the order given.
 */
function validateOffice(
  args: KmsHostArgs,
  windowsServerVersion: string | undefined,
  existingMachine: boolean,
): string[] {
  if (args.office === undefined) return [];
  if (!Array.isArray(args.office)) {
    throw new KmsConfigError(
      "office",
      // Never the value itself: it may hold an Office host key.
      typeof args.office === "object" && args.office !== null
        ? "an object"
        : showValue(args.office),
      "a list of { version, hostKey, volumeLicensePack }, one per Office version",
    );
  }
  const versions: string[] = [];
  const keys = new Map<string, string>();
  const windowsKey = known(args.hostKey, (v) => String(v).replace(/\s+/g, "").toUpperCase());
  args.office.forEach((office, i) => {
    const arg = `office[${i}]`;
    if (office === null || typeof office !== "object") {
      throw new KmsConfigError(
        arg,
        office === null || office === undefined ? "nothing" : `a ${typeof office}`,
        "an object { version, hostKey, volumeLicensePack }",
      );
    }
    const info = requireOfficeVersion(office.version, `${arg}.version`);
    const earlier = versions.indexOf(info.version);
    if (earlier >= 0) {
      throw new KmsConfigError(
        `${arg}.version`,
        showValue(office.version),
        `an Office version not given before (office[${earlier}] is Office ${info.version} already): one Office KMS host key per version`,
      );
    }
    if (
      office.hostKey === undefined ||
      office.hostKey === null ||
      plainValue(office.hostKey) === ""
    ) {
      throw new KmsConfigError(
        `${arg}.hostKey`,
        "nothing",
        `the Office ${info.version} KMS host key, as a secret`,
      );
    }
    const key = known(office.hostKey, (v) => validateHostKey(`${arg}.hostKey`, v));
    if (key !== undefined) {
      if (windowsKey !== undefined && key.replace(/-/g, "") === windowsKey.replace(/-/g, "")) {
        throw new KmsConfigError(
          `${arg}.hostKey`,
          showKey(key),
          `the Office ${info.version} KMS host key, a different key from hostKey (the Windows KMS host key)`,
        );
      }
      const other = keys.get(key);
      if (other !== undefined) {
        throw new KmsConfigError(
          `${arg}.hostKey`,
          showKey(key),
          `the Office ${info.version} KMS host key; the same key is given for Office ${other}, and each Office version has its own`,
        );
      }
      keys.set(key, info.version);
    }
    if (office.volumeLicensePack === undefined || office.volumeLicensePack === null) {
      throw new KmsConfigError(
        `${arg}.volumeLicensePack`,
        "nothing",
        `where the host finds the Office ${info.version} Volume License Pack files (${info.requirement.volumeLicensePackUrl}): a folder or .zip of the extracted .xrm-ms files, or "" when the pack is already installed`,
      );
    }
    known(office.volumeLicensePack, (v) =>
      validateVolumeLicensePack(`${arg}.volumeLicensePack`, v),
    );
    if (
      windowsServerVersion !== undefined &&
      hostMeetsOffice(info, windowsServerVersion) === false
    ) {
      throw new KmsConfigError(
        `${arg}.version`,
        showValue(office.version),
        `an Office version Windows Server ${windowsServerVersion} can host: ${officeHostRequirementText(info.requirement)}` +
          (existingMachine ? "" : '; set windowsServerVersion to "2022" or later'),
      );
    }
    versions.push(info.version);
  });
  return versions;
}
