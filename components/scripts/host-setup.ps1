# host-setup.ps1 (pulumi-kms-activation)
<#
.SYNOPSIS
    Makes this Windows Server a KMS host: installs and activates the KMS host key (CSVLK), applies the
    host settings and opens the firewall for the KMS port. Safe to run again: it changes only what differs.

.DESCRIPTION
    Windows PowerShell 5.1, run as an administrator (Azure Run Command runs it as SYSTEM). It uses the
    documented CIM classes SoftwareLicensingService and SoftwareLicensingProduct instead of slmgr.vbs,
    whose output is translated per display language. Each step names the slmgr switch it replaces.

    Steps: read the current state -> install the host key only if the installed partial key or the
    channel (Volume:CSVLK) differs (slmgr /ipk) -> activate online if not licensed, retrying transient
    network errors (slmgr /ato) -> apply port, intervals, DNS publishing and priority where they differ
    (slmgr /sprt /sai /sri /cdns /sdns /cpri /spri) -> open the firewall for the port -> restart the
    Software Protection service only if something changed -> read back (slmgr /dlv).
    A host that cannot reach Microsoft's activation service says so, with the outbound-access fix.

    The helpers are in files next to this one, dot-sourced below (the copy Azure Run Command receives has
    them inlined): common.ps1 and licensing-service.ps1 (every script's), product-key.ps1, host-state.ps1
    (the host's state in the result), host-activation.ps1 (the host's product and online activation), host-firewall.ps1 and
    host-office.ps1 (Office mode). Parameters are named only (PositionalBinding = $false): a value cut at
    a space by a transport fails loudly instead of binding to another parameter.

    Everything before the last line is a log for people. The LAST line is one JSON object for tools.
    The host key is never printed: only its last five characters (partialProductKey).
    Exit code 0: this machine is an activated KMS host. 1: it is not (the message says why and the fix).
    2: a parameter is out of range.

    Office mode (OfficeVersion set): makes this KMS host activate one Office version too. It installs the
    Office Volume License Pack's license files from VolumeLicensePack (slmgr /ilc for each .xrm-ms file),
    installs the Office KMS host key given as HostKey (slmgr /ipk), activates it online (slmgr /ato) and
    reports that Office host license and its own count (Office clients are counted apart from Windows).
    The Windows host settings, firewall and service restart are left to the Windows run. The Office host
    license is found by what the licensing service reports (Office application 0ff1ce15-..., a name
    starting with "Office", a KMS_Host / VOLUME_KMS channel) and the key's last five characters, not by an
    activation ID: Microsoft's pages give two different ones for Office LTSC 2024.

.PARAMETER HostKey
    The KMS host key (CSVLK). Empty keeps the key that is installed. In Office mode: the Office KMS host key.

.PARAMETER OfficeVersion
    Empty: Windows mode. "2016", "2019", "LTSC 2021" or "LTSC 2024" ("LTSC2024" too): Office mode for
    that version.

.PARAMETER VolumeLicensePack
    Office mode only: where the Office Volume License Pack's license files are, a folder with the
    extracted .xrm-ms files or a .zip of them (a path on this machine or an http(s) URI). Empty (or 'none')
    when the pack is already installed. The pack's .exe cannot run unattended: Microsoft documents it only as an
    interactive installer that opens the Volume Activation Tools wizard. A value "base64:<text>" is the
    base64 of the UTF-8 path or URI (how the TypeScript side sends values with spaces).

.EXAMPLE
    $key = Read-Host -Prompt 'KMS host key'
    .\host-setup.ps1 -HostKey $key -Port 1688 -DnsPublishing false
.EXAMPLE
    $officeKey = Read-Host -Prompt 'Office LTSC 2024 KMS host key'
    .\host-setup.ps1 -HostKey $officeKey -OfficeVersion 'LTSC 2024' -VolumeLicensePack C:\vlpack\ltsc2024
#>
[CmdletBinding(PositionalBinding = $false)]
param(
    [string]$HostKey = '',
    [int]$Port = 1688,
    [int]$ActivationIntervalMinutes = 120,
    [int]$RenewalIntervalMinutes = 10080,
    [ValidateSet('true', 'false')][string]$DnsPublishing = 'false',
    [ValidateSet('true', 'false')][string]$LowPriority = 'false',
    [int]$ActivationRetries = 3,
    [int]$RetryDelaySeconds = 30,
    [string]$OfficeVersion = '',
    [string]$VolumeLicensePack = ''
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$ScriptName = 'host-setup'
$SecretTexts = @()
. "$PSScriptRoot\common.ps1"
. "$PSScriptRoot\licensing-service.ps1"
. "$PSScriptRoot\product-key.ps1"
. "$PSScriptRoot\host-state.ps1"
. "$PSScriptRoot\host-activation.ps1"
. "$PSScriptRoot\host-firewall.ps1"
. "$PSScriptRoot\host-office.ps1"

$OfficeVersions = @('2016', '2019', 'LTSC 2021', 'LTSC 2024')
$result = New-HostResult
$changed = New-Object System.Collections.Generic.List[string]

# --- Check the parameters (values unknown at preview are only checked here) -------------------------
$OfficeVersion = (ConvertFrom-ParameterValue -Value $OfficeVersion).Trim()
# "LTSC2024" (as the TypeScript side sends it: Run Command cuts values at spaces) is "LTSC 2024".
if ($OfficeVersion -match '^LTSC\s*([0-9]{4})$') { $OfficeVersion = 'LTSC ' + $Matches[1] }
$VolumeLicensePack = (ConvertFrom-ParameterValue -Value $VolumeLicensePack).Trim()
$HostKey = ConvertTo-ProductKey -Key $HostKey
$SecretTexts = @($HostKey, $VolumeLicensePack)
$problems = @(@(
    (Get-RangeError -Name 'Port' -Value $Port -Min 1 -Max 65535 -Allowed 'an integer from 1 to 65535 (the KMS default is 1688)'),
    (Get-RangeError -Name 'ActivationIntervalMinutes' -Value $ActivationIntervalMinutes -Min 15 -Max 43200 -Allowed 'a whole number of minutes from 15 to 43200 (30 days)'),
    (Get-RangeError -Name 'RenewalIntervalMinutes' -Value $RenewalIntervalMinutes -Min 15 -Max 43200 -Allowed 'a whole number of minutes from 15 to 43200 (30 days)'),
    (Get-RangeError -Name 'ActivationRetries' -Value $ActivationRetries -Min 0 -Max 10 -Allowed 'an integer from 0 to 10'),
    (Get-RangeError -Name 'RetryDelaySeconds' -Value $RetryDelaySeconds -Min 0 -Max 600 -Allowed 'a whole number of seconds from 0 to 600'),
    (Get-ProductKeyError -Name 'HostKey' -Key $HostKey)
) | Where-Object { $null -ne $_ })
# 'none' = '' (a protected parameter cannot be empty): the pack is already installed.
if ($VolumeLicensePack -eq 'none') { $VolumeLicensePack = '' }
if ($OfficeVersion -ne '' -and $OfficeVersions -notcontains $OfficeVersion) {
    $problems = @($problems) + @('OfficeVersion must be "2016", "2019", "LTSC 2021", "LTSC 2024" or empty (Windows); received "' + $OfficeVersion + '".')
}
if ($OfficeVersion -ne '' -and $VolumeLicensePack -match '\.(exe|msi|img|iso)$') {
    $problems = @($problems) + @('VolumeLicensePack must be a folder or .zip with the extracted .xrm-ms license files of the Volume License Pack, not its installer, which runs only interactively (see docs/office.md).')
}
if ($OfficeVersion -ne '' -and $HostKey -eq '') {
    $problems = @($problems) + @('HostKey must be the Office ' + $OfficeVersion + ' KMS host key when OfficeVersion is set; received nothing.')
}
if (@($problems).Count -gt 0) {
    $result.message = (@($problems) -join ' ')
    Exit-WithResult -Result $result -Changed $changed -ExitCode 2
}

# --- Datacenter: Azure Edition cannot be a KMS host -----------------------------------------------------
# Microsoft's KMS activation planning page (footnote 1): Azure Edition "is activated by Azure and can't be
# configured as a KMS host". Checked before any key is installed, so that nothing is spent or changed.
try {
    $os = Get-CimInstance -ClassName Win32_OperatingSystem
    if (([string]$os.Caption) -like '*Azure Edition*') {
        $result.message = 'This machine runs ' + ([string]$os.Caption).Trim() + ', which cannot be a KMS host: Microsoft''s KMS activation planning page says Azure Edition is activated by Azure and can''t be configured as a KMS host. Fix: run the KMS host on a VM of Windows Server Datacenter or Standard (not Azure Edition); Azure Edition VMs activate with Azure''s own KMS.'
        Exit-WithResult -Result $result -Changed $changed -ExitCode 1
    }
} catch {
    Exit-WithUnexpectedFailure -Result $result -Changed $changed -ErrorRecord $_
}

if ($OfficeVersion -ne '') {
    try {
        $exitCode = Invoke-OfficeHostSetup -Result $result -HostKey $HostKey -OfficeVersion $OfficeVersion -VolumeLicensePack $VolumeLicensePack -ActivationRetries $ActivationRetries -RetryDelaySeconds $RetryDelaySeconds -Changed $changed
    } catch {
        Exit-WithUnexpectedFailure -Result $result -Changed $changed -ErrorRecord $_
    }
    Exit-WithResult -Result $result -Changed $changed -ExitCode $exitCode
}

$wantDnsPublishing = ($DnsPublishing -eq 'true')
$wantLowPriority = ($LowPriority -eq 'true')

try {
    # --- Read the current state (slmgr /dlv) -------------------------------------------------------
    $service = Get-LicensingService
    $product = Get-HostProduct
    if ($null -ne $product) {
        Write-Log -Text ("Installed: " + $product.Name + ", channel " + $product.ProductKeyChannel + ", key ending in " + $product.PartialProductKey + ", status " + (Get-LicenseStatusName -Code $product.LicenseStatus) + '.')
    } else {
        Write-Log -Text 'No Windows product key is installed.'
    }

    # --- Install the host key only if it differs (slmgr /ipk <CSVLK>) ------------------------------
    if ($HostKey -ne '') {
        $tail = $HostKey.Substring($HostKey.Length - 5)
        $sameKey = ($null -ne $product -and $product.PartialProductKey -eq $tail -and $product.ProductKeyChannel -eq 'Volume:CSVLK')
        if (-not $sameKey) {
            if (-not (Install-ProductKey -Service $service -Key $HostKey -What 'KMS host key' -Result $result -Changed $changed)) {
                Exit-WithResult -Result $result -Changed $changed -ExitCode 1
            }
            $service = Get-LicensingService
            $product = Get-HostProduct
        } else {
            Write-Log -Text 'The KMS host key is already installed.'
        }
    }

    if ($null -eq $product -or $product.ProductKeyChannel -ne 'Volume:CSVLK') {
        $result.errorCode = '0xC004F014'
        $result.message = 'No KMS host key (Volume:CSVLK) is installed; pass HostKey. ' + (Get-ErrorDescription -Code '0xC004F014')
        Exit-WithResult -Result $result -Changed $changed -ExitCode 1
    }

    # --- Activate online if not licensed, with bounded retries (slmgr /ato) -------------------------
    $activationError = $null
    if ((Get-SppNumber -Value $product.LicenseStatus) -ne 1) {
        $activationError = Invoke-Activation -Product $product -What 'KMS host key' -ActivationRetries $ActivationRetries -RetryDelaySeconds $RetryDelaySeconds -Changed $changed
        Invoke-SppMethod -InputObject $service -MethodName RefreshLicenseStatus
        $service = Get-LicensingService
        $product = Get-HostProduct
    }

    if ((Get-SppNumber -Value $product.LicenseStatus) -eq 1) {
        # --- Host settings, only where they differ ----------------------------------------------------
        # The listening port reads 0 until it has been set: 0 means the default 1688.
        $currentPort = Get-PortOrDefault -Value $service.KeyManagementServiceListeningPort
        if ($currentPort -ne $Port) {
            # slmgr /sprt <port>
            Write-Log -Text ("Setting the listening port to " + $Port + ' (was ' + $currentPort + ').')
            Invoke-SppMethod -InputObject $service -MethodName SetKeyManagementServiceListeningPort -Arguments @{ PortNumber = [uint32]$Port }
            $changed.Add('port')
        }
        # The interval setters are host-only methods: this machine holds an activated CSVLK here.
        if ((Get-SppNumber -Value $service.VLActivationInterval) -ne $ActivationIntervalMinutes) {
            # slmgr /sai <minutes>
            Write-Log -Text ("Setting the activation interval to " + $ActivationIntervalMinutes + ' minutes.')
            Invoke-SppMethod -InputObject $service -MethodName SetVLActivationInterval -Arguments @{ ActivationInterval = [uint32]$ActivationIntervalMinutes }
            $changed.Add('activationInterval')
        }
        if ((Get-SppNumber -Value $service.VLRenewalInterval) -ne $RenewalIntervalMinutes) {
            # slmgr /sri <minutes>
            Write-Log -Text ("Setting the renewal interval to " + $RenewalIntervalMinutes + ' minutes.')
            Invoke-SppMethod -InputObject $service -MethodName SetVLRenewalInterval -Arguments @{ RenewalInterval = [uint32]$RenewalIntervalMinutes }
            $changed.Add('renewalInterval')
        }
        if ([bool]$service.KeyManagementServiceDnsPublishing -ne $wantDnsPublishing) {
            # slmgr /cdns (disable) or /sdns (enable). Azure DNS takes no dynamic updates: keep it off there.
            Write-Log -Text ("Setting DNS publishing to " + $DnsPublishing + '.')
            Invoke-SppMethod -InputObject $service -MethodName DisableKeyManagementServiceDnsPublishing -Arguments @{ DisablePublishing = (-not $wantDnsPublishing) }
            $changed.Add('dnsPublishing')
        }
        if ([bool]$service.KeyManagementServiceLowPriority -ne $wantLowPriority) {
            # slmgr /cpri (low priority) or /spri (normal priority)
            Write-Log -Text ("Setting low priority to " + $LowPriority + '.')
            Invoke-SppMethod -InputObject $service -MethodName EnableKeyManagementServiceLowPriority -Arguments @{ EnableLowPriority = $wantLowPriority }
            $changed.Add('lowPriority')
        }

        # --- Firewall for the port (Set-NetFirewallRule -Name SPPSVC-In-TCP -Enabled True) ------------
        $firewall = Set-KmsFirewall -ListeningPort $Port
        $result.firewallRule = $firewall.RuleName
        if ($firewall.Changed) {
            Write-Log -Text ("Firewall rule " + $firewall.RuleName + ' allows TCP ' + $Port + ' to the KMS program.')
            $changed.Add('firewall')
        }

        # --- Restart the Software Protection service if anything changed -------------------------------
        # net stop sppsvc && net start sppsvc
        $needsRestart = @($changed | Where-Object { $_ -ne 'firewall' }).Count -gt 0
        if ($needsRestart) {
            Write-Log -Text 'Restarting the Software Protection service (sppsvc).'
            Stop-Service -Name sppsvc -Force
            Start-Service -Name sppsvc
            $result.serviceRestarted = $true
        }

        # --- Read back (slmgr /dlv) --------------------------------------------------------------------
        $service = Get-LicensingService
        $product = Get-HostProduct
    }

    Set-HostResult -Result $result -Service $service -Product $product
    $exitCode = Complete-HostResult -Result $result -Product $product -What 'KMS host key' -ActivationError $activationError -Attempts ($ActivationRetries + 1)
    if ($result.ok) {
        $result.message = 'This machine is an activated KMS host listening on TCP ' + $result.port + '; ' + (Get-CountText -Count $result.currentCount) + '.'
    }
    Exit-WithResult -Result $result -Changed $changed -ExitCode $exitCode
} catch {
    Exit-WithUnexpectedFailure -Result $result -Changed $changed -ErrorRecord $_
}
