# KMS lab: the stand-ins for the commands the scripts call. Dot-sourced by KmsLab.psm1.

# ---------------------------------------------------------------- CIM

$script:ServiceMethods = @{
    InstallProductKey = @('ProductKey')
    InstallLicense = @('License')
    RefreshLicenseStatus = @()
    ReArmWindows = @()
    SetKeyManagementServiceMachine = @('MachineName')
    ClearKeyManagementServiceMachine = @()
    SetKeyManagementServicePort = @('PortNumber')
    ClearKeyManagementServicePort = @()
    SetKeyManagementServiceLookupDomain = @('LookupDomain')
    ClearKeyManagementServiceLookupDomain = @()
    SetKeyManagementServiceListeningPort = @('PortNumber')
    ClearKeyManagementServiceListeningPort = @()
    SetVLActivationInterval = @('ActivationInterval')
    SetVLRenewalInterval = @('RenewalInterval')
    DisableKeyManagementServiceDnsPublishing = @('DisablePublishing')
    EnableKeyManagementServiceLowPriority = @('EnableLowPriority')
    DisableKeyManagementServiceHostCaching = @('DisableCaching')
}
$script:ProductMethods = @{
    Activate = @()
    UninstallProductKey = @()
    SetKeyManagementServiceMachine = @('MachineName')
    ClearKeyManagementServiceMachine = @()
    SetKeyManagementServicePort = @('PortNumber')
    ClearKeyManagementServicePort = @()
    SetKeyManagementServiceLookupDomain = @('LookupDomain')
    ClearKeyManagementServiceLookupDomain = @()
}
# Methods Microsoft documents as KMS host only ("An error is returned if the method is called and the
# machine is not a key management service"; "This method applies to KMS hosts only").
$script:HostOnlyMethods = @(
    'SetKeyManagementServiceListeningPort', 'ClearKeyManagementServiceListeningPort', 'SetVLActivationInterval',
    'SetVLRenewalInterval', 'DisableKeyManagementServiceDnsPublishing', 'EnableKeyManagementServiceLowPriority'
)
# The lab's HRESULTs for failures Microsoft documents without a code (docs/lab.md says which are chosen).
$script:E_NotKmsHost = 0xC004F016       # SL_E_NOT_SUPPORTED
$script:E_InvalidArg = 0x80070057       # E_INVALIDARG
$script:E_InvalidMethod = 0x80041034    # WBEM_E_INVALID_METHOD
$script:E_InvalidParameter = 0x80041008 # WBEM_E_INVALID_PARAMETER
$script:E_InvalidClass = 0x80041010     # WBEM_E_INVALID_CLASS
$script:E_InvalidQuery = 0x80041017     # WBEM_E_INVALID_QUERY

function Get-LabInstances([string]$ClassName, [string]$Filter, $Cmdlet) {
    $m = Read-LabMachine (Get-LabMachineName)
    $list = New-Object System.Collections.ArrayList
    if ($ClassName -eq 'SoftwareLicensingService') {
        [void]$list.Add((Get-LabServiceInstance $m))
    } elseif ($ClassName -eq 'SoftwareLicensingProduct') {
        # The two clauses every script uses are checked on the record first, so that instances the filter
        # would drop are not built (the full filter still runs on what is built).
        $needKey = ($Filter -match '(?i)PartialProductKey\s+IS\s+NOT\s+NULL')
        $app = $null
        $am = [regex]::Match([string]$Filter, '(?i)ApplicationID\s*=\s*''([^'']*)''')
        if ($am.Success) { $app = $am.Groups[1].Value }
        foreach ($p in (Get-LabProductCatalogue $m)) {
            if ($needKey -and $null -eq $p.partialKey) { continue }
            if ($null -ne $app -and $p.applicationId -ne $app) { continue }
            [void]$list.Add((Get-LabProductInstance $m $p))
        }
    } elseif ($ClassName -eq 'Win32_OperatingSystem') {
        [void]$list.Add((Get-LabOperatingSystemInstance $m))
    } else {
        Write-LabCmdletError $Cmdlet (New-LabCimErrorRecord $script:E_InvalidClass 'Invalid class ' $ClassName 'GetCimInstance')
        return
    }
    foreach ($i in $list) {
        $ok = $false
        try { $ok = Test-LabWqlFilter $i.psobject.BaseObject $Filter } catch {
            Write-LabCmdletError $Cmdlet (New-LabCimErrorRecord $script:E_InvalidQuery 'Invalid query ' $Filter 'GetCimInstance')
            return
        }
        if ($ok) { $i }
    }
}

