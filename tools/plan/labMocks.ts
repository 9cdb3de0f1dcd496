/**
 * The mocks' side of a lab rehearsal: a registered resource is shown to the lab hook, and a remote step
 * runs in the lab, whose outcome becomes the resource's state as its transport would return it (a Run
 * Command's instance view, a command's stdout and stderr).
 */
import { remoteStep } from "./labSteps";
import type { LabHook, RemoteStep } from "./labSteps";
import { GET_RUN_COMMAND, runCommandRead } from "./mockResources";
import type { MockCallArgs, MockResourceArgs, MockRun, MockState } from "./mockResources";
import { unwrapSecrets } from "./mockValues";
import { downloadScript } from "./scriptDownload";

/** The parent component of a resource, as the plan's monitor wrapper saw it. */
export interface ParentOf {
  type: string | undefined;
  name: string | undefined;
}

/**
 * The state of a newly registered resource in a rehearsal: `made` (its mock state) once the lab has
 * run its step, if it is one, and the lab hook has observed it.
 */
export function labNewResource(
  lab: LabHook,
  run: MockRun,
  args: MockResourceArgs,
  made: MockState,
  parent: ParentOf,
): MockState | Promise<MockState> {
  const { type, name } = args;
  const observed = (): void =>
    lab.observe?.({
      type,
      name,
      ...(made.id !== undefined ? { id: made.id } : {}),
      custom: args.custom !== false,
      parentType: parent.type,
      parentName: parent.name,
      inputs: unwrapSecrets(args.inputs) as Record<string, unknown>,
      state: unwrapSecrets(made.state) as Record<string, unknown>,
    });
  const step = args.custom === false ? undefined : remoteStep(type, name, args.inputs, parent);
  if (!step) {
    observed();
    return made;
  }
  // A script by reference: the VM downloads it first (scriptDownload.ts), then runs it as it is.
  const ref = step.runCommand;
  const ready =
    ref?.scriptUri === undefined
      ? Promise.resolve(step)
      : downloadScript(run.blobs, {
          scriptUri: ref.scriptUri,
          scriptUriManagedIdentity: ref.scriptUriManagedIdentity,
        }).then((script) => ({ ...step, runCommand: { ...ref, script } }));
  // One macrotask before the step reaches the lab: registrations the program already queued (the host's
  // DNS records, which give the lab machines their domain) are observed first, as they were when each
  // step's registration took longer (before runCommandResource.ts).
  return ready
    .then((s) => new Promise<RemoteStep>((resolve) => setImmediate(() => resolve(s))))
    .then((s) => lab.run(s))
    .then((outcome) => {
      if (outcome.exitCode !== 0) {
        // The step failed `pulumi up` (the hook reports it): the engine would stop the program, so
        // nothing that waits for this resource goes on. Its registration never completes; a rejection
        // would instead surface as unhandled rejections all through the SDK.
        return new Promise<MockState>(() => undefined);
      }
      if (step.transport === "runCommand") {
        const view = {
          executionState: "Succeeded",
          executionMessage: "",
          exitCode: 0,
          output: outcome.output,
          error: outcome.error,
        };
        run.runCommands.set(`${step.vm!.vmName}/${runCommandNameOf(name, args.inputs)}`, view);
        made.state.instanceView = view;
      } else {
        // @pulumi/command keeps stdout and stderr without their last newline.
        made.state.stdout = outcome.output.replace(/\n$/, "");
        made.state.stderr = outcome.error.replace(/\n$/, "");
      }
      observed();
      return made;
    });
}

/** A Run Command read back in a rehearsal: the instance view the lab's run left; undefined if none. */
export function labCall(run: MockRun, args: MockCallArgs): Record<string, unknown> | undefined {
  if (args.token !== GET_RUN_COMMAND) return undefined;
  const plain = unwrapSecrets(args.inputs) as Record<string, unknown>;
  const view = run.runCommands.get(`${plain.vmName}/${plain.runCommandName}`);
  return view && typeof view === "object" ? runCommandRead(plain, view) : undefined;
}

function runCommandNameOf(name: string, inputs: Record<string, unknown>): string {
  const plain = unwrapSecrets(inputs) as Record<string, unknown>;
  return typeof plain.runCommandName === "string" ? plain.runCommandName : name;
}
