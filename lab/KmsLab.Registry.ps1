# KMS lab: the registry of each machine (HKLM:, HKCU:, Registry::HKEY_...), kept in its state file.
# pwsh on Linux has no registry provider. These stand-ins handle registry paths as Windows PowerShell's
# registry provider does (PowerShell RegistryProvider.cs) and pass every other path to the real cmdlet.
# Dot-sourced by KmsLab.psm1.

function ConvertTo-LabRegistryKey([string]$Path) {
    # 'HKLM:\SOFTWARE\x' -> 'HKEY_LOCAL_MACHINE\SOFTWARE\x'; $null when the path is not a registry path.
    if ($null -eq $Path) { return $null }
    $p = $Path.Trim()
    $m = [regex]::Match($p, '^(?:Microsoft\.PowerShell\.Core\\)?Registry::(.+)$', 'IgnoreCase')
    if ($m.Success) { $p = $m.Groups[1].Value }
    $m = [regex]::Match($p, '^(HKLM|HKCU|HKEY_LOCAL_MACHINE|HKEY_CURRENT_USER)(:)?(\\.*)?$', 'IgnoreCase')
    if (-not $m.Success) { return $null }
    $hive = 'HKEY_LOCAL_MACHINE'
    if ($m.Groups[1].Value -match '^(HKCU|HKEY_CURRENT_USER)$') { $hive = 'HKEY_CURRENT_USER' }
    $rest = ($m.Groups[3].Value -replace '\\+', '\').Trim('\')
    if ($rest -eq '') { return $hive }
    return ($hive + '\' + $rest)
}

function Get-LabRegistry($Machine) {
    if ($null -eq $Machine.registry) { $Machine.registry = @{} }
    return $Machine.registry
}

function Test-LabRegistryKey($Machine, [string]$Key) {
    # Hives and the keys every Windows has exist; the rest are what scripts created.
    if ($Key -match '^HKEY_(LOCAL_MACHINE|CURRENT_USER)(\\(SOFTWARE|SYSTEM))?$') { return $true }
    return (Get-LabRegistry $Machine).ContainsKey($Key)
}

function Get-LabRegistryParent([string]$Key) {
    $i = $Key.LastIndexOf('\')
    if ($i -lt 0) { return $null }
    return $Key.Substring(0, $i)
}

function Write-LabPathNotFound($Cmdlet, [string]$Path) {
    $ex = New-Object System.Management.Automation.ItemNotFoundException("Cannot find path '$Path' because it does not exist.")
    Write-LabCmdletError $Cmdlet (New-Object System.Management.Automation.ErrorRecord($ex, 'PathNotFound', 'ObjectNotFound', $Path))
}

function New-LabRegistryItemObject([string]$Key, $Values, [string[]]$Names) {
    $o = [ordered]@{}
    foreach ($n in $Names) { $o[$n] = $Values[$n] }
    $o.PSPath = 'Microsoft.PowerShell.Core\Registry::' + $Key
    $o.PSParentPath = 'Microsoft.PowerShell.Core\Registry::' + (Get-LabRegistryParent $Key)
    $o.PSChildName = $Key.Substring($Key.LastIndexOf('\') + 1)
    $o.PSProvider = 'Microsoft.PowerShell.Core\Registry'
    return [pscustomobject]$o
}

function Get-ItemProperty {
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'Path', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][string[]]$Path,
        [Parameter(ParameterSetName = 'LiteralPath', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('PSPath', 'LP')][string[]]$LiteralPath,
        [Parameter(Position = 1)][Alias('PSProperty')][string[]]$Name
    )
    process {
        $paths = $Path
        if ($PSCmdlet.ParameterSetName -eq 'LiteralPath') { $paths = $LiteralPath }
        foreach ($p in $paths) {
            $key = ConvertTo-LabRegistryKey $p
            if ($null -eq $key) {
                $bound = @{} + $PSBoundParameters
                if ($PSCmdlet.ParameterSetName -eq 'LiteralPath') { $bound.LiteralPath = @($p) } else { $bound.Path = @($p) }
                Microsoft.PowerShell.Management\Get-ItemProperty @bound
                continue
            }
            $m = Read-LabMachine (Get-LabMachineName)
            if (-not (Test-LabRegistryKey $m $key)) { Write-LabPathNotFound $PSCmdlet $p; continue }
            $values = (Get-LabRegistry $m)[$key]
            if ($null -eq $values) { $values = @{} }
            $names = @($values.Keys | Sort-Object)
            if ($null -ne $Name) {
                $missing = @($Name | Where-Object { -not $values.ContainsKey($_) })
                if ($missing.Count -gt 0) {
                    foreach ($n in $missing) {
                        $ex = New-Object System.Management.Automation.PSArgumentException("Property $n does not exist at path $key.")
                        Write-LabCmdletError $PSCmdlet (New-Object System.Management.Automation.ErrorRecord($ex, 'System.Management.Automation.PSArgumentException,Microsoft.PowerShell.Commands.GetItemPropertyCommand', 'InvalidArgument', $n))
                    }
                    $names = @($Name | Where-Object { $values.ContainsKey($_) })
                    if ($names.Count -eq 0) { continue }
                } else {
                    $names = $Name
                }
            }
            New-LabRegistryItemObject $key $values $names
        }
    }
}

function Set-LabRegistryValue($Cmdlet, [string]$Path, [string]$Name, $Value, [bool]$MustBeNew) {
    $key = ConvertTo-LabRegistryKey $Path
    Use-LabLock {
        $m = Read-LabMachine (Get-LabMachineName)
        if (-not (Test-LabRegistryKey $m $key)) { $script:__regMissing = $true; return }
        $reg = Get-LabRegistry $m
        if ($null -eq $reg[$key]) { $reg[$key] = @{} }
        $v = $Value
        if ($v -is [System.Management.Automation.PSObject]) { $v = $v.psobject.BaseObject }
        if ($null -ne $v -and -not ($v -is [string] -or $v -is [int] -or $v -is [long] -or $v -is [bool])) { $v = [string]$v }
        $reg[$key][$Name] = $v
        Save-LabMachine $m
    }
    if ($script:__regMissing) {
        $script:__regMissing = $false
        Write-LabPathNotFound $Cmdlet $Path
    }
}

function Set-ItemProperty {
    [CmdletBinding(DefaultParameterSetName = 'propertyValuePathSet')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'propertyValuePathSet', Mandatory = $true)][string[]]$Path,
        [Parameter(ParameterSetName = 'propertyValueLiteralPathSet', Mandatory = $true)][Alias('PSPath', 'LP')][string[]]$LiteralPath,
        [Parameter(Position = 1, Mandatory = $true)][Alias('PSProperty')][string]$Name,
        [Parameter(Position = 2, Mandatory = $true)][AllowNull()][AllowEmptyString()]$Value,
        [string]$Type,
        [switch]$PassThru,
        [switch]$Force
    )
    $paths = $Path
    if ($PSCmdlet.ParameterSetName -eq 'propertyValueLiteralPathSet') { $paths = $LiteralPath }
    foreach ($p in $paths) {
        if ($null -eq (ConvertTo-LabRegistryKey $p)) {
            $bound = @{} + $PSBoundParameters
            if ($PSCmdlet.ParameterSetName -eq 'propertyValueLiteralPathSet') { $bound.LiteralPath = @($p) } else { $bound.Path = @($p) }
            Microsoft.PowerShell.Management\Set-ItemProperty @bound
            continue
        }
        Set-LabRegistryValue $PSCmdlet $p $Name $Value $false
    }
}

function New-ItemProperty {
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'Path', Mandatory = $true)][string[]]$Path,
        [Parameter(ParameterSetName = 'LiteralPath', Mandatory = $true)][Alias('PSPath', 'LP')][string[]]$LiteralPath,
        [Parameter(Mandatory = $true)][Alias('PSProperty')][string]$Name,
        [Alias('Type')][string]$PropertyType,
        $Value,
        [switch]$Force
    )
    $paths = $Path
    if ($PSCmdlet.ParameterSetName -eq 'LiteralPath') { $paths = $LiteralPath }
    foreach ($p in $paths) {
        if ($null -eq (ConvertTo-LabRegistryKey $p)) {
            $bound = @{} + $PSBoundParameters
            if ($PSCmdlet.ParameterSetName -eq 'LiteralPath') { $bound.LiteralPath = @($p) } else { $bound.Path = @($p) }
            Microsoft.PowerShell.Management\New-ItemProperty @bound
            continue
        }
        Set-LabRegistryValue $PSCmdlet $p $Name $Value $true
    }
}