function Get-CimInstance {
    [CmdletBinding(DefaultParameterSetName = 'ClassNameComputerSet')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'ClassNameComputerSet', Mandatory = $true)][string]$ClassName,
        [Parameter(ParameterSetName = 'QuerySet', Mandatory = $true)][string]$Query,
        [string]$Filter,
        [string]$Namespace = 'root/cimv2',
        [string[]]$Property,
        [string[]]$ComputerName,
        [uint32]$OperationTimeoutSec
    )
    if ($PSCmdlet.ParameterSetName -eq 'QuerySet') {
        $m = [regex]::Match($Query, '^\s*SELECT\s+\*\s+FROM\s+(\w+)(\s+WHERE\s+(.+))?\s*$', 'IgnoreCase')
        if (-not $m.Success) {
            Write-LabCmdletError $PSCmdlet (New-LabCimErrorRecord $script:E_InvalidQuery 'Invalid query ' $Query 'GetCimInstance')
            return
        }
        $ClassName = $m.Groups[1].Value
        $Filter = $m.Groups[3].Value
    }
    if (($Namespace -replace '\\', '/').ToLowerInvariant() -ne 'root/cimv2') {
        Write-LabCmdletError $PSCmdlet (New-LabCimErrorRecord 0x8004100E 'Invalid namespace ' $Namespace 'GetCimInstance')
        return
    }
    Get-LabInstances $ClassName $Filter $PSCmdlet
}

function ConvertTo-LabArgument($Value, [string]$Type) {
    switch ($Type) {
        'UInt32' { return [uint32]$Value }
        'Boolean' { return [bool]$Value }
    }
    return [string]$Value
}

