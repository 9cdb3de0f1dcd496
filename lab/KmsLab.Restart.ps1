# KMS lab: Win32_OperatingSystem, restarts and shutdown.exe. Dot-sourced by KmsLab.psm1. Sources: docs/lab.md ("Rules and their sources") and docs/sources.md.

# ---------------------------------------------------------------- Win32_OperatingSystem and restarts

function Get-LabOperatingSystemInstance($Machine) {
    # Sources: [KB929828] (restarts) (docs/sources.md).
    # The few Win32_OperatingSystem properties a script reads; LastBootUpTime moves with each restart.
    # CIM hands DATETIME values to PowerShell as local-time DateTime values.
    $bootText = [string]$Machine.bootTime
    if ($bootText -eq '') { $bootText = [string]$Machine.created }
    $boot = [DateTime]::Parse($bootText, $null, [System.Globalization.DateTimeStyles]::RoundtripKind)
    $build = ([string]$Machine.osBuild).Split('.')
    $p = [ordered]@{
        Name = ('Microsoft ' + $Machine.os + '|C:\Windows|\Device\Harddisk0\Partition2')
        Caption = ('Microsoft ' + $Machine.os)
        Version = ($build[0] + '.' + $build[1] + '.' + $build[2])
        BuildNumber = $build[2]
        CSName = ([string]$Machine.name).ToUpperInvariant()
        LastBootUpTime = $boot.ToLocalTime()
        LocalDateTime = (Get-LabNow).ToLocalTime()
    }
    return (New-LabCimObject 'Win32_OperatingSystem' 'Name' $p.Name $p @{ LastBootUpTime = 'DateTime'; LocalDateTime = 'DateTime' })
}

function Complete-LabRestart($Machine) {
    # Sources: [AZ-CMID], [KB929828] (docs/sources.md).
    # A restart: a new boot time, sppsvc running with the settings written before it, and a pending rearm
    # done: the machine gets a new client machine ID and the licensing state a rearm resets ("All licensing
    # and registry data related to activation is either removed or reset. Also, any grace period timers are
    # reset": Microsoft, KB 929828). Returns $true when the machine restarted.
    # The machine boots when the restart was due (the lab's clock does not wait for it), or now if later.
    $boot = Get-LabNow
    if ($null -ne $Machine.pendingRestart -and -not [string]::IsNullOrEmpty([string]$Machine.pendingRestart.at)) {
        $due = [DateTime]::Parse([string]$Machine.pendingRestart.at, $null, [System.Globalization.DateTimeStyles]::RoundtripKind)
        if ($due -gt $boot) { $boot = $due }
    }
    $Machine.pendingRestart = $null
    $Machine.bootTime = $boot.ToString('o')
    $Machine.restarts = [int]$Machine.restarts + 1
    $Machine.sppsvc = 'Running'
    $eff = @{}
    foreach ($k in $Machine.service.Keys) { $eff[$k] = $Machine.service[$k] }
    $Machine.effective = $eff
    if ([bool]$Machine.rearmPending) {
        $Machine.rearmPending = $false
        $Machine.cmid = Get-LabDeterministicGuid ('lab-cmid|' + $Machine.name + '|rearm|' + $Machine.rearmCount)
        foreach ($p in @($Machine.products)) {
            if ($p.kind -ne 'windows' -or $p.channel -eq 'Volume:CSVLK' -or $null -eq $p.partialKey) { continue }
            $p.licenseStatus = 2
            $p.licenseStatusReason = $script:GraceReason
            $p.grace = $script:OobGraceMinutes
            $p.discoveredName = $null
            $p.discoveredPort = $null
            $p.discoveredAddress = $null
            $p.vlActivationInterval = $null
            $p.vlRenewalInterval = $null
        }
        $Machine.activatedBy = $null
    }
}

function Update-LabPendingRestart([string]$Name) {
    # Sources: [RC-REBOOT], [VA-TIMING] (docs/sources.md).
    # A restart shutdown.exe scheduled has happened by the time the lab is asked about the machine again
    # (its next script, or its state), unless the lab's conditions hold restarts back (pendingRestarts
    # "held": the next step arrives before the restart, or someone aborted it). So has the end of a KMS
    # licence that the lab clock passed (Update-LabKmsExpiry).
    $n = Read-LabNetwork
    $held = ([string]$n.conditions.pendingRestarts -eq 'held')
    Use-LabLock {
        if (-not (Test-LabMachine $Name)) { return }
        $m = Read-LabMachine $Name
        $changed = Update-LabKmsExpiry $m (Get-LabNow)
        if ($null -ne $m.pendingRestart -and -not $held) { Complete-LabRestart $m; $changed = $true }
        if ($changed) { Save-LabMachine $m }
    }
}

function shutdown.exe {
    # Sources: [SHUTDOWN] (docs/sources.md).
    # shutdown.exe as the scripts call it (learn.microsoft.com, windows-commands/shutdown): /r restarts,
    # /t <seconds> delays it (0 to 315360000), /c <comment> and /d <reason> are recorded, /a aborts a
    # scheduled shutdown. Exit codes are Win32 errors: 0, 1190 ERROR_SHUTDOWN_IS_SCHEDULED (one is already
    # scheduled), 1116 ERROR_NO_SHUTDOWN_IN_PROGRESS (/a with none scheduled), 87 ERROR_INVALID_PARAMETER.
    # The restart itself happens after the script has ended (Update-LabPendingRestart).
    $restart = $false
    $abort = $false
    $delay = 30
    $comment = $null
    for ($i = 0; $i -lt $args.Count; $i++) {
        $a = ([string]$args[$i]).ToLowerInvariant() -replace '^-', '/'
        switch ($a) {
            '/r' { $restart = $true }
            '/a' { $abort = $true }
            '/f' { }
            '/t' { $i++; $delay = [int64]$args[$i] }
            '/c' { $i++; $comment = [string]$args[$i] }
            '/d' { $i++ }
            default { $global:LASTEXITCODE = 87; Write-Output ('Invalid parameter: ' + $args[$i]); return }
        }
    }
    if ($abort) {
        $code = Use-LabLock {
            $m = Read-LabMachine (Get-LabMachineName)
            if ($null -eq $m.pendingRestart) { return 1116 }
            $m.pendingRestart = $null
            Save-LabMachine $m
            return 0
        }
        $global:LASTEXITCODE = $code
        if ($code -ne 0) { [Console]::Error.WriteLine('Unable to abort the system shutdown because no shutdown was in progress.(1116)') }
        return
    }
    if (-not $restart -or $delay -lt 0 -or $delay -gt 315360000) { $global:LASTEXITCODE = 87; return }
    $code = Use-LabLock {
        $m = Read-LabMachine (Get-LabMachineName)
        if ($null -ne $m.pendingRestart) { return 1190 }
        $m.pendingRestart = @{ at = (Get-LabNow).AddSeconds($delay).ToString('o'); comment = $comment }
        Add-LabChange $m 'restartScheduled'
        Save-LabMachine $m
        return 0
    }
    $global:LASTEXITCODE = $code
    if ($code -ne 0) { [Console]::Error.WriteLine('A system shutdown has already been scheduled.(1190)') }
}
