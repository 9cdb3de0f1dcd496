/**
 * Reading a script's result back: from a Managed Run Command's instance view or an SSH command's stdout,
 * with a failure's meaning and fix, and in a preview a saved failure as an unknown result. Used by
 * runScript.ts (which re-exports these).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  KmsScriptError,
  parseScriptResult,
  scriptFailure,
  ScriptName,
  ScriptResult,
} from "../scripts";

/**
 * A result with `ok: false` fails the deployment with the error code's meaning and fix, even where the
 * transport did not (a lost exit code); 0xC004F038 is not one (client-setup reports it as pending).
 */
export function readResult(output: string, script: ScriptName): ScriptResult {
  const result = parseScriptResult(output, script);
  if (result.ok === false) throw scriptFailure(result);
  return result;
}

/** What the Run Command get-invoke returns in `instanceView` (the fields read here). */
export interface RunCommandView {
  executionState?: string;
  executionMessage?: string;
  exitCode?: number;
  output?: string;
  error?: string;
}

/**
 * The first azure-native 3.x after July 2026, so after PR #4708 (get-invokes send `$expand=instanceView`;
 * docs/azure-notes.md): the peer range starts here, and the missing-instanceView error names it.
 */
export const AZURE_NATIVE_EXPAND_FIX = "3.24.0";

/**
 * The script's result from a Managed Run Command's instance view. A missing instance view or execution
 * state is its own error (the provider did not ask Azure for it), not a script that printed nothing; a
 * run that timed out, was canceled or is still running says so; otherwise the output (and the error
 * stream after it) is read as `readResult` does.
 */
export function readRunCommandView(
  view: RunCommandView | undefined | null,
  script: ScriptName,
  runCommandName: string,
): ScriptResult {
  const fail = (message: string): never => {
    throw new KmsScriptError(message, script, "");
  };
  if (view === undefined || view === null) {
    fail(
      `Run Command "${runCommandName}" (${script}.ps1): Azure returned the run command without its instanceView, so its execution state, exit code and output cannot be read. ` +
        `@pulumi/azure-native releases from before pulumi/pulumi-azure-native PR #4708 (May 2026) drop the expand=instanceView parameter of get-invokes (pulumi/pulumi-azure-native#4701). ` +
        `Fix: use @pulumi/azure-native ${AZURE_NATIVE_EXPAND_FIX} or later and its provider plugin (pulumi plugin ls shows the plugin in use).`,
    );
  }
  const v = view as RunCommandView;
  const state = v.executionState;
  if (state === undefined || state === null || state === "") {
    fail(
      `Run Command "${runCommandName}" (${script}.ps1): its instanceView has no executionState, so Azure has not reported whether the script ran. ` +
        `Fix: check the VM agent (Guest agent status "Ready" in the portal) and run pulumi up again; an old @pulumi/azure-native (before ${AZURE_NATIVE_EXPAND_FIX}) also returns an empty instance view.`,
    );
  }
  const tail = [v.output ?? "", v.error ? `\n${v.error}` : ""].join("");
  if (/^(Running|Pending)$/i.test(String(state))) {
    fail(
      `Run Command "${runCommandName}" (${script}.ps1) is still ${String(state).toLowerCase()} although it runs synchronously (asyncExecution false). Fix: wait until it ends (az vm run-command show --expand instanceView), then run pulumi up again.`,
    );
  }
  if (/^(TimedOut|Canceled)$/i.test(String(state))) {
    fail(
      `Run Command "${runCommandName}" (${script}.ps1) ended ${state === "TimedOut" ? "by timing out" : "canceled"}${v.executionMessage ? ` (${v.executionMessage})` : ""}; the script did not report a result. Fix: see the output below, check that the VM can reach what the script needs (activation needs outbound HTTPS to Microsoft), then run pulumi up again.\nLast output:\n${tail.trim().split(/\r?\n/).slice(-5).join("\n")}`,
    );
  }
  try {
    return readResult(tail, script);
  } catch (e) {
    if (e instanceof KmsScriptError && v.exitCode === 0 && e.message.includes(" failed: ")) {
      // The script reported a failure but its exit code was lost: Azure saved the run as a success, so
      // no later deployment retries it by itself.
      throw new KmsScriptError(
        `${e.message} Run Command "${runCommandName}" ended with exit code 0 although the script failed, so Pulumi sees nothing to retry: after fixing the cause, run pulumi up --replace with this run command's URN (it ends in ::${runCommandName}).`,
        script,
        e.outputTail,
        e.errorCode,
      );
    }
    throw e;
  }
}

/**
 * An Output that is unknown, as a preview shows values that only `pulumi up` will know: the SDK's public
 * `unknown` value, which `output()` wraps as an Output whose `isKnown` is false and whose `apply`
 * callbacks do not run.
 */
function unknownOutput<T>(): pulumi.Output<T> {
  return pulumi.output(pulumi.unknown) as unknown as pulumi.Output<T>;
}

/**
 * Reads a saved result. In `pulumi up` a failure throws the script's own message (meaning and fix). In a
 * preview, the result read back is the one of an earlier run (a failed Run Command is saved as a
 * partial resource that keeps its ID, and the next `pulumi up` runs it again): a failure there is a
 * warning and the result is unknown, so a preview after a fixed cause does not fail.
 */
export function resultOrPreviewUnknown(
  stepName: string,
  script: ScriptName,
  parent: pulumi.Resource | undefined,
  read: () => ScriptResult,
): pulumi.Output<ScriptResult> {
  try {
    return pulumi.output(read()) as pulumi.Output<ScriptResult>;
  } catch (e) {
    if (!pulumi.runtime.isDryRun()) throw e;
    pulumi.log.warn(
      `${stepName}: the saved result of the last run of ${script}.ps1 is a failure: ${(e as Error).message} ` +
        `This preview shows the step's result as unknown; pulumi up runs the script again (a failed run is retried).`,
      parent,
    );
    return unknownOutput<ScriptResult>();
  }
}
