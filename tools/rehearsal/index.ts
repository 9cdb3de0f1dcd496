/**
 * Deployment rehearsal (`kms-plan --lab`): plans a program as `plan()` does, but as an update, and runs
 * every remote step it registers in the lab (tools/lab, a simulation of Windows licensing) instead of
 * giving it a mock result.
 *
 * - One lab machine per target: an Azure VM (resource group + VM name) or an SSH host. Its role, OS and
 *   Office product come from what the program registered: the KmsHost / KmsClient summaries, and the
 *   image of a VM the program creates.
 * - Steps run when the SDK would send them to the engine: after their dependencies, with their registered
 *   parameters, passed as their transport passes them. Their output comes back as the transport returns
 *   it (Managed Run Command keeps the last 4,096 bytes; the result is read with the get-invoke), so the
 *   components' outputs, the threshold barrier (`<host>-count`) and the `<client>-activate` steps follow
 *   as in `pulumi up`. A step that exits non-zero fails its resource and what depends on it.
 * - The lab's DNS gets the `_vlmcs._tcp` SRV records and A records the program registers, and the names
 *   clients reach a host by (its VM name, address, `fqdn`).
 * - With a state directory the machines stay between rehearsals, and so do the steps' inputs: as the
 *   engine does, a step whose inputs did not change is not run again (its last result is read back).
 * - `KmsHost.externalClients` (machines outside the stack that count) become lab machines that ask the
 *   host right after its setup, as clients already pointed at it would at their next attempt.
 *
 * A required secret that kms-plan cannot read (`secure:` config, or none) is planned with a placeholder;
 * for a host key (or Office host key, or Volume License Pack location) the rehearsal hands the lab's
 * own stand-in for the host's key group instead. A value the user gave is passed as given.
 *
 * Files: types.ts (the lab's interface, options, report), lab.ts (opening tools/lab), observed.ts (what
 * the program registers), session.ts (the lab hook: the steps), machines.ts (the lab machines and the
 * names hosts are reached by), requests.ts (a step as the lab takes it), externals.ts (externalClients),
 * results.ts (result lines, kept steps), naming.ts (machine names and products), report.ts (rows and
 * text).
 */
import * as fs from "fs";
import * as path from "path";
import { plan } from "../plan";
import type { PlanOptions, PlanProgram } from "../plan";
import { LabStartError, openLab } from "./lab";
import { readSteps, writeSteps } from "./results";
import type { StoredStep } from "./results";
import { Rehearsal } from "./session";
import type { LabLike, RehearsalOptions, RehearsalResult } from "./types";
import { clientVerdicts, judgeMachines, ourHostTest, recordingLab } from "./verdicts";
import { hostVms, replacedHostVms, replacementWarning } from "../plan/hostVms";
import type { HostVm } from "../plan/hostVms";

const HOST_VMS_FILE = "rehearsal-host-vms.json";

/** The host VMs of the last rehearsal with this state, to tell a replaced one (none: []). */
function readHostVms(stateDir: string | undefined): HostVm[] {
  if (!stateDir) return [];
  try {
    const doc = JSON.parse(fs.readFileSync(path.join(stateDir, HOST_VMS_FILE), "utf8")) as unknown;
    return Array.isArray(doc) ? (doc as HostVm[]) : [];
  } catch {
    return [];
  }
}

export { formatRehearsal } from "./report";
export { resultLine } from "./results";
export { hostProduct } from "./naming";
export { LabStartError, labVolumeLicensePack, openLab, temporaryStateDir } from "./lab";
export type {
  LabClientVerdict,
  LabLike,
  LabMachineSpec,
  LabMachineState,
  LabReport,
  LabRunRequest,
  LabSrvEntry,
  MicrosoftActivation,
  RehearsalConditions,
  RehearsalFailure,
  RehearsalMachine,
  RehearsalOptions,
  RehearsalResult,
  RehearsalStep,
} from "./types";

/**
 * After a failed deployment, what waited for the failed step never settles (the engine would stop the
 * program). The SDK reports such promises as leaks when the process exits; they are expected here.
 */
