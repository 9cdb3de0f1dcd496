/**
 * Offline plan: runs a Pulumi program under the SDK's mocks (no engine, no cloud, no Pulumi CLI),
 * records every resource it registers, runs the `kms-guard` policies over them the way the engine
 * would, and forecasts activation.
 *
 * - Resource policies run over every registered resource (components included) with `props` = inputs.
 * - Stack policies run once over all resources with `props` = outputs: the mock state for custom
 *   resources, the values given to `registerOutputs` for components (their inputs when they register none).
 * - Enforcement level: `options.policyConfig[name].enforcementLevel`, else the policy's, else advisory;
 *   `remediate` is reported as mandatory (as the engine does when it cannot remediate).
 * - Secrets (secret config, `pulumi.secret` values) show as "[secret]" in the result, and any secret
 *   value a policy message repeats is replaced by "[secret]".
 *
 * `plan()` may be called many times in one process; runs are queued and each starts from fresh state.
 * It never constructs a `PolicyPack`.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  KMS_CLIENT_TYPE,
  KMS_HOST_TYPE,
  type KmsClientSummary,
  type KmsHostSummary,
  createdVmOf,
} from "pulumi-kms-activation-catalog";
import { forecast, specFromSummaries, withSharedCmids } from "../forecast";
import { createPlanMocks, unwrapSecrets } from "./mocks";
import { captureLog, recordRegistrations, watchForStall, whenFailedAndQuiet } from "./run";
import {
  isSecretConfig,
  PlanOptions,
  effectiveLevel,
  PlannedResource,
  PlanResult,
  PlanProgram,
  STACK_TYPE,
} from "./types";
import {
  configString,
  loadProject,
  missingSecretNotice,
  placeholder,
  programFromDirectory,
  qualify,
} from "./load";
import { standInForMissingSecrets } from "./missingSecrets";
import { redact, scrub } from "./values";
import { runPolicies, selectPolicies } from "./policies";
import { agreeWithPolicies } from "./agreement";

export { effectiveLevel, isBlocking, parsePolicyConfig, secretConfig } from "./types";
export type {
  EnforcementLevel,
  PlanConfigValue,
  PlanDiagnostic,
  PlannedResource,
  PlanOptions,
  PlanPolicy,
  PlanProgram,
  PlanResult,
  PlanViolation,
  PolicyConfig,
  SecretConfig,
} from "./types";
export { loadProject, placeholder, programResult } from "./load";
export { redact } from "./values";
export { evaluatePolicies, packPolicies } from "./policies";
export type { PolicyInputResource } from "./policies";

let queue: Promise<unknown> = Promise.resolve();

/** Plans a program offline. See the file comment for what it does. */
export function plan(program: PlanProgram, options: PlanOptions = {}): Promise<PlanResult> {
  const run = queue.then(() => withoutStackCapture(() => planOnce(program, options)));
  queue = run.catch(() => undefined);
  return run;
}

/**
 * The Pulumi SDK records `new Error().stack` for every promise it creates (for its leak report), and
 * under ts-node every such stack goes through source-map-support: more than half of a large plan's time.
 * A plan has no use for those stacks, so capture is off while it runs (error messages are unchanged;
 * `KMS_PLAN_STACK_TRACES=1` keeps stacks for debugging the plan itself).
 */