function New-Item {
    [CmdletBinding(DefaultParameterSetName = 'pathSet')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'pathSet', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [Parameter(Position = 0, ParameterSetName = 'nameSet', ValueFromPipelineByPropertyName = $true)][string[]]$Path,
        [Parameter(ParameterSetName = 'nameSet', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][AllowNull()][AllowEmptyString()][string]$Name,
        [Alias('Type')][string]$ItemType,
        [Parameter(ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)][Alias('Target')]$Value,
        [switch]$Force
    )
    process {
        $targets = @($Path)
        if ($PSCmdlet.ParameterSetName -eq 'nameSet') {
            if ($null -eq $Path -or @($Path).Count -eq 0) { $targets = @($Name) } else { $targets = @($Path | ForEach-Object { $_.TrimEnd('\', '/') + '\' + $Name }) }
        }
        foreach ($t in $targets) {
            $key = ConvertTo-LabRegistryKey $t
            if ($null -eq $key) {
                $bound = @{} + $PSBoundParameters
                Microsoft.PowerShell.Management\New-Item @bound
                return
            }
            $result = Use-LabLock {
                $m = Read-LabMachine (Get-LabMachineName)
                $reg = Get-LabRegistry $m
                if (Test-LabRegistryKey $m $key) {
                    if (-not $Force) { return 'exists' }
                    # -Force removes the existing key, values included, before creating it again
                    # (RegistryProvider.NewItem: "Remove the existing key before creating the new one").
                    $reg.Remove($key)
                }
                $parent = Get-LabRegistryParent $key
                if (-not (Test-LabRegistryKey $m $parent)) {
                    if (-not $Force) { return 'noparent' }
                    while ($null -ne $parent -and -not (Test-LabRegistryKey $m $parent)) {
                        $reg[$parent] = @{}
                        $parent = Get-LabRegistryParent $parent
                    }
                }
                $reg[$key] = @{}
                if ($null -ne $Value) { $reg[$key]['(default)'] = [string]$Value }
                Save-LabMachine $m
                return 'created'
            }
            if ($result -eq 'exists') {
                $ex = New-Object System.IO.IOException('A key at this path already exists.')
                Write-LabCmdletError $PSCmdlet (New-Object System.Management.Automation.ErrorRecord($ex, 'System.IO.IOException,Microsoft.PowerShell.Commands.NewItemCommand', 'ResourceExists', $t))
                continue
            }
            if ($result -eq 'noparent') { Write-LabPathNotFound $PSCmdlet $t; continue }
            $o = [pscustomobject]@{ Name = $key; PSPath = 'Microsoft.PowerShell.Core\Registry::' + $key; PSChildName = $key.Substring($key.LastIndexOf('\') + 1); SubKeyCount = 0; ValueCount = 0 }
            $o.PSObject.TypeNames.Insert(0, 'Microsoft.Win32.RegistryKey')
            $o
        }
    }
}

function Test-Path {
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'Path', Mandatory = $true, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)][AllowNull()][AllowEmptyCollection()][AllowEmptyString()][string[]]$Path,
        [Parameter(ParameterSetName = 'LiteralPath', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('PSPath', 'LP')][AllowNull()][AllowEmptyCollection()][AllowEmptyString()][string[]]$LiteralPath,
        [string]$Filter,
        [string[]]$Include,
        [string[]]$Exclude,
        [Alias('Type')][Microsoft.PowerShell.Commands.TestPathType]$PathType = 'Any',
        [switch]$IsValid,
        [Nullable[datetime]]$OlderThan,
        [Nullable[datetime]]$NewerThan
    )
    process {
        $paths = $Path
        if ($PSCmdlet.ParameterSetName -eq 'LiteralPath') { $paths = $LiteralPath }
        foreach ($p in @($paths)) {
            $key = ConvertTo-LabRegistryKey $p
            if ($null -eq $key) {
                $bound = @{} + $PSBoundParameters
                if ($PSCmdlet.ParameterSetName -eq 'LiteralPath') { $bound.LiteralPath = @($p) } else { $bound.Path = @($p) }
                Microsoft.PowerShell.Management\Test-Path @bound
                continue
            }
            if ($IsValid) { $true; continue }
            $exists = Test-LabRegistryKey (Read-LabMachine (Get-LabMachineName)) $key
            if ([string]$PathType -eq 'Leaf') { $false } else { $exists }
        }
    }
}
