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

    The helpers shared with the other scripts are in common.ps1, next to this file (dot-sourced below;
    the copy Azure Run Command receives has them inlined). Parameters are named only
    (PositionalBinding = $false): a value cut at a space by a transport fails loudly instead of binding
    to another parameter.

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

$FirewallGroup = 'KMS activation (pulumi-kms-activation)'
# The rule Windows ships for KMS: "Key Management Service (TCP-In)", group "Key Management Service",
# program %SystemRoot%\system32\sppextcomobj.exe (the KMS connection broker), TCP 1688, disabled by default.
$BuiltInFirewallRule = 'SPPSVC-In-TCP'
$KmsProgram = '%SystemRoot%\system32\sppextcomobj.exe'
$OfficeVersions = @('2016', '2019', 'LTSC 2021', 'LTSC 2024')

function Get-HostProduct {
    # The Windows product holding a key: the CSVLK when there is one, else the main (non add-on) product.
    $filter = "ApplicationID='$WindowsApplicationId' AND PartialProductKey IS NOT NULL"
    $products = @(Get-CimInstance -ClassName SoftwareLicensingProduct -Filter $filter)
    $csvlk = @($products | Where-Object { $_.ProductKeyChannel -eq 'Volume:CSVLK' -or $_.Description -like '*VOLUME_KMS_*' -or $_.Description -like '*VOLUME_KMS channel*' })
    if ($csvlk.Count -gt 0) { return $csvlk[0] }
    $main = @($products | Where-Object { -not $_.LicenseIsAddon })
    if ($main.Count -gt 0) { return $main[0] }
    return $null
}

function Set-KmsFirewall([int]$ListeningPort) {
    # Returns @(rule name, changed). Exactly the listening port is open, for the KMS program only:
    # - 1688: the built-in rule SPPSVC-In-TCP (Microsoft's "Create a KMS host" enables it).
    # - another port: our own rule, scoped to sppextcomobj.exe as the built-in rule is, and the built-in
    #   rule disabled, since it opens TCP 1688, where the service no longer listens.
    # Rules of our group for other ports are disabled, so a port change does not leave the old port open.
    $changed = $false
    $ownId = "KMS-TCP-$ListeningPort"
    $builtIn = Get-NetFirewallRule -Name $BuiltInFirewallRule -ErrorAction SilentlyContinue
    if ($ListeningPort -eq 1688 -and $null -ne $builtIn) {
        # A workgroup VM in Azure sees its network as Public, so the rule is enabled for every profile;
        # the NSG limits the sources.
        $ruleName = $BuiltInFirewallRule
        $ownId = ''
        if ([string]$builtIn.Enabled -ne 'True' -or [string]$builtIn.Profile -ne 'Any') {
            Set-NetFirewallRule -Name $BuiltInFirewallRule -Enabled True -Profile Any
            $changed = $true
        }
    } else {
        if ($null -ne $builtIn -and [string]$builtIn.Enabled -eq 'True') {
            Write-Log ('Disabling ' + $BuiltInFirewallRule + ': it opens TCP 1688, and the service listens on ' + $ListeningPort + '.')
            Disable-NetFirewallRule -Name $BuiltInFirewallRule
            $changed = $true
        }
        $ruleName = "KMS (TCP $ListeningPort)"
        $rule = Get-NetFirewallRule -Name $ownId -ErrorAction SilentlyContinue
        if ($null -eq $rule) {
            New-NetFirewallRule -Name $ownId -DisplayName $ruleName -Group $FirewallGroup -Direction Inbound -Action Allow -Protocol TCP -LocalPort $ListeningPort -Program $KmsProgram -Profile Any | Out-Null
            $changed = $true
        } else {
            $ports = $rule | Get-NetFirewallPortFilter
            $program = $rule | Get-NetFirewallApplicationFilter
            if ([string]$rule.Enabled -ne 'True' -or [string]$rule.Action -ne 'Allow' -or [string]$rule.Profile -ne 'Any' -or [string]$ports.LocalPort -ne [string]$ListeningPort -or [string]$ports.Protocol -ne 'TCP' -or [string]$program.Program -ne $KmsProgram) {
                Set-NetFirewallRule -Name $ownId -Enabled True -Action Allow -Protocol TCP -LocalPort $ListeningPort -Program $KmsProgram -Profile Any
                $changed = $true
            }
        }
    }
    $others = @(Get-NetFirewallRule -Group $FirewallGroup -ErrorAction SilentlyContinue | Where-Object { $_.Name -ne $ownId -and [string]$_.Enabled -eq 'True' })
    foreach ($other in $others) {
        Disable-NetFirewallRule -Name $other.Name
        $changed = $true
    }
    return @($ruleName, $changed)
}

