import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as compute from "@pulumi/azure-native/compute";
import {
  KmsScriptError,
  loadScript,
  parseScriptResult,
  scriptFailure,
  ScriptName,
  ScriptResult,
} from "../scripts";
import { Target } from "./targets";
import { SSH_BOOTSTRAP_COMMAND, sshStdin } from "./ssh";
import { runCommandSource, withDependency } from "./scriptStore";
import { RunCommand } from "./runCommandResource";

/** One script run on one machine: the one place that turns a script into a Pulumi resource. */
export interface ScriptRunArgs {
  target: Target;
  script: ScriptName;
  /** Plain parameters (strings as the script's `param()` block expects them). */
  parameters: pulumi.Input<Record<string, string>>;
  /** Secret parameters (the host key): protected parameters or stdin, wrapped secret. */
  secretParameters?: Record<string, pulumi.Input<string>>;
  /** Tags of the Run Command (Azure resources only: an SSH command is not one). */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** How long the script may run before Azure stops it (Run Command only). @default 1800 */
  timeoutSeconds?: number;
}

export interface ScriptRun {
  /** The resource that runs the script (a Managed Run Command or a remote command). */
  resource: pulumi.CustomResource;
  /** The parsed result line of the script (read on first use). Unknown during preview. */
  readonly result: pulumi.Output<ScriptResult>;
}

const DEFAULT_TIMEOUT_SECONDS = 1800;

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

/** A ScriptRun whose result is built on first use, once. */
function lazyResult(
  resource: pulumi.CustomResource,
  read: () => pulumi.Output<ScriptResult>,
): ScriptRun {
  let result: pulumi.Output<ScriptResult> | undefined;
  return {
    resource,
    get result() {
      result ??= read();
      return result;
    },
  };
}

/**
 * Runs `args.script` on the target. The resource is replaced or updated (so the script runs again) only
 * when the script text or a parameter changes; a second `pulumi up` with the same inputs changes nothing.
 * A script that exits non-zero fails the resource with the script's own message (error code, meaning, fix).
 */
export function runScript(
  name: string,
  args: ScriptRunArgs,
  opts: pulumi.CustomResourceOptions,
): ScriptRun {
  return args.target.kind === "runCommand"
    ? runWithRunCommand(name, args, args.target, opts)
    : runWithSsh(name, args, opts);
}

function runWithRunCommand(
  name: string,
  args: ScriptRunArgs,
  target: Extract<Target, { kind: "runCommand" }>,
  opts: pulumi.CustomResourceOptions,
): ScriptRun {
  const vm = target.azureVm;
  // By reference when the target has script storage: the step waits for its script's blob.
  const { source, blob } = runCommandSource(
    args.script,
    target.scripts,
    target.scriptsOwner ?? opts.parent,
  );
  const secretEntries = Object.entries(args.secretParameters ?? {});
  // azure-native's resource, registered without its 18 type aliases (runCommandResource.ts: they made
  // each step cost about 0.8 MB and 45 ms under the plan's mocks).
  const runCommand = new RunCommand(
    name,
    {
      resourceGroupName: vm.resourceGroupName,
      vmName: vm.vmName,
      location: vm.location,
      // A fixed, readable name (no random suffix): the result is read back by this name.
      runCommandName: name,
      source,
      parameters: pulumi
        .output(args.parameters)
        .apply((p) => Object.entries(p).map(([n, value]) => ({ name: n, value }))),
      protectedParameters:
        secretEntries.length > 0
          ? pulumi.secret(secretEntries.map(([n, value]) => ({ name: n, value })))
          : undefined,
      asyncExecution: false,
      treatFailureAsDeploymentFailure: true,
      timeoutInSeconds: args.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
      tags: args.tags,
    },
    {
      ...opts,
      dependsOn: blob === undefined ? opts.dependsOn : withDependency(opts.dependsOn, blob),
      additionalSecretOutputs: ["protectedParameters"],
    },
  );
  // ARM fills instanceView (exit code, output) only on a GET with $expand=instanceView, so the result is
  // read with the invoke rather than from the resource's own (often empty) instanceView output. The read
  // is made only when the result is used: a client in a threshold barrier never reads its setup result.
  return lazyResult(runCommand, () =>
    compute
      .getVirtualMachineRunCommandByVirtualMachineOutput(
        {
          resourceGroupName: vm.resourceGroupName,
          vmName: vm.vmName,
          runCommandName: runCommand.name,
          expand: "instanceView",
        },
        { parent: opts.parent, dependsOn: [runCommand] },
      )
      .instanceView.apply((iv) =>
        resultOrPreviewUnknown(name, args.script, opts.parent, () =>
          readRunCommandView(iv, args.script, name),
        ),
      ),
  );
}

function runWithSsh(
  name: string,
  args: ScriptRunArgs,
  opts: pulumi.CustomResourceOptions,
): ScriptRun {
  if (args.target.kind !== "ssh") throw new Error("runWithSsh needs an ssh target");
  const ssh = args.target.ssh;
  const remote = new command.remote.Command(
    name,
    {
      connection: {
        host: ssh.host,
        port: ssh.port ?? 22,
        // @pulumi/command defaults to "root"; a Windows account is always named explicitly.
        user: ssh.user,
        password: ssh.password === undefined ? undefined : pulumi.secret(ssh.password),
        privateKey: ssh.privateKey === undefined ? undefined : pulumi.secret(ssh.privateKey),
      },
      // The command line holds only a fixed bootstrap; script, parameters and secrets travel on stdin.
      create: SSH_BOOTSTRAP_COMMAND,
      stdin: sshStdin(loadScript(args.script), args.parameters, args.secretParameters ?? {}),
      // Windows sshd rarely accepts environment variables; PULUMI_COMMAND_* would only add warnings.
      addPreviousOutputInEnv: false,
      // Scripts never print a key, and stderr of a failed CIM call could quote an argument: log stdout only.
      logging: "stdout",
    },
    opts,
  );
  return lazyResult(remote, () =>
    remote.stdout.apply((stdout) =>
      resultOrPreviewUnknown(name, args.script, opts.parent, () => readResult(stdout, args.script)),
    ),
  );
}