function Invoke-CimMethod {
    [CmdletBinding(DefaultParameterSetName = 'CimInstanceComputerSet')]
    param(
        [Parameter(ParameterSetName = 'CimInstanceComputerSet', Mandatory = $true, ValueFromPipeline = $true)][Alias('CimInstance')]$InputObject,
        [Parameter(ParameterSetName = 'ClassNameComputerSet', Mandatory = $true, Position = 0)][string]$ClassName,
        [Parameter(ParameterSetName = 'QueryComputerSet', Mandatory = $true)][string]$Query,
        [Parameter(Mandatory = $true, Position = 1)][string]$MethodName,
        [Parameter(Position = 2)][System.Collections.IDictionary]$Arguments,
        [string]$Namespace = 'root/cimv2',
        [string[]]$ComputerName,
        [uint32]$OperationTimeoutSec
    )
    process {
        $className = $null
        $key = $null
        if ($PSCmdlet.ParameterSetName -eq 'CimInstanceComputerSet') {
            $base = $InputObject
            if ($InputObject -is [System.Management.Automation.PSObject]) { $base = $InputObject.psobject.BaseObject }
            if ($base -isnot [KmsLab.CimInstance]) {
                throw (New-Object System.ArgumentException('InputObject must be a CIM instance of the lab (Get-CimInstance).'))
            }
            $className = $base.CimSystemProperties.ClassName
            $key = $base.KeyValue
        } elseif ($PSCmdlet.ParameterSetName -eq 'QueryComputerSet') {
            $m = [regex]::Match($Query, '^\s*SELECT\s+\*\s+FROM\s+(\w+)', 'IgnoreCase')
            $className = $m.Groups[1].Value
        } else {
            $className = $ClassName
        }
        $target = $InputObject
        if ($null -eq $target) { $target = $className }
        $methods = $null
        if ($className -eq 'SoftwareLicensingService') { $methods = $script:ServiceMethods }
        elseif ($className -eq 'SoftwareLicensingProduct') { $methods = $script:ProductMethods }
        else {
            Write-LabCmdletError $PSCmdlet (New-LabCimErrorRecord $script:E_InvalidClass 'Invalid class ' $target 'InvokeCimMethod')
            return
        }
        if (-not $methods.ContainsKey($MethodName)) {
            Write-LabCmdletError $PSCmdlet (New-LabCimErrorRecord $script:E_InvalidMethod 'Invalid method ' $target 'InvokeCimMethod')
            return
        }
        $given = @{}
        if ($null -ne $Arguments) { foreach ($k in $Arguments.Keys) { $given[[string]$k] = $Arguments[$k] } }
        foreach ($k in $given.Keys) {
            if (@($methods[$MethodName]) -notcontains $k) {
                Write-LabCmdletError $PSCmdlet (New-LabCimErrorRecord $script:E_InvalidParameter 'Invalid parameter ' $target 'InvokeCimMethod')
                return
            }
        }
        foreach ($k in @($methods[$MethodName])) {
            if (-not $given.ContainsKey($k)) {
                Write-LabCmdletError $PSCmdlet (New-LabCimErrorRecord $script:E_InvalidParameter 'Invalid parameter ' $target 'InvokeCimMethod')
                return
            }
        }
        $code = Use-LabLock {
            $machine = Read-LabMachine (Get-LabMachineName)
            $r = $null
            if ($className -eq 'SoftwareLicensingService') {
                $r = Invoke-LabServiceMethod $machine $MethodName $given
            } else {
                $product = $null
                foreach ($p in (Get-LabProductCatalogue $machine)) { if ($p.id -eq $key) { $product = $p } }
                if ($null -eq $product) { $r = 0x80041002 } else {
                    # A keyless SKU listed only for show becomes real when a method touches it.
                    if (-not $machine.products.Contains($product)) { [void]$machine.products.Add($product) }
                    $r = Invoke-LabProductMethod $machine $product $MethodName $given
                }
            }
            if ($null -ne $r) {
                $machine.lastRun.errorCode = ConvertTo-LabHResultText $r
                if ($MethodName -eq 'Activate') { $machine.lastActivationError = ConvertTo-LabHResultText $r }
            }
            Save-LabMachine $machine
            return $r
        }
        if ($null -ne $code) {
            Write-LabCmdletError $PSCmdlet (New-LabCimErrorRecord $code '' $InputObject 'InvokeCimMethod')
            return
        }
        $out = [pscustomobject]@{ ReturnValue = [uint32]0; PSComputerName = $null }
        $out.PSObject.TypeNames.Insert(0, 'Microsoft.Management.Infrastructure.CimMethodResult#' + $className + '#' + $MethodName)
        $out
    }
}

function Test-LabPort($Value) {
    $n = [int64]$Value
    return ($n -ge 1 -and $n -le 65535)
}

function Test-LabInterval($Value) {
    $n = [int64]$Value
    return ($n -ge 15 -and $n -le 43200)
}

