# KMS lab: the Software Protection service (sppsvc) cmdlets. Dot-sourced by KmsLab.psm1. Sources: docs/lab.md ("Rules and their sources") and docs/sources.md.

# ---------------------------------------------------------------- sppsvc

function New-LabServiceObject($Machine) {
    $o = [pscustomobject]@{
        Name = 'sppsvc'
        ServiceName = 'sppsvc'
        DisplayName = 'Software Protection'
        Status = $Machine.sppsvc
        StartType = 'Automatic'
        CanStop = $true
        MachineName = '.'
    }
    $o.PSObject.TypeNames.Insert(0, 'System.ServiceProcess.ServiceController')
    return $o
}

function Test-LabServiceName($Cmdlet, [string[]]$Name) {
    foreach ($n in $Name) {
        if ($n -ne 'sppsvc' -and $n -ne 'Software Protection') {
            $ex = New-Object System.InvalidOperationException("Cannot find any service with service name '$n'.")
            $rec = New-Object System.Management.Automation.ErrorRecord($ex, 'NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand', 'ObjectNotFound', $n)
            Write-LabCmdletError $Cmdlet $rec
            return $false
        }
    }
    return $true
}

function Set-LabServiceState([string]$State) {
    Use-LabLock {
        $m = Read-LabMachine (Get-LabMachineName)
        if ($State -eq 'Running' -and $m.sppsvc -ne 'Running') {
            # Settings written while the service ran take effect when it starts again.
            $eff = @{}
            foreach ($k in $m.service.Keys) { $eff[$k] = $m.service[$k] }
            $m.effective = $eff
            Add-LabChange $m 'serviceRestarted'
        }
        $m.sppsvc = $State
        Save-LabMachine $m
        return $m
    }
}

function Get-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0)][Alias('ServiceName')][string[]]$Name = @('sppsvc'))
    if (-not (Test-LabServiceName $PSCmdlet $Name)) { return }
    New-LabServiceObject (Read-LabMachine (Get-LabMachineName))
}

function Stop-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)][Alias('ServiceName')][string[]]$Name, [switch]$Force, [switch]$PassThru, [switch]$NoWait)
    process {
        if (-not (Test-LabServiceName $PSCmdlet $Name)) { return }
        $m = Set-LabServiceState 'Stopped'
        if ($PassThru) { New-LabServiceObject $m }
    }
}

function Start-Service {
    # Sources: [HOST] (docs/sources.md).
    [CmdletBinding()]
    param([Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)][Alias('ServiceName')][string[]]$Name, [switch]$PassThru)
    process {
        if (-not (Test-LabServiceName $PSCmdlet $Name)) { return }
        $m = Set-LabServiceState 'Running'
        if ($PassThru) { New-LabServiceObject $m }
    }
}

function Restart-Service {
    # Sources: [HOST] (settings take effect when sppsvc restarts) (docs/sources.md).
    [CmdletBinding()]
    param([Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)][Alias('ServiceName')][string[]]$Name, [switch]$Force, [switch]$PassThru)
    process {
        if (-not (Test-LabServiceName $PSCmdlet $Name)) { return }
        [void](Set-LabServiceState 'Stopped')
        $m = Set-LabServiceState 'Running'
        if ($PassThru) { New-LabServiceObject $m }
    }
}
