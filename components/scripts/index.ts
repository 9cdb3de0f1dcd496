/**
 * The PowerShell scripts that run on the Windows machines, and their TypeScript side: loading the
 * `.ps1` text, building the parameters their `param()` blocks expect, and reading the one JSON line
 * each script prints last. No Pulumi here: the transports (`components/remote`) turn a script into a
 * resource.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ACTIVATION } from "../catalog/activation";
import { describeErrorCode, normalizeHresult } from "../catalog/errorCodes";
import { KmsConfigError, showValue } from "../errors";

export type ScriptName = "host-setup" | "client-setup" | "client-activate" | "status";
export const SCRIPT_NAMES: readonly ScriptName[] = [
  "host-setup",
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
  // No intervals: they are the KMS host's settings, and clients take them from the host's answer.
  "client-setup": ["SetupKey", "KmsServer", "KmsPort", "LookupDomain", "Activate", "ApplicationId"],
  // The threshold barrier's second ask. `SetupDigest` is only logged: a changed setup runs it again.
  "client-activate": ["ApplicationId", "SetupDigest"],
  // `Clients` is only logged; the activation barrier sets it so that a new client list reads the count again.
  status: ["Role", "ApplicationId", "Clients"],
};

/**
 * What a numeric parameter allows, worded as in `components/validate.ts` so that a value only known at
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
} as const;

// ---------------------------------------------------------------- loading

const scriptCache = new Map<ScriptName, string>();

/**
 * Where a script's `.ps1` file is: next to this module (TypeScript source, or a build that copied the
 * `.ps1` files into `bin/components/scripts/`), else the source folder seen from a build without them.
 */
export function scriptPath(name: ScriptName): string {
  if (!SCRIPT_NAMES.includes(name)) {
    throw new Error(
      `Unknown script ${JSON.stringify(name)}; expected one of ${SCRIPT_NAMES.join(", ")}.`,
    );
  }
  const file = `${name}.ps1`;
  const candidates = [
    path.join(__dirname, file),
    path.resolve(__dirname, "..", "..", "..", "components", "scripts", file),
  ];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) {
    throw new Error(
      `The PowerShell script ${file} was not found; looked in ${candidates.join(" and ")}.`,
    );
  }
  return found;
}

/** The file of helpers every script dot-sources; the loader inlines it. */
export const COMMON_SCRIPT = "common.ps1";

/** `. "$PSScriptRoot\<file>.ps1"` on a line of its own: how a script includes a helper file. */
const INCLUDE_LINE = /^\. "\$PSScriptRoot\\([A-Za-z0-9_.-]+\.ps1)"[ \t]*$/gm;

/** One form of a text on every machine: no byte-order mark, LF line ends (a Windows checkout has CRLF). */
export function normalizeScriptText(text: string): string {
  return text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
}

/**
 * The single text a transport sends: the script with each `. "$PSScriptRoot\<file>.ps1"` line replaced
 * by that file's text, line endings normalised. Run Command and the SSH bootstrap run one text, without
 * the folder the repository's scripts dot-source their helpers from.
 */
export function assembleScript(scriptText: string, readInclude: (file: string) => string): string {
  return normalizeScriptText(scriptText).replace(INCLUDE_LINE, (_line, file: string) => {
    const included = normalizeScriptText(readInclude(file)).replace(/\n+$/, "");
    if (new RegExp(INCLUDE_LINE.source, "m").test(included)) {
      throw new Error(
        `${file} includes another file; helper files are included one level deep only.`,
      );
    }
    return `# ---- ${file}, inlined by the loader (components/scripts/index.ts) ----\n${included}\n# ---- end of ${file} ----`;
  });
}

/** A script assembled from the `.ps1` files in `dir` (the folder of the shipped scripts by default). */
export function loadScriptFrom(dir: string, name: ScriptName): string {
  return assembleScript(fs.readFileSync(path.join(dir, `${name}.ps1`), "utf8"), (file) =>
    fs.readFileSync(path.join(dir, file), "utf8"),
  );
}

/** The text of a script, as the machine runs it (read once, then cached): helpers inlined, LF line ends. */
export function loadScript(name: ScriptName): string {
  let text = scriptCache.get(name);
  if (text === undefined) {
    text = loadScriptFrom(path.dirname(scriptPath(name)), name);
    scriptCache.set(name, text);
  }
  return text;
}

