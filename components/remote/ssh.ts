import * as pulumi from "@pulumi/pulumi";

/**
 * The PowerShell that runs on the Windows machine over SSH. It reads one JSON document from standard
 * input ({ script, parameters }), turns the script text into a script block and calls it with the
 * parameters splatted, so that no value is ever spliced into script text or put on a command line.
 *
 * Windows OpenSSH hands the command to cmd.exe by default; `-EncodedCommand` (base64 of UTF-16LE) keeps
 * cmd.exe and PowerShell quoting out of the way. Only this fixed bootstrap is encoded; the script,
 * which is longer than cmd.exe's 8191-character line limit, and all secrets travel on stdin.
 */
export const SSH_BOOTSTRAP_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  "$ProgressPreference = 'SilentlyContinue'",
  "$raw = [Console]::In.ReadToEnd()",
  "$request = ConvertFrom-Json -InputObject $raw",
  "$block = [ScriptBlock]::Create([string]$request.script)",
  "$arguments = @{}",
  "foreach ($p in $request.parameters.PSObject.Properties) { $arguments[$p.Name] = [string]$p.Value }",
  "& $block @arguments",
  "exit 0",
].join("\n");

/** `powershell … -EncodedCommand <base64>`: the whole command line of the remote command. */
export const SSH_BOOTSTRAP_COMMAND = `powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ${Buffer.from(
  SSH_BOOTSTRAP_SCRIPT,
  "utf16le",
).toString("base64")}`;

/**
 * The stdin document for the bootstrap. It is a secret as a whole when any parameter is secret, so the
 * state keeps it encrypted; the script text alone is not secret, but is part of the same document.
 */
export function sshStdin(
  scriptText: string,
  parameters: pulumi.Input<Record<string, string>>,
  secretParameters: Record<string, pulumi.Input<string>>,
): pulumi.Output<string> {
  const all = pulumi
    .all([pulumi.output(parameters), pulumi.output(secretParameters)])
    .apply(([plain, secret]) =>
      JSON.stringify({ script: scriptText, parameters: { ...plain, ...secret } }),
    );
  return Object.keys(secretParameters).length > 0 ? pulumi.secret(all) : all;
}
