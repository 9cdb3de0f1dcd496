/**
 * The machine a KmsHost configures: a created VM (NSG → NIC → VM, no public IP), or an existing Azure
 * VM or SSH machine. Either way the result is the target the remote steps run on, and what the host
 * reports about the machine (VM ID, private address, the name clients reach it by unless `dns` names one).
 */
import * as net from "node:net";
import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";
import type { Target } from "../remote";
import type { KmsHostArgs } from "./args";
import { hostSecurityRules } from "./securityRules";
import { DEFAULT_IMAGE_VERSION, HostVmOptions, validateVmOptions } from "./validateVmOptions";

const DEFAULT_ADMIN_USERNAME = "kmsadmin";
const DEFAULT_VM_SIZE = "Standard_B2s";

export interface HostMachine {
  /** Where the host's scripts run. */
  target: Target;
  /** Resources the host's setup waits for (the created VM). */
  dependsOn: pulumi.Resource[];
  vmId: pulumi.Output<string | undefined>;
  privateIp: pulumi.Output<string | undefined>;
  /** The name clients reach the host by when `dns` is not given. */
  defaultFqdn: pulumi.Output<string>;
  /** The resources created for the machine; none for an existing one. */
  created?: {
    vm: compute.VirtualMachine;
    nic: network.NetworkInterface;
    nsg: network.NetworkSecurityGroup;
  };
}

/**
 * The Marketplace image of a created host: Windows Server Datacenter, Gen2 (so Trusted Launch can be
 * on), never Azure Edition; `version` "latest" unless `imageVersion` pins one.
 */
export function hostImage(windowsServerVersion: string, version: string = DEFAULT_IMAGE_VERSION) {
  return {
    publisher: "MicrosoftWindowsServer",
    offer: "WindowsServer",
    sku: `${windowsServerVersion}-datacenter-g2`,
    version,
  };
}

/** The VM's security profile: Trusted Launch (Secure Boot, vTPM) and encryption at host, as chosen. */
function securityProfile(o: HostVmOptions) {
  const profile = {
    ...(o.trustedLaunch
      ? {
          securityType: "TrustedLaunch",
          uefiSettings: { secureBootEnabled: o.secureBoot, vTpmEnabled: o.vTpm },
        }
      : {}),
    ...(o.encryptionAtHost ? { encryptionAtHost: true } : {}),
  };
  return Object.keys(profile).length > 0 ? profile : undefined;
}

/** Windows computer names are at most 15 characters of letters, digits and hyphens. */
export function computerNameFor(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9-]/g, "-").replace(/^-+|-+$/g, "") || "kms";
  return cleaned.slice(0, 15).replace(/-+$/, "");
}

export function isIPv4(host: unknown): host is string {
  return typeof host === "string" && net.isIPv4(host);
}

/** Creates the host VM: NSG (KMS port from the clients only), NIC in `subnetId`, Windows Server VM. */
export function createHostVm(
  name: string,
  args: KmsHostArgs,
  windowsServerVersion: string,
  port: pulumi.Input<number>,
  parent: pulumi.Resource,
): HostMachine {
  const computerName = computerNameFor(name);
  // Validated before anything registered (validateKmsHostArgs); read again here with the defaults.
  const options = validateVmOptions(args);
  const nsg = new network.NetworkSecurityGroup(
    `${name}-nsg`,
    {
      resourceGroupName: args.resourceGroupName!,
      location: args.location,
      securityRules: hostSecurityRules(port, args.clientAddressPrefixes!),
      tags: args.tags,
    },
    { parent },
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
    { parent },
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
        imageReference: hostImage(windowsServerVersion, options.imageVersion),
        osDisk: {
          createOption: "FromImage",
          managedDisk: {
            storageAccountType: options.osDiskType,
            ...(options.diskEncryptionSetId !== undefined
              ? { diskEncryptionSet: { id: options.diskEncryptionSetId } }
              : {}),
          },
          deleteOption: "Delete",
        },
      },
      securityProfile: securityProfile(options),
      // Managed storage: enabled without a storageUri.
      diagnosticsProfile: { bootDiagnostics: { enabled: options.bootDiagnostics } },
      zones: options.zone === undefined ? undefined : [options.zone],
      licenseType: options.licenseType,
      networkProfile: {
        networkInterfaces: [{ id: nic.id, primary: true, deleteOption: "Detach" }],
      },
      // Scripts by reference: the VM reads the script blobs with this identity (scriptStore.ts).
      ...(args.scriptStorage?.identity?.resourceId === undefined
        ? {}
        : {
            identity: {
              type: "UserAssigned",
              userAssignedIdentities: [args.scriptStorage.identity.resourceId],
            },
          }),
      tags: args.tags,
    },
    { parent, dependsOn: [nic] },
  );
  const privateIp = nic.ipConfigurations.apply((c) => c?.[0]?.privateIPAddress);
  return {
    target: {
      kind: "runCommand",
      azureVm: {
        resourceGroupName: args.resourceGroupName!,
        vmName: vm.name,
        location: args.location!,
      },
    },
    dependsOn: [vm],
    created: { vm, nic, nsg },
    vmId: vm.id,
    privateIp,
    defaultFqdn: pulumi
      .all([nic.dnsSettings, privateIp])
      .apply(([d, ip]) =>
        d?.internalDomainNameSuffix
          ? `${computerName}.${d.internalDomainNameSuffix}`
          : (ip ?? computerName),
      ),
  };
}

/** An existing Azure VM (Managed Run Command) or SSH machine: nothing is created. */
export function existingMachine(
  target: Target,
  args: KmsHostArgs,
  parent: pulumi.Resource,
): HostMachine {
  if (target.kind === "runCommand") {
    return {
      target,
      dependsOn: [],
      vmId: compute
        .getVirtualMachineOutput(
          { resourceGroupName: target.azureVm.resourceGroupName, vmName: target.azureVm.vmName },
          { parent },
        )
        .apply((v) => v.id),
      privateIp: pulumi.output(args.dns?.ipAddress),
      defaultFqdn: pulumi.output(args.fqdn ?? target.azureVm.vmName),
    };
  }
  return {
    target,
    dependsOn: [],
    vmId: pulumi.output(undefined),
    privateIp: pulumi
      .all([pulumi.output(args.dns?.ipAddress), pulumi.output(target.ssh.host)])
      .apply(([ip, host]) => ip ?? (isIPv4(host) ? host : undefined)),
    defaultFqdn: pulumi.output(args.fqdn ?? target.ssh.host),
  };
}
