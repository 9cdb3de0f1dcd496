import type { ResourceValidationPolicy } from "@pulumi/policy";
import { ACTIVATION, KMS_HOST_TYPE } from "pulumi-kms-activation-catalog";
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
 * Activation and renewal intervals on a KmsHost must be whole minutes from 15 to 43200, the range Windows
 * accepts. Clients are out of scope: a KMS client takes its intervals from its host's answer (the interval
 * setters work only on a KMS host, and KmsClient refuses interval arguments).
 */
export const enforceIntervalRange: ResourceValidationPolicy = {
  name: "enforce-interval-range",
  description:
    "Activation and renewal intervals on a KmsHost must be whole minutes from 15 to 43200 (30 days), " +
    "the range Windows accepts for slmgr /sai and /sri. KMS clients take their intervals from their host's answer.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Set the KmsHost's activationIntervalMinutes and renewalIntervalMinutes to whole minutes from 15 to 43200, " +
    "or leave them out for Windows' defaults (120 and 10080). An interval given as an Output is not known at " +
    "preview: it is reported as undecided, and the host setup script checks it on the machine.",
  validateResource: (args, report) => {
    if (args.type !== KMS_HOST_TYPE) return;
    const summary = plainProperty(args.props, "summary");
    if (
      summary === UNKNOWN ||
      summary === undefined ||
      summary === null ||
      typeof summary !== "object"
    ) {
      report(
        `Cannot decide whether KmsHost "${args.name}" sets valid intervals: its summary is not known at preview.`,
      );
      return;
    }
    const s = toPlain(summary) as Record<string, unknown>;
    for (const f of FIELDS) {
      const v = s[f.key];
      if (v === UNKNOWN || v === undefined) {
        report(
          `Cannot decide whether KmsHost "${args.name}" sets a valid ${f.key}: the value is not known at ` +
            "preview; the setup script checks it on the machine.",
        );
        continue;
      }
      const ok =
        typeof v === "number" &&
        Number.isInteger(v) &&
        v >= ACTIVATION.minIntervalMinutes &&
        v <= ACTIVATION.maxIntervalMinutes;
      if (!ok) {
        report(
          `KmsHost "${args.name}" sets ${f.key} to ${show(v)}; Windows accepts whole minutes from ` +
            `${ACTIVATION.minIntervalMinutes} to ${ACTIVATION.maxIntervalMinutes} (${f.slmgr}). ` +
            `The default is ${f.fallback}.`,
        );
      }
    }
  },
};
