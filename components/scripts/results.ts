/** What each script prints last, as typed results. */
import type { ScriptName } from "./names";

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
  /**
   * Only from `client-rearm.ps1`: "restart-pending" (rearmed, restart scheduled), "done" (rearmed and
   * restarted with a new CMID), or the failure ("failed", "unchanged", "restart-failed").
   */
  rearm?: string | null;
  /** Only from `client-rearm.ps1`: the client machine ID before the rearm (the image's). */
  cmidBefore?: string | null;
  /** Only from `client-rearm.ps1`: a restart is scheduled (or was already). */
  restartScheduled?: boolean;
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
