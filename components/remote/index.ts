import { KmsConfigError, showValue } from "pulumi-kms-activation-catalog";
import { plainValue, validateHostPort, validatePort } from "../validate";
import { AzureVmTarget, SshTarget, Target } from "./targets";

export type { AzureVmTarget, AzureVmTargetArgs, SshTarget, SshTargetArgs, Target } from "./targets";
export { withScriptStorage } from "./targets";
export {
  runCommandSource,
  scopeScriptBlobsToOwners,
  scriptBlob,
  scriptBlobsOwnerScoped,
  scriptBlobName,
  scriptBlobUri,
  scriptDigest,
  validateScriptStorage,
} from "./scriptStore";
export type { KmsScriptStorage, KmsScriptStorageIdentity } from "./scriptStore";
export { readResult, readRunCommandView, runScript } from "./runScript";
export type { ScriptRun, ScriptRunArgs } from "./runScript";
export { SSH_BOOTSTRAP_COMMAND, SSH_BOOTSTRAP_SCRIPT } from "./ssh";

/**
 * Checks that exactly one target was given and that what is known of it is well-formed, and returns it.
 * `required: false` allows neither (a KmsHost that creates its own VM).
 */
export function resolveTarget(
  azureVm: AzureVmTarget | undefined,
  ssh: SshTarget | undefined,
  required: boolean,
): Target | undefined {
  if (azureVm !== undefined && ssh !== undefined) {
    throw new KmsConfigError(
      "azureVm / ssh",
      "both",
      "exactly one of azureVm (Azure Managed Run Command) or ssh (OpenSSH on the machine)",
    );
  }
  if (azureVm !== undefined) {
    for (const field of ["resourceGroupName", "vmName", "location"] as const) {
      if (azureVm[field] === undefined || plainValue(azureVm[field]) === "") {
        throw new KmsConfigError(
          `azureVm.${field}`,
          showValue(plainValue(azureVm[field])),
          "set (the VM is found by resource group, name and location)",
        );
      }
    }
    return { kind: "runCommand", azureVm };
  }
  if (ssh !== undefined) {
    const host = plainValue(ssh.host);
    if (typeof host === "string") {
      const parsed = validateHostPort("ssh.host", host);
      if (parsed.port !== undefined) {
        throw new KmsConfigError(
          "ssh.host",
          showValue(host),
          "a host name or IP address without a port (use ssh.port)",
        );
      }
    }
    const port = plainValue(ssh.port);
    if (port !== undefined) validatePort("ssh.port", port);
    const user = plainValue(ssh.user);
    if (ssh.user === undefined || user === "") {
      throw new KmsConfigError(
        "ssh.user",
        showValue(user),
        "the name of an administrator account on the Windows machine (there is no default; @pulumi/command would use root)",
      );
    }
    if ((ssh.password === undefined) === (ssh.privateKey === undefined)) {
      throw new KmsConfigError(
        "ssh.password / ssh.privateKey",
        ssh.password === undefined ? "neither" : "both",
        "exactly one of them (secret)",
      );
    }
    return { kind: "ssh", ssh };
  }
  if (required) {
    throw new KmsConfigError(
      "azureVm / ssh",
      "neither",
      "exactly one of azureVm ({ resourceGroupName, vmName, location }) or ssh ({ host, user, password | privateKey })",
    );
  }
  return undefined;
}

/** A stable identity of the machine, used to count distinct clients; undefined when not known. */
export function machineIdentity(target: Target): string | undefined {
  if (target.kind === "runCommand") {
    const rg = plainValue(target.azureVm.resourceGroupName);
    const vm = plainValue(target.azureVm.vmName);
    return typeof rg === "string" && typeof vm === "string"
      ? `azure:${rg.toLowerCase()}/${vm.toLowerCase()}`
      : undefined;
  }
  const host = plainValue(target.ssh.host);
  const port = plainValue(target.ssh.port) ?? 22;
  return typeof host === "string" ? `ssh:${host.toLowerCase()}:${port}` : undefined;
}