function Get-OfficeHostProducts {
    # Office KMS host licenses as the licensing service lists them (slmgr /dlv all): the Office application,
    # a name starting with "Office" and a KMS host channel ("Office 16, OfficeKMSHostVL_KMS_Host edition",
    # "Office 16, VOLUME_KMS channel").
    $all = @(Get-CimInstance -ClassName SoftwareLicensingProduct -Filter "Name LIKE 'Office%'")
    return @($all | Where-Object {
        ([string]$_.ApplicationID) -like $OfficeApplicationIdPattern -and (
            ([string]$_.Description) -like '*KMS_Host*' -or ([string]$_.Name) -like '*KMS_Host*' -or ([string]$_.Description) -like '*VOLUME_KMS*')
    })
}

function Get-OfficeHostProduct([string]$Tail) {
    # The Office host license holding the key that ends in $Tail, or $null.
    $withKey = @(Get-OfficeHostProducts | Where-Object { $_.PartialProductKey -eq $Tail })
    if ($withKey.Count -gt 0) { return $withKey[0] }
    return $null
}

function Get-LicensePackFolder([string]$Source, [string]$WorkFolder) {
    # The folder holding the pack's .xrm-ms license files: the folder given, or a .zip (a path on this
    # machine or an http(s) URI) expanded under $WorkFolder. The URI is never logged: it may carry a token.
    $zip = $Source
    if ($Source -match '^https?://') {
        New-Item -ItemType Directory -Force -Path $WorkFolder | Out-Null
        $zip = Join-Path $WorkFolder 'volume-license-pack.zip'
        Write-Log 'Downloading the Volume License Pack files (URI not shown).'
        [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
        Invoke-WebRequest -Uri $Source -OutFile $zip -UseBasicParsing
    }
    if (Test-Path -LiteralPath $zip -PathType Container) { return $zip }
    if (-not (Test-Path -LiteralPath $zip -PathType Leaf)) { return $null }
    $expanded = Join-Path $WorkFolder 'files'
    if (Test-Path -LiteralPath $expanded) { Remove-Item -LiteralPath $expanded -Recurse -Force }
    Expand-Archive -LiteralPath $zip -DestinationPath $expanded -Force
    return $expanded
}

function Invoke-Activation($Product, [string]$What) {
    # Online activation with Microsoft, with bounded retries on network errors (slmgr /ato <activation ID>).
    # Returns $null on success, else the error code.
    $attempt = 0
    while ($true) {
        $attempt++
        Write-Log ('Activating the ' + $What + ' online (attempt ' + $attempt + ' of ' + ($ActivationRetries + 1) + ').')
        try {
            Invoke-SppMethod $Product -MethodName Activate
            $changed.Add('activation')
            return $null
        } catch {
            $code = Get-ErrorCode $_
            if ($attempt -le $ActivationRetries -and (Test-NetworkErrorCode $code)) {
                Write-Log ('Activation failed with ' + $code + '; retrying in ' + $RetryDelaySeconds + ' s.')
                Start-Sleep -Seconds $RetryDelaySeconds
                continue
            }
            Write-Log ('Activation failed: ' + [string]$_.Exception.Message)
            if ($null -eq $code) { $code = '0xC004F041' }
            return $code
        }
    }
}

function Get-ActivationFailureText([string]$What, [string]$Code) {
    # Why online activation failed, with meaning and fix; a network error gets the outbound-access fix.
    if (Test-NetworkErrorCode $Code) {
        $text = 'The ' + $What + ' could not be activated: this host could not reach Microsoft''s activation service over the internet (' + $Code + ', after ' + ($ActivationRetries + 1) + ' attempts). '
        if ($Code -like '0x80072*' -and $KmsErrorCodes.ContainsKey($Code)) { return ($text + (Get-ErrorDescription $Code)) }
        return ($text + 'Fix: ' + $KmsErrorCodes['0x80072EFD'][1])
    }
    return ('The ' + $What + ' is not activated. ' + (Get-ErrorDescription $Code))
}

function Set-HostResult($Result, $Service, $Product) {
    # The host's state as slmgr /dlv shows it. Numbers Windows reports as not available are $null.
    $Result.licenseStatusCode = Get-SppNumber $Product.LicenseStatus
    $Result.licenseStatus = Get-LicenseStatusName $Product.LicenseStatus
    $Result.partialProductKey = $Product.PartialProductKey
    $Result.productName = $Product.Name
    $Result.productKeyChannel = $Product.ProductKeyChannel
    $Result.isKmsHost = (Test-KmsHostProduct $Product)
    $Result.currentCount = Get-SppNumber $Product.KeyManagementServiceCurrentCount
    $Result.requiredClientCount = Get-SppNumber $Product.RequiredClientCount
    $Result.port = Get-PortOrDefault $Service.KeyManagementServiceListeningPort
    $Result.dnsPublishing = [bool]$Service.KeyManagementServiceDnsPublishing
    $Result.lowPriority = [bool]$Service.KeyManagementServiceLowPriority
    $Result.activationIntervalMinutes = Get-SppNumber $Service.VLActivationInterval
    $Result.renewalIntervalMinutes = Get-SppNumber $Service.VLRenewalInterval
}

function Get-CountText($Count) {
    if ($null -eq $Count) { return 'no client has asked yet' }
    return ('current count ' + $Count)
}

function Invoke-OfficeHostSetup($Result) {
    # Office mode: Volume License Pack files -> Office KMS host key -> activation -> read back.
    # Returns the exit code; fills $Result.
    $Result.officeVersion = $OfficeVersion
    $tail = $HostKey.Substring($HostKey.Length - 5)
    $service = Get-LicensingService
    $product = Get-OfficeHostProduct $tail
    if ($null -ne $product) {
        Write-Log ('Installed: ' + $product.Name + ', key ending in ' + $tail + ', status ' + (Get-LicenseStatusName $product.LicenseStatus) + '.')
    } else {
        if ($VolumeLicensePack -ne '') {
            # slmgr /ilc <license file>, for each license file of the Volume License Pack
            $work = Join-Path $env:TEMP ('kms-office-' + ($OfficeVersion -replace '[^A-Za-z0-9]', '').ToLowerInvariant())
            $folder = Get-LicensePackFolder $VolumeLicensePack $work
            $files = @()
            if ($null -ne $folder) { $files = @(Get-ChildItem -LiteralPath $folder -Recurse -Filter '*.xrm-ms' | Where-Object { -not $_.PSIsContainer }) }
            if ($files.Count -eq 0) {
                $Result.message = 'VolumeLicensePack holds no .xrm-ms license files: give the folder with the Office ' + $OfficeVersion + ' Volume License Pack files extracted, or a .zip of them.'
                Write-Log $Result.message
                return 2
            }
            Write-Log ('Installing ' + $files.Count + ' license files of the Office ' + $OfficeVersion + ' Volume License Pack.')
            foreach ($file in $files) {
                Invoke-SppMethod $service -MethodName InstallLicense -Arguments @{ License = [System.IO.File]::ReadAllText($file.FullName) }
            }
            $changed.Add('licenses')
        }
        # slmgr /ipk <Office KMS host key>
        Write-Log ('Installing the Office ' + $OfficeVersion + ' KMS host key ending in ' + $tail + '.')
        try {
            Invoke-SppMethod $service -MethodName InstallProductKey -Arguments @{ ProductKey = $HostKey }
        } catch {
            $code = Get-ErrorCode $_
            if ($null -eq $code) { $code = '0xC004F050' }
            $Result.errorCode = $code
            $Result.message = 'Installing the Office ' + $OfficeVersion + ' KMS host key failed; if the key is right, the Office ' + $OfficeVersion + ' Volume License Pack is not installed on this host (give VolumeLicensePack). ' + (Get-ErrorDescription $code)
            Write-Log $Result.message
            return 1
        }
        $changed.Add('productKey')
        Invoke-SppMethod $service -MethodName RefreshLicenseStatus
        $product = Get-OfficeHostProduct $tail
    }
    if ($null -eq $product) {
        $Result.errorCode = '0xC004F014'
        $Result.message = 'No Office KMS host license holds the key ending in ' + $tail + ': it is not an Office ' + $OfficeVersion + ' KMS host key, or the Volume License Pack of that version is missing. ' + (Get-ErrorDescription '0xC004F014')
        Write-Log $Result.message
        return 1
    }
    $activationError = $null
    if ((Get-SppNumber $product.LicenseStatus) -ne 1) {
        $activationError = Invoke-Activation $product ('Office ' + $OfficeVersion + ' KMS host key')
        Invoke-SppMethod $service -MethodName RefreshLicenseStatus
        $product = Get-OfficeHostProduct $tail
    }
    # Read back (slmgr /dlv <Office activation ID>)
    $service = Get-LicensingService
    Set-HostResult $Result $service $product
    if ($Result.isKmsHost -and $Result.licenseStatusCode -eq 1) {
        $Result.ok = $true
        $Result.message = 'This KMS host activates Office ' + $OfficeVersion + ' (' + $product.Name + '); Office count: ' + (Get-CountText $Result.currentCount) + '.'
        Write-Log $Result.message
        return 0
    }
    $code = $activationError
    if ($null -eq $code) { $code = ConvertTo-HResultText $product.LicenseStatusReason }
    if ($null -eq $code) { $code = '0xC004F041' }
    $Result.errorCode = $code
    $Result.message = (Get-ActivationFailureText ('Office ' + $OfficeVersion + ' KMS host key') $code) + ' License status ' + $Result.licenseStatus + '.'
    Write-Log $Result.message
    return 1
}

function New-Result {
    $result = [ordered]@{
        script = $ScriptName
        role = 'host'
        ok = $false
        changed = @()
        errorCode = $null
        message = ''
        licenseStatus = $null
        licenseStatusCode = $null
        partialProductKey = $null
        productName = $null
        productKeyChannel = $null
        isKmsHost = $false
        currentCount = $null
        requiredClientCount = $null
        port = $null
        dnsPublishing = $null
        lowPriority = $null
        activationIntervalMinutes = $null
        renewalIntervalMinutes = $null
        serviceRestarted = $false
        firewallRule = $null
        officeVersion = $null
    }
    return $result
}

$result = New-Result
$changed = New-Object System.Collections.Generic.List[string]

# --- Check the parameters (values unknown at preview are only checked here) -------------------------
$OfficeVersion = (ConvertFrom-ParameterValue $OfficeVersion).Trim()
# "LTSC2024" (as the TypeScript side sends it: Run Command cuts values at spaces) is "LTSC 2024".
if ($OfficeVersion -match '^LTSC\s*([0-9]{4})$') { $OfficeVersion = 'LTSC ' + $Matches[1] }
$VolumeLicensePack = (ConvertFrom-ParameterValue $VolumeLicensePack).Trim()
$HostKey = ConvertTo-ProductKey $HostKey
$SecretTexts = @($HostKey, $VolumeLicensePack)
$problems = @(@(
    (Get-RangeError 'Port' $Port 1 65535 'an integer from 1 to 65535 (the KMS default is 1688)'),
    (Get-RangeError 'ActivationIntervalMinutes' $ActivationIntervalMinutes 15 43200 'a whole number of minutes from 15 to 43200 (30 days)'),
    (Get-RangeError 'RenewalIntervalMinutes' $RenewalIntervalMinutes 15 43200 'a whole number of minutes from 15 to 43200 (30 days)'),
    (Get-RangeError 'ActivationRetries' $ActivationRetries 0 10 'an integer from 0 to 10'),
    (Get-RangeError 'RetryDelaySeconds' $RetryDelaySeconds 0 600 'a whole number of seconds from 0 to 600')
) | Where-Object { $null -ne $_ })
if ($HostKey -ne '' -and $HostKey -cnotmatch '^[BCDFGHJKMNPQRTVWXY2346789]{5}(-[BCDFGHJKMNPQRTVWXY2346789]{5}){4}$') {
    $problems = @($problems) + @('HostKey must be a product key of five groups of five characters separated by hyphens (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX); received ' + (Show-Key $HostKey) + '.')
}
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
    Write-Log $result.message
    Write-Result $result $changed
    exit 2
}

