/**
 * Activation numbers from Microsoft's KMS planning docs ([PLAN], [O-HOST], [VA-TIMING]: docs/sources.md): thresholds, the 30-day
 * count window, host memory, client intervals and the default port.
 */
import type { ActivationFamily } from "./summary";

export const ACTIVATION = {
  /** A client activates when the host's count for its group is at least this. */
  thresholds: { windowsClient: 25, windowsServer: 5, office: 5 } as Record<
    ActivationFamily,
    number
  >,
  /** Which count a family adds to: Windows client OS and Windows Server share one count. */
  countGroup: { windowsClient: "windows", windowsServer: "windows", office: "office" } as Record<
    ActivationFamily,
    "windows" | "office"
  >,
  /** The count is of distinct client machines (CMIDs) seen in this many days. */
  countWindowDays: 30,
  /** The host remembers this many recent Windows clients (twice the client threshold). */
  hostMemory: 50,
  /** Office's count caps at twice its threshold. */
  officeHostMemory: 10,
  /** Unactivated clients retry this often (slmgr /sai). */
  defaultActivationIntervalMinutes: 120,
  /** Activated clients renew this often (slmgr /sri): 7 days. */
  defaultRenewalIntervalMinutes: 10080,
  minIntervalMinutes: 15,
  /** 30 days. */
  maxIntervalMinutes: 43200,
  /** A KMS activation lasts this long after the last successful renewal. */
  validityDays: 180,
  /** TCP port a KMS host listens on unless changed (slmgr /sprt). */
  defaultPort: 1688,
} as const;

/** Family names for messages and reports. */
export const FAMILY_LABELS: Record<ActivationFamily, string> = {
  windowsClient: "Windows client",
  windowsServer: "Windows Server",
  office: "Office",
};