function Invoke-LabServiceMethod($Machine, [string]$Name, [hashtable]$A) {
    $s = $Machine.service
    if ($script:HostOnlyMethods -contains $Name -and -not (Test-LabIsHost $Machine)) { return $script:E_NotKmsHost }
    switch ($Name) {
        'InstallProductKey' {
            $r = Install-LabProductKey $Machine ([string]$A.ProductKey)
            if ($null -eq $r) { Add-LabChange $Machine 'productKey' }
            return $r
        }
        'InstallLicense' { return (Install-LabLicense $Machine ([string]$A.License)) }
        'RefreshLicenseStatus' { return $null }
        'ReArmWindows' {
            # SL_REMAPPING_SP_PUB_TS_MAX_REARM_REACHED: no rearm left.
            if ([int]$Machine.rearmCount -le 0) { return 0xC004D307 }
            # The count drops at once; the new client machine ID and the reset licensing state come with the
            # next restart (Complete-LabRestart), as Microsoft's fix says: rearm, restart, then check the CMID.
            $Machine.rearmCount = [int]$Machine.rearmCount - 1
            $Machine.rearmPending = $true
            Add-LabChange $Machine 'rearm'
            return $null
        }
        'SetKeyManagementServiceMachine' {
            if ([string]::IsNullOrWhiteSpace([string]$A.MachineName)) { return $script:E_InvalidArg }
            $s.kmsMachine = [string]$A.MachineName
            Add-LabChange $Machine 'kmsServer'
            return $null
        }
        'ClearKeyManagementServiceMachine' { $s.kmsMachine = $null; Add-LabChange $Machine 'kmsServer'; return $null }
        'SetKeyManagementServicePort' {
            if (-not (Test-LabPort $A.PortNumber)) { return $script:E_InvalidArg }
            $s.kmsPort = [int]$A.PortNumber
            Add-LabChange $Machine 'kmsPort'
            return $null
        }
        'ClearKeyManagementServicePort' { $s.kmsPort = $null; Add-LabChange $Machine 'kmsPort'; return $null }
        'SetKeyManagementServiceLookupDomain' {
            if ([string]::IsNullOrWhiteSpace([string]$A.LookupDomain)) { return $script:E_InvalidArg }
            $s.lookupDomain = [string]$A.LookupDomain
            Add-LabChange $Machine 'lookupDomain'
            return $null
        }
        'ClearKeyManagementServiceLookupDomain' { $s.lookupDomain = $null; Add-LabChange $Machine 'lookupDomain'; return $null }
        'SetKeyManagementServiceListeningPort' {
            if (-not (Test-LabPort $A.PortNumber)) { return $script:E_InvalidArg }
            $s.listeningPort = [int]$A.PortNumber
            Add-LabChange $Machine 'port'
            return $null
        }
        'ClearKeyManagementServiceListeningPort' { $s.listeningPort = $null; Add-LabChange $Machine 'port'; return $null }
        'SetVLActivationInterval' {
            if (-not (Test-LabInterval $A.ActivationInterval)) { return $script:E_InvalidArg }
            $s.activationInterval = [int]$A.ActivationInterval
            Add-LabChange $Machine 'activationInterval'
            return $null
        }
        'SetVLRenewalInterval' {
            if (-not (Test-LabInterval $A.RenewalInterval)) { return $script:E_InvalidArg }
            $s.renewalInterval = [int]$A.RenewalInterval
            Add-LabChange $Machine 'renewalInterval'
            return $null
        }
        'DisableKeyManagementServiceDnsPublishing' {
            $s.dnsPublishing = -not [bool]$A.DisablePublishing
            Add-LabChange $Machine 'dnsPublishing'
            return $null
        }
        'EnableKeyManagementServiceLowPriority' {
            $s.lowPriority = [bool]$A.EnableLowPriority
            Add-LabChange $Machine 'lowPriority'
            return $null
        }
        'DisableKeyManagementServiceHostCaching' {
            $s.hostCaching = -not [bool]$A.DisableCaching
            Add-LabChange $Machine 'hostCaching'
            return $null
        }
    }
    return $script:E_InvalidMethod
}

