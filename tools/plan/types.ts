/**
 * What plan() takes and returns: options, policies as plan() runs them, policy config and its
 * enforcement levels, the result, and the record kept of each registered resource.
 */

import type { Forecast } from "../forecast";
import type { LabHook } from "./mocks";

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

/** The subset of `@pulumi/policy`'s policy shapes the plan runs (plain objects, no PolicyPack). */
export interface PlanPolicy {
  name: string;
  description?: string;
  enforcementLevel?: EnforcementLevel;
  configSchema?: { properties?: Record<string, { default?: unknown }> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  validateResource?: ((args: any, report: (message: any, urn?: string) => void) => unknown) | any[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  validateStack?: (args: any, report: (message: any, urn?: string) => void) => unknown;
}

/** A config value; wrap secrets with `secretConfig(value)`. Non-strings are JSON-encoded as Pulumi does. */
export type PlanConfigValue = string | number | boolean | object | SecretConfig;

const SECRET_BRAND = Symbol.for("kms-plan.secretConfig");
export interface SecretConfig {
  readonly [SECRET_BRAND]: true;
  readonly value: string;
}
/** Marks a config value as secret (as `pulumi config set --secret` would). */
export function secretConfig(value: string): SecretConfig {
  return { [SECRET_BRAND]: true, value };
}
export function isSecretConfig(v: unknown): v is SecretConfig {
  return (
    v !== null && typeof v === "object" && (v as Record<symbol, unknown>)[SECRET_BRAND] === true
  );
}

export interface PlanOptions {
  /** Config, keyed `<project>:<key>` or bare `<key>` (prefixed with the project). Overrides the stack file. */
  config?: Record<string, PlanConfigValue>;
  /** Stack name; default "dev" for a directory with Pulumi.dev.yaml or no stack file, else "stack". */
  stack?: string;
  /** Project name; default from Pulumi.yaml, else "project". */
  project?: string;
  /** Policies to run: policy objects or names from the kms-guard pack. Default: the whole pack. */
  policies?: (PlanPolicy | string)[];
  /**
   * Per-policy config, as read from a `--policy-pack-config` file by `parsePolicyConfig`:
   * `{ "<policy>": { enforcementLevel?, ...props } }`; the key `all` sets every policy's level.
   */
  policyConfig?: PolicyConfig;
  /** Run as a preview: outputs the mocks do not return are unknown, and policies touching them are advisory. */
  preview?: boolean;
  /**
   * Mock every client's setup as pending (0xC004F038), as before a host's count reaches the threshold. Only
   * the mocked setup results change: every barrier member's `<client>-activate` step is registered either way.
   */
  clientsPendingAtSetup?: boolean;
  /**
   * Runs the remote steps in a lab instead of giving them mock results (`kms-plan --lab`, see
   * tools/rehearsal/). A step that fails stops what depends on it, as in `pulumi up` (the hook reports
   * it); the plan then returns once nothing moves, with other failures (rejections) in
   * `deploymentErrors`, instead of throwing.
   */
  lab?: LabHook;
}

/** Policy configuration: policy name (or `all`) → its enforcement level and settings. */
export type PolicyConfig = Record<
  string,
  { enforcementLevel?: EnforcementLevel; [k: string]: unknown }
>;

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/**
 * Reads a policy configuration in the form `pulumi preview --policy-pack-config FILE` takes (JSON): each
 * key is a policy name, or `all` for every policy of the pack; each value is an enforcement level
 * string ("advisory", "mandatory", "remediate", "disabled") or an object with an optional
 * `enforcementLevel` and the policy's own settings (its `configSchema` properties). A level given for a
 * policy overrides the one under `all`, which overrides the policy's own. Unknown policies, unknown
 * settings and unknown levels are errors (a typo must not silently leave a policy at its default).
 */
export function parsePolicyConfig(
  text: string,
  policies: readonly Pick<PlanPolicy, "name" | "configSchema">[],
  source = "policy config",
): PolicyConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new Error(`${source}: expected a JSON object of policy name → level or settings`);
  }
  const out: PolicyConfig = {};
  const names = policies.map((p) => p.name);
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    const policy = policies.find((p) => p.name === name);
    if (name !== "all" && !policy) {
      throw new Error(
        `${source}: no policy named "${name}" in the pack (have: all, ${names.join(", ")})`,
      );
    }
    const level = (v: unknown): EnforcementLevel => {
      if (typeof v === "string" && (LEVELS as string[]).includes(v)) return v as EnforcementLevel;
      throw new Error(
        `${source}: "${name}" has enforcement level ${JSON.stringify(v)}; allowed: ${LEVELS.join(", ")}`,
      );
    };
    if (typeof value === "string") {
      out[name] = { enforcementLevel: level(value) };
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new Error(
        `${source}: "${name}" must be an enforcement level string or an object, got ${JSON.stringify(value)}`,
      );
    }
    const { enforcementLevel, ...settings } = value as Record<string, unknown>;
    const known = Object.keys(policy?.configSchema?.properties ?? {});
    for (const key of Object.keys(settings)) {
      if (!known.includes(key)) {
        throw new Error(
          `${source}: "${name}" has no setting "${key}"` +
            (known.length > 0 ? ` (its settings: ${known.join(", ")})` : " (it has no settings)"),
        );
      }
    }
    out[name] = {
      ...(enforcementLevel !== undefined ? { enforcementLevel: level(enforcementLevel) } : {}),
      ...settings,
    };
  }
  return out;
}

