<#
.SYNOPSIS
    Rearms Windows once (slmgr /rearm) so that this machine gets a client machine ID (CMID) of its own at
    its next restart, and schedules that restart. For VMs made from one generalized image (Azure
    Marketplace images are generalized with SkipRearm=1), which share one CMID until rearmed. Safe to run
    again: it rearms a machine once.

.DESCRIPTION
    Windows PowerShell 5.1, run as an administrator (Azure Run Command runs it as SYSTEM). It uses the
    documented CIM methods (SoftwareLicensingService.ReArmWindows, Win32_OperatingSystem.LastBootUpTime)
    and shutdown.exe instead of slmgr.vbs.

    A KMS host counts distinct CMIDs, so clones that share one count as one client and never reach the
    threshold. Microsoft's fix for VMs already deployed: slmgr /rearm, restart, check that the CMID
    changed (slmgr /dlv), activate again (learn.microsoft.com, "Windows activation - duplicate Client
    Machine ID"). This script does the first step and arranges the second; client-setup.ps1, which runs
    next, checks the third and activates.

    The restart: a Run Command whose script restarts the machine at once has no reliable result (the
    handler does not run a script again after a restart, even one it did not finish). So the restart is
    scheduled RestartDelaySeconds after the script, with shutdown.exe /r /t, and the script ends first.

    The machine is rearmed once. %ProgramData%\pulumi-kms-activation\rearm.json records it:
      { "state": "restart-pending" | "done", "cmidBefore", "bootBefore", "bootBeforeTicks", "rearmedAt",
        "restartDelaySeconds", "cmidAfter" }
    A second run reads it: after the restart it checks that the CMID changed and records "done"; before
    the restart it schedules the restart again (someone may have aborted it); once "done" it does nothing.
    Deleting the file makes the next run rearm again (each rearm uses one of a finite number).

    The helpers are in files next to this one, dot-sourced below: common.ps1, licensing-service.ps1,
    client-result.ps1 and rearm-record.ps1 (the record and the check after the restart). Parameters are named only
    (PositionalBinding = $false). Everything before the last line is a log for people. The LAST line
    is one JSON object for tools. Exit code 0: rearmed and restart scheduled, or rearmed before. 1: the
    rearm or the restart failed, or the CMID did not change (the message gives the fix). 2: a parameter is
    out of range.

.EXAMPLE
    .\client-rearm.ps1 -RestartDelaySeconds 15
#>
[CmdletBinding(PositionalBinding = $false)]
param(
    [int]$RestartDelaySeconds = 15
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$ScriptName = 'client-rearm'
$SecretTexts = @()
. "$PSScriptRoot\common.ps1"
. "$PSScriptRoot\licensing-service.ps1"
. "$PSScriptRoot\client-result.ps1"
. "$PSScriptRoot\rearm-record.ps1"

# A rearm is a Windows operation: the result reports the Windows product.
$result = New-ClientResult -ApplicationId $WindowsApplicationId
$result.rearm = $null
$result.cmidBefore = $null
$result.restartScheduled = $false
$result.restartDelaySeconds = $RestartDelaySeconds
$changed = New-Object System.Collections.Generic.List[string]

$problem = Get-RangeError -Name 'RestartDelaySeconds' -Value $RestartDelaySeconds -Min 5 -Max 600 -Allowed 'a whole number of seconds from 5 to 600'
if ($null -ne $problem) {
    $result.message = $problem
    Exit-WithResult -Result $result -Changed $changed -ExitCode 2
}

function Set-WindowsClientResult {
    # The Windows product's state (slmgr /dlv) for the result; the CMID is the point of this script.
    [CmdletBinding()]
    param([Collections.IDictionary]$Result)
    $service = Get-LicensingService
    $product = Get-ClientProduct -ApplicationId $WindowsApplicationId
    if ($null -ne $product) { Set-ClientResult -Result $Result -Service $service -Product $product -IsOffice $false } else { $Result.cmid = [string]$service.ClientMachineID }
}

try {
    $service = Get-LicensingService
    $cmid = [string]$service.ClientMachineID
    $boot = Get-LastBootTime
    Write-Log -Text ('Client machine ID ' + $cmid + '; last boot ' + $boot.ToString('u') + '; rearms left ' + (Get-SppNumber -Value (Get-PropertyValue -Instance $service -Name 'RemainingWindowsReArmCount')) + '.')
    $record = Read-RearmRecord

    if ($null -ne $record -and [string]$record.state -eq 'done') {
        # Rearmed before, and the restart gave the machine its own CMID: never again.
        $result.rearm = 'done'
        $result.cmidBefore = [string]$record.cmidBefore
        Set-WindowsClientResult -Result $result
        $result.ok = $true
        $result.message = 'Rearmed before (client machine ID ' + $result.cmidBefore + ' until then, ' + $result.cmid + ' now); nothing to do.'
        Exit-WithResult -Result $result -Changed $changed -ExitCode 0
    }

    if ($null -ne $record -and [string]$record.state -eq 'restart-pending') {
        $check = Confirm-RearmRestart -Record $record -Service $service
        $result.cmidBefore = [string]$record.cmidBefore
        if ($check.State -eq 'done') {
            $result.rearm = 'done'
            Set-WindowsClientResult -Result $result
            $result.ok = $true
            $result.message = $check.Message
            Exit-WithResult -Result $result -Changed $changed -ExitCode 0
        }
        if ($check.State -eq 'unchanged') {
            $result.rearm = 'unchanged'
            Set-WindowsClientResult -Result $result
            $result.message = $check.Message
            Exit-WithResult -Result $result -Changed $changed -ExitCode 1
        }
        # Rearmed, but the machine has not restarted since: the restart was aborted or never came.
        Write-Log -Text ('Rearmed at ' + [string]$record.rearmedAt + ' but not restarted since; scheduling the restart again.')
    } else {
        # --- Rearm (slmgr /rearm) ----------------------------------------------------------------------------
        Write-Log -Text 'Rearming Windows (ReArmWindows): the new client machine ID comes with the next restart.'
        try {
            Invoke-SppMethod -InputObject $service -MethodName ReArmWindows
        } catch {
            $code = Get-ErrorCode -ErrorRecord $_
            $result.rearm = 'failed'
            $result.errorCode = $code
            $text = 'Rearming Windows failed, so this machine keeps the client machine ID ' + $cmid + ' it shares with the other machines made from its image.'
            if ($null -ne $code) { $text = $text + ' ' + (Get-ErrorDescription -Code $code) } else { $text = $text + ' ' + [string]$_.Exception.Message }
            $result.message = $text
            Set-WindowsClientResult -Result $result
            Exit-WithResult -Result $result -Changed $changed -ExitCode 1
        }
        $changed.Add('rearm')
        Save-RearmRecord -Record ([ordered]@{
                state = 'restart-pending'
                cmidBefore = $cmid
                bootBefore = $boot.ToString('u')
                bootBeforeTicks = $boot.Ticks
                rearmedAt = [DateTime]::UtcNow.ToString('u')
                restartDelaySeconds = $RestartDelaySeconds
                cmidAfter = $null
            })
    }

    # --- Restart, after this script has ended (shutdown /r /t) ---------------------------------------------
    $null = & shutdown.exe /r /t $RestartDelaySeconds /d p:4:1 /c 'pulumi-kms-activation: restart after slmgr /rearm, for a client machine ID of its own'
    $exitCode = $LASTEXITCODE
    $result.cmidBefore = $cmid
    Set-WindowsClientResult -Result $result
    if ($exitCode -eq 0 -or $exitCode -eq 1190) {
        # 1190 ERROR_SHUTDOWN_IS_SCHEDULED: a restart is already on its way, and it does the same.
        if ($exitCode -eq 0) { $changed.Add('restartScheduled') }
        $result.rearm = 'restart-pending'
        $result.restartScheduled = $true
        $result.ok = $true
        $result.message = 'Rearmed; the machine restarts in ' + $RestartDelaySeconds + ' seconds and then has a client machine ID of its own (it shares ' + $cmid + ' until then). The setup step checks it before activating.'
        Exit-WithResult -Result $result -Changed $changed -ExitCode 0
    }
    $result.rearm = 'restart-failed'
    $result.message = 'Rearmed, but the restart could not be scheduled (shutdown.exe exit code ' + $exitCode + '), and the new client machine ID comes only with a restart. Fix: restart the VM (az vm restart, or the portal), then run pulumi up again.'
    Exit-WithResult -Result $result -Changed $changed -ExitCode 1
} catch {
    Exit-WithUnexpectedFailure -Result $result -Changed $changed -ErrorRecord $_
}
