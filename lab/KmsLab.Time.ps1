# KMS lab: Start-Sleep and Invoke-WebRequest (time and network). Dot-sourced by KmsLab.psm1. Sources: docs/lab.md ("Rules and their sources") and docs/sources.md.

# ---------------------------------------------------------------- time and network

function Start-Sleep {
    # Lab time does not wait: the seconds are added to the machine's record (sleptSeconds).
    [CmdletBinding(DefaultParameterSetName = 'Seconds')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'Seconds')][double]$Seconds,
        [Parameter(ParameterSetName = 'Milliseconds')][Alias('ms')][int]$Milliseconds,
        [Parameter(ParameterSetName = 'FromTimeSpan')][timespan]$Duration
    )
    $s = $Seconds
    if ($PSCmdlet.ParameterSetName -eq 'Milliseconds') { $s = $Milliseconds / 1000.0 }
    if ($PSCmdlet.ParameterSetName -eq 'FromTimeSpan') { $s = $Duration.TotalSeconds }
    Use-LabLock {
        $m = Read-LabMachine (Get-LabMachineName)
        $m.sleptSeconds = [double]$m.sleptSeconds + $s
        Save-LabMachine $m
    }
}

function Invoke-WebRequest {
    # The lab has no internet: downloads fail as an unreachable name does on Windows.
    [CmdletBinding()]
    param([Parameter(Position = 0)][uri]$Uri, [string]$OutFile, [switch]$UseBasicParsing, [string]$Method)
    $ex = New-Object System.Net.WebException('The remote name could not be resolved: ''' + $Uri.Host + '''', [System.Net.WebExceptionStatus]::NameResolutionFailure)
    $rec = New-Object System.Management.Automation.ErrorRecord($ex, 'WebCmdletWebResponseException,Microsoft.PowerShell.Commands.InvokeWebRequestCommand', 'InvalidOperation', $Uri)
    Write-LabCmdletError $PSCmdlet $rec
}
