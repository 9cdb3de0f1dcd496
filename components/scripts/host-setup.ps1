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
    Empty: Windows mode. "2016", "2019", "LTSC 2021" or "LTSC 2024": Office mode for that version.

.PARAMETER VolumeLicensePack
    Office mode only: where the Office Volume License Pack's license files are, a folder with the
    extracted .xrm-ms files or a .zip of them (a path on this machine or an http(s) URI). Empty (or 'none')
    when the pack is already installed. The pack's .exe cannot run unattended: Microsoft documents it only as an
    interactive installer that opens the Volume Activation Tools wizard.

.EXAMPLE
    $key = Read-Host -Prompt 'KMS host key'
    .\host-setup.ps1 -HostKey $key -Port 1688 -DnsPublishing false
.EXAMPLE
    $officeKey = Read-Host -Prompt 'Office LTSC 2024 KMS host key'
    .\host-setup.ps1 -HostKey $officeKey -OfficeVersion 'LTSC 2024' -VolumeLicensePack C:\vlpack\ltsc2024
#>
[CmdletBinding()]
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
$WindowsApplicationId = '55c92734-d682-4d71-983e-d6ec3f16059f'
$LicenseStatusNames = @('Unlicensed', 'Licensed', 'OOBGrace', 'OOTGrace', 'NonGenuineGrace', 'Notification', 'ExtendedGrace')
$FirewallGroup = 'KMS activation (pulumi-kms-activation)'
$BuiltInFirewallRule = 'SPPSVC-In-TCP'
# Office 2013 and later (Microsoft's sample output for the Office host shows 0ff1ce16-...: both match).
$OfficeApplicationIdPattern = '0ff1ce1?-a989-479d-af46-f275c6370663'
$OfficeVersions = @('2016', '2019', 'LTSC 2021', 'LTSC 2024')

# BEGIN error codes (copied from components/catalog/errorCodes.ts; tests/scripts.test.ts keeps them equal)
$KmsErrorCodes = @{
    '0xC004F050' = @('The product key is not valid', 'Check the key for typos and for en or em dashes copied instead of hyphens, and use the setup key that matches the installed edition (a beta key does not work on a released build).')
    '0xC004F051' = @('The product key is blocked', 'Get a new key from the Microsoft 365 admin center or VLSC.')
    '0xC004C008' = @('The product key could not be used: this KMS host key has been activated too often (10 activations, on at most 6 hosts)', 'Ask the Microsoft activation center for more activations of the host key; do not build images that contain a host key. On Azure, Azure''s own KMS avoids the limit.')
    '0xC004C003' = @('The product key is blocked (MAK)', 'Get a new MAK from the Microsoft 365 admin center or VLSC; KMS clients use a setup key instead.')
    '0xC004F014' = @('No product key is installed', 'Install the KMS client setup key for the installed edition: slmgr /ipk <setup key>.')
    '0xC004F041' = @('The KMS host is not activated', 'Activate the KMS host with Microsoft (online, or by phone) before clients ask it: slmgr /ato on the host.')
    '0xC004F00F' = @('The hardware ID is out of tolerance: the machine changed too much since activation', 'Restart, then activate again against the KMS host: slmgr /ato.')
}
# END error codes

# Online activation errors worth another try: network and service hiccups, never key errors.
$TransientErrorCodes = @('0xC004F074', '0x800705B4', '0x800706BA', '0x800706BE', '0x8007232A', '0x80070079')

function Write-Log([string]$Text) {
    Write-Host ("[$ScriptName] " + (Protect-Text $Text))
}

function Protect-Text([string]$Text) {
    # A key must never reach a log or the result, even inside an error message.
    if ($HostKey.Length -ge 5 -and $null -ne $Text) {
        return $Text.Replace($HostKey.Trim(), ('<key ending in ' + $HostKey.Trim().Substring($HostKey.Trim().Length - 5) + '>'))
    }
    return $Text
}

function ConvertTo-HResultText($Value) {
    # "0xC004F038" for a signed or unsigned 32-bit failure code; $null for anything else.
    if ($null -eq $Value) { return $null }
    try { $n = [int64]$Value } catch { return $null }
    if ($n -lt 0) { $n = $n + 4294967296 }
    if ($n -lt 2147483648 -or $n -gt 4294967295) { return $null }
    return ('0x{0:X8}' -f $n)
}

