/**
 * Runs a kms-guard policy the way the policy server does, without a `PolicyPack` (whose constructor
 * starts a gRPC server): builds ResourceValidationArgs / StackValidationArgs by hand and collects the
 * report() calls. After pulumi/pulumi-policy sdk/nodejs/policy/tests/util.ts.
 */
import type {
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";

export interface FakeResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
  /** URN of the parent resource, as the engine gives it in `opts.parent`. */
  parent?: string;
  /** Property name → URNs it took values from, as the engine gives them to stack policies. */
  propertyDependencies?: Record<string, string[]>;
  /** The resource's URN when the default (no parent types) is not what the test needs. */
  urn?: string;
}

export interface Violation {
  message: string;
  urn?: string;
  /** Only when the policy reported this finding at its own level (the object form of reportViolation). */
  enforcementLevel?: string;
}

export function urnOf(type: string, name: string, parentType?: string): string {
  return `urn:pulumi:dev::kms::${parentType ? `${parentType}$` : ""}${type}::${name}`;
}

function options(parent?: string): PolicyResourceOptions {
  const opts: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
  };
  if (parent) opts.parent = parent;
  return opts;
}

const notApplicable = (reason?: string): never => {
  throw new Error(`notApplicable: ${reason}`);
};

export async function runResourcePolicy(
  policy: ResourceValidationPolicy,
  r: FakeResource,
  config: Record<string, unknown> = {},
): Promise<string[]> {
  const messages: string[] = [];
  const validations = [policy.validateResource ?? []].flat();
  for (const validate of validations) {
    await validate(
      {
        type: r.type,
        name: r.name,
        urn: r.urn ?? urnOf(r.type, r.name),
        props: r.props,
        opts: options(r.parent),
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T>() => config as T,
        notApplicable,
      },
      (message) => {
        // The object form (kms-guard's advisory findings): "<level>: <message>".
        if (typeof message === "object") {
          const m = message as { message: string; enforcementLevel?: string };
          messages.push(`${m.enforcementLevel}: ${m.message}`);
        } else messages.push(message);
      },
    );
  }
  return messages;
}

export async function runStackPolicy(
  policy: StackValidationPolicy,
  resources: FakeResource[],
  config: Record<string, unknown> = {},
): Promise<Violation[]> {
  const violations: Violation[] = [];
  const policyResources: PolicyResource[] = resources.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn ?? urnOf(r.type, r.name),
    props: r.props,
    opts: options(r.parent),
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  }));
  // Parents and property dependencies as resources, as the engine links them.
  const byUrn = new Map(policyResources.map((p) => [p.urn, p]));
  resources.forEach((r, i) => {
    const p = policyResources[i];
    if (r.parent && byUrn.has(r.parent)) p.parent = byUrn.get(r.parent);
    for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
      p.propertyDependencies[k] = urns.map((u) => byUrn.get(u)).filter((x) => x !== undefined);
    }
  });
  await policy.validateStack(
    {
      resources: policyResources,
      stackTags: new Map(),
      getConfig: <T>() => config as T,
      notApplicable,
    },
    (message, urn) => {
      // The object form (kms-guard's advisory findings) carries its own level, as the policy server reads it.
      if (typeof message === "object") {
        const m = message as { message: string; urn?: string; enforcementLevel?: string };
        violations.push({
          message: m.message,
          ...(m.urn === undefined ? {} : { urn: m.urn }),
          ...(m.enforcementLevel === undefined ? {} : { enforcementLevel: m.enforcementLevel }),
        });
        return;
      }
      violations.push(urn === undefined ? { message } : { message, urn });
    },
  );
  return violations;
}

/** "advisory: <message>" for findings reported at the advisory level, the message otherwise. */
export async function stackFindings(
  policy: StackValidationPolicy,
  resources: FakeResource[],
  config: Record<string, unknown> = {},
): Promise<string[]> {
  return (await runStackPolicy(policy, resources, config)).map((v) =>
    v.enforcementLevel ? `${v.enforcementLevel}: ${v.message}` : v.message,
  );
}

/** Messages only, for tables that check the text. */
export async function stackMessages(
  policy: StackValidationPolicy,
  resources: FakeResource[],
  config: Record<string, unknown> = {},
): Promise<string[]> {
  return (await runStackPolicy(policy, resources, config)).map((v) => v.message);
}
