/** The parameters each script's `param()` block expects, built from settings (values checked here). */
import { createHash } from "crypto";
import { KmsConfigError, showValue } from "pulumi-kms-activation-catalog";
import { boolText, encodeParameterValue, intText } from "./encoding";
import {
  HOST_KEY_PARAMETER,
  PARAMETER_RULES,
  REARM_RESTART_DELAY_SECONDS,
  WINDOWS_APPLICATION_ID,
} from "./names";
import { HOST_SETUP_DEFAULTS } from "./settings";
import type {
  ClientSetupSettings,
  HostSetupSettings,
  OfficeHostSetupSettings,
  ScriptParameters,
} from "./settings";

/** Parameters of `host-setup.ps1`. The host key is not among them: pass it as `HOST_KEY_PARAMETER`. */
export function hostSetupParameters(settings: HostSetupSettings = {}): ScriptParameters {
  const s = { ...HOST_SETUP_DEFAULTS };
  for (const [k, v] of Object.entries(settings)) {
    if (v !== undefined) (s as Record<string, unknown>)[k] = v;
  }
  return {
    parameters: {
      Port: intText("port", s.port, PARAMETER_RULES.port),
      ActivationIntervalMinutes: intText(
        "activationIntervalMinutes",
        s.activationIntervalMinutes,
        PARAMETER_RULES.intervalMinutes,
      ),
      RenewalIntervalMinutes: intText(
        "renewalIntervalMinutes",
        s.renewalIntervalMinutes,
        PARAMETER_RULES.intervalMinutes,
      ),
      DnsPublishing: boolText("dnsPublishing", s.dnsPublishing),
      LowPriority: boolText("lowPriority", s.lowPriority),
      ActivationRetries: intText(
        "activationRetries",
        s.activationRetries,
        PARAMETER_RULES.activationRetries,
      ),
      RetryDelaySeconds: intText(
        "retryDelaySeconds",
        s.retryDelaySeconds,
        PARAMETER_RULES.retryDelaySeconds,
      ),
    },
    secretParameterNames: [HOST_KEY_PARAMETER],
  };
}

/**
 * Parameters of `host-setup.ps1` in Office mode. The Office host key is not among them: pass it as the
 * secret `HOST_KEY_PARAMETER`. `VolumeLicensePack` is left out when empty (the pack is installed).
 */
export function officeHostSetupParameters(settings: OfficeHostSetupSettings): ScriptParameters {
  if (typeof settings.officeVersion !== "string" || settings.officeVersion.trim() === "") {
    throw new KmsConfigError(
      "officeVersion",
      showValue(settings.officeVersion),
      'an Office version such as "LTSC 2024"',
    );
  }
  const pack = (settings.volumeLicensePack ?? "").trim();
  return {
    parameters: {
      ActivationRetries: intText(
        "activationRetries",
        settings.activationRetries ?? HOST_SETUP_DEFAULTS.activationRetries,
        PARAMETER_RULES.activationRetries,
      ),
      RetryDelaySeconds: intText(
        "retryDelaySeconds",
        settings.retryDelaySeconds ?? HOST_SETUP_DEFAULTS.retryDelaySeconds,
        PARAMETER_RULES.retryDelaySeconds,
      ),
      // "LTSC 2024" goes as "LTSC2024" (readable, no space for Run Command to cut at).
      OfficeVersion: settings.officeVersion.trim().replace(/\s+/g, ""),
      ...(pack === "" ? {} : { VolumeLicensePack: encodeParameterValue(pack) }),
    },
    secretParameterNames: [HOST_KEY_PARAMETER],
  };
}

/** Splits "name:port" and "[v6]:port"; anything else is a bare name. */
function splitServer(server: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
  if (bracketed)
    return {
      host: `[${bracketed[1]}]`,
      port: bracketed[2] === undefined ? undefined : Number(bracketed[2]),
    };
  const named = /^([^:]+):(\d+)$/.exec(server);
  if (named) return { host: named[1], port: Number(named[2]) };
  return { host: server };
}

/**
 * Parameters of `client-setup.ps1` (nothing secret: setup keys are published). `SetupKey`,
 * `KmsServer` and `LookupDomain` are only present when they have a value.
 */