function Invoke-LabProductMethod($Machine, $Product, [string]$Name, [hashtable]$A) {
    switch ($Name) {
        'Activate' {
            if ($null -eq $Product.partialKey) { return 0xC004F014 }
            if ($Product.channel -eq 'Volume:CSVLK' -or $Product.channel -eq 'Volume:MAK' -or $Product.channel -eq 'Retail') {
                # Host keys, MAKs and retail keys activate online with Microsoft.
                $r = Invoke-LabOnlineActivation $Machine $Product
            } else {
                $r = Invoke-LabKmsActivation $Machine $Product
                # When it asked, and what it got: it asks again by itself (Lab.advance, docs/lab.md "Time").
                $Product.lastAttempt = (Get-LabNow).ToString('o')
                $Product.lastResult = $(if ($null -eq $r) { 'ok' } else { ConvertTo-LabHResultText $r })
            }
            if ($null -eq $r) { Add-LabChange $Machine 'activation' }
            return $r
        }
        'UninstallProductKey' {
            $Product.partialKey = $null
            $Product.licenseStatus = 0
            Add-LabChange $Machine 'productKey'
            return $null
        }
        'SetKeyManagementServiceMachine' {
            if ([string]::IsNullOrWhiteSpace([string]$A.MachineName)) { return $script:E_InvalidArg }
            $Product.kmsMachine = [string]$A.MachineName
            Add-LabChange $Machine 'kmsServer'
            return $null
        }
        'ClearKeyManagementServiceMachine' { $Product.kmsMachine = $null; Add-LabChange $Machine 'kmsServer'; return $null }
        'SetKeyManagementServicePort' {
            if (-not (Test-LabPort $A.PortNumber)) { return $script:E_InvalidArg }
            $Product.kmsPort = [int]$A.PortNumber
            Add-LabChange $Machine 'kmsPort'
            return $null
        }
        'ClearKeyManagementServicePort' { $Product.kmsPort = $null; Add-LabChange $Machine 'kmsPort'; return $null }
        'SetKeyManagementServiceLookupDomain' {
            if ([string]::IsNullOrWhiteSpace([string]$A.LookupDomain)) { return $script:E_InvalidArg }
            $Product.lookupDomain = [string]$A.LookupDomain
            Add-LabChange $Machine 'lookupDomain'
            return $null
        }
        'ClearKeyManagementServiceLookupDomain' { $Product.lookupDomain = $null; Add-LabChange $Machine 'lookupDomain'; return $null }
    }
    return $script:E_InvalidMethod
}

# ---------------------------------------------------------------- Win32_OperatingSystem and restarts

function Get-LabOperatingSystemInstance($Machine) {
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
    [CmdletBinding()]
    param([Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)][Alias('ServiceName')][string[]]$Name, [switch]$PassThru)
    process {
        if (-not (Test-LabServiceName $PSCmdlet $Name)) { return }
        $m = Set-LabServiceState 'Running'
        if ($PassThru) { New-LabServiceObject $m }
    }
}

function Restart-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)][Alias('ServiceName')][string[]]$Name, [switch]$Force, [switch]$PassThru)
    process {
        if (-not (Test-LabServiceName $PSCmdlet $Name)) { return }
        [void](Set-LabServiceState 'Stopped')
        $m = Set-LabServiceState 'Running'
        if ($PassThru) { New-LabServiceObject $m }
    }
}

# ---------------------------------------------------------------- NetSecurity firewall

function New-LabRuleObject($Rule) {
    $o = [pscustomobject]@{
        Name = $Rule.Name
        ID = $Rule.Name
        DisplayName = $Rule.DisplayName
        Group = $Rule.Group
        DisplayGroup = $Rule.DisplayGroup
        Enabled = $Rule.Enabled
        Profile = $Rule.Profile
        Direction = $Rule.Direction
        Action = $Rule.Action
        PrimaryStatus = 'OK'
    }
    $o.PSObject.TypeNames.Insert(0, 'Microsoft.Management.Infrastructure.CimInstance#root/standardcimv2/MSFT_NetFirewallRule')
    return $o
}

function Write-LabRuleNotFound($Cmdlet, [string]$Property, [string]$Value) {
    $ex = New-Object System.Management.Automation.ItemNotFoundException("No MSFT_NetFirewallRule objects found with property '$Property' equal to '$Value'.  Verify the value of the property and retry.")
    $rec = New-Object System.Management.Automation.ErrorRecord($ex, ('CmdletizationQuery_NotFound_' + $Property + ',Get-NetFirewallRule'), 'ObjectNotFound', $Value)
    Write-LabCmdletError $Cmdlet $rec
}

