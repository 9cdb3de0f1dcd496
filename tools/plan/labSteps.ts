/**
 * The lab hook's side of the mocks: a remote step as its transport carries it, what the lab returns, and
 * the error a failed step gives `pulumi up`.
 */
import { detectScript } from "./mockScripts";
import type { ScriptKind } from "./mockScripts";
import { paramsOf, strings, unwrapSecrets } from "./mockValues";
import { resultObject } from "../../components/scripts";

/** A remote step (a script run) as its transport carries it, handed to a lab that runs it. */
export interface RemoteStep {
  /** Resource type and name of the step (`<component>-setup`, `-count`, `-activate`, Office steps). */
  type: string;
  name: string;
  /** Type and name of the parent component, when there is one. */
  parentType?: string;
  parentName?: string;
  /** Which of our scripts it runs, when recognised. */
  script?: { kind: ScriptKind; role: "host" | "client" };
  transport: "runCommand" | "ssh";
  /** Run Command: the VM. */
  vm?: { resourceGroupName: string; vmName: string };
  /** SSH: where the connection goes. */
  ssh?: { host: string; port: number; user?: string };
  /**
   * Run Command: the script text and its parameters as registered (secrets unwrapped). A script by
   * reference has its `scriptUri` (and identity) here, and `script` is the text the VM downloads
   * (scriptDownload.ts fills it in before the lab runs the step).
   */
  runCommand?: {
    script: string;
    scriptUri?: string;
    scriptUriManagedIdentity?: unknown;
    parameters: { name: string; value: string }[];
    protectedParameters: { name: string; value: string }[];
  };
  /** SSH: the command line and stdin as registered (secrets unwrapped). */
  command?: { create: string; stdin: string };
}

/** What the machine gave back: exit code, standard output (as the transport keeps it), error output. */
export interface RemoteOutcome {
  exitCode: number;
  output: string;
  error: string;
}

/** A resource as the lab hook sees it: plain inputs (secrets unwrapped) and the mock state made for it. */
export interface ObservedResource {
  type: string;
  name: string;
  /** The id the mocks gave it (custom resources). */
  id?: string;
  custom: boolean;
  parentType?: string;
  parentName?: string;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
}

/**
 * Runs the remote steps of a plan somewhere real enough (the lab of `kms-plan --lab`): each Run Command
 * or remote command resource waits for `run`, and the get-invoke that reads a Run Command's result
 * answers with what it returned. A step that exits non-zero fails `pulumi up`
 * (`treatFailureAsDeploymentFailure`, or the command provider's non-zero exit): its resource never
 * completes, so nothing that depends on it runs; the hook reports the failure (`runCommandFailure`,
 * `commandFailure` word it as `pulumi up` would).
 */
export interface LabHook {
  /** Called for every registered resource (components included), before its state is returned. */
  observe?(resource: ObservedResource): void;
  run(step: RemoteStep): Promise<RemoteOutcome>;
  /**
   * Steps running now, finished so far, and failed (exited non-zero): the plan ends a failed deployment
   * once nothing moves any more.
   */
  activity?(): { running: number; finished: number; failed: number };
}

/** The script's own message from its result object, with its error code, if it printed one. */
function scriptMessage(output: string): string | undefined {
  const doc = resultObject(output);
  if (typeof doc?.message !== "string" || doc.message === "") return undefined;
  return typeof doc.errorCode === "string" && !doc.message.includes(doc.errorCode)
    ? `${doc.errorCode}: ${doc.message}`
    : doc.message;
}

/** The tail of an output for an error message (the script's own message first when it printed one). */
function failureDetail(outcome: RemoteOutcome): string {
  const message = scriptMessage(outcome.output);
  const tail = `${outcome.output}${outcome.error ? `\n${outcome.error}` : ""}`.trim();
  const lines = tail.split(/\r?\n/).slice(-12).join("\n");
  return message ? `${message}\n--- last output ---\n${lines}` : lines;
}

/** The error a failed Run Command gives `pulumi up` (treatFailureAsDeploymentFailure: true). */
export function runCommandFailure(
  name: string,
  vm: { resourceGroupName: string; vmName: string },
  outcome: RemoteOutcome,
): Error {
  return new Error(
    `Run Command "${name}" on VM ${vm.resourceGroupName}/${vm.vmName} failed with exit code ${outcome.exitCode}: ${failureDetail(outcome)}`,
  );
}

/** The error a remote command that exits non-zero gives `pulumi up` (@pulumi/command). */
export function commandFailure(
  name: string,
  ssh: { host: string; port: number },
  outcome: RemoteOutcome,
): Error {
  return new Error(
    `command "${name}" on ${ssh.host}:${ssh.port}: Process exited with status ${outcome.exitCode}: ${failureDetail(outcome)}`,
  );
}

/** The step a Run Command or remote command resource carries, for the lab hook. */
export function remoteStep(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  parent: { type?: string; name?: string },
): RemoteStep | undefined {
  const plain = unwrapSecrets(inputs) as Record<string, unknown>;
  const params = paramsOf(plain);
  const script = detectScript(name, strings(plain), parent.type, params.Role) ?? undefined;
  const base = {
    type,
    name,
    parentType: parent.type,
    parentName: parent.name,
    ...(script ? { script } : {}),
  };
  const pairs = (v: unknown): { name: string; value: string }[] =>
    Array.isArray(v)
      ? v
          .filter((p) => p && typeof p === "object" && typeof p.name === "string")
          .map((p: { name: string; value?: unknown }) => ({
            name: p.name,
            value: p.value === undefined || p.value === null ? "" : String(p.value),
          }))
      : [];
  if (type === "azure-native:compute:VirtualMachineRunCommandByVirtualMachine") {
    const source = (plain.source ?? {}) as {
      script?: unknown;
      scriptUri?: unknown;
      scriptUriManagedIdentity?: unknown;
    };
    return {
      ...base,
      transport: "runCommand",
      vm: {
        resourceGroupName: String(plain.resourceGroupName ?? ""),
        vmName: String(plain.vmName ?? ""),
      },
      runCommand: {
        script: typeof source.script === "string" ? source.script : "",
        ...(typeof source.scriptUri === "string"
          ? {
              scriptUri: source.scriptUri,
              scriptUriManagedIdentity: source.scriptUriManagedIdentity,
            }
          : {}),
        parameters: pairs(plain.parameters),
        protectedParameters: pairs(plain.protectedParameters),
      },
    };
  }
  if (type === "command:remote:Command") {
    const conn = (plain.connection ?? {}) as { host?: unknown; port?: unknown; user?: unknown };
    return {
      ...base,
      transport: "ssh",
      ssh: {
        host: String(conn.host ?? ""),
        port: typeof conn.port === "number" ? conn.port : 22,
        ...(typeof conn.user === "string" ? { user: conn.user } : {}),
      },
      command: {
        create: typeof plain.create === "string" ? plain.create : "",
        stdin: typeof plain.stdin === "string" ? plain.stdin : "",
      },
    };
  }
  return undefined;
}