function Get-ErrorCode($ErrorRecord) {
    # The HRESULT of a failed CIM call: from the CIM error instance, the message, or the exception.
    $generic = @('0x80131500', '0x80131501', '0x80131509', '0x80004005')
    $ex = $ErrorRecord.Exception
    while ($null -ne $ex) {
        if ($null -ne $ex.ErrorData) {
            $prop = $ex.ErrorData.CimInstanceProperties['error_Code']
            if ($null -ne $prop) {
                $code = ConvertTo-HResultText $prop.Value
                if ($null -ne $code) { return $code }
            }
        }
        $match = [regex]::Match([string]$ex.Message, '0x[0-9A-Fa-f]{8}')
        if ($match.Success) {
            $code = ConvertTo-HResultText ([Convert]::ToInt64($match.Value.Substring(2), 16))
            if ($null -ne $code) { return $code }
        }
        $code = ConvertTo-HResultText $ex.HResult
        if ($null -ne $code -and $generic -notcontains $code) { return $code }
        $ex = $ex.InnerException
    }
    return $null
}

function Get-ErrorDescription([string]$Code) {
    # Same text as describeErrorCode() in components/catalog/errorCodes.ts.
    if ($KmsErrorCodes.ContainsKey($Code)) {
        $entry = $KmsErrorCodes[$Code]
        return ($Code + ': ' + $entry[0] + '. Fix: ' + $entry[1])
    }
    return ($Code + ': not a known KMS activation error. Run slui.exe 0x2a ' + $Code + " on the machine for Windows' own description.")
}

function Test-TransientCode([string]$Code) {
    if ($null -eq $Code -or $Code -eq '') { return $false }
    if ($TransientErrorCodes -contains $Code) { return $true }
    # WinINet/WinHTTP errors (0x80072EE2 timeout, 0x80072EE7 name not resolved, 0x80072EFD no connection).
    return ($Code -match '^0x80072E[0-9A-F]{2}$' -or $Code -match '^0x80072F[0-9A-F]{2}$')
}

function Invoke-SppMethod($InputObject, [string]$MethodName, [hashtable]$Arguments) {
    # Invoke-CimMethod throws on most failures; a non-zero ReturnValue is the HRESULT of the others.
    if ($null -eq $Arguments) {
        $r = Invoke-CimMethod -InputObject $InputObject -MethodName $MethodName
    } else {
        $r = Invoke-CimMethod -InputObject $InputObject -MethodName $MethodName -Arguments $Arguments
    }
    if ($null -ne $r -and $null -ne $r.ReturnValue -and [int64]$r.ReturnValue -ne 0) {
        throw (New-Object System.InvalidOperationException ($MethodName + ' failed with ' + (ConvertTo-HResultText $r.ReturnValue)))
    }
}

function Get-LicensingService {
    return Get-CimInstance -ClassName SoftwareLicensingService
}

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

function Get-LicenseStatusName($Code) {
    if ($null -eq $Code) { return $null }
    $i = [int]$Code
    if ($i -ge 0 -and $i -lt $LicenseStatusNames.Count) { return $LicenseStatusNames[$i] }
    return 'Unknown'
}

function Get-RangeError([string]$Name, [int]$Value, [int]$Min, [int]$Max, [string]$Allowed) {
    # Same wording as the KmsConfigError of components/validate.ts: "<name> must be <allowed>; received <value>."
    if ($Value -lt $Min -or $Value -gt $Max) {
        return ('{0} must be {1}; received {2}.' -f $Name, $Allowed, $Value)
    }
    return $null
}

function Show-Key([string]$Key) {
    # Like showKey() in components/errors.ts: only the last five characters are ever shown.
    $k = $Key.Trim()
    if ($k.Length -le 5) { return ('a ' + $k.Length + '-character value') }
    return ('a key ending in "' + $k.Substring($k.Length - 5) + '"')
}

function ConvertTo-ProductKey([string]$Key) {
    # The normal form validateProductKeyFormat() accepts: no spaces, upper case, hyphens every five.
    $k = ($Key -replace '\s+', '').ToUpperInvariant()
    if ($k -match '^[A-Z0-9]{25}$') { $k = $k.Substring(0, 5) + '-' + $k.Substring(5, 5) + '-' + $k.Substring(10, 5) + '-' + $k.Substring(15, 5) + '-' + $k.Substring(20, 5) }
    return $k
}

