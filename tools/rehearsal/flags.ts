/**
 * kms-plan's `--lab` and `--lab-*` flags: checked, and turned into the rehearsal's options (tools/plan-cli.ts
 * reads them with commander).
 */
import * as path from "path";
import { parseLabDuration } from "./clock";
import type { RehearsalOptions } from "./types";

/** The `--lab` and `--lab-*` flags as commander parses them. */
export interface LabFlags {
  lab?: boolean;
  labState?: string;
  labImages?: string;
  labSharedCmid?: boolean;
  labOwnCmid?: boolean;
  labAfter?: string;
  labMicrosoftActivation?: string;
  labDomain?: string;
  labVmIdentity?: boolean;
}

/** The rehearsal's options from the flags (any --lab-* flag implies --lab), or an error message. */
export function labOptions(
  opts: LabFlags & { preview?: boolean; pending?: boolean },
): RehearsalOptions | undefined | string {
  const wanted =
    opts.lab === true ||
    opts.labState !== undefined ||
    opts.labImages !== undefined ||
    opts.labSharedCmid === true ||
    opts.labOwnCmid === true ||
    opts.labAfter !== undefined ||
    opts.labMicrosoftActivation !== undefined ||
    opts.labDomain !== undefined ||
    opts.labVmIdentity === true;
  if (!wanted) return undefined;
  if (opts.preview || opts.pending) {
    return `--lab rehearses an update (pulumi up): it cannot be combined with ${opts.preview ? "--preview" : "--pending"}`;
  }
  if (opts.labImages !== undefined && !["marketplace", "custom"].includes(opts.labImages)) {
    return `--lab-images got ${JSON.stringify(opts.labImages)}; allowed: "marketplace" or "custom"`;
  }
  const activation = opts.labMicrosoftActivation;
  if (activation !== undefined && !["up", "down", "flaky"].includes(activation)) {
    return `--lab-microsoft-activation got ${JSON.stringify(activation)}; allowed: "up", "down" or "flaky"`;
  }
  const after = opts.labAfter === undefined ? undefined : parseLabDuration(opts.labAfter);
  if (typeof after === "string") return after;
  if (opts.labSharedCmid && opts.labOwnCmid) return "--lab-shared-cmid excludes --lab-own-cmid";
  return {
    ...(after !== undefined ? { afterMinutes: after } : {}),
    ...(opts.labOwnCmid ? { sharedCmid: false } : {}),
    ...(opts.labState !== undefined ? { stateDir: path.resolve(opts.labState) } : {}),
    ...(opts.labImages !== undefined ? { images: opts.labImages as "marketplace" | "custom" } : {}),
    ...(opts.labSharedCmid ? { sharedCmid: true } : {}),
    ...(activation !== undefined
      ? { microsoftActivation: activation as "up" | "down" | "flaky" }
      : {}),
    ...(opts.labDomain !== undefined ? { domain: opts.labDomain } : {}),
    ...(opts.labVmIdentity ? { vmIdentity: true } : {}),
  };
}
