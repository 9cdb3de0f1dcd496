import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as compute from "@pulumi/azure-native/compute";
import { loadScript, parseScriptResult, scriptFailure, ScriptName, ScriptResult } from "../scripts";
import { Target } from "./targets";
import { SSH_BOOTSTRAP_COMMAND, sshStdin } from "./ssh";

/** One script run on one machine: the one place that turns a script into a Pulumi resource. */
export interface ScriptRunArgs {
  target: Target;
  script: ScriptName;
  /** Plain parameters (strings as the script's `param()` block expects them). */
  parameters: pulumi.Input<Record<string, string>>;
  /** Secret parameters (the host key): protected parameters or stdin, wrapped secret. */
  secretParameters?: Record<string, pulumi.Input<string>>;
  /**
   * How long the script may run before Azure stops it (Run Command only).
   * @default 1800
   */
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
 * transport did not (a lost exit code). 0xC004F038 is not a failure: client-setup reports it as pending.
 */
export function readResult(output: string, script: ScriptName): ScriptResult {
  const result = parseScriptResult(output, script);
  if (result.ok === false) throw scriptFailure(result);
  return result;
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
    ? runWithRunCommand(name, args, args.target.azureVm, opts)
    : runWithSsh(name, args, opts);
}

function runWithRunCommand(
  name: string,
  args: ScriptRunArgs,
  vm: {
    resourceGroupName: pulumi.Input<string>;
    vmName: pulumi.Input<string>;
    location: pulumi.Input<string>;
  },
  opts: pulumi.CustomResourceOptions,
): ScriptRun {
  const secretEntries = Object.entries(args.secretParameters ?? {});
  const runCommand = new compute.VirtualMachineRunCommandByVirtualMachine(
    name,
    {
      resourceGroupName: vm.resourceGroupName,
      vmName: vm.vmName,
      location: vm.location,
      // A fixed, readable name (no random suffix): the result is read back by this name.
      runCommandName: name,
      source: { script: loadScript(args.script) },
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
    },
    { ...opts, additionalSecretOutputs: ["protectedParameters"] },
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
      .instanceView.apply((iv) => {
        const output = iv?.output ?? "";
        const error = iv?.error ? `\n${iv.error}` : "";
        return readResult(output + error, args.script);
      }),
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
  return lazyResult(remote, () => remote.stdout.apply((stdout) => readResult(stdout, args.script)));
}