function Set-KmsFirewall([int]$ListeningPort) {
    # Returns @(rule name, changed). Rules of this group for other ports are disabled, so a port change
    # does not leave the old port open.
    $changed = $false
    $ruleName = $null
    $builtIn = $null
    if ($ListeningPort -eq 1688) {
        $builtIn = Get-NetFirewallRule -Name $BuiltInFirewallRule -ErrorAction SilentlyContinue
    }
    if ($null -ne $builtIn) {
        # Key Management Service (TCP-In), the rule Windows ships for port 1688. A workgroup VM in Azure
        # sees its network as Public, so the rule is enabled for every profile; the NSG limits the sources.
        $ruleName = $BuiltInFirewallRule
        if ([string]$builtIn.Enabled -ne 'True' -or [string]$builtIn.Profile -ne 'Any') {
            Set-NetFirewallRule -Name $BuiltInFirewallRule -Enabled True -Profile Any
            $changed = $true
        }
    } else {
        $ruleName = "KMS (TCP $ListeningPort)"
        $id = "KMS-TCP-$ListeningPort"
        $rule = Get-NetFirewallRule -Name $id -ErrorAction SilentlyContinue
        if ($null -eq $rule) {
            New-NetFirewallRule -Name $id -DisplayName $ruleName -Group $FirewallGroup -Direction Inbound -Action Allow -Protocol TCP -LocalPort $ListeningPort -Profile Any | Out-Null
            $changed = $true
        } else {
            $filter = $rule | Get-NetFirewallPortFilter
            if ([string]$rule.Enabled -ne 'True' -or [string]$filter.LocalPort -ne [string]$ListeningPort -or [string]$filter.Protocol -ne 'TCP' -or [string]$rule.Action -ne 'Allow') {
                Set-NetFirewallRule -Name $id -Enabled True -Action Allow -Protocol TCP -LocalPort $ListeningPort -Profile Any
                $changed = $true
            }
        }
    }
    $others = @(Get-NetFirewallRule -Group $FirewallGroup -ErrorAction SilentlyContinue | Where-Object { $_.Name -ne "KMS-TCP-$ListeningPort" -and [string]$_.Enabled -eq 'True' })
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
    # Online activation with bounded retries on transient network errors (slmgr /ato <activation ID>).
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
            if ($attempt -le $ActivationRetries -and (Test-TransientCode $code)) {
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
    if ([int]$product.LicenseStatus -ne 1) {
        $activationError = Invoke-Activation $product ('Office ' + $OfficeVersion + ' KMS host key')
        Invoke-SppMethod $service -MethodName RefreshLicenseStatus
        $product = Get-OfficeHostProduct $tail
    }
    # Read back (slmgr /dlv <Office activation ID>)
    $service = Get-LicensingService
    $listening = [int]$service.KeyManagementServiceListeningPort
    if ($listening -eq 0) { $listening = 1688 }
    $Result.licenseStatusCode = [int]$product.LicenseStatus
    $Result.licenseStatus = Get-LicenseStatusName $product.LicenseStatus
    $Result.partialProductKey = $product.PartialProductKey
    $Result.productName = $product.Name
    $Result.productKeyChannel = $product.ProductKeyChannel
    $Result.isKmsHost = ($Result.licenseStatusCode -eq 1)
    $Result.currentCount = [int]$product.KeyManagementServiceCurrentCount
    $Result.requiredClientCount = [int]$product.RequiredClientCount
    $Result.port = $listening
    $Result.dnsPublishing = [bool]$service.KeyManagementServiceDnsPublishing
    $Result.lowPriority = [bool]$service.KeyManagementServiceLowPriority
    $Result.activationIntervalMinutes = [int]$service.VLActivationInterval
    $Result.renewalIntervalMinutes = [int]$service.VLRenewalInterval
    if ($Result.isKmsHost) {
        $Result.ok = $true
        $Result.message = 'This KMS host activates Office ' + $OfficeVersion + ' (' + $product.Name + '); Office count ' + $Result.currentCount + '.'
        Write-Log $Result.message
        return 0
    }
    $code = $activationError
    if ($null -eq $code) { $code = ConvertTo-HResultText $product.LicenseStatusReason }
    if ($null -eq $code) { $code = '0xC004F041' }
    $Result.errorCode = $code
    $Result.message = 'The Office ' + $OfficeVersion + ' KMS host key is not activated (license status ' + $Result.licenseStatus + '). ' + (Get-ErrorDescription $code)
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

function Write-Result($Result, $Changed) {
    $Result.changed = [string[]]$Changed.ToArray()
    $Result.message = Protect-Text $Result.message
    Write-Output ($Result | ConvertTo-Json -Compress -Depth 4)
}

$result = New-Result
$changed = New-Object System.Collections.Generic.List[string]

# --- Check the parameters (values unknown at preview are only checked here) -------------------------
$problems = @(@(
    (Get-RangeError 'Port' $Port 1 65535 'an integer from 1 to 65535 (the KMS default is 1688)'),
    (Get-RangeError 'ActivationIntervalMinutes' $ActivationIntervalMinutes 15 43200 'a whole number of minutes from 15 to 43200 (30 days)'),
    (Get-RangeError 'RenewalIntervalMinutes' $RenewalIntervalMinutes 15 43200 'a whole number of minutes from 15 to 43200 (30 days)'),
    (Get-RangeError 'ActivationRetries' $ActivationRetries 0 10 'an integer from 0 to 10'),
    (Get-RangeError 'RetryDelaySeconds' $RetryDelaySeconds 0 600 'a whole number of seconds from 0 to 600')
) | Where-Object { $null -ne $_ })
$HostKey = ConvertTo-ProductKey $HostKey
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
    if ([int]$product.LicenseStatus -ne 1) {
        $attempt = 0
        while ($true) {
            $attempt++
            Write-Log ("Activating the KMS host key online (attempt " + $attempt + ' of ' + ($ActivationRetries + 1) + ').')
            try {
                Invoke-SppMethod $product -MethodName Activate
                $changed.Add('activation')
                $activationError = $null
                break
            } catch {
                $code = Get-ErrorCode $_
                $activationError = $code
                if ($attempt -le $ActivationRetries -and (Test-TransientCode $code)) {
                    Write-Log ("Activation failed with " + $code + '; retrying in ' + $RetryDelaySeconds + ' s.')
                    Start-Sleep -Seconds $RetryDelaySeconds
                    continue
                }
                Write-Log ("Activation failed: " + [string]$_.Exception.Message)
                break
            }
        }
        Invoke-SppMethod $service -MethodName RefreshLicenseStatus
        $service = Get-LicensingService
        $product = Get-HostProduct
    }

    if ([int]$product.LicenseStatus -eq 1) {
        # --- Host settings, only where they differ ----------------------------------------------------
        # The listening port reads 0 until it has been set: 0 means the default 1688.
        $currentPort = [int]$service.KeyManagementServiceListeningPort
        if ($currentPort -eq 0) { $currentPort = 1688 }
        if ($currentPort -ne $Port) {
            # slmgr /sprt <port>
            Write-Log ("Setting the listening port to " + $Port + ' (was ' + $currentPort + ').')
            Invoke-SppMethod $service -MethodName SetKeyManagementServiceListeningPort -Arguments @{ PortNumber = [uint32]$Port }
            $changed.Add('port')
        }
        if ([int]$service.VLActivationInterval -ne $ActivationIntervalMinutes) {
            # slmgr /sai <minutes>
            Write-Log ("Setting the activation interval to " + $ActivationIntervalMinutes + ' minutes.')
            Invoke-SppMethod $service -MethodName SetVLActivationInterval -Arguments @{ ActivationInterval = [uint32]$ActivationIntervalMinutes }
            $changed.Add('activationInterval')
        }
        if ([int]$service.VLRenewalInterval -ne $RenewalIntervalMinutes) {
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
            Write-Log ("Firewall rule " + $firewall[0] + ' allows TCP ' + $Port + '.')
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

    $result.licenseStatusCode = [int]$product.LicenseStatus
    $result.licenseStatus = Get-LicenseStatusName $product.LicenseStatus
    $result.partialProductKey = $product.PartialProductKey
    $result.productName = $product.Name
    $result.productKeyChannel = $product.ProductKeyChannel
    $result.isKmsHost = ([int]$service.IsKeyManagementServiceMachine -eq 1 -and $product.ProductKeyChannel -eq 'Volume:CSVLK')
    $result.currentCount = [int]$product.KeyManagementServiceCurrentCount
    $result.requiredClientCount = [int]$product.RequiredClientCount
    $listening = [int]$service.KeyManagementServiceListeningPort
    if ($listening -eq 0) { $listening = 1688 }
    $result.port = $listening
    $result.dnsPublishing = [bool]$service.KeyManagementServiceDnsPublishing
    $result.lowPriority = [bool]$service.KeyManagementServiceLowPriority
    $result.activationIntervalMinutes = [int]$service.VLActivationInterval
    $result.renewalIntervalMinutes = [int]$service.VLRenewalInterval

    if ($result.isKmsHost -and $result.licenseStatusCode -eq 1) {
        $result.ok = $true
        $result.message = 'This machine is an activated KMS host listening on TCP ' + $listening + '; current count ' + $result.currentCount + '.'
        Write-Log $result.message
        Write-Result $result $changed
        exit 0
    }

    $code = $activationError
    if ($null -eq $code) { $code = ConvertTo-HResultText $product.LicenseStatusReason }
    if ($null -eq $code) { $code = '0xC004F041' }
    $result.errorCode = $code
    $result.message = 'This machine is not an activated KMS host (license status ' + $result.licenseStatus + '). ' + (Get-ErrorDescription $code)
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