function forgetStrandedPromises(): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
      leakedPromises?: () => unknown;
    };
    debuggable.leakedPromises?.();
  } catch {
    // an SDK without it: the leak report stays
  }
}

/**
 * Plans `program` as an update and rehearses its remote steps in the lab (see the file comment).
 * The plan's policies run as in `plan()`; their violations do not stop the rehearsal.
 */
export async function rehearse(
  program: PlanProgram,
  options: RehearsalOptions = {},
  planOptions: Omit<PlanOptions, "lab" | "preview" | "clientsPendingAtSetup"> = {},
): Promise<RehearsalResult> {
  const stateDir = options.stateDir ? path.resolve(options.stateDir) : undefined;
  if (stateDir) fs.mkdirSync(stateDir, { recursive: true });
  // The lab (a pwsh process) starts while the program is loaded and planned.
  const opening: Promise<LabLike> = options.lab
    ? Promise.resolve(options.lab)
    : openLab({
        ...(stateDir ? { stateDir } : {}),
        ...(options.pwsh ? { pwsh: options.pwsh } : {}),
      });
  // The names the rehearsal gives the lab's DNS: to tell our hosts from Azure's KMS in the verdicts.
  const names = new Map<string, string>();
  const recorded = opening.then((lab) => recordingLab(lab, names));
  const conditions = {
    images: options.images,
    ...(options.sharedCmid !== undefined ? { sharedCmid: options.sharedCmid } : {}),
    microsoftActivation: options.microsoftActivation ?? "up",
    ...(options.domain ? { domain: options.domain } : {}),
    ...(options.vmIdentity ? { vmIdentity: true } : {}),
  };
  const next: Record<string, StoredStep> = {};
  const rehearsal = new Rehearsal(recorded, conditions, readSteps(stateDir), next);
  try {
    const result = await plan(program, { ...planOptions, preview: false, lab: rehearsal.hook });
    try {
      await rehearsal.ready;
    } catch (e) {
      forgetStrandedPromises();
      throw new LabStartError(e instanceof Error ? e.message : String(e));
    }
    await rehearsal.settle();
    await rehearsal.retryExternals();
    if (options.afterMinutes) await rehearsal.advance(options.afterMinutes);
    const deploymentErrors = [...rehearsal.failureErrors, ...(result.deploymentErrors ?? [])];
    if (deploymentErrors.length > 0) forgetStrandedPromises();
    const states = await rehearsal.lab.machines();
    const rows = await rehearsal.report();
    const ours = ourHostTest(
      names,
      new Set(rows.filter((m) => m.role === "host").map((m) => m.name)),
    );
    const machines = judgeMachines(rows, states, ours);
    // A host VM this update replaces spends one activation of the host key (plan/hostVms.ts).
    const vmsNow = hostVms(result.resources);
    const replaced = replacedHostVms(readHostVms(stateDir), vmsNow).map(replacementWarning);
    if (stateDir) {
      // Steps not registered this time keep their last inputs (the engine would delete them).
      writeSteps(stateDir, next);
      fs.writeFileSync(path.join(stateDir, HOST_VMS_FILE), JSON.stringify(vmsNow, null, 2));
    }
    return {
      ...result,
      lab: {
        machines,
        clients: clientVerdicts(result.forecast, machines, states, ours),
        steps: rehearsal.steps,
        failures: rehearsal.failures,
        deploymentErrors,
        warnings: [...replaced, ...rehearsal.warnings],
        conditions: {
          images: conditions.images ?? "marketplace",
          sharedCmid: conditions.sharedCmid ?? true,
          microsoftActivation: conditions.microsoftActivation,
          ...(conditions.domain ? { domain: conditions.domain } : {}),
          ...(conditions.vmIdentity ? { vmIdentity: true } : {}),
        },
        ...(stateDir ? { stateDir } : {}),
        ...(options.afterMinutes ? { afterMinutes: options.afterMinutes } : {}),
      },
    };
  } finally {
    if (!options.lab) await opening.then((lab) => lab.close()).catch(() => undefined);
  }
}
