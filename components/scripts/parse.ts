/** Reading a script's output: the last JSON object, checked and typed; failures as errors. */
import { describeErrorCode, normalizeHresult, showValue } from "pulumi-kms-activation-catalog";
import { WINDOWS_APPLICATION_ID } from "./names";
import type { ScriptName } from "./names";
import { KmsScriptError } from "./results";
import type {
  ClientResult,
  HostRequestCounters,
  HostResult,
  LicenseStatusName,
  OfficeHostLicense,
  ScriptResult,
  ScriptResultBase,
} from "./results";

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

/**
 * A script's result object: the last JSON object in its output, as the components read it (kms-plan's
 * rehearsal and lab errors read it the same way).
 */
export function resultObject(output: string): Record<string, unknown> | undefined {
  return lastJsonObject(outputLines(output));
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
/** `LicenseStatus` values 0–6 by name, as SoftwareLicensingProduct reports them. */
export const LICENSE_STATUS_NAMES: readonly LicenseStatusName[] = [
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
      : script === "client-setup" || script === "client-rearm"
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
  const client: ClientResult = {
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
  if (script === "client-rearm") {
    client.rearm = str(raw.rearm);
    client.cmidBefore = str(raw.cmidBefore);
    client.restartScheduled = bool(raw.restartScheduled) ?? false;
  }
  return client;
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
