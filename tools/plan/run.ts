/**
 * Running a program under the mock monitor: what it registers is recorded, `pulumi.log` is captured, and
 * a run that can never finish (a registration that waits forever) fails instead of hanging.
 */
import * as pulumi from "@pulumi/pulumi";
import type { LabHook, PlanMocks } from "./mocks";
import type { PlanDiagnostic, Recorded } from "./types";

/** Why a run that stopped moving failed. */
const NEVER_COMPLETED =
  "the program's resource registrations never completed: a resource waits on a dependency that never " +
  "registers (a cycle through dependsOn on a component, or an output that never resolves)";

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

/** Plain values of a serialized property map (secrets kept as secret envelopes). */
const deserialize = (s: unknown) =>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  pulumi.runtime.deserializeProperties(s as any, true) as Record<string, unknown>;
const typeOfUrn = (urn: string) => urn.split("::")[2]?.split("$").pop();

/**
 * Wraps the mock monitor so that every registration is recorded (inputs, options, then its URN and
 * state) and a component's `registerOutputs` lands on its record. Returns the list it fills.
 */
export function recordRegistrations(mocks: Pick<PlanMocks, "setParentType">): Recorded[] {
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const recorded: Recorded[] = [];
  const byUrn = new Map<string, Recorded>();

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
  return recorded;
}

/** Captures `pulumi.log` as diagnostics until `restore()`. */
export function captureLog(): { diagnostics: PlanDiagnostic[]; restore: () => void } {
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
  return { diagnostics, restore: () => Object.assign(log, saved) };
}

/**
 * If the event loop empties while registrations still wait (a dependency cycle, an output that never
 * resolves), the run can never finish: `stalled` rejects instead of letting the process exit silently.
 */
export function watchForStall(): { stalled: Promise<never>; stop: () => void } {
  let onStall: () => void = () => undefined;
  const stalled = new Promise<never>((_, reject) => {
    onStall = () => reject(new Error(NEVER_COMPLETED));
  });
  stalled.catch(() => undefined);
  process.once("beforeExit", onStall);
  return { stalled, stop: () => process.off("beforeExit", onStall) };
}

/**
 * Resolves once a rehearsal's deployment failed (a failed step, or a rejection) and nothing moves: no step runs in the lab
 * and neither registrations nor finished steps advanced for three checks 100 ms apart. Rejects when
 * nothing moves for 10 s without a failure (a registration that waits forever). Its timer keeps the
 * process alive, so this replaces the empty-event-loop check while it runs.
 */
export function whenFailedAndQuiet(
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
        reject(new Error(NEVER_COMPLETED));
      }
    }, 100);
  });
  promise.catch(() => undefined);
  return { promise, stop: () => clearInterval(timer) };
}