function Find-LabRules($Machine, [string[]]$Name, [string[]]$DisplayName, [string[]]$Group, [string[]]$DisplayGroup, $Cmdlet) {
    $rules = @($Machine.firewall)
    $found = New-Object System.Collections.ArrayList
    # The first filter given decides (one parameter set each on Windows); -Group also matches the display group.
    $filters = @(
        @{ Property = 'Name'; Values = $Name; Match = { param($r, $n) $r.Name -like $n } },
        @{ Property = 'DisplayName'; Values = $DisplayName; Match = { param($r, $n) $r.DisplayName -like $n } },
        @{ Property = 'Group'; Values = $Group; Match = { param($r, $n) $r.Group -like $n -or $r.DisplayGroup -like $n } },
        @{ Property = 'DisplayGroup'; Values = $DisplayGroup; Match = { param($r, $n) $r.DisplayGroup -like $n } }
    )
    foreach ($f in $filters) {
        if ($null -eq $f.Values) { continue }
        foreach ($n in $f.Values) {
            $hit = @($rules | Where-Object { & $f.Match $_ $n })
            if ($hit.Count -eq 0) { Write-LabRuleNotFound $Cmdlet $f.Property $n } else { foreach ($h in $hit) { [void]$found.Add($h) } }
        }
        return $found
    }
    foreach ($r in $rules) { [void]$found.Add($r) }
    return $found
}

function Get-NetFirewallRule {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)][Alias('ID')][string[]]$Name,
        [string[]]$DisplayName,
        [string[]]$Group,
        [string[]]$DisplayGroup,
        [switch]$All
    )
    $m = Read-LabMachine (Get-LabMachineName)
    foreach ($r in (Find-LabRules $m $Name $DisplayName $Group $DisplayGroup $PSCmdlet)) { New-LabRuleObject $r }
}

function Get-LabRuleNames($InputObject, [string[]]$Name) {
    if ($null -ne $Name) { return $Name }
    return @($InputObject | ForEach-Object { $_.Name })
}

function Update-LabRules([string[]]$Names, [scriptblock]$Change, $Cmdlet) {
    Use-LabLock {
        $m = Read-LabMachine (Get-LabMachineName)
        $hits = Find-LabRules $m $Names $null $null $null $Cmdlet
        foreach ($r in $hits) { & $Change $r }
        if (@($hits).Count -gt 0) { Add-LabChange $m 'firewall' }
        Save-LabMachine $m
    }
}

function ConvertTo-LabAddressText($Addresses) {
    # "Any", "LocalSubnet", or addresses/CIDRs joined by commas (as the address filter lists them).
    $list = @(@($Addresses) | Where-Object { $null -ne $_ -and [string]$_ -ne '' } | ForEach-Object { [string]$_ })
    if ($list.Count -eq 0 -or $list -contains 'Any' -or $list -contains '*') { return 'Any' }
    return ($list -join ',')
}

function ConvertTo-LabPortText($LocalPort) {
    if ($null -eq $LocalPort) { return $null }
    return ((@($LocalPort) | ForEach-Object { [string]$_ }) -join ',')
}

