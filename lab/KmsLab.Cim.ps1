# KMS lab: the CIM cmdlets the scripts call (Get-CimInstance, Invoke-CimMethod). Dot-sourced by KmsLab.psm1. Sources: docs/lab.md ("Rules and their sources") and docs/sources.md.

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
    # Sources: [SLS], [SLP], [TN12] (docs/sources.md).
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
    # Sources: [SLS], [SLP]; the error shapes: PowerShell CimWriteError.cs (docs/lab.md) (docs/sources.md).
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