// ---------------------------------------------------------------- parameters

/** Parameters for one script run: plain values as strings, plus the names of secret ones. */
export interface ScriptParameters {
  /** Plain parameters, stringified as the `param()` block expects them. Never holds a secret. */
  parameters: Record<string, string>;
  /** Parameters the caller must pass separately, as protected parameters or on stdin. */
  secretParameterNames: string[];
}

/** Host settings; every one has the KMS default. */
export interface HostSetupSettings {
  /** @default 1688 */
  port?: number;
  /** @default 120 */
  activationIntervalMinutes?: number;
  /** @default 10080 */
  renewalIntervalMinutes?: number;
  /** @default false */
  dnsPublishing?: boolean;
  /** @default false */
  lowPriority?: boolean;
  /** Extra online activation attempts after a transient network error. @default 3 */
  activationRetries?: number;
  /** @default 30 */
  retryDelaySeconds?: number;
}

export const HOST_SETUP_DEFAULTS: Readonly<Required<HostSetupSettings>> = {
  port: ACTIVATION.defaultPort,
  activationIntervalMinutes: ACTIVATION.defaultActivationIntervalMinutes,
  renewalIntervalMinutes: ACTIVATION.defaultRenewalIntervalMinutes,
  dnsPublishing: false,
  lowPriority: false,
  activationRetries: 3,
  retryDelaySeconds: 30,
};

/** Client settings. Unset means: keep the key, DNS discovery, activate. */
export interface ClientSetupSettings {
  /** KMS client setup key; unset or "" keeps the installed key. */
  setupKey?: string;
  /** Fixed KMS host name (or "name:port" when `kmsPort` is unset). */
  kmsServer?: string;
  /** Port of `kmsServer`; unset or 0 for the default 1688. */
  kmsPort?: number;
  /** DNS domain to look up `_vlmcs._tcp` in. Exclusive with `kmsServer`. */
  lookupDomain?: string;
  /**
   * @deprecated Not a client setting: the interval setters are host-only (Microsoft: "An error is
   * returned if the method is called and the machine is not a key management service"), and clients
   * take their intervals from the host's answer. Any value other than unset or 0 is a `KmsConfigError`.
   */
  activationIntervalMinutes?: number;
  /** @deprecated As `activationIntervalMinutes`: set it on the KMS host. */
  renewalIntervalMinutes?: number;
  /** @default true */
  activate?: boolean;
  /** @default WINDOWS_APPLICATION_ID */
  applicationId?: string;
}

/**
 * Values a transport passes as they are: letters, digits and `. _ : - / \` (host names, GUIDs, keys,
 * Windows paths), not ending in a backslash (which would escape a closing quote on a command line).
 */
const PLAIN_PARAMETER_VALUE = /^(?:[A-Za-z0-9._:/\\-]*[A-Za-z0-9._:/-])?$/;

/**
 * A string parameter value as the scripts accept it from any transport. Run Command cuts a value at its
 * first space (Azure/azure-powershell#7269, Azure/azure-cli#25042), so any other value (spaces, quotes,
 * commas, `&`, `?`, non-ASCII) travels as `base64:` + the base64 of its UTF-8 bytes; the scripts decode
 * it (`ConvertFrom-ParameterValue` in common.ps1). Plain values stay readable in the portal.
 */
export function encodeParameterValue(value: string): string {
  if (PLAIN_PARAMETER_VALUE.test(value)) return value;
  return `base64:${Buffer.from(value, "utf8").toString("base64")}`;
}

function intText(
  argument: string,
  value: number,
  rule: { min: number; max: number; allowed: string },
): string {
  if (
    typeof value !== "number" ||
    !Number.isInteger(value) ||
    value < rule.min ||
    value > rule.max
  ) {
    throw new KmsConfigError(argument, showValue(value), rule.allowed);
  }
  return String(value);
}

function boolText(argument: string, value: boolean): "true" | "false" {
  if (typeof value !== "boolean")
    throw new KmsConfigError(argument, showValue(value), "true or false");
  return value ? "true" : "false";
}

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