export function clientSetupParameters(settings: ClientSetupSettings = {}): ScriptParameters {
  const setupKey = (settings.setupKey ?? "").trim();
  let kmsServer = (settings.kmsServer ?? "").trim();
  let kmsPort = settings.kmsPort ?? 0;
  const lookupDomain = (settings.lookupDomain ?? "").trim();
  if (kmsServer !== "") {
    const split = splitServer(kmsServer);
    if (split.port !== undefined) {
      if (
        settings.kmsPort !== undefined &&
        settings.kmsPort !== 0 &&
        settings.kmsPort !== split.port
      ) {
        throw new KmsConfigError(
          "kmsPort",
          showValue(settings.kmsPort),
          `the port given in kmsServer (${split.port}) or left unset`,
        );
      }
      kmsServer = split.host;
      kmsPort = split.port;
    }
  }
  if (kmsServer !== "" && lookupDomain !== "") {
    throw new KmsConfigError(
      "lookupDomain",
      showValue(lookupDomain),
      `unset when kmsServer is set (${JSON.stringify(kmsServer)}): a fixed host overrides the lookup domain`,
    );
  }
  for (const argument of ["activationIntervalMinutes", "renewalIntervalMinutes"] as const) {
    const v = settings[argument];
    if (v !== undefined && v !== 0) {
      throw new KmsConfigError(
        argument,
        showValue(v),
        "unset on a KMS client: clients take their activation and renewal intervals from the KMS host's answer (the interval setters work only on a KMS host); set it on the KmsHost",
      );
    }
  }
  // Empty strings are left out (the script's defaults are ''): a parameter with an empty value can
  // reach the script as a bare `-SetupKey` with no argument, which PowerShell refuses.
  const optional: Record<string, string> = {};
  if (setupKey !== "") optional.SetupKey = encodeParameterValue(setupKey);
  if (kmsServer !== "") optional.KmsServer = encodeParameterValue(kmsServer);
  if (lookupDomain !== "") optional.LookupDomain = encodeParameterValue(lookupDomain);
  return {
    parameters: {
      ...optional,
      KmsPort: kmsPort === 0 ? "0" : intText("kmsPort", kmsPort, PARAMETER_RULES.port),
      Activate: boolText("activate", settings.activate ?? true),
      ApplicationId: encodeParameterValue(settings.applicationId ?? WINDOWS_APPLICATION_ID),
    },
    secretParameterNames: [],
  };
}

/** Parameters of `client-rearm.ps1`: rearm Windows once and restart after `restartDelaySeconds`. */
export function clientRearmParameters(
  restartDelaySeconds: number = REARM_RESTART_DELAY_SECONDS,
): ScriptParameters {
  return {
    parameters: {
      RestartDelaySeconds: intText(
        "restartDelaySeconds",
        restartDelaySeconds,
        PARAMETER_RULES.restartDelaySeconds,
      ),
    },
    secretParameterNames: [],
  };
}

/** Longest client list the count step sends whole (characters, before encoding). */
export const CLIENT_LIST_MAX_CHARS = 512;

/**
 * The count step's `Clients` value: the names, comma-separated, when they fit in CLIENT_LIST_MAX_CHARS;
 * otherwise the count, the first names that fit and a SHA-256 of the whole list, so that the value stays
 * bounded (a Windows command line holds 32,767 characters) and still changes with any name.
 */
function clientList(clients: readonly string[]): string {
  const whole = clients.join(",");
  if (whole.length <= CLIENT_LIST_MAX_CHARS) return whole;
  const digest = createHash("sha256").update(whole).digest("hex").slice(0, 16);
  const head: string[] = [];
  let size = 0;
  for (const c of clients) {
    if (size + c.length + 1 > CLIENT_LIST_MAX_CHARS - 100) break;
    head.push(c);
    size += c.length + 1;
  }
  return `${clients.length} clients: ${head.join(",")}, ... (sha256 ${digest} of the whole list)`;
}

/** Parameters of `status.ps1`: read-only host or client state. */
export function statusParameters(
  role: "host" | "client",
  applicationId?: string,
  clients?: readonly string[],
): ScriptParameters {
  if (role !== "host" && role !== "client") {
    throw new KmsConfigError("role", showValue(role), '"host" or "client"');
  }
  const list = clients === undefined || clients.length === 0 ? "" : clientList(clients);
  return {
    parameters: {
      Role: role,
      ApplicationId: encodeParameterValue(applicationId ?? WINDOWS_APPLICATION_ID),
      // Only logged by the script; a new list makes the count step read the count again.
      ...(list === "" ? {} : { Clients: encodeParameterValue(list) }),
    },
    secretParameterNames: [],
  };
}

/**
 * client-activate.ps1: the barrier's second ask. `setupParameters` are the client's setup parameters; a
 * digest of them (never the values) makes Pulumi run the step again when the setup changes.
 */
export function clientActivateParameters(
  applicationId: string,
  setupParameters: Record<string, string>,
): ScriptParameters {
  const canonical = JSON.stringify(
    Object.keys(setupParameters)
      .sort()
      .map((k) => [k, setupParameters[k]]),
  );
  const digest = createHash("sha256").update(canonical).digest("hex").slice(0, 12);
  return {
    parameters: { ApplicationId: applicationId, SetupDigest: digest },
    secretParameterNames: [],
  };
}
