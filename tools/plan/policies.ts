/**
 * Running the kms-guard policies over the recorded resources the way the engine would (resource
 * policies over inputs, stack policies over outputs). The forecast's agreement with them is in
 * agreement.ts.
 */

import {
  EnforcementLevel,
  PlanPolicy,
  PlanOptions,
  effectiveLevel,
  PlanViolation,
  Recorded,
} from "./types";
import { policyValue, scrub } from "./values";

class NotApplicable extends Error {}

/** The kms-guard policies (policy/policies.ts). */
export function packPolicies(): PlanPolicy[] {
  return defaultPolicies();
}

export function defaultPolicies(): PlanPolicy[] {
  // Loaded lazily: the pack is another part of the project and plan() may run with explicit policies.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require("../../policy/policies") as { policies?: PlanPolicy[] };
  if (!Array.isArray(mod.policies))
    throw new Error("kms-plan: policy/policies.ts does not export `policies`");
  return mod.policies;
}

export function selectPolicies(selection: (PlanPolicy | string)[] | undefined): PlanPolicy[] {
  if (selection === undefined) return defaultPolicies();
  const names = selection.filter((p): p is string => typeof p === "string");
  const pack = names.length > 0 ? defaultPolicies() : [];
  return selection.map((p) => {
    if (typeof p !== "string") return p;
    const found = pack.find((q) => q.name === p);
    if (!found)
      throw new Error(
        `kms-plan: no policy named "${p}" in kms-guard (have: ${pack.map((q) => q.name).join(", ")})`,
      );
    return found;
  });
}

function pulumiTypeOf(o: unknown): string | undefined {
  const t = (o as { __pulumiType?: unknown } | undefined)?.__pulumiType;
  return typeof t === "string" && t.length > 0 ? t : undefined;
}

function isTypeFn(type: string) {
  return (cls: unknown): boolean => {
    const t = pulumiTypeOf(cls);
    if (t) return t === type;
    const isInstance = (cls as { isInstance?: unknown })?.isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
  };
}