async function withoutStackCapture<T>(run: () => Promise<T>): Promise<T> {
  if (process.env.KMS_PLAN_STACK_TRACES === "1") return run();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await run();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

async function planOnce(program: PlanProgram, options: PlanOptions): Promise<PlanResult> {
  const loaded = typeof program === "string" ? loadProject(program, options.stack) : undefined;
  const project = options.project ?? loaded?.project ?? "project";
  const stack = options.stack ?? loaded?.stack ?? "stack";
  const loadWarnings: string[] = [];
  const fn = loaded
    ? programFromDirectory(loaded, (m) => loadWarnings.push(m))
    : (program as () => unknown);
  const policies = selectPolicies(options.policies);

  // Config: project defaults and stack file, then the caller's.
  const config: Record<string, string> = { ...(loaded?.config ?? {}) };
  const secretKeys = new Set(loaded?.secretKeys ?? []);
  const declaredSecrets = new Set(loaded?.declaredSecrets ?? []);
  for (const [key, v] of Object.entries(options.config ?? {})) {
    const q = qualify(project, key);
    if (isSecretConfig(v) || declaredSecrets.has(q)) {
      config[q] = isSecretConfig(v) ? v.value : configString(v);
      secretKeys.add(q);
    } else {
      config[q] = configString(v);
      secretKeys.delete(q);
    }
  }
  const secrets = new Set<string>();
  for (const k of secretKeys) if (config[k]) secrets.add(config[k]);

  // Fresh mocks and monitor.
  const mocks = createPlanMocks({
    clientsPendingAtSetup: options.clientsPendingAtSetup,
    lab: options.lab,
  });
  await pulumi.runtime.setMocks(
    { newResource: (a) => mocks.newResource(a), call: (a) => mocks.call(a) },
    project,
    stack,
    options.preview ?? false,
  );
  pulumi.runtime.setAllConfig(config, [...secretKeys]);
  const recorded = recordRegistrations(mocks);
  // A required secret nobody gave is planned with the placeholder, with a notice.
  const notices: string[] = [];
  const restoreConfig = standInForMissingSecrets(
    loaded?.dir,
    (key) => config[key] !== undefined,
    (key) => {
      config[key] = placeholder(key);
      secretKeys.add(key);
      secrets.add(config[key]);
      pulumi.runtime.setAllConfig(config, [...secretKeys]);
      notices.push(missingSecretNotice(key));
    },
  );

  // Capture pulumi.log and failures that surface only as unhandled rejections.
  const { diagnostics, restore: restoreLog } = captureLog();
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on("unhandledRejection", onRejection);
  const { stalled, stop: stopStallWatch } = watchForStall();
  const cwd = process.cwd();
  let stackOutputs: Record<string, unknown> = {};
  let programError: unknown;
  let stopWatching: (() => void) | undefined;
  try {
    if (loaded) process.chdir(loaded.dir);
    // A program error is caught inside the stack so that it does not also reject every output that
    // depends on the stack (unhandled rejections); it is rethrown once the run settled.
    const run = pulumi.runtime.runInPulumiStack(async () => {
      try {
        return await fn();
      } catch (e) {
        programError = e ?? new Error("the program failed");
        return {};
      }
    });
    // With a lab, a failed step fails the deployment: what waited for it never registers (in `pulumi up`
    // the engine stops the program), so the run ends once nothing moves any more.
    const lab = options.lab;
    const ended = lab ? whenFailedAndQuiet(lab, rejections, () => recorded.length) : undefined;
    stopWatching = ended?.stop;
    const settle = <T>(p: Promise<T>): Promise<T | undefined> =>
      lab ? p.catch((e: unknown) => void rejections.push(e)) : p;
    const ends = ended ? [stalled, ended.promise] : [stalled];
    stackOutputs = ((await Promise.race([settle(run), ...ends])) ?? {}) as Record<string, unknown>;
    // Let every registration (and the stack's outputs) finish, also after a failure, so that nothing
    // of this run reaches the next one.
    const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> })
      .waitForRPCs;
    if (waitForRPCs) await Promise.race([settle(waitForRPCs()), ...ends]);
    await new Promise((r) => setImmediate(r));
  } finally {
    stopWatching?.();
    stopStallWatch();
    if (loaded) process.chdir(cwd);
    process.off("unhandledRejection", onRejection);
    restoreLog();
    restoreConfig();
  }
  if (programError !== undefined) throw programError;
  if (rejections.length > 0 && !options.lab) {
    const e = rejections[0];
    throw e instanceof Error ? e : new Error(String(e));
  }

  const done = recorded.filter((r) => r.urn !== undefined);
  for (const m of loadWarnings) diagnostics.push({ severity: "warn", message: m });
  for (const m of notices) diagnostics.push({ severity: "warn", message: m });
  if (!done.some((r) => r.type !== STACK_TYPE)) {
    diagnostics.push({ severity: "warn", message: NOTHING_DECLARED });
  }
  // Stack outputs are plain values (the Stack resource registered them); redact from the recorded copy.
  const stackRec = done.find((r) => r.type === STACK_TYPE);
  const resources: PlannedResource[] = done.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn!,
    ...(r.parent ? { parent: r.parent } : {}),
    inputs: redact(r.inputs, secrets) as Record<string, unknown>,
    custom: r.custom,
    ...(r.custom
      ? { outputs: redact(r.state ?? {}, secrets) as Record<string, unknown> }
      : r.registeredOutputs
        ? { outputs: redact(r.registeredOutputs, secrets) as Record<string, unknown> }
        : {}),
    dependencies: r.dependencies,
  }));
  const violations = await runPolicies(policies, done, options, secrets);

  const summaries = <T>(type: string): T[] =>
    done
      .filter((r) => r.type === type)
      .map((r) => unwrapSecrets(r.inputs.summary) as T)
      .filter((s) => s !== undefined && s !== null && typeof s === "object");
  const clientSummaries = summaries<KmsClientSummary>(KMS_CLIENT_TYPE);
  // VMs the program makes from one Marketplace image share a client machine ID unless rearmed.
  const vms = done
    .filter((r) => r.type === "azure-native:compute:VirtualMachine")
    .map((r) => createdVmOf(unwrapSecrets(r.inputs) as Record<string, unknown>));
  const spec = withSharedCmids(
    specFromSummaries(summaries<KmsHostSummary>(KMS_HOST_TYPE), clientSummaries),
    clientSummaries,
    vms,
  );
  const fc = forecast(agreeWithPolicies(spec, done, violations));

  return {
    project,
    stack,
    resources,
    violations,
    outputs: stackRec?.registeredOutputs
      ? (redact(stackRec.registeredOutputs, secrets) as Record<string, unknown>)
      : (redact(stackOutputs, secrets) as Record<string, unknown>),
    diagnostics: diagnostics.map((d) => ({ ...d, message: scrub(d.message, secrets) })),
    policiesRun: policies
      .filter((p) => effectiveLevel(p, options.policyConfig) !== "disabled")
      .map((p) => p.name),
    forecast: fc,
    ...(options.lab
      ? {
          deploymentErrors: [
            ...new Set(
              rejections.map((e) => scrub(e instanceof Error ? e.message : String(e), secrets)),
            ),
          ],
        }
      : {}),
  };
}

/** The diagnostic of a program that registered nothing besides its stack. */
export const NOTHING_DECLARED =
  "the program registered no resource besides its stack, so no policy had anything to check. Is the program's " +
  "entry point right (Pulumi.yaml main, package.json main), and does it declare its resources when loaded " +
  "(`export = async () => { … }` is called; a CommonJS `export default` function is not)?";

/** True when the plan has nothing besides the stack resource: no policy checked anything. */
export function isEmptyPlan(result: Pick<PlanResult, "resources">): boolean {
  return !result.resources.some((r) => r.type !== STACK_TYPE);
}
