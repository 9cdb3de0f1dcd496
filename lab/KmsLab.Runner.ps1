# KMS lab: requests from the TypeScript Lab (tools/lab) and how each transport runs a script.
# Dot-sourced by KmsLab.psm1; lab/server.ps1 calls Invoke-LabRequest once per JSON request line.

function ConvertTo-LabQuoted([string]$Text) {
    return ("'" + $Text.Replace("'", "''") + "'")
}

function Get-LabRunCommandTokens($Parameters) {
    # Managed Run Command hands the script its parameters as "-Name value" on one command line, without
    # quoting, so a value is cut at its first space and the rest become further (positional) arguments
    # (Azure/azure-powershell#7269, Azure/azure-cli#25042). An empty value leaves the bare "-Name".
    $tokens = New-Object System.Collections.Generic.List[string]
    foreach ($p in @($Parameters)) {
        if ($null -eq $p) { continue }
        $tokens.Add('-' + [string]$p.name)
        $value = [string]$p.value
        foreach ($part in ($value -split '\s+')) { if ($part -ne '') { $tokens.Add($part) } }
    }
    return $tokens
}

function Get-LabInvocationText([string]$File, $Tokens) {
    # The command line as powershell.exe -File binds it: "-Name" tokens are parameter names, every
    # other token is a string argument.
    $parts = New-Object System.Collections.Generic.List[string]
    $parts.Add('& ' + (ConvertTo-LabQuoted $File))
    foreach ($t in $Tokens) {
        if ($t -match '^-[A-Za-z_][A-Za-z0-9_]*:?$') { $parts.Add($t) } else { $parts.Add((ConvertTo-LabQuoted $t)) }
    }
    return ($parts -join ' ')
}

function Start-LabRun([string]$Script) {
    Use-LabLock {
        $m = Read-LabMachine (Get-LabMachineName)
        $m.lastRun = @{ changed = @(); errorCode = $null; script = $Script }
        Save-LabMachine $m
    }
}

function Get-LabScriptLabel([string]$Text) {
    # For the machine's record only: the project's scripts name themselves in $ScriptName.
    $m = [regex]::Match($Text, '(?m)^\$ScriptName\s*=\s*''([\w.-]+)''')
    if ($m.Success) { return ($m.Groups[1].Value + '.ps1') }
    $m = [regex]::Match($Text, '^\s*#\s*([\w.-]+\.ps1)')
    if ($m.Success) { return $m.Groups[1].Value }
    return $null
}

function Invoke-LabRun($Request) {
    $dir = [System.IO.Path]::Combine((Get-LabStateDir), 'tmp')
    [void][System.IO.Directory]::CreateDirectory($dir)
    # Each machine has its own %ProgramData% and %TEMP% under <state>/fs/<machine>/ (the scripts keep a
    # file there); the server sets them for the run.
    $root = [System.IO.Path]::Combine((Get-LabStateDir), 'fs', (Get-LabMachineName).ToLowerInvariant())
    $programData = [System.IO.Path]::Combine($root, 'ProgramData')
    $temp = [System.IO.Path]::Combine($root, 'Temp')
    [void][System.IO.Directory]::CreateDirectory($programData)
    [void][System.IO.Directory]::CreateDirectory($temp)
    $envVars = @{ ProgramData = $programData; ALLUSERSPROFILE = $programData; TEMP = $temp; TMP = $temp; COMPUTERNAME = (Get-LabMachineName).ToUpperInvariant() }
    $call = $Request.call
    # One file per distinct script text, kept: PowerShell caches a parsed script by path and content,
    # so 300 clients running the same script parse it once.
    $text = [string]$call.script
    if ($call.transport -eq 'ssh') { $text = [string]$call.command }
    $sha = [System.Security.Cryptography.SHA256]::Create()
    $hash = -join ($sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($text)) | Select-Object -First 12 | ForEach-Object { $_.ToString('x2') })
    $sha.Dispose()
    $file = [System.IO.Path]::Combine($dir, ('script-' + $hash + '.ps1'))
    try {
        if ($call.transport -eq 'runCommand') {
            Start-LabRun (Get-LabScriptLabel ([string]$call.script))
            # Run Command writes the script to a file and runs it with powershell -File (UTF-8 with BOM,
            # as Windows PowerShell 5.1 needs to read non-ASCII text).
            Write-LabScriptFile $file ([string]$call.script)
            $tokens = Get-LabRunCommandTokens (@($call.parameters) + @($call.protectedParameters))
            # try/catch: a parameter binding error (the script never starts) ends powershell -File with
            # exit code 1, as any terminating error does; 'exit N' is not caught by catch.
            return @{ invoke = ('try { ' + (Get-LabInvocationText $file $tokens) + ' *>&1 } catch { throw }'); file = $null; stdin = ''; env = $envVars }
        }
        if ($call.transport -eq 'ssh') {
            $m = [regex]::Match([string]$call.command, '^powershell(\.exe)?\s(.*\s)?-EncodedCommand\s+([A-Za-z0-9+/=]+)\s*$', 'IgnoreCase')
            if (-not $m.Success) {
                return @{ exitCode = 1; stdout = ''; stderr = "'" + [string]$call.command + "' is not recognized as an internal or external command (the lab runs only powershell.exe -EncodedCommand over ssh).`r`n" }
            }
            $bootstrap = [System.Text.Encoding]::Unicode.GetString([Convert]::FromBase64String($m.Groups[3].Value))
            $label = $null
            try { $label = Get-LabScriptLabel ([string]((ConvertFrom-Json -InputObject ([string]$call.stdin)).script)) } catch { $label = $null }
            Start-LabRun $label
            Write-LabScriptFile $file $bootstrap
            return @{ invoke = ('try { ' + (Get-LabInvocationText $file @()) + ' *>&1 } catch { throw }'); file = $null; stdin = [string]$call.stdin; env = $envVars }
        }
        return @{ exitCode = 1; stdout = ''; stderr = 'lab: unknown transport ' + [string]$call.transport }
    } catch {
        throw
    }
}

