# KMS lab: state files, catalog, CIM error records. Dot-sourced by KmsLab.psm1.
# One machine = one JSON file under <state>/machines/<name>.json; the shared network (SRV and A records,
# conditions) is <state>/network.json; the catalog the TypeScript side wrote is <state>/catalog.json.
# Every change is made under one exclusive lock file (<state>/lab.lock) and written by rename.

$script:LabContext = @{ StateDir = $null; Machine = $null }
$script:CatalogCache = @{ Path = $null; Stamp = $null; Value = $null }

$script:WindowsApplicationId = '55c92734-d682-4d71-983e-d6ec3f16059f'
$script:OfficeApplicationId = '0ff1ce15-a989-479d-af46-f275c6370663'
$script:NotAvailable = [uint32]4294967295
$script:AzureKmsNames = @('azkms.core.windows.net', 'kms.core.windows.net')

function Set-LabContext([string]$StateDir, [string]$Machine) {
    $script:LabContext.StateDir = $StateDir
    $script:LabContext.Machine = $Machine
}

function Get-LabStateDir {
    if ([string]::IsNullOrEmpty($script:LabContext.StateDir)) { throw 'KmsLab: no lab state directory selected.' }
    return $script:LabContext.StateDir
}

function Get-LabMachineName {
    if ([string]::IsNullOrEmpty($script:LabContext.Machine)) { throw 'KmsLab: no lab machine selected.' }
    return $script:LabContext.Machine
}

function Read-LabJson([string]$Path) {
    if (-not [System.IO.File]::Exists($Path)) { return $null }
    return [KmsLab.LabFast]::ParseJson([System.IO.File]::ReadAllText($Path))
}

function Write-LabJson([string]$Path, $Value) {
    $tmp = $Path + '.' + [guid]::NewGuid().ToString('N') + '.tmp'
    [System.IO.File]::WriteAllText($tmp, [KmsLab.LabFast]::ToJson($Value))
    [System.IO.File]::Move($tmp, $Path, $true)
}

function Use-LabLock([scriptblock]$Body) {
    $lock = [KmsLab.LabLock]::Acquire([System.IO.Path]::Combine((Get-LabStateDir), 'lab.lock'), 60000)
    try { return (& $Body) } finally { $lock.Dispose() }
}

function Get-LabMachinePath([string]$Name) {
    return ([System.IO.Path]::Combine((Get-LabStateDir), 'machines', ($Name.ToLowerInvariant() + '.json')))
}

# While Lab.advance replays time, machines stay in memory (one read, one write per machine).
$script:LabClock = $null
$script:MachineCache = $null

function Read-LabMachine([string]$Name) {
    if ($null -ne $script:MachineCache) {
        $key = $Name.ToLowerInvariant()
        if ($script:MachineCache.ContainsKey($key)) { return $script:MachineCache[$key] }
    }
    $m = Read-LabJson (Get-LabMachinePath $Name)
    if ($null -eq $m) { throw "KmsLab: no lab machine named '$Name'." }
    $list = New-Object System.Collections.ArrayList
    foreach ($p in @($m.products)) { if ($null -ne $p) { [void]$list.Add($p) } }
    $m.products = $list
    $m.firewall = @($m.firewall | Where-Object { $null -ne $_ })
    if ($null -ne $script:MachineCache) { $script:MachineCache[$Name.ToLowerInvariant()] = $m }
    return $m
}

function Test-LabMachine([string]$Name) {
    return [System.IO.File]::Exists((Get-LabMachinePath $Name))
}

function Save-LabMachine($Machine) {
    if ($null -ne $script:MachineCache) { $script:MachineCache[([string]$Machine.name).ToLowerInvariant()] = $Machine; return }
    Write-LabJson (Get-LabMachinePath $Machine.name) $Machine
}

function Get-LabMachineNames {
    $dir = [System.IO.Path]::Combine((Get-LabStateDir), 'machines')
    if (-not [System.IO.Directory]::Exists($dir)) { return @() }
    return @([System.IO.Directory]::GetFiles($dir, '*.json') | Sort-Object | ForEach-Object {
            (Read-LabJson $_).name
        })
}

$script:NetworkCache = @{ Path = $null; Stamp = $null; Value = $null }

