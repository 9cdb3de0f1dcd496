# host-firewall.ps1, a helper file (see common.ps1) for host-setup.ps1: the Windows Firewall rule for the
# KMS port. Exactly the listening port is open, for the KMS program only, from any address: the NSG limits
# the sources.

$FirewallGroup = 'KMS activation (pulumi-kms-activation)'
# The rule Windows ships for KMS: "Key Management Service (TCP-In)", group "Key Management Service",
# program %SystemRoot%\system32\sppextcomobj.exe (the KMS connection broker), TCP 1688, disabled by default,
# profiles Private and Public, remote address LocalSubnet: as shipped it admits only the host's own subnet.
$BuiltInFirewallRule = 'SPPSVC-In-TCP'
$KmsProgram = '%SystemRoot%\system32\sppextcomobj.exe'

function Test-AnyRemoteAddress {
    # True when the rule admits every remote address (the NSG is the gate), not only LocalSubnet or a list.
    [CmdletBinding()]
    param([psobject]$Rule)
    $filter = $Rule | Get-NetFirewallAddressFilter
    $remote = @($filter.RemoteAddress | ForEach-Object { [string]$_ })
    return ($remote.Count -eq 1 -and $remote[0] -eq 'Any')
}

function Set-KmsFirewall {
    # Returns { RuleName, Changed }: the rule that opens the port, and whether this run changed a rule.
    # Exactly the listening port is open, for the KMS program only, from any remote address: clients in
    # other subnets and peered VNets reach the host; the NSG limits the sources.
    # Every run checks the profiles and the remote address scope, so a rule left at LocalSubnet is fixed.
    # - 1688: the built-in rule SPPSVC-In-TCP (Microsoft's "Create a KMS host" enables it).
    # - another port: our own rule, scoped to sppextcomobj.exe as the built-in rule is, and the built-in
    #   rule disabled, since it opens TCP 1688, where the service no longer listens.
    # Rules of our group for other ports are disabled, so a port change does not leave the old port open.
    [CmdletBinding()]
    param([int]$ListeningPort)
    $changed = $false
    $ownId = "KMS-TCP-$ListeningPort"
    $builtIn = Get-NetFirewallRule -Name $BuiltInFirewallRule -ErrorAction SilentlyContinue
    if ($ListeningPort -eq 1688 -and $null -ne $builtIn) {
        # A workgroup VM in Azure sees its network as Public, so the rule is enabled for every profile.
        $ruleName = $BuiltInFirewallRule
        $ownId = ''
        if ([string]$builtIn.Enabled -ne 'True' -or [string]$builtIn.Profile -ne 'Any' -or -not (Test-AnyRemoteAddress -Rule $builtIn)) {
            Set-NetFirewallRule -Name $BuiltInFirewallRule -Enabled True -Profile Any -RemoteAddress Any
            $changed = $true
        }
    } else {
        if ($null -ne $builtIn -and [string]$builtIn.Enabled -eq 'True') {
            Write-Log -Text ('Disabling ' + $BuiltInFirewallRule + ': it opens TCP 1688, and the service listens on ' + $ListeningPort + '.')
            Disable-NetFirewallRule -Name $BuiltInFirewallRule
            $changed = $true
        }
        $ruleName = "KMS (TCP $ListeningPort)"
        $rule = Get-NetFirewallRule -Name $ownId -ErrorAction SilentlyContinue
        if ($null -eq $rule) {
            New-NetFirewallRule -Name $ownId -DisplayName $ruleName -Group $FirewallGroup -Direction Inbound -Action Allow -Protocol TCP -LocalPort $ListeningPort -Program $KmsProgram -Profile Any -RemoteAddress Any | Out-Null
            $changed = $true
        } else {
            $ports = $rule | Get-NetFirewallPortFilter
            $program = $rule | Get-NetFirewallApplicationFilter
            if ([string]$rule.Enabled -ne 'True' -or [string]$rule.Action -ne 'Allow' -or [string]$rule.Profile -ne 'Any' -or [string]$ports.LocalPort -ne [string]$ListeningPort -or [string]$ports.Protocol -ne 'TCP' -or [string]$program.Program -ne $KmsProgram -or -not (Test-AnyRemoteAddress -Rule $rule)) {
                Set-NetFirewallRule -Name $ownId -Enabled True -Action Allow -Protocol TCP -LocalPort $ListeningPort -Program $KmsProgram -Profile Any -RemoteAddress Any
                $changed = $true
            }
        }
    }
    $others = @(Get-NetFirewallRule -Group $FirewallGroup -ErrorAction SilentlyContinue | Where-Object { $_.Name -ne $ownId -and [string]$_.Enabled -eq 'True' })
    foreach ($other in $others) {
        Disable-NetFirewallRule -Name $other.Name
        $changed = $true
    }
    return [pscustomobject]@{ RuleName = $ruleName; Changed = $changed }
}
