# KMS lab: the NetSecurity firewall cmdlets. Dot-sourced by KmsLab.psm1. Sources: docs/lab.md ("Rules and their sources") and docs/sources.md.

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
    # Sources: [FWREG] (docs/sources.md).
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
    # Sources: [HOST], [FWREG] (docs/sources.md).
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
    # Sources: [HOST], [FWREG] (docs/sources.md).
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
