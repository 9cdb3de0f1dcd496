/** The scripts' names, their parameter names and what their numeric parameters allow. */
import { ACTIVATION } from "pulumi-kms-activation-catalog";

export type ScriptName =
  "host-setup" | "client-rearm" | "client-setup" | "client-activate" | "status";
export const SCRIPT_NAMES: readonly ScriptName[] = [
  "host-setup",
  "client-rearm",
  "client-setup",
  "client-activate",
  "status",
];

/** Name of the host script's secret parameter. It is never in `parameters`; pass it as a secret. */
export const HOST_KEY_PARAMETER = "HostKey";

/**
 * host-setup.ps1's Office pack location; a protected parameter when it is not a plain value (a URI may
 * carry a SAS token), with "none" for "already installed".
 */
export const VOLUME_LICENSE_PACK_PARAMETER = "VolumeLicensePack";

/** Software Licensing application IDs (`SoftwareLicensingProduct.ApplicationID`). */
export const WINDOWS_APPLICATION_ID = "55c92734-d682-4d71-983e-d6ec3f16059f";
export const OFFICE_APPLICATION_ID = "0ff1ce15-a989-479d-af46-f275c6370663";

/** The `param()` block of each script, in order (docs/dev/contracts.md). */
export const SCRIPT_PARAMETERS: Readonly<Record<ScriptName, readonly string[]>> = {
  "host-setup": [
    HOST_KEY_PARAMETER,
    "Port",
    "ActivationIntervalMinutes",
    "RenewalIntervalMinutes",
    "DnsPublishing",
    "LowPriority",
    "ActivationRetries",
    "RetryDelaySeconds",
    // Office mode: one run per Office version, HostKey then holds that version's Office KMS host key.
    "OfficeVersion",
    "VolumeLicensePack",
  ],
  // Rearm once, then restart this many seconds after the script (KmsClient `rearm`).
  "client-rearm": ["RestartDelaySeconds"],
  // No intervals: they are the KMS host's settings, and clients take them from the host's answer.
  "client-setup": ["SetupKey", "KmsServer", "KmsPort", "LookupDomain", "Activate", "ApplicationId"],
  // The threshold barrier's second ask. `SetupDigest` is only logged: a changed setup runs it again.
  "client-activate": ["ApplicationId", "SetupDigest"],
  // `Clients` is only logged; the activation barrier sets it so that a new client list reads the count again.
  status: ["Role", "ApplicationId", "Clients"],
};

/**
 * What a numeric parameter allows, worded as in `components/validate/` so that a value only known at
 * deployment gets the same message from the script ("Port must be <allowed>; received 70000.").
 */
export const PARAMETER_RULES = {
  port: {
    min: 1,
    max: 65535,
    allowed: `an integer from 1 to 65535 (the KMS default is ${ACTIVATION.defaultPort})`,
  },
  intervalMinutes: {
    min: ACTIVATION.minIntervalMinutes,
    max: ACTIVATION.maxIntervalMinutes,
    allowed: `a whole number of minutes from ${ACTIVATION.minIntervalMinutes} to ${ACTIVATION.maxIntervalMinutes} (30 days)`,
  },
  activationRetries: { min: 0, max: 10, allowed: "an integer from 0 to 10" },
  retryDelaySeconds: { min: 0, max: 600, allowed: "a whole number of seconds from 0 to 600" },
  restartDelaySeconds: { min: 5, max: 600, allowed: "a whole number of seconds from 5 to 600" },
} as const;

/**
 * Seconds between the end of `client-rearm.ps1` and the restart it schedules (`shutdown /r /t`): long
 * enough for the script to print its result and exit, so that its Run Command ends with a result (Run
 * Command does not run or finish a script again after a restart), short enough that the restart comes
 * before the client's setup is delivered. docs/acceptance.md says what a first deployment confirms.
 */
export const REARM_RESTART_DELAY_SECONDS = 15;
