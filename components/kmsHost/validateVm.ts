/**
 * KmsHost validation of the machine: the arguments a created VM needs (and that an existing machine must
 * leave out), the administrator name, and the Windows version of the host.
 */
import { normalizeHostOs, KmsConfigError, showValue } from "pulumi-kms-activation-catalog";
import { known } from "../inputs";
import { isSecretInput } from "../secretInputs";
import type { Target } from "../remote";
import {
  plainValue,
  validateClientAddressPrefixes,
  validateWindowsServerVersion,
} from "../validate";
import type { KmsHostArgs } from "./args";
import { VM_OPTION_ARGS } from "./validateVmOptions";

/** Windows Server version of a created host when `windowsServerVersion` is not given. */
export const DEFAULT_WINDOWS_SERVER_VERSION = "2022";

/** Arguments that describe the VM to create: required for one, refused for an existing machine. */
const VM_ARGS = [
  "resourceGroupName",
  "location",
  "subnetId",
  "clientAddressPrefixes",
  "adminPassword",
  "adminUsername",
  "vmSize",
  ...VM_OPTION_ARGS,
] as const;
const REQUIRED_VM_ARGS = VM_ARGS.slice(0, 5);

/** Account names Azure refuses for a Windows VM administrator. */
const RESERVED_ADMIN_NAMES = new Set(
  (
    "administrator admin user user1 test user2 test1 user3 admin1 1 123 a actuser adm admin2 aspnet " +
    "backup console david guest john owner root server sql support support_388945a0 sys test2 test3 " +
    "user4 user5"
  ).split(" "),
);

/**
 * Checks the arguments of the machine: with no target, those a created VM needs (returns the client
 * prefixes when they are known); with `azureVm` or `ssh`, that the VM arguments are left out.
 */
export function validateMachineArgs(
  args: KmsHostArgs,
  target: Target | undefined,
): string[] | undefined {
  if (target !== undefined) {
    for (const arg of VM_ARGS) {
      if (args[arg] !== undefined) {
        throw new KmsConfigError(
          arg,
          isSecretInput("KmsHostArgs", arg) ? "a value" : showValue(plainValue(args[arg])),
          `left out when ${target.kind === "runCommand" ? "azureVm" : "ssh"} is given (the component configures that machine instead of creating one)`,
        );
      }
    }
    return undefined;
  }
  for (const arg of REQUIRED_VM_ARGS) {
    if (args[arg] === undefined || plainValue(args[arg]) === "") {
      throw new KmsConfigError(
        arg,
        "nothing",
        "set to create the host VM (or give azureVm or ssh to configure an existing machine instead)",
      );
    }
  }
  const prefixes = plainValue(args.clientAddressPrefixes);
  const clientAddressPrefixes =
    Array.isArray(prefixes) && prefixes.every((p) => typeof p === "string")
      ? validateClientAddressPrefixes("clientAddressPrefixes", prefixes as string[])
      : undefined;
  known(args.adminUsername, validateAdminUsername);
  return clientAddressPrefixes;
}

function validateAdminUsername(v: string): void {
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
}

/**
 * The host's Windows version: for a created VM a supported Datacenter image version (default "2022"),
 * for an existing machine what it declares (undefined when it declares nothing).
 */
export function hostWindowsVersion(
  value: string | undefined,
  target: Target | undefined,
): string | undefined {
  if (value === undefined) return target === undefined ? DEFAULT_WINDOWS_SERVER_VERSION : undefined;
  return target === undefined
    ? validateWindowsServerVersion("windowsServerVersion", value)
    : existingHostOs("windowsServerVersion", value);
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