function Write-LabScriptFile([string]$Path, [string]$Text) {
    if ([System.IO.File]::Exists($Path)) { return }
    $tmp = $Path + '.' + [guid]::NewGuid().ToString('N') + '.tmp'
    [System.IO.File]::WriteAllText($tmp, $Text, (New-Object System.Text.UTF8Encoding($true)))
    try { [System.IO.File]::Move($tmp, $Path, $false) } catch { [System.IO.File]::Delete($tmp) }
}

function Get-LabMachineSummary($Machine) {
    # The fields kms-plan --lab reports (lab.machines[]), plus a few more.
    $now = Get-LabNow
    $windows = Get-LabWindowsProduct $Machine
    $hostProduct = Get-LabHostProduct $Machine
    $office = @($Machine.products | Where-Object { $_.kind -eq 'office' -and $null -ne $_.partialKey } | ForEach-Object {
            $c = $null
            if ($_.channel -eq 'Volume:CSVLK') { $c = Get-LabKmsCount $_ $now; if ($null -eq $c) { $c = 0 } }
            [ordered]@{
                name = $_.name
                product = $_.catalogProduct
                officeVersion = $_.officeVersion
                channel = $_.channel
                licenseStatus = [int]$_.licenseStatus
                activated = ([int]$_.licenseStatus -eq 1)
                activatedBy = $_.activatedBy
                licensedBy = $(if ([int]$_.licenseStatus -eq 1) { $_.activatedBy } else { $null })
                licensedByMachine = $(if ([int]$_.licenseStatus -eq 1) { $_.licensedByMachine } else { $null })
                licensedAt = $(if ([int]$_.licenseStatus -eq 1) { $_.licensedAt } else { $null })
                lastAttempt = $_.lastAttempt
                lastResult = $_.lastResult
                currentCount = $c
            }
        })
    $s = [ordered]@{
        name = $Machine.name
        role = $Machine.role
        product = $(if ($null -ne $windows -and $null -ne $windows.catalogProduct) { $windows.catalogProduct } else { $Machine.os })
        os = $Machine.os
        licenseStatus = $(if ($null -ne $windows) { [int]$windows.licenseStatus } else { 0 })
        activated = ($null -ne $windows -and [int]$windows.licenseStatus -eq 1)
        activatedBy = $Machine.activatedBy
        # Who holds the Windows licence now ("host:port" as the client asked it: our host, or
        # azkms.core.windows.net:1688), the lab machine that is that host (null for Azure's KMS), and
        # since when (lab time). Null when Windows is not licensed by a KMS.
        licensedBy = $(if ($null -ne $windows -and [int]$windows.licenseStatus -eq 1) { $windows.activatedBy } else { $null })
        licensedByMachine = $(if ($null -ne $windows -and [int]$windows.licenseStatus -eq 1) { $windows.licensedByMachine } else { $null })
        licensedAt = $(if ($null -ne $windows -and [int]$windows.licenseStatus -eq 1) { $windows.licensedAt } else { $null })
        lastAttempt = $(if ($null -ne $windows) { $windows.lastAttempt } else { $null })
        lastResult = $(if ($null -ne $windows) { $windows.lastResult } else { $null })
        subnet = $Machine.subnet
        address = $Machine.address
        azure = $Machine.azure
        changed = @($Machine.lastRun.changed)
        errorCode = $Machine.lastRun.errorCode
        cmid = $Machine.cmid
        rearmPending = [bool]$Machine.rearmPending
        restartPending = ($null -ne $Machine.pendingRestart)
        restarts = [int]$Machine.restarts
        remainingRearmCount = [int]$Machine.rearmCount
        domain = $Machine.domain
        isKmsHost = ($null -ne $hostProduct)
        partialProductKey = $(if ($null -ne $windows) { $windows.partialKey } else { $null })
        productKeyChannel = $(if ($null -ne $windows) { $windows.channel } else { $null })
        marketplaceImage = [bool]$Machine.marketplaceImage
        sppsvc = $Machine.sppsvc
        lastActivationError = $Machine.lastActivationError
        lastScript = $Machine.lastRun.script
        sleptSeconds = [double]$Machine.sleptSeconds
        office = $office
    }
    if ($null -ne $hostProduct) {
        $c = Get-LabKmsCount $hostProduct $now
        if ($null -eq $c) { $c = 0 }
        $s.currentCount = $c
        $s.keyGroup = $hostProduct.keyGroup
        $s.port = $(if ($null -ne $Machine.effective.listeningPort) { [int]$Machine.effective.listeningPort } else { [int](Get-LabActivation 'defaultPort') })
        $s.clients = @(@($hostProduct.kms.clients) | Where-Object { $null -ne $_ } | ForEach-Object { $_.machine })
    }
    return $s
}