/** The enforcement level a policy runs at under a policy configuration (before remediate → mandatory). */
export function effectiveLevel(
  policy: Pick<PlanPolicy, "name" | "enforcementLevel">,
  config: PolicyConfig | undefined,
): EnforcementLevel {
  return (
    config?.[policy.name]?.enforcementLevel ??
    config?.all?.enforcementLevel ??
    policy.enforcementLevel ??
    "advisory"
  );
}

export interface PlannedResource {
  type: string;
  name: string;
  urn: string;
  parent?: string;
  /** Inputs with secrets shown as "[secret]" and unknowns as "[unknown]". */
  inputs: Record<string, unknown>;
  custom: boolean;
  /** Outputs: mock state for custom resources, registered outputs for components (redacted). */
  outputs?: Record<string, unknown>;
  dependencies: string[];
}

export interface PlanViolation {
  policyName: string;
  message: string;
  enforcementLevel: EnforcementLevel;
  urn?: string;
  description?: string;
}

export interface PlanDiagnostic {
  severity: "info" | "warn" | "error";
  message: string;
  /** `<type>::<name>` of the resource the message was logged against. */
  resource?: string;
}

export interface PlanResult {
  project: string;
  stack: string;
  resources: PlannedResource[];
  violations: PlanViolation[];
  /** Stack outputs (redacted). */
  outputs: Record<string, unknown>;
  /** Messages logged through `pulumi.log`. */
  diagnostics: PlanDiagnostic[];
  /** Names of the policies that ran. */
  policiesRun: string[];
  forecast: Forecast;
  /** With `lab`: errors that failed the deployment other than a failed step (which the hook reports). */
  deploymentErrors?: string[];
}

/** A function that declares resources (it may return stack outputs), or a Pulumi program directory. */
export type PlanProgram = (() => unknown) | string;

export interface Recorded {
  type: string;
  name: string;
  custom: boolean;
  parent?: string;
  urn?: string;
  inputs: Record<string, unknown>;
  state?: Record<string, unknown>;
  registeredOutputs?: Record<string, unknown>;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  provider?: string;
  options: {
    protect: boolean;
    ignoreChanges: string[];
    deleteBeforeReplace?: boolean;
    additionalSecretOutputs: string[];
  };
}

export const SECRET = "[secret]";
export const STACK_TYPE = "pulumi:pulumi:Stack";
export const UNKNOWN = "[unknown]";

/** True when a violation blocks a deployment (mandatory; remediate is reported as mandatory). */
export function isBlocking(v: PlanViolation): boolean {
  return v.enforcementLevel === "mandatory" || v.enforcementLevel === "remediate";
}