export async function runPolicies(
  policies: PlanPolicy[],
  recorded: Recorded[],
  options: PlanOptions,
  secrets: Set<string>,
): Promise<PlanViolation[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const proxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T extends object>(o: T): T;
    UnknownValueError: new (...a: never[]) => Error;
    unknownStringValue: unknown;
  };
  const violations: PlanViolation[] = [];
  const stackTags = new Map<string, string>();
  const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason ?? "Policy does not apply");
  };
  const propsOf = (v: Record<string, unknown>) =>
    proxy.unknownCheckingProxy(policyValue(v, proxy.unknownStringValue) as Record<string, unknown>);
  const optsOf = (r: Recorded) => ({
    protect: r.options.protect,
    ignoreChanges: r.options.ignoreChanges,
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: r.options.additionalSecretOutputs,
    ...(r.options.deleteBeforeReplace !== undefined
      ? { deleteBeforeReplace: r.options.deleteBeforeReplace }
      : {}),
    ...(r.parent ? { parent: r.parent } : {}),
  });

  for (const p of policies) {
    const configured = options.policyConfig?.[p.name] ?? {};
    let level: EnforcementLevel = effectiveLevel(p, options.policyConfig);
    if (level === "disabled") continue;
    if (level === "remediate") level = "mandatory";
    const defaults: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(p.configSchema?.properties ?? {}))
      if ("default" in s) defaults[k] = s.default;
    const { enforcementLevel: _ignored, ...configProps } = configured;
    const config = { ...defaults, ...configProps };
    const getConfig = () => config;

    const report =
      (defaultUrn: string | undefined) =>
      (message: unknown, urn?: string): void => {
        if (message !== null && typeof message === "object") {
          const m = message as {
            message?: string;
            description?: string;
            urn?: string;
            enforcementLevel?: EnforcementLevel;
          };
          violations.push({
            policyName: p.name,
            message: scrub(m.message ?? m.description ?? p.description ?? "", secrets),
            enforcementLevel: m.enforcementLevel ?? level,
            urn: m.urn ?? defaultUrn,
            description: p.description,
          });
          return;
        }
        violations.push({
          policyName: p.name,
          message: scrub(
            typeof message === "string" && message !== "" ? message : (p.description ?? ""),
            secrets,
          ),
          enforcementLevel: level,
          urn: urn ?? defaultUrn,
          description: p.description,
        });
      };
    const failed = (e: unknown, urn?: string): void => {
      if (e instanceof NotApplicable) return;
      if (e instanceof proxy.UnknownValueError) {
        violations.push({
          policyName: p.name,
          message: scrub(`can't run policy '${p.name}' during preview: ${e.message}`, secrets),
          enforcementLevel: "advisory",
          urn,
          description: p.description,
        });
        return;
      }
      // The engine fails the preview when a policy throws: report it as blocking.
      violations.push({
        policyName: p.name,
        message: scrub(
          `policy '${p.name}' failed: ${e instanceof Error ? e.message : String(e)}`,
          secrets,
        ),
        enforcementLevel: "mandatory",
        urn,
        description: p.description,
      });
    };

    if (p.validateResource) {
      const validations = Array.isArray(p.validateResource)
        ? p.validateResource
        : [p.validateResource];
      const onlyType = validations.length === 1 ? pulumiTypeOf(validations[0]) : undefined;
      for (const r of recorded) {
        if (onlyType && r.type !== onlyType) continue;
        const props = propsOf(r.inputs);
        const args = {
          type: r.type,
          props,
          urn: r.urn,
          name: r.name,
          opts: optsOf(r),
          stackTags,
          isType: isTypeFn(r.type),
          asType: (cls: unknown) => (isTypeFn(r.type)(cls) ? props : undefined),
          getConfig,
          notApplicable,
          ...(r.provider ? { provider: { urn: r.provider } } : {}),
        };
        for (const v of validations) {
          try {
            await v(args, report(r.urn));
          } catch (e) {
            failed(e, r.urn);
          }
        }
      }
    }
    if (p.validateStack) {
      const onlyType = pulumiTypeOf(p.validateStack);
      if (onlyType && !recorded.some((r) => r.type === onlyType)) continue;
      const byUrn = new Map<string, Record<string, unknown>>();
      const resources = recorded.map((r) => {
        const props = propsOf(r.custom ? (r.state ?? r.inputs) : (r.registeredOutputs ?? r.inputs));
        const res: Record<string, unknown> = {
          type: r.type,
          props,
          urn: r.urn,
          name: r.name,
          opts: optsOf(r),
          dependencies: [],
          propertyDependencies: {},
          isType: isTypeFn(r.type),
          asType: (cls: unknown) => (isTypeFn(r.type)(cls) ? props : undefined),
          ...(r.provider ? { provider: { urn: r.provider } } : {}),
        };
        byUrn.set(r.urn!, res);
        return res;
      });
      recorded.forEach((r, i) => {
        const res = resources[i];
        if (r.parent && byUrn.has(r.parent)) res.parent = byUrn.get(r.parent);
        res.dependencies = r.dependencies.map((d) => byUrn.get(d)).filter((d) => d !== undefined);
        const pd: Record<string, unknown[]> = {};
        for (const [k, list] of Object.entries(r.propertyDependencies)) {
          pd[k] = list.map((d) => byUrn.get(d)).filter((d) => d !== undefined);
        }
        res.propertyDependencies = pd;
      });
      try {
        await p.validateStack(
          { resources, getConfig, stackTags, notApplicable },
          report(undefined),
        );
      } catch (e) {
        failed(e);
      }
    }
  }
  return violations;
}

/** A resource as `evaluatePolicies` takes it (what plan() recorded, or hand-built). */
export interface PolicyInputResource {
  type: string;
  name: string;
  urn: string;
  parent?: string;
  custom: boolean;
  /** What resource policies see (inputs). */
  inputs: Record<string, unknown>;
  /** What stack policies see (outputs); default: the inputs. */
  outputs?: Record<string, unknown>;
  dependencies?: string[];
}

/** Runs policies over given resources exactly as plan() does (no program, no mocks). */
export function evaluatePolicies(
  policies: PlanPolicy[],
  resources: PolicyInputResource[],
  options: Pick<PlanOptions, "policyConfig"> = {},
): Promise<PlanViolation[]> {
  const recorded: Recorded[] = resources.map((r) => ({
    type: r.type,
    name: r.name,
    custom: r.custom,
    parent: r.parent,
    urn: r.urn,
    inputs: r.inputs,
    state: r.custom ? r.outputs : undefined,
    registeredOutputs: r.custom ? undefined : r.outputs,
    dependencies: r.dependencies ?? [],
    propertyDependencies: {},
    options: { protect: false, ignoreChanges: [], additionalSecretOutputs: [] },
  }));
  return runPolicies(policies, recorded, options, new Set());
}
