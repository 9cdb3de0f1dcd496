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
import { KMS_CLIENT_TYPE, KMS_HOST_TYPE } from "../../components/summary";
import type { KmsClientSummary, KmsHostSummary } from "../../components/summary";
import { forecast, specFromSummaries } from "../forecast";
import { createPlanMocks, unwrapSecrets } from "./mocks";
import type { LabHook } from "./mocks";
import {
  isSecretConfig,
  PlanOptions,
  effectiveLevel,
  PlannedResource,
  PlanDiagnostic,
  PlanResult,
  PlanProgram,
  Recorded,
  STACK_TYPE,
} from "./types";
import { configString, loadProject, programFromDirectory, qualify } from "./load";
import { redact, scrub } from "./values";
import { runPolicies, agreeWithPolicies, selectPolicies } from "./policies";

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

interface MonitorLike {
  registerResource(
    req: RegisterRequest,
    cb: (err: unknown, resp?: RegisterResponse) => void,
  ): unknown;
  registerResourceOutputs(
    req: { getUrn(): string; getOutputs(): unknown },
    cb: (err: unknown) => void,
  ): unknown;
}
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): unknown;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): {
    forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void;
  };
  getProvider(): string;
  getProtect?(): boolean;
  getIgnorechangesList?(): string[];
  getDeletebeforereplacedefined?(): boolean;
  getDeletebeforereplace?(): boolean;
  getAdditionalsecretoutputsList?(): string[];
}
interface RegisterResponse {
  getUrn(): string;
  getObject(): unknown;
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
  for (const [key, v] of Object.entries(options.config ?? {})) {
    const q = qualify(project, key);
    if (isSecretConfig(v)) {
      config[q] = v.value;
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
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const recorded: Recorded[] = [];
  const byUrn = new Map<string, Recorded>();
  const deserialize = (s: unknown) =>
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    pulumi.runtime.deserializeProperties(s as any, true) as Record<string, unknown>;
  const typeOfUrn = (urn: string) => urn.split("::")[2]?.split("$").pop();

  const originalRegister = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((v, k) => {
      propertyDependencies[k] = v.getUrnsList();
    });
    const rec: Recorded = {
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      parent: req.getParent() || undefined,
      inputs: deserialize(req.getObject()),
      dependencies: req.getDependenciesList(),
      propertyDependencies,
      provider: req.getProvider() || undefined,
      options: {
        protect: req.getProtect?.() ?? false,
        ignoreChanges: req.getIgnorechangesList?.() ?? [],
        deleteBeforeReplace: req.getDeletebeforereplacedefined?.()
          ? req.getDeletebeforereplace?.()
          : undefined,
        additionalSecretOutputs: req.getAdditionalsecretoutputsList?.() ?? [],
      },
    };
    recorded.push(rec);
    mocks.setParentType(
      rec.type,
      rec.name,
      rec.parent ? typeOfUrn(rec.parent) : undefined,
      rec.parent,
    );
    return originalRegister(req, (err, resp) => {
      if (!err && resp) {
        rec.urn = resp.getUrn();
        byUrn.set(rec.urn, rec);
        if (rec.custom) rec.state = deserialize(resp.getObject());
      }
      cb(err, resp);
    });
  };
  const originalOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, cb) => {
    const rec = byUrn.get(req.getUrn());
    if (rec) rec.registeredOutputs = deserialize(req.getOutputs());
    return originalOutputs(req, cb);
  };

  // Capture pulumi.log and failures that surface only as unhandled rejections.
  const diagnostics: PlanDiagnostic[] = [];
  const log = pulumi.log as unknown as Record<string, unknown>;
  const saved = { info: log.info, warn: log.warn, error: log.error };
  for (const severity of ["info", "warn", "error"] as const) {
    log[severity] = (msg: string, resource?: { __name?: string; __pulumiType?: string }) => {
      diagnostics.push({
        severity,
        message: msg,
        ...(resource?.__name
          ? { resource: `${resource.__pulumiType ?? ""}::${resource.__name}` }
          : {}),
      });
      return Promise.resolve();
    };
  }
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on("unhandledRejection", onRejection);
  // If the event loop empties while registrations still wait (a dependency cycle, an output that never
  // resolves), the run can never finish: fail instead of letting the process exit silently.
  let onStall: () => void = () => undefined;
  const stalled = new Promise<never>((_, reject) => {
    onStall = () =>
      reject(
        new Error(
          "the program's resource registrations never completed: a resource waits on a dependency that never " +
            "registers (a cycle through dependsOn on a component, or an output that never resolves)",
        ),
      );
  });
  stalled.catch(() => undefined);
  process.once("beforeExit", onStall);
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
    process.off("beforeExit", onStall);
    if (loaded) process.chdir(cwd);
    process.off("unhandledRejection", onRejection);
    Object.assign(log, saved);
  }
  if (programError !== undefined) throw programError;
  if (rejections.length > 0 && !options.lab) {
    const e = rejections[0];
    throw e instanceof Error ? e : new Error(String(e));
  }

  const done = recorded.filter((r) => r.urn !== undefined);
  for (const m of loadWarnings) diagnostics.push({ severity: "warn", message: m });
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
  const spec = specFromSummaries(
    summaries<KmsHostSummary>(KMS_HOST_TYPE),
    summaries<KmsClientSummary>(KMS_CLIENT_TYPE),
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

/**
 * Resolves once a rehearsal's deployment failed (a failed step, or a rejection) and nothing moves: no step runs in the lab
 * and neither registrations nor finished steps advanced for three checks 100 ms apart. Rejects when
 * nothing moves for 10 s without a failure (a registration that waits forever). Its timer keeps the
 * process alive, so this replaces the empty-event-loop check while it runs.
 */
function whenFailedAndQuiet(
  lab: LabHook,
  rejections: unknown[],
  registrations: () => number,
): { promise: Promise<undefined>; stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<undefined>((resolve, reject) => {
    let last = -1;
    let quiet = 0;
    timer = setInterval(() => {
      const activity = lab.activity?.() ?? { running: 0, finished: 0, failed: 0 };
      const progress = registrations() + activity.finished;
      quiet = activity.running === 0 && progress === last ? quiet + 1 : 0;
      last = progress;
      const failed = rejections.length > 0 || activity.failed > 0;
      if (failed && quiet >= 3) resolve(undefined);
      else if (quiet >= 100) {
        reject(
          new Error(
            "the program's resource registrations never completed: a resource waits on a dependency that never " +
              "registers (a cycle through dependsOn on a component, or an output that never resolves)",
          ),
        );
      }
    }, 100);
  });
  promise.catch(() => undefined);
  return { promise, stop: () => clearInterval(timer) };
}