function Invoke-LabRequest {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$Json)
    $request = $null
    try {
        $request = ConvertFrom-Json -InputObject $Json -Depth 32
        $PSStyle.OutputRendering = 'PlainText'
        Set-LabContext ([string]$request.stateDir) ([string]$request.machine)
        $answer = $null
        switch ([string]$request.op) {
            'run' {
                [void](Read-LabMachine (Get-LabMachineName))
                Update-LabPendingRestart (Get-LabMachineName)
                $answer = Invoke-LabRun $request
            }
            'advance' {
                Invoke-LabAdvance ([double]$request.minutes)
                $answer = @{ done = $true }
            }
            'addMachine' {
                $spec = $request.spec
                Set-LabContext ([string]$request.stateDir) ([string]$spec.name)
                $created = Use-LabLock {
                    if (Test-LabMachine ([string]$spec.name)) { return $false }
                    Save-LabMachine (New-LabMachineRecord $spec)
                    return $true
                }
                $answer = @{ created = $created }
            }
            'network' {
                Use-LabLock {
                    $n = Read-LabNetwork
                    if ($request.action -eq 'srv') {
                        $n.srv[[string]$request.domain] = @($request.entries | ForEach-Object { @{ target = [string]$_.target; port = [int]$_.port; priority = [int]$_.priority; weight = [int]$_.weight } })
                    } elseif ($request.action -eq 'address') {
                        $n.addresses[([string]$request.name).ToLowerInvariant().TrimEnd('.')] = [string]$request.target
                    } elseif ($request.action -eq 'conditions') {
                        foreach ($p in $request.conditions.PSObject.Properties) { $n.conditions[$p.Name] = $p.Value }
                    }
                    Save-LabNetwork $n
                }
                $answer = @{ done = $true }
            }
            'state' {
                $names = @([string]$request.machine)
                if ([string]::IsNullOrEmpty([string]$request.machine)) { $names = @(Get-LabMachineNames) }
                foreach ($name in $names) { Update-LabPendingRestart $name }
                if ([string]::IsNullOrEmpty([string]$request.machine)) {
                    $answer = @{ machines = @(Get-LabMachineNames | ForEach-Object { Get-LabMachineSummary (Read-LabMachine $_) }) }
                } else {
                    $answer = @{ machine = (Get-LabMachineSummary (Read-LabMachine ([string]$request.machine))) }
                }
            }
            default { throw ('unknown op ' + [string]$request.op) }
        }
        $answer.id = $request.id
        return [KmsLab.LabFast]::ToJson($answer, $false)
    } catch {
        $id = $null
        if ($null -ne $request) { $id = $request.id }
        return (@{ id = $id; fatal = ('lab: ' + $_.Exception.Message + ' ' + $_.ScriptStackTrace) } | ConvertTo-Json -Compress)
    }
}