function Read-LabNetwork {
    # Parsed again only when the file changed (it is read on every request). Callers that change it save
    # it at once (Save-LabNetwork), which changes the stamp.
    $path = [System.IO.Path]::Combine((Get-LabStateDir), 'network.json')
    $stamp = $null
    if ([System.IO.File]::Exists($path)) { $stamp = [System.IO.File]::GetLastWriteTimeUtc($path).Ticks }
    if ($script:NetworkCache.Path -eq $path -and $script:NetworkCache.Stamp -eq $stamp -and $null -ne $script:NetworkCache.Value) {
        return $script:NetworkCache.Value
    }
    $n = $null
    if ($null -ne $stamp) { $n = [KmsLab.LabFast]::ParseJson([System.IO.File]::ReadAllText($path)) }
    if ($null -eq $n) { $n = @{} }
    if ($null -eq $n.srv) { $n.srv = @{} }
    if ($null -eq $n.addresses) { $n.addresses = @{} }
    if ($null -eq $n.conditions) { $n.conditions = @{} }
    if ($null -eq $n.conditions.microsoftActivation) { $n.conditions.microsoftActivation = 'up' }
    $script:NetworkCache.Path = $path
    $script:NetworkCache.Stamp = $stamp
    $script:NetworkCache.Value = $n
    return $n
}

function Save-LabNetwork($Network) {
    Write-LabJson ([System.IO.Path]::Combine((Get-LabStateDir), 'network.json')) $Network
    $script:NetworkCache.Value = $null
}

function Get-LabCatalog {
    $path = [System.IO.Path]::Combine((Get-LabStateDir), 'catalog.json')
    $stamp = [System.IO.File]::GetLastWriteTimeUtc($path).Ticks
    if ($script:CatalogCache.Path -ne $path -or $script:CatalogCache.Stamp -ne $stamp) {
        $c = Read-LabJson $path
        if ($null -eq $c) { throw "KmsLab: no catalog at $path (the TypeScript Lab writes it)." }
        # Key -> product names (several releases share one setup key).
        $byKey = @{}
        foreach ($p in $c.products.Values) {
            if (-not $byKey.ContainsKey($p.setupKey)) { $byKey[$p.setupKey] = New-Object System.Collections.Generic.List[string] }
            $byKey[$p.setupKey].Add($p.name)
        }
        $c.productsByKey = $byKey
        $script:CatalogCache.Path = $path
        $script:CatalogCache.Stamp = $stamp
        $script:CatalogCache.Value = $c
    }
    return $script:CatalogCache.Value
}

function Get-LabNow {
    # Lab time: the real clock moved by conditions.clockOffsetDays (to test the 30-day window) and by
    # conditions.clockOffsetMinutes (Lab.advance: time passes). While Lab.advance replays what machines do
    # on their own, $script:LabClock holds the moment being replayed.
    if ($null -ne $script:LabClock) { return $script:LabClock }
    $n = Read-LabNetwork
    $offset = 0
    if ($null -ne $n.conditions.clockOffsetDays) { $offset = [double]$n.conditions.clockOffsetDays }
    $minutes = 0
    if ($null -ne $n.conditions.clockOffsetMinutes) { $minutes = [double]$n.conditions.clockOffsetMinutes }
    return [DateTime]::UtcNow.AddDays($offset).AddMinutes($minutes)
}

function ConvertFrom-LabTime($Text) {
    if ($null -eq $Text -or [string]$Text -eq '') { return $null }
    if ($Text -is [DateTime]) { return $Text.ToUniversalTime() }
    return [DateTime]::Parse([string]$Text, $null, [System.Globalization.DateTimeStyles]::RoundtripKind).ToUniversalTime()
}

function Get-LabDeterministicGuid([string]$Text) {
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try { $bytes = $sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($Text)) } finally { $sha.Dispose() }
    $g = New-Object byte[] 16
    [Array]::Copy($bytes, $g, 16)
    $g[7] = ($g[7] -band 0x0F) -bor 0x50
    $g[8] = ($g[8] -band 0x3F) -bor 0x80
    return ([guid]::new($g)).ToString()
}

function Add-LabChange($Machine, [string]$What) {
    if ($null -eq $Machine.lastRun) { $Machine.lastRun = @{ changed = @(); errorCode = $null } }
    $list = @($Machine.lastRun.changed)
    if ($list -notcontains $What) { $Machine.lastRun.changed = @($list + $What) }
}

