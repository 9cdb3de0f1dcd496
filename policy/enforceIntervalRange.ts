import type { ResourceValidationPolicy } from "@pulumi/policy";
import { ACTIVATION } from "./lib/catalog";
import { KMS_CLIENT_TYPE, KMS_HOST_TYPE } from "./lib/summary";
import { UNKNOWN, plainProperty, toPlain } from "./values";

const FIELDS = [
  {
    key: "activationIntervalMinutes",
    slmgr: "slmgr /sai",
    fallback: `${ACTIVATION.defaultActivationIntervalMinutes} (2 hours)`,
  },
  {
    key: "renewalIntervalMinutes",
    slmgr: "slmgr /sri",
    fallback: `${ACTIVATION.defaultRenewalIntervalMinutes} (7 days)`,
  },
] as const;

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/**
 * Activation and renewal intervals on KmsHost and KmsClient must be whole minutes from 15 to 43200,
 * the range Windows accepts.
 */
export const enforceIntervalRange: ResourceValidationPolicy = {
  name: "enforce-interval-range",
  description:
    "Activation and renewal intervals on KmsHost and KmsClient must be whole minutes from 15 to 43200 (30 days), " +
    "the range Windows accepts for slmgr /sai and /sri.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Set activationIntervalMinutes and renewalIntervalMinutes to whole minutes from 15 to 43200, or leave them " +
    "out for Windows' defaults (120 and 10080). A KmsClient without an interval keeps its own until its host's " +
    "answer replaces it, so a client interval that is absent (or given as an Output) is left to the client " +
    "script, which checks it with the same wording; a KmsHost always has one, so an unknown host interval is " +
    "reported as undecided.",
  validateResource: (args, report) => {
    const isHost = args.type === KMS_HOST_TYPE;
    if (!isHost && args.type !== KMS_CLIENT_TYPE) return;
    const kind = isHost ? "KmsHost" : "KmsClient";
    const summary = plainProperty(args.props, "summary");
    if (
      summary === UNKNOWN ||
      summary === undefined ||
      summary === null ||
      typeof summary !== "object"
    ) {
      report(
        `Cannot decide whether ${kind} "${args.name}" sets valid intervals: its summary is not known at preview.`,
      );
      return;
    }
    const s = toPlain(summary) as Record<string, unknown>;
    for (const f of FIELDS) {
      const v = s[f.key];
      if (v === UNKNOWN || (v === undefined && isHost)) {
        report(
          `Cannot decide whether ${kind} "${args.name}" sets a valid ${f.key}: the value is not known at ` +
            "preview; the setup script checks it on the machine.",
        );
        continue;
      }
      if (v === undefined) continue;
      const ok =
        typeof v === "number" &&
        Number.isInteger(v) &&
        v >= ACTIVATION.minIntervalMinutes &&
        v <= ACTIVATION.maxIntervalMinutes;
      if (!ok) {
        report(
          `${kind} "${args.name}" sets ${f.key} to ${show(v)}; Windows accepts whole minutes from ` +
            `${ACTIVATION.minIntervalMinutes} to ${ACTIVATION.maxIntervalMinutes} (${f.slmgr}). ` +
            `The default is ${f.fallback}.`,
        );
      }
    }
  },
};