if ($OfficeVersion -ne '') {
    try {
        $exitCode = Invoke-OfficeHostSetup $result
    } catch {
        $code = Get-ErrorCode $_
        $result.errorCode = $code
        $text = 'Unexpected failure: ' + [string]$_.Exception.Message
        if ($null -ne $code) { $text = $text + ' ' + (Get-ErrorDescription $code) }
        $result.message = $text
        Write-Log $result.message
        $exitCode = 1
    }
    if ($exitCode -eq 0) {
        Write-Result $result $changed
        exit 0
    }
    if ($exitCode -eq 2) {
        Write-Result $result $changed
        exit 2
    }
    Write-Result $result $changed
    exit 1
}

$wantDnsPublishing = ($DnsPublishing -eq 'true')
$wantLowPriority = ($LowPriority -eq 'true')

try {
    # --- Read the current state (slmgr /dlv) -------------------------------------------------------
    $service = Get-LicensingService
    $product = Get-HostProduct
    if ($null -ne $product) {
        Write-Log ("Installed: " + $product.Name + ", channel " + $product.ProductKeyChannel + ", key ending in " + $product.PartialProductKey + ", status " + (Get-LicenseStatusName $product.LicenseStatus) + '.')
    } else {
        Write-Log 'No Windows product key is installed.'
    }

    # --- Install the host key only if it differs (slmgr /ipk <CSVLK>) ------------------------------
    if ($HostKey -ne '') {
        $tail = $HostKey.Substring($HostKey.Length - 5)
        $sameKey = ($null -ne $product -and $product.PartialProductKey -eq $tail -and $product.ProductKeyChannel -eq 'Volume:CSVLK')
        if (-not $sameKey) {
            Write-Log ("Installing the KMS host key ending in " + $tail + '.')
            try {
                Invoke-SppMethod $service -MethodName InstallProductKey -Arguments @{ ProductKey = $HostKey }
            } catch {
                $code = Get-ErrorCode $_
                if ($null -eq $code) { $code = '0xC004F050' }
                $result.errorCode = $code
                $result.message = 'Installing the KMS host key failed. ' + (Get-ErrorDescription $code)
                Write-Log $result.message
                Write-Result $result $changed
                exit 1
            }
            $changed.Add('productKey')
            # Re-read the licenses after a key change (slmgr does the same after /ipk).
            Invoke-SppMethod $service -MethodName RefreshLicenseStatus
            $service = Get-LicensingService
            $product = Get-HostProduct
        } else {
            Write-Log 'The KMS host key is already installed.'
        }
    }

    if ($null -eq $product -or $product.ProductKeyChannel -ne 'Volume:CSVLK') {
        $result.errorCode = '0xC004F014'
        $result.message = 'No KMS host key (Volume:CSVLK) is installed; pass HostKey. ' + (Get-ErrorDescription '0xC004F014')
        Write-Log $result.message
        Write-Result $result $changed
        exit 1
    }

    # --- Activate online if not licensed, with bounded retries (slmgr /ato) -------------------------
    $activationError = $null
    if ((Get-SppNumber $product.LicenseStatus) -ne 1) {
        $activationError = Invoke-Activation $product 'KMS host key'
        Invoke-SppMethod $service -MethodName RefreshLicenseStatus
        $service = Get-LicensingService
        $product = Get-HostProduct
    }

    if ((Get-SppNumber $product.LicenseStatus) -eq 1) {
        # --- Host settings, only where they differ ----------------------------------------------------
        # The listening port reads 0 until it has been set: 0 means the default 1688.
        $currentPort = Get-PortOrDefault $service.KeyManagementServiceListeningPort
        if ($currentPort -ne $Port) {
            # slmgr /sprt <port>
            Write-Log ("Setting the listening port to " + $Port + ' (was ' + $currentPort + ').')
            Invoke-SppMethod $service -MethodName SetKeyManagementServiceListeningPort -Arguments @{ PortNumber = [uint32]$Port }
            $changed.Add('port')
        }
        # The interval setters are host-only methods: this machine holds an activated CSVLK here.
        if ((Get-SppNumber $service.VLActivationInterval) -ne $ActivationIntervalMinutes) {
            # slmgr /sai <minutes>
            Write-Log ("Setting the activation interval to " + $ActivationIntervalMinutes + ' minutes.')
            Invoke-SppMethod $service -MethodName SetVLActivationInterval -Arguments @{ ActivationInterval = [uint32]$ActivationIntervalMinutes }
            $changed.Add('activationInterval')
        }
        if ((Get-SppNumber $service.VLRenewalInterval) -ne $RenewalIntervalMinutes) {
            # slmgr /sri <minutes>
            Write-Log ("Setting the renewal interval to " + $RenewalIntervalMinutes + ' minutes.')
            Invoke-SppMethod $service -MethodName SetVLRenewalInterval -Arguments @{ RenewalInterval = [uint32]$RenewalIntervalMinutes }
            $changed.Add('renewalInterval')
        }
        if ([bool]$service.KeyManagementServiceDnsPublishing -ne $wantDnsPublishing) {
            # slmgr /cdns (disable) or /sdns (enable). Azure DNS takes no dynamic updates: keep it off there.
            Write-Log ("Setting DNS publishing to " + $DnsPublishing + '.')
            Invoke-SppMethod $service -MethodName DisableKeyManagementServiceDnsPublishing -Arguments @{ DisablePublishing = (-not $wantDnsPublishing) }
            $changed.Add('dnsPublishing')
        }
        if ([bool]$service.KeyManagementServiceLowPriority -ne $wantLowPriority) {
            # slmgr /cpri (low priority) or /spri (normal priority)
            Write-Log ("Setting low priority to " + $LowPriority + '.')
            Invoke-SppMethod $service -MethodName EnableKeyManagementServiceLowPriority -Arguments @{ EnableLowPriority = $wantLowPriority }
            $changed.Add('lowPriority')
        }

        # --- Firewall for the port (Set-NetFirewallRule -Name SPPSVC-In-TCP -Enabled True) ------------
        $firewall = Set-KmsFirewall $Port
        $result.firewallRule = $firewall[0]
        if ($firewall[1]) {
            Write-Log ("Firewall rule " + $firewall[0] + ' allows TCP ' + $Port + ' to the KMS program.')
            $changed.Add('firewall')
        }

        # --- Restart the Software Protection service if anything changed -------------------------------
        # net stop sppsvc && net start sppsvc
        $needsRestart = @($changed | Where-Object { $_ -ne 'firewall' }).Count -gt 0
        if ($needsRestart) {
            Write-Log 'Restarting the Software Protection service (sppsvc).'
            Stop-Service -Name sppsvc -Force
            Start-Service -Name sppsvc
            $result.serviceRestarted = $true
        }

        # --- Read back (slmgr /dlv) --------------------------------------------------------------------
        $service = Get-LicensingService
        $product = Get-HostProduct
    }

    Set-HostResult $result $service $product

    if ($result.isKmsHost -and $result.licenseStatusCode -eq 1) {
        $result.ok = $true
        $result.message = 'This machine is an activated KMS host listening on TCP ' + $result.port + '; ' + (Get-CountText $result.currentCount) + '.'
        Write-Log $result.message
        Write-Result $result $changed
        exit 0
    }

    $code = $activationError
    if ($null -eq $code) { $code = ConvertTo-HResultText $product.LicenseStatusReason }
    if ($null -eq $code) { $code = '0xC004F041' }
    $result.errorCode = $code
    $result.message = (Get-ActivationFailureText 'KMS host key' $code) + ' License status ' + $result.licenseStatus + '.'
    Write-Log $result.message
    Write-Result $result $changed
    exit 1
} catch {
    $code = Get-ErrorCode $_
    $result.errorCode = $code
    $text = 'Unexpected failure: ' + [string]$_.Exception.Message
    if ($null -ne $code) { $text = $text + ' ' + (Get-ErrorDescription $code) }
    $result.message = $text
    Write-Log $result.message
    Write-Result $result $changed
    exit 1
}