function ConvertTo-LabUInt32([int64]$Code) {
    # PowerShell reads 0xC004F050 as a negative Int32; Windows reports HRESULTs as uint32.
    if ($Code -lt 0) { $Code = $Code + 4294967296 }
    return [uint32]$Code
}

function ConvertTo-LabHResultText([int64]$Code) {
    if ($Code -lt 0) { $Code = $Code + 4294967296 }
    return ('0x{0:X8}' -f $Code)
}

function New-LabCimErrorRecord([int64]$Code, [string]$Message, $Target, [string]$CommandName) {
    # As Windows reports a failed SPP method: a CimException whose ErrorData is an MSFT_WmiError instance
    # (error_Code = the HRESULT as uint32, MessageID "HRESULT 0x...") and FullyQualifiedErrorId
    # "HRESULT 0x...,Microsoft.Management.Infrastructure.CimCmdlets.<Command>Command".
    # conditions.cimErrors picks a leaner shape, since that error_Code is there is not documented:
    # "errorId" (no error_Code: the HRESULT only in the FullyQualifiedErrorId) or "message" (the HRESULT
    # only in the exception's message).
    if ($Code -lt 0) { $Code = $Code + 4294967296 }
    $hex = '0x{0:x}' -f $Code
    $shape = 'errorData'
    try { $c = (Read-LabNetwork).conditions.cimErrors; if (-not [string]::IsNullOrEmpty([string]$c)) { $shape = [string]$c } } catch { $shape = 'errorData' }
    $data = New-Object KmsLab.CimInstance('MSFT_WmiError', 'root/cimv2', $null, 'MessageID', ('HRESULT ' + $hex))
    $data.CimInstanceProperties.Add((New-Object KmsLab.CimProperty('CIMStatusCode', [uint32]1, 'UInt32')))
    $data.CimInstanceProperties.Add((New-Object KmsLab.CimProperty('error_Category', [uint16]0, 'UInt16')))
    if ($shape -eq 'errorData') {
        $data.CimInstanceProperties.Add((New-Object KmsLab.CimProperty('error_Code', [uint32]$Code, 'UInt32')))
    }
    $data.CimInstanceProperties.Add((New-Object KmsLab.CimProperty('error_Type', 'HRESULT', 'String')))
    $data.CimInstanceProperties.Add((New-Object KmsLab.CimProperty('error_WindowsErrorMessage', $Message, 'String')))
    $data.CimInstanceProperties.Add((New-Object KmsLab.CimProperty('Message', $Message, 'String')))
    $data.CimInstanceProperties.Add((New-Object KmsLab.CimProperty('MessageID', ('HRESULT ' + $hex), 'String')))
    $data.CimInstanceProperties.Add((New-Object KmsLab.CimProperty('OwningEntity', $null, 'String')))
    $idStart = 'HRESULT ' + $hex
    if ($shape -eq 'message') {
        $Message = ('The licensing call failed with error ' + ('0x{0:X8}' -f $Code) + '.')
        $idStart = 'MI RESULT 1'
        $data = $null
    }
    $ex = New-Object KmsLab.LabCimException($Message, $data, $idStart)
    $id = $idStart + ',Microsoft.Management.Infrastructure.CimCmdlets.' + $CommandName + 'Command'
    return (New-Object System.Management.Automation.ErrorRecord($ex, $id, [System.Management.Automation.ErrorCategory]::NotSpecified, $Target))
}

function Write-LabCmdletError($Cmdlet, [System.Management.Automation.ErrorRecord]$Record) {
    # A compiled cmdlet honours the caller's $ErrorActionPreference; a module function does not see it,
    # so read it from the caller's session state (as Get-CallerPreference does).
    $pref = $null
    if ($Cmdlet.MyInvocation.BoundParameters.ContainsKey('ErrorAction')) {
        $pref = [string]$Cmdlet.MyInvocation.BoundParameters['ErrorAction']
    } else {
        $pref = [string]$Cmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference')
    }
    # throw keeps the FullyQualifiedErrorId as given; ThrowTerminatingError would append the function name.
    if ($pref -eq 'Stop') { throw $Record }
    if ($pref -eq 'SilentlyContinue' -or $pref -eq 'Ignore') { return }
    $Cmdlet.WriteError($Record)
}
