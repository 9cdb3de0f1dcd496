# KMS lab: Start-Sleep and Invoke-WebRequest (time and network), and time passing (Lab.advance). Dot-sourced by KmsLab.psm1. Sources: docs/lab.md ("Rules and their sources") and docs/sources.md.

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

# ---------------------------------------------------------------- time passes (Lab.advance)

function Get-LabNextAttempt($Machine, $Product) {
    # When a KMS client product asks its KMS next, by itself: not licensed, one activation interval after
    # its last attempt (or after the machine was created); licensed, one renewal interval after the later
    # of its licence and its last attempt. Host keys, MAKs and products without a key never ask. $null: never.
    if ($Product.channel -ne 'Volume:GVLK' -or $null -eq $Product.partialKey) { return $null }
    if ($null -ne $Machine.pendingRestart -or [bool]$Machine.rearmPending) { return $null }
    $last = ConvertFrom-LabTime $Product.lastAttempt
    if ([int]$Product.licenseStatus -eq 1) {
        $since = ConvertFrom-LabTime $Product.licensedAt
        if ($null -eq $since) { $since = ConvertFrom-LabTime $Machine.created }
        if ($null -ne $last -and $last -gt $since) { $since = $last }
        # [PLAN] a client renews every renewal interval (the catalog's default, 7 days).
        $renewal = [int](Get-LabActivation 'defaultRenewalIntervalMinutes')
        if ($null -ne $Product.vlRenewalInterval) { $renewal = [int]$Product.vlRenewalInterval }
        # The licence's end, when it comes before the renewal: the client falls to grace and asks then.
        $end = Get-LabKmsExpiry $Product
        if ($null -ne $end -and $end -lt $since.AddMinutes($renewal)) { return $end }
        return $since.AddMinutes($renewal)
    }
    if ($null -eq $last) { $last = ConvertFrom-LabTime $Machine.created }
    # [PLAN] an unactivated client asks again every activation interval (the catalog's default, 2 hours).
    $interval = [int](Get-LabActivation 'defaultActivationIntervalMinutes')
    if ($null -ne $Product.vlActivationInterval) { $interval = [int]$Product.vlActivationInterval }
    return $last.AddMinutes($interval)
}

function Invoke-LabAdvance([double]$Minutes) {
    # Replays, in time order, what the machines do on their own during $Minutes of lab time, all machines
    # held in memory under the lab lock, then moves the lab clock.
    Use-LabLock {
        $start = Get-LabNow
        $end = $start.AddMinutes($Minutes)
        $script:MachineCache = @{}
        $queue = New-Object 'System.Collections.Generic.PriorityQueue[object,DateTime]'
        try {
            foreach ($name in @(Get-LabMachineNames)) {
                $m = Read-LabMachine $name
                foreach ($p in $m.products) {
                    $t = Get-LabNextAttempt $m $p
                    if ($null -ne $t -and $t -le $end) { $queue.Enqueue(@($m, $p), $t) }
                }
            }
            $item = $null
            $when = [DateTime]::MinValue
            while ($queue.TryDequeue([ref]$item, [ref]$when)) {
                if ($when -lt $start) { $when = $start }
                $script:LabClock = $when
                $m = $item[0]
                $p = $item[1]
                [void](Update-LabKmsExpiry $m $when)
                $r = Invoke-LabKmsActivation $m $p
                $p.lastAttempt = $when.ToString('o')
                $p.lastResult = $(if ($null -eq $r) { 'ok' } else { ConvertTo-LabHResultText $r })
                if ($null -ne $r) { $m.lastActivationError = ConvertTo-LabHResultText $r }
                # The machine's own attempt is its latest word: errorCode (the last run's error) follows it.
                if ($p.kind -eq 'windows' -and $null -ne $m.lastRun) {
                    $m.lastRun.errorCode = $(if ($null -eq $r) { $null } else { ConvertTo-LabHResultText $r })
                }
                $next = Get-LabNextAttempt $m $p
                if ($null -ne $next -and $next -le $end) { $queue.Enqueue(@($m, $p), $next) }
            }
        } finally {
            $script:LabClock = $null
            $cache = $script:MachineCache
            $script:MachineCache = $null
            foreach ($m in $cache.Values) { Save-LabMachine $m }
        }
        $n = Read-LabNetwork
        $offset = 0
        if ($null -ne $n.conditions.clockOffsetMinutes) { $offset = [double]$n.conditions.clockOffsetMinutes }
        $n.conditions.clockOffsetMinutes = $offset + $Minutes
        Save-LabNetwork $n
    }
}