/** One Office version on a KMS host (host-setup.ps1 in Office mode). */
export interface OfficeHostSetupSettings {
  /** "2016", "2019", "LTSC 2021" or "LTSC 2024" (catalog form). */
  officeVersion: string;
  /** Folder or .zip (path on the host, or http(s) URI) with the Volume License Pack files; "" = installed. */
  volumeLicensePack?: string;
  /** @default 3 */
  activationRetries?: number;
  /** @default 30 */
  retryDelaySeconds?: number;
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

/** Parameters of `status.ps1`: read-only host or client state. */
export function statusParameters(
  role: "host" | "client",
  applicationId?: string,
  clients?: readonly string[],
): ScriptParameters {
  if (role !== "host" && role !== "client") {
    throw new KmsConfigError("role", showValue(role), '"host" or "client"');
  }
  const list = clients === undefined || clients.length === 0 ? "" : clients.join(",");
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

// ---------------------------------------------------------------- results

/** `SoftwareLicensingProduct.LicenseStatus` by name (0 to 6), "Unknown" for anything else. */
export type LicenseStatusName =
  | "Unlicensed"
  | "Licensed"
  | "OOBGrace"
  | "OOTGrace"
  | "NonGenuineGrace"
  | "Notification"
  | "ExtendedGrace"
  | "Unknown";

/** Fields every script prints. */
export interface ScriptResultBase {
  script: ScriptName;
  role: "host" | "client";
  /** The script did its job: an activated host, an activated or pending client, a state read. */
  ok: boolean;
  /** What the run changed, e.g. ["productKey", "activation", "port", "firewall"]. */
  changed: string[];
  /** "0xC004F038" form, or null. */
  errorCode: string | null;
  /** One sentence for people; on failure the error code's meaning and fix. */
  message: string;
  licenseStatus: LicenseStatusName | null;
  licenseStatusCode: number | null;
  /** Last five characters of the installed key: the only part of a key ever printed. */
  partialProductKey: string | null;
  productName: string | null;
  /** e.g. "Volume:CSVLK" (host key), "Volume:GVLK" (client setup key). */
  productKeyChannel: string | null;
}

/** Cumulative requests a KMS host received (slmgr /dlv on a host). */
export interface HostRequestCounters {
  total: number;
  failed: number;
  unlicensed: number;
  licensed: number;
  oobGrace: number;
  ootGrace: number;
  nonGenuineGrace: number;
  notification: number;
}

export interface HostResult extends ScriptResultBase {
  role: "host";
  isKmsHost: boolean;
  /** Distinct clients the host saw in the last 30 days (product's KeyManagementServiceCurrentCount). */
  currentCount: number | null;
  requiredClientCount: number | null;
  port: number | null;
  dnsPublishing: boolean | null;
  lowPriority: boolean | null;
  activationIntervalMinutes: number | null;
  renewalIntervalMinutes: number | null;
  serviceRestarted: boolean;
  /** Firewall rule that opens the port: "SPPSVC-In-TCP" for 1688, else "KMS (TCP <port>)". */
  firewallRule: string | null;
  /** Only from `status.ps1`. */
  requests?: HostRequestCounters | null;
  /** Office mode of `host-setup.ps1`: the Office version this run set up (its license is the result's product). */
  officeVersion?: string | null;
  /** Only from `status.ps1`: each Office KMS host license with a key, and its own count. */
  officeHosts?: OfficeHostLicense[] | null;
}

/** An Office KMS host license as `status.ps1` reports it. */
export interface OfficeHostLicense {
  productName: string | null;
  partialProductKey: string | null;
  licenseStatus: LicenseStatusName | null;
  currentCount: number | null;
}

export interface ClientResult extends ScriptResultBase {
  role: "client";
  activated: boolean;
  /** 0xC004F038: the host answered, its count is below the threshold. Not a failure. */
  pending: boolean;
  pendingReason: string | null;
  /** Client machine ID: clones that share it count once on the host. */
  cmid: string | null;
  /** The KMS host used, "name:port": the configured one, else the one DNS discovery found. */
  kmsServer: string | null;
  lookupDomain: string | null;
  remainingRearmCount: number | null;
  applicationId: string;
}

export type ScriptResult = HostResult | ClientResult;

export function isHostResult(r: ScriptResult): r is HostResult {
  return r.role === "host";
}

export function isClientResult(r: ScriptResult): r is ClientResult {
  return r.role === "client";
}

/** A script printed no result line, or a result line of another script. */
export class KmsScriptError extends Error {
  readonly script: ScriptName;
  readonly errorCode?: string;
  /** The last lines of the output, as quoted in the message. */
  readonly outputTail: string;

  constructor(message: string, script: ScriptName, outputTail: string, errorCode?: string) {
    super(message);
    this.name = "KmsScriptError";
    this.script = script;
    this.outputTail = outputTail;
    if (errorCode !== undefined) this.errorCode = errorCode;
  }
}

const TAIL_LINES = 5;
const TAIL_LINE_CHARS = 300;
/** How many lines a console may have wrapped the result line into. */
const MAX_WRAPPED_LINES = 40;

/** The output's lines, without BOMs and line ends (not trimmed: a wrapped line may end in a space). */
function outputLines(output: string): string[] {
  return output.replace(/\uFEFF/g, "").split(/\r*\n|\r/);
}

function tailOf(lines: string[]): string {
  const tail = lines
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .slice(-TAIL_LINES);
  if (tail.length === 0) return "(no output)";
  return tail
    .map((l) => (l.length > TAIL_LINE_CHARS ? `${l.slice(0, TAIL_LINE_CHARS)}…` : l))
    .join("\n");
}

function parseObject(untrimmed: string): Record<string, unknown> | undefined {
  const text = untrimmed.trim();
  if (!text.startsWith("{") || !text.endsWith("}")) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The last JSON object in the output: one line, or one line a console wrapped into several. */
function lastJsonObject(lines: string[]): Record<string, unknown> | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i].trimStart().startsWith("{")) continue;
    let joined = "";
    for (let j = i; j < lines.length && j < i + MAX_WRAPPED_LINES; j++) {
      joined += lines[j];
      const obj = parseObject(joined);
      if (obj) return obj;
    }
  }
  return undefined;
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === "boolean" ? v : null);
const LICENSE_STATUS_NAMES: readonly LicenseStatusName[] = [
  "Unlicensed",
  "Licensed",
  "OOBGrace",
  "OOTGrace",
  "NonGenuineGrace",
  "Notification",
  "ExtendedGrace",
];

