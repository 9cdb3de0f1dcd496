/**
 * Helpers for the lab tests: run small PowerShell snippets against the lab's CIM stand-ins through the
 * Run Command transport, and read their one JSON line back.
 */
import type { Lab, LabRunOutcome } from "../../tools/lab";

/** Functions every snippet can use: Get-Hr runs a block and returns "ok" or the CIM error's HRESULT. */
export const PRELUDE = String.raw`
$ErrorActionPreference = 'Stop'
function Get-Hr([scriptblock]$Block) {
    try { $null = & $Block; return 'ok' } catch {
        $ex = $_.Exception
        if ($null -ne $ex.ErrorData) { return ('0x{0:X8}' -f [uint32]$ex.ErrorData.CimInstanceProperties['error_Code'].Value) }
        return ('not a CIM error: ' + $ex.Message)
    }
}
function Get-Service0 { Get-CimInstance -ClassName SoftwareLicensingService }
function Get-Product0([string]$App = '55c92734-d682-4d71-983e-d6ec3f16059f') {
    @(Get-CimInstance -ClassName SoftwareLicensingProduct -Filter "ApplicationID='$App' AND PartialProductKey IS NOT NULL")[0]
}
`;

/** Runs `body` on the machine and parses the last line it prints as JSON. */
export async function ps<T = Record<string, unknown>>(
  lab: Lab,
  machine: string,
  body: string,
): Promise<T> {
  const outcome = await lab.run(machine, {
    transport: "runCommand",
    script: `${PRELUDE}\n${body}`,
    parameters: [],
  });
  return lastJson<T>(outcome);
}

export function lastJson<T>(outcome: LabRunOutcome): T {
  const lines = outcome.output.split(/\r?\n/).filter((l) => l.trim() !== "");
  const last = lines[lines.length - 1];
  if (last === undefined) {
    throw new Error(`no output (exit ${outcome.exitCode}): ${outcome.error}`);
  }
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`last line is not JSON (exit ${outcome.exitCode}): ${last}\n${outcome.error}`);
  }
}

/** PowerShell that makes this machine an activated KMS host with `key` (slmgr /ipk, /ato) and opens 1688. */
export function makeHost(key: string): string {
  return String.raw`
$s = Get-Service0
Invoke-CimMethod -InputObject $s -MethodName InstallProductKey -Arguments @{ ProductKey = '${key}' } | Out-Null
$p = @(Get-CimInstance SoftwareLicensingProduct -Filter "PartialProductKey IS NOT NULL" | Where-Object { $_.ProductKeyChannel -eq 'Volume:CSVLK' })[0]
Invoke-CimMethod -InputObject $p -MethodName Activate | Out-Null
Set-NetFirewallRule -Name SPPSVC-In-TCP -Enabled True -Profile Any
'{"done":true}'
`;
}

/** PowerShell that points the client at a fixed host and activates; prints { hr, status }. */
export function activateAgainst(host: string, port?: number): string {
  return String.raw`
$s = Get-Service0
Invoke-CimMethod -InputObject $s -MethodName SetKeyManagementServiceMachine -Arguments @{ MachineName = '${host}' } | Out-Null
${port === undefined ? "" : `Invoke-CimMethod -InputObject $s -MethodName SetKeyManagementServicePort -Arguments @{ PortNumber = [uint32]${port} } | Out-Null`}
$p = Get-Product0
$hr = Get-Hr { Invoke-CimMethod -InputObject $p -MethodName Activate }
$p = Get-Product0
@{ hr = $hr; status = [int]$p.LicenseStatus; interval = [int64]$p.VLActivationInterval } | ConvertTo-Json -Compress
`;
}
