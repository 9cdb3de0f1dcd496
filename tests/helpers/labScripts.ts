/**
 * Running the shipped scripts in the lab as the components run them: the text `loadScript` gives (helpers
 * inlined), the parameters the real builders give, passed as Managed Run Command passes them (named
 * parameters and protected parameters, values cut at a space) or as the SSH bootstrap passes them.
 *
 * `KMS_SCRIPTS_DIR=<folder>` runs the scenarios against other copies of the scripts (e.g. an older commit's
 * `components/scripts`, to see a scenario fail before its fix): `loadScriptFrom(<folder>, name)`.
 */
import type { Lab, LabRunOutcome } from "../../tools/lab";
import { SSH_BOOTSTRAP_COMMAND } from "../../components/remote/ssh";
import {
  ClientResult,
  HostResult,
  ScriptName,
  ScriptParameters,
  ScriptResult,
  loadScript,
  loadScriptFrom,
  parseScriptResult,
} from "../../components/scripts";
import { ps } from "./lab";

/** The script text a transport sends (or the copy in $KMS_SCRIPTS_DIR). */
export function scriptText(name: ScriptName): string {
  const dir = process.env.KMS_SCRIPTS_DIR;
  return dir ? loadScriptFrom(dir, name) : loadScript(name);
}

export interface ScriptRun<R extends ScriptResult = ScriptResult> {
  outcome: LabRunOutcome;
  /** The result as the components read it (parseScriptResult); throws when there is none. */
  result: R;
}

const asList = (p: Record<string, string>) =>
  Object.entries(p).map(([name, value]) => ({ name, value }));

/** Runs a script through Managed Run Command with the built parameters (+ secret ones, protected). */
export async function runCommand<R extends ScriptResult = ScriptResult>(
  lab: Lab,
  machine: string,
  script: ScriptName,
  built: ScriptParameters | Record<string, string>,
  secrets: Record<string, string> = {},
): Promise<ScriptRun<R>> {
  const parameters = "parameters" in built ? (built as ScriptParameters).parameters : built;
  const outcome = await lab.run(machine, {
    transport: "runCommand",
    script: scriptText(script),
    parameters: asList(parameters as Record<string, string>),
    protectedParameters: asList(secrets),
  });
  return withResult<R>(outcome, script);
}

/** Runs a script through the SSH bootstrap, parameters and secrets on stdin. */
export async function runSsh<R extends ScriptResult = ScriptResult>(
  lab: Lab,
  machine: string,
  script: ScriptName,
  built: ScriptParameters,
  secrets: Record<string, string> = {},
): Promise<ScriptRun<R>> {
  const outcome = await lab.run(machine, {
    transport: "ssh",
    command: SSH_BOOTSTRAP_COMMAND,
    stdin: JSON.stringify({
      script: scriptText(script),
      parameters: { ...built.parameters, ...secrets },
    }),
  });
  return withResult<R>(outcome, script);
}

function withResult<R extends ScriptResult>(
  outcome: LabRunOutcome,
  script: ScriptName,
): ScriptRun<R> {
  let parsed: R | undefined;
  return {
    outcome,
    get result(): R {
      parsed ??= parseScriptResult(`${outcome.output}\n${outcome.error}`, script) as R;
      return parsed;
    },
  };
}

export type HostRun = ScriptRun<HostResult>;
export type ClientRun = ScriptRun<ClientResult>;

export interface FirewallRule {
  name: string;
  enabled: boolean;
  localPort: string;
  program: string;
}

/** The machine's inbound firewall rules for KMS: the built-in one and those of our group. */
export async function kmsFirewallRules(lab: Lab, machine: string): Promise<FirewallRule[]> {
  const r = await ps<{ rules: FirewallRule[] }>(
    lab,
    machine,
    String.raw`
$rules = @(Get-NetFirewallRule | Where-Object { $_.Name -eq 'SPPSVC-In-TCP' -or $_.Name -like 'KMS-TCP-*' } | ForEach-Object {
    [ordered]@{ name = $_.Name; enabled = ([string]$_.Enabled -eq 'True'); localPort = [string]($_ | Get-NetFirewallPortFilter).LocalPort; program = [string]($_ | Get-NetFirewallApplicationFilter).Program }
})
@{ rules = $rules } | ConvertTo-Json -Compress -Depth 4
`,
  );
  return [...(r.rules ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