function licenseStatusOf(name: unknown, code: number | null): LicenseStatusName | null {
  if (typeof name === "string") {
    return (LICENSE_STATUS_NAMES as readonly string[]).includes(name)
      ? (name as LicenseStatusName)
      : "Unknown";
  }
  if (code === null) return null;
  return LICENSE_STATUS_NAMES[code] ?? "Unknown";
}

function requestsOf(v: unknown): HostRequestCounters | null {
  if (v === null || typeof v !== "object") return null;
  const o = v as Record<string, unknown>;
  const n = (k: string) => num(o[k]) ?? 0;
  return {
    total: n("total"),
    failed: n("failed"),
    unlicensed: n("unlicensed"),
    licensed: n("licensed"),
    oobGrace: n("oobGrace"),
    ootGrace: n("ootGrace"),
    nonGenuineGrace: n("nonGenuineGrace"),
    notification: n("notification"),
  };
}

function officeHostsOf(v: unknown): OfficeHostLicense[] | null {
  // ConvertTo-Json writes a one-element array as the element itself in some PowerShell versions.
  const list = Array.isArray(v) ? v : v !== null && typeof v === "object" ? [v] : null;
  if (list === null) return null;
  return list
    .filter((o): o is Record<string, unknown> => o !== null && typeof o === "object")
    .map((o) => ({
      productName: str(o.productName),
      partialProductKey: str(o.partialProductKey),
      licenseStatus: licenseStatusOf(o.licenseStatus, null),
      currentCount: num(o.currentCount),
    }));
}

/**
 * Reads the result of a script from its output: the LAST line that parses as a JSON object, in noisy
 * output (log lines before it, CRLF, a BOM, trailing blank lines or an appended error stream, the front
 * cut off by Run Command's 4 KB limit). A result with `ok: false` is returned as is: the caller decides.
 * No such line, or the result of another script, throws `KmsScriptError` quoting the last lines.
 */
