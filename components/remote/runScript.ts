import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as compute from "@pulumi/azure-native/compute";
import { loadScript, ScriptName, ScriptResult } from "../scripts";
import { Target } from "./targets";
import { SSH_BOOTSTRAP_COMMAND, sshStdin } from "./ssh";
import { runCommandSource, withDependency } from "./scriptStore";
import { RunCommand } from "./runCommandResource";
import { readResult, readRunCommandView, resultOrPreviewUnknown } from "./runResult";

export {
  AZURE_NATIVE_EXPAND_FIX,
  readResult,
  readRunCommandView,
  resultOrPreviewUnknown,
} from "./runResult";
export type { RunCommandView } from "./runResult";

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
      parameters: parameterList(args.parameters),
      // Absent rather than undefined: each key becomes an output of the resource (undefined ones are not
      // registered, so the inputs are the same).
      ...(secretEntries.length > 0
        ? {
            protectedParameters: pulumi.secret(
              secretEntries.map(([n, value]) => ({ name: n, value })),
            ),
          }
        : {}),
      asyncExecution: false,
      treatFailureAsDeploymentFailure: true,
      timeoutInSeconds: args.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
      ...(args.tags !== undefined ? { tags: args.tags } : {}),
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
      .apply((read) =>
        resultOrPreviewUnknown(name, args.script, opts.parent, () =>
          readRunCommandView(read?.instanceView, args.script, name),
        ),
      ),
  );
}

/**
 * Run Command's `parameters` (`[{ name, value }]`) from a record. A record of plain strings gives a plain
 * list; an Output is applied once (`pulumi.output` would copy it twice first); anything else (a Promise, a
 * record holding Outputs) goes through `pulumi.output` as before, which also makes a secret value inside
 * the record make the whole list secret.
 */
function parameterList(
  parameters: pulumi.Input<Record<string, string>>,
): pulumi.Input<{ name: string; value: string }[]> {
  const toList = (p: Record<string, string>) =>
    Object.entries(p).map(([name, value]) => ({ name, value }));
  if (pulumi.Output.isInstance(parameters)) return parameters.apply(toList);
  const plain =
    parameters !== null &&
    typeof parameters === "object" &&
    !(parameters instanceof Promise) &&
    Object.values(parameters).every((v) => typeof v === "string");
  return plain
    ? toList(parameters as Record<string, string>)
    : pulumi.output(parameters).apply(toList);
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