function New-NetFirewallRule {
    [CmdletBinding()]
    param(
        [string]$Name,
        [Parameter(Mandatory = $true)][string]$DisplayName,
        [string]$Group,
        [string]$Description,
        [ValidateSet('Inbound', 'Outbound')][string]$Direction = 'Inbound',
        [ValidateSet('Allow', 'Block', 'NotConfigured')][string]$Action = 'Allow',
        [string]$Protocol = 'Any',
        [string[]]$LocalPort,
        [string]$Program = 'Any',
        [string[]]$Profile = @('Any'),
        [string[]]$RemoteAddress = @('Any'),
        [ValidateSet('True', 'False')][string]$Enabled = 'True'
    )
    if ([string]::IsNullOrEmpty($Name)) { $Name = '{' + [guid]::NewGuid().ToString() + '}' }
    $protocolText = $Protocol.ToUpperInvariant()
    if ($protocolText -eq '6') { $protocolText = 'TCP' }
    if ($protocolText -eq 'ANY') { $protocolText = 'Any' }
    $rule = @{
        Name = $Name; DisplayName = $DisplayName; Group = $Group; DisplayGroup = $Group; Enabled = $Enabled
        Profile = (($Profile | ForEach-Object { [string]$_ }) -join ', '); Direction = $Direction; Action = $Action
        Protocol = $protocolText; LocalPort = $(if ($null -ne $LocalPort) { ConvertTo-LabPortText $LocalPort } else { 'Any' }); Program = $Program
        RemoteAddress = ConvertTo-LabAddressText $RemoteAddress
    }
    $exists = $false
    Use-LabLock {
        $m = Read-LabMachine (Get-LabMachineName)
        if (@($m.firewall | Where-Object { $_.Name -eq $Name }).Count -gt 0) { $script:__exists = $true; return }
        $m.firewall = @($m.firewall) + @($rule)
        Add-LabChange $m 'firewall'
        Save-LabMachine $m
    }
    if ($script:__exists) {
        $script:__exists = $false
        $ex = New-Object System.Management.Automation.RuntimeException('Cannot create a file when that file already exists.')
        Write-LabCmdletError $PSCmdlet (New-Object System.Management.Automation.ErrorRecord($ex, 'Windows System Error 183,New-NetFirewallRule', 'ResourceExists', $Name))
        return
    }
    New-LabRuleObject $rule
}

function Set-NetFirewallRule {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)][Alias('ID')][string[]]$Name,
        [Parameter(ValueFromPipeline = $true)]$InputObject,
        [ValidateSet('True', 'False')][string]$Enabled,
        [string[]]$Profile,
        [ValidateSet('Allow', 'Block', 'NotConfigured')][string]$Action,
        [string]$Protocol,
        [string[]]$LocalPort,
        [string]$Program,
        [string[]]$RemoteAddress,
        [string]$NewDisplayName,
        [ValidateSet('Inbound', 'Outbound')][string]$Direction,
        [switch]$PassThru
    )
    process {
        $bound = $PSBoundParameters
        $names = Get-LabRuleNames $InputObject $Name
        Update-LabRules $names {
            param($r)
            if ($bound.ContainsKey('Enabled')) { $r.Enabled = $Enabled }
            if ($bound.ContainsKey('Profile')) { $r.Profile = (($Profile | ForEach-Object { [string]$_ }) -join ', ') }
            if ($bound.ContainsKey('Action')) { $r.Action = $Action }
            if ($bound.ContainsKey('Protocol')) { $r.Protocol = $(if ($Protocol -eq '6') { 'TCP' } else { $Protocol.ToUpperInvariant() }) }
            if ($bound.ContainsKey('LocalPort')) { $r.LocalPort = ConvertTo-LabPortText $LocalPort }
            if ($bound.ContainsKey('Program')) { $r.Program = $Program }
            if ($bound.ContainsKey('RemoteAddress')) { $r.RemoteAddress = ConvertTo-LabAddressText $RemoteAddress }
            if ($bound.ContainsKey('NewDisplayName')) { $r.DisplayName = $NewDisplayName }
            if ($bound.ContainsKey('Direction')) { $r.Direction = $Direction }
        } $PSCmdlet
        if ($PassThru) { Get-NetFirewallRule -Name $names }
    }
}

# Enable-/Disable-NetFirewallRule: the rules named, piped, or of a display group.
function Set-LabRulesEnabled($InputObject, [string[]]$Name, [string[]]$DisplayGroup, [string]$Enabled, $Cmdlet) {
    $names = Get-LabRuleNames $InputObject $Name
    if ($null -ne $DisplayGroup) { $names = @(Get-NetFirewallRule -DisplayGroup $DisplayGroup | ForEach-Object { $_.Name }) }
    Update-LabRules $names { param($r) $r.Enabled = $Enabled } $Cmdlet
}