export function parseScriptResult(output: string, script: ScriptName): ScriptResult {
  const lines = outputLines(output ?? "");
  const raw = lastJsonObject(lines);
  const tail = tailOf(lines);
  if (raw === undefined || typeof raw.ok !== "boolean") {
    throw new KmsScriptError(
      `${script}.ps1 printed no result: its last line should be one JSON object with "ok". ` +
        `The script may have been stopped, or failed before it could report. Last lines of output:\n${tail}`,
      script,
      tail,
    );
  }
  if (raw.script !== undefined && raw.script !== script) {
    throw new KmsScriptError(
      `Expected the result of ${script}.ps1, found one of ${showValue(raw.script)}. Last lines of output:\n${tail}`,
      script,
      tail,
    );
  }
  const errorCodeText = str(raw.errorCode);
  const base: ScriptResultBase = {
    script,
    role: "client",
    ok: raw.ok,
    changed: Array.isArray(raw.changed)
      ? raw.changed.filter((c): c is string => typeof c === "string")
      : [],
    errorCode: errorCodeText === null ? null : (normalizeHresult(errorCodeText) ?? errorCodeText),
    message: str(raw.message) ?? "",
    licenseStatusCode: num(raw.licenseStatusCode),
    licenseStatus: null,
    partialProductKey: str(raw.partialProductKey),
    productName: str(raw.productName),
    productKeyChannel: str(raw.productKeyChannel),
  };
  base.licenseStatus = licenseStatusOf(raw.licenseStatus, base.licenseStatusCode);
  const role =
    script === "host-setup"
      ? "host"
      : script === "client-setup"
        ? "client"
        : raw.role === "host" || raw.role === "client"
          ? raw.role
          : "isKmsHost" in raw
            ? "host"
            : "client";
  if (role === "host") {
    const host: HostResult = {
      ...base,
      role: "host",
      isKmsHost: bool(raw.isKmsHost) ?? false,
      currentCount: num(raw.currentCount),
      requiredClientCount: num(raw.requiredClientCount),
      port: num(raw.port),
      dnsPublishing: bool(raw.dnsPublishing),
      lowPriority: bool(raw.lowPriority),
      activationIntervalMinutes: num(raw.activationIntervalMinutes),
      renewalIntervalMinutes: num(raw.renewalIntervalMinutes),
      serviceRestarted: bool(raw.serviceRestarted) ?? false,
      firewallRule: str(raw.firewallRule),
    };
    if ("requests" in raw) host.requests = requestsOf(raw.requests);
    if ("officeVersion" in raw) host.officeVersion = str(raw.officeVersion);
    if ("officeHosts" in raw) host.officeHosts = officeHostsOf(raw.officeHosts);
    return host;
  }
  return {
    ...base,
    role: "client",
    activated: bool(raw.activated) ?? false,
    pending: bool(raw.pending) ?? false,
    pendingReason: str(raw.pendingReason),
    cmid: str(raw.cmid),
    kmsServer: str(raw.kmsServer),
    lookupDomain: str(raw.lookupDomain),
    remainingRearmCount: num(raw.remainingRearmCount),
    applicationId: str(raw.applicationId) ?? WINDOWS_APPLICATION_ID,
  };
}

/**
 * Why a run did not succeed, in one line: the script's own message (it names the error code with its
 * meaning and fix, and what the script was doing), with the catalog's "<code>: <meaning>. Fix: <fix>"
 * added when the message does not name the code; the catalog's text alone when the script gave none.
 */
export function describeFailure(result: ScriptResult): string {
  const message = result.message.trim();
  if (message !== "") {
    if (result.errorCode && !message.includes(result.errorCode)) {
      return `${message} ${describeErrorCode(result.errorCode)}`;
    }
    return message;
  }
  if (result.errorCode) return describeErrorCode(result.errorCode);
  return `${result.script}.ps1 reported a failure without an error code or message.`;
}

/** The error to throw for a result with `ok: false`. */
export function scriptFailure(result: ScriptResult): KmsScriptError {
  return new KmsScriptError(
    `${result.script}.ps1 failed: ${describeFailure(result)}`,
    result.script,
    result.message,
    result.errorCode ?? undefined,
  );
}
