/**
 * KmsHost's validation, in the order the arguments are checked: everything known of the args is checked
 * before anything registers (a KmsConfigError names the argument, the value and what is allowed), and
 * the plain summary the kms-guard policies read is built from the checked values. The machine, DNS and
 * Office checks have files of their own; the value checks they share are in ../validate/.
 */
import {
  ACTIVATION,
  canHost,
  defaultKeyGroupForHost,
  requireKeyGroup,
  KmsConfigError,
  showValue,
  type KmsHostSummary,
} from "pulumi-kms-activation-catalog";
import { known, knownDefault, plainBoolean, withContext } from "../inputs";
import { machineIdentity, resolveTarget, Target } from "../remote";
import {
  checkArgKeys,
  plainValue,
  validateCount,
  validateDnsName,
  validateHostKey,
  validateIntervalMinutes,
  validatePort,
  validateTags,
} from "../validate";
import type { KmsHostArgs } from "./args";
import { validateAzureValues, warnOfPlainHostSecrets } from "./validateAzure";
import { validateHostDns } from "./validateDns";
import { validateOffice } from "./validateOffice";
import { hostWindowsVersion, validateMachineArgs } from "./validateVm";
import { validateVmOptions } from "./validateVmOptions";
import { hostImage } from "./vm";

/** Validates what is known of the args (before anything registers) and builds the policy summary. */
export function validateKmsHostArgs(
  name: string,
  args: KmsHostArgs,
): { summary: KmsHostSummary; target: Target | undefined } {
  return withContext(`KmsHost "${name}"`, () => {
    checkArgKeys("KmsHostArgs", "KmsHost", args);
    requireHostKey(args);
    const target = resolveTarget(args.azureVm, args.ssh, false);
    const clientAddressPrefixes = validateMachineArgs(args, target);
    const vmOptions = target === undefined ? validateVmOptions(args) : undefined;
    validateTags("tags", args.tags);
    validateAzureValues(args, target);
    const windowsServerVersion = hostWindowsVersion(args.windowsServerVersion, target);
    const keyGroup = hostKeyGroup(args.keyGroup, windowsServerVersion);
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
    const externalClients = externalClientCounts(args.externalClients ?? {});
    const dns = args.dns === undefined ? undefined : validateHostDns(name, args.dns, target);
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
          ? hostImage(windowsServerVersion, vmOptions?.imageVersion)
          : undefined,
      activationIntervalMinutes,
      renewalIntervalMinutes,
      dnsPublishing: plainBoolean("dnsPublishing", args.dnsPublishing, false),
      lowPriority: plainBoolean("lowPriority", args.lowPriority, false),
      externalClients,
      clientAddressPrefixes,
      dns,
      officeVersions,
    };
    const sshHost = target?.kind === "ssh" ? plainValue(target.ssh.host) : undefined;
    const fqdn = dns?.hostFqdn ?? knownFqdn ?? (typeof sshHost === "string" ? sshHost : undefined);
    if (fqdn !== undefined) summary.fqdn = fqdn;
    warnOfPlainHostSecrets(name, args);
    if (target !== undefined) {
      const machine = machineIdentity(target);
      if (machine !== undefined) summary.machine = machine;
    }
    return { summary, target };
  });
}

/** `args` and `hostKey` are given; a known host key is well formed. */
function requireHostKey(args: KmsHostArgs): void {
  if (args === undefined || args === null) {
    throw new KmsConfigError("args", "nothing", "an object with at least hostKey");
  }
  if (args.hostKey === undefined || args.hostKey === null || plainValue(args.hostKey) === "") {
    throw new KmsConfigError("hostKey", "nothing", "the KMS host key (CSVLK), as a secret");
  }
  known(args.hostKey, (v) => validateHostKey("hostKey", v));
}

/** The catalog key group of the host key: as given (and installable on the host), or the host OS's own. */
function hostKeyGroup(
  given: string | undefined,
  windowsServerVersion: string | undefined,
): string | undefined {
  if (given === undefined) {
    return windowsServerVersion === undefined
      ? undefined
      : defaultKeyGroupForHost(windowsServerVersion);
  }
  const group = requireKeyGroup(given, "keyGroup");
  if (windowsServerVersion !== undefined && !canHost(group, windowsServerVersion)) {
    throw new KmsConfigError(
      "keyGroup",
      showValue(given),
      `a key group that Windows Server ${windowsServerVersion} can host (${group.displayName} installs on ${group.hostOs.join(", ")})`,
    );
  }
  return group.id;
}

function externalClientCounts(ext: NonNullable<KmsHostArgs["externalClients"]>) {
  return {
    windowsClient:
      known(ext.windowsClient, (v) => validateCount("externalClients.windowsClient", v)) ?? 0,
    windowsServer:
      known(ext.windowsServer, (v) => validateCount("externalClients.windowsServer", v)) ?? 0,
    office: known(ext.office, (v) => validateCount("externalClients.office", v)) ?? 0,
  };
}
