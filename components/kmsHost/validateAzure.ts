/**
 * KmsHost checks by Azure's rules and for secrets in plain text (kept apart from validateVm.ts): the
 * created VM's administrator password, region and subnet ID, an existing VM's region, and a warning for
 * each secret (host keys, password, SSH credentials) written as a plain string.
 */
import { known } from "../inputs";
import type { Target } from "../remote";
import { validateAdminPassword, validateLocation, validateSubnetId } from "../validate/azure";
import { warnOfPlainSecrets } from "../validate/plainSecrets";
import type { KmsHostArgs } from "./args";

/** The values Azure would refuse, checked before anything is created. */
export function validateAzureValues(args: KmsHostArgs, target: Target | undefined): void {
  if (target === undefined) {
    known(args.adminPassword, (v) => validateAdminPassword("adminPassword", v));
    known(args.location, (v) => validateLocation("location", v));
    known(args.subnetId, (v) => validateSubnetId("subnetId", v));
  } else if (target.kind === "runCommand") {
    known(target.azureVm.location, (v) => validateLocation("azureVm.location", v));
  }
}

/** Warns of each secret argument given as a plain string, with how to pass it as a secret. */
export function warnOfPlainHostSecrets(name: string, args: KmsHostArgs): void {
  warnOfPlainSecrets(`KmsHost "${name}"`, [
    ["hostKey", args.hostKey, "the KMS host key", "hostKey"],
    ["adminPassword", args.adminPassword, "the VM's administrator password", "adminPassword"],
    ["ssh.password", args.ssh?.password, "the SSH password", "sshPassword"],
    ["ssh.privateKey", args.ssh?.privateKey, "the SSH private key", "sshPrivateKey"],
    ...(Array.isArray(args.office) ? args.office : []).map(
      (o, i) =>
        [
          `office[${i}].hostKey`,
          o?.hostKey,
          "an Office KMS host key",
          `officeHostKey${i === 0 ? "" : i}`,
        ] as [string, unknown, string, string],
    ),
  ]);
}