function Enable-NetFirewallRule {
    [CmdletBinding()]
    param([Parameter(Position = 0)][Alias('ID')][string[]]$Name, [string[]]$DisplayGroup, [Parameter(ValueFromPipeline = $true)]$InputObject)
    process { Set-LabRulesEnabled $InputObject $Name $DisplayGroup 'True' $PSCmdlet }
}

function Disable-NetFirewallRule {
    [CmdletBinding()]
    param([Parameter(Position = 0)][Alias('ID')][string[]]$Name, [string[]]$DisplayGroup, [Parameter(ValueFromPipeline = $true)]$InputObject)
    process { Set-LabRulesEnabled $InputObject $Name $DisplayGroup 'False' $PSCmdlet }
}

function Remove-NetFirewallRule {
    [CmdletBinding()]
    param([Parameter(Position = 0)][Alias('ID')][string[]]$Name, [Parameter(ValueFromPipeline = $true)]$InputObject)
    process {
        $names = Get-LabRuleNames $InputObject $Name
        Use-LabLock {
            $m = Read-LabMachine (Get-LabMachineName)
            $m.firewall = @($m.firewall | Where-Object { $names -notcontains $_.Name })
            Add-LabChange $m 'firewall'
            Save-LabMachine $m
        }
    }
}

# The rules whose filters Get-NetFirewall*Filter reads: the piped rule, or all.
function Get-LabFilterRules($InputObject) {
    $rules = @((Read-LabMachine (Get-LabMachineName)).firewall)
    if ($null -ne $InputObject) { $rules = @($rules | Where-Object { $_.Name -eq $InputObject.Name }) }
    return $rules
}

function Get-NetFirewallPortFilter {
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline = $true)][Alias('AssociatedNetFirewallRule')]$InputObject)
    process {
        foreach ($r in (Get-LabFilterRules $InputObject)) {
            $ports = @(([string]$r.LocalPort).Split(','))
            $o = [pscustomobject]@{
                InstanceID = $r.Name
                Protocol = $r.Protocol
                LocalPort = $(if ($ports.Count -eq 1) { $ports[0] } else { $ports })
                RemotePort = 'Any'
                IcmpType = 'Any'
                DynamicTarget = 'Any'
            }
            $o.PSObject.TypeNames.Insert(0, 'Microsoft.Management.Infrastructure.CimInstance#root/standardcimv2/MSFT_NetProtocolPortFilter')
            $o
        }
    }
}

function Get-NetFirewallAddressFilter {
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline = $true)][Alias('AssociatedNetFirewallRule')]$InputObject)
    process {
        foreach ($r in (Get-LabFilterRules $InputObject)) {
            $remote = [string]$r.RemoteAddress
            if ($remote -eq '') { $remote = 'Any' }
            $list = @($remote.Split(','))
            $o = [pscustomobject]@{
                InstanceID = $r.Name
                LocalAddress = 'Any'
                RemoteAddress = $(if ($list.Count -eq 1) { $list[0] } else { $list })
            }
            $o.PSObject.TypeNames.Insert(0, 'Microsoft.Management.Infrastructure.CimInstance#root/standardcimv2/MSFT_NetAddressFilter')
            $o
        }
    }
}

function Get-NetFirewallApplicationFilter {
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline = $true)][Alias('AssociatedNetFirewallRule')]$InputObject)
    process {
        foreach ($r in (Get-LabFilterRules $InputObject)) {
            $o = [pscustomobject]@{ InstanceID = $r.Name; Program = $r.Program; Package = $null }
            $o.PSObject.TypeNames.Insert(0, 'Microsoft.Management.Infrastructure.CimInstance#root/standardcimv2/MSFT_NetApplicationFilter')
            $o
        }
    }
}

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
