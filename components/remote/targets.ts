import * as pulumi from "@pulumi/pulumi";
import type { KmsScriptStorage } from "./scriptStore";

/**
 * An existing Azure VM, configured through Azure Managed Run Command: no inbound port is needed, the VM
 * agent runs the script as SYSTEM.
 */
export interface AzureVmTarget {
  /** Resource group of the VM. */
  resourceGroupName: pulumi.Input<string>;
  /** Name of the VM (the Azure resource name, not the computer name). */
  vmName: pulumi.Input<string>;
  /** Azure region of the VM, e.g. "westeurope". */
  location: pulumi.Input<string>;
}

/**
 * Any Windows machine with OpenSSH Server (on-premises, other clouds, Azure VMs reached through a VPN),
 * configured through `@pulumi/command`. The account must be a local administrator.
 */
export interface SshTarget {
  /** Host name or IP address the SSH connection goes to. */
  host: pulumi.Input<string>;
  /**
   * SSH port.
   * @default 22
   */
  port?: pulumi.Input<number>;
  /** Account name (an administrator on the machine). */
  user: pulumi.Input<string>;
  /**
   * Password of the account (secret). Give this or `privateKey`.
   * @default - key authentication with `privateKey`
   */
  password?: pulumi.Input<string>;
  /**
   * Private key in OpenSSH or PEM form (secret). Give this or `password`.
   * @default - password authentication with `password`
   */
  privateKey?: pulumi.Input<string>;
}

/**
 * Where a script runs: exactly one of the two. A Run Command target with `scripts` runs scripts by
 * reference (a blob per distinct script, scriptStore.ts); without, inline.
 */
export type Target =
  | {
      kind: "runCommand";
      azureVm: AzureVmTarget;
      scripts?: KmsScriptStorage;
      /** The component whose script blobs these are, in the plugin (scriptStore.ts `ownerScoped`). */
      scriptsOwner?: pulumi.Resource;
    }
  | { kind: "ssh"; ssh: SshTarget };

/** @deprecated Renamed `AzureVmTarget` before the first release (schema type names no longer end in `Args`). */
export type AzureVmTargetArgs = AzureVmTarget;
/** @deprecated Renamed `SshTarget` before the first release (schema type names no longer end in `Args`). */
export type SshTargetArgs = SshTarget;

/** The target with its scripts kept in `store` (Run Command only; SSH sends its script on stdin). */
export function withScriptStorage(
  target: Target,
  store: KmsScriptStorage | undefined,
  owner?: pulumi.Resource,
): Target {
  return target.kind === "runCommand" && store !== undefined
    ? { ...target, scripts: store, scriptsOwner: owner }
    : target;
}
