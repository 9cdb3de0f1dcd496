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
  /** The resource's URN when the default (no parent types) is not what the test needs. */
  urn?: string;
}

export interface Violation {
  message: string;
  urn?: string;
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
      (message) => messages.push(message),
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
  await policy.validateStack(
    {
      resources: policyResources,
      stackTags: new Map(),
      getConfig: <T>() => config as T,
      notApplicable,
    },
    (message, urn) => violations.push(urn === undefined ? { message } : { message, urn }),
  );
  return violations;
}

/** Messages only, for tables that check the text. */
export async function stackMessages(
  policy: StackValidationPolicy,
  resources: FakeResource[],
  config: Record<string, unknown> = {},
): Promise<string[]> {
  return (await runStackPolicy(policy, resources, config)).map((v) => v.message);
}
