<#
.SYNOPSIS
    Makes this machine a KMS client: installs the KMS client setup key if it differs, points it at a KMS
    host (a fixed host, a DNS lookup domain, or DNS discovery) and activates. Safe to run again.

.DESCRIPTION
    Windows PowerShell 5.1, run as an administrator (Azure Run Command runs it as SYSTEM). It uses the
    documented CIM classes SoftwareLicensingService and SoftwareLicensingProduct instead of slmgr.vbs.
    Each step names the slmgr switch it replaces.

    Where to activate:
      KmsServer set     -> that host (slmgr /skms host[:port]); KmsPort 0 means the default port 1688.
      LookupDomain set  -> DNS discovery in that domain (slmgr /ckms, then slmgr /skms-domain <domain>).
      neither           -> DNS discovery in the machine's own domain (slmgr /ckms and /ckms-domain).
    For Office (ApplicationId 0ff1ce15-a989-479d-af46-f275c6370663) the host and lookup domain are set on
    the Office product itself (what ospp.vbs /sethst does), not on the Windows service.

    0xC004F038 (the host's count is below the threshold) is not a failure: the result says pending and the
    script exits 0; the client retries by itself every activation interval.
    Everything before the last line is a log for people. The LAST line is one JSON object for tools.
    Exit code 0: activated, pending, or Activate false. 1: activation failed (the message gives the fix).
    2: a parameter is out of range.

.EXAMPLE
    .\client-setup.ps1 -KmsServer kms.contoso.com -KmsPort 1688
.EXAMPLE
    .\client-setup.ps1 -LookupDomain corp.contoso.com -SetupKey WX4NM-KYWYW-QJJR4-XV3QB-6VM33
#>
[CmdletBinding()]
param(
    [string]$SetupKey = '',
    [string]$KmsServer = '',
    [int]$KmsPort = 0,
    [string]$LookupDomain = '',
    [int]$ActivationIntervalMinutes = 0,
    [int]$RenewalIntervalMinutes = 0,
    [ValidateSet('true', 'false')][string]$Activate = 'true',
    [string]$ApplicationId = '55c92734-d682-4d71-983e-d6ec3f16059f'
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$ScriptName = 'client-setup'
$WindowsApplicationId = '55c92734-d682-4d71-983e-d6ec3f16059f'
$OfficeApplicationId = '0ff1ce15-a989-479d-af46-f275c6370663'
$LicenseStatusNames = @('Unlicensed', 'Licensed', 'OOBGrace', 'OOTGrace', 'NonGenuineGrace', 'Notification', 'ExtendedGrace')

# BEGIN error codes (copied from components/catalog/errorCodes.ts; tests/scripts.test.ts keeps them equal)
$KmsErrorCodes = @{
    '0xC004F038' = @('The KMS host''s count is too low: it has seen fewer distinct machines in the last 30 days than this product needs (25 for Windows client, 5 for Windows Server and Office)', 'Wait until enough distinct clients have asked the host, or add clients. If the count stays below the number of machines, they share a client machine ID (images sysprepped with SkipRearm=1, Azure Marketplace images): run slmgr /rearm and restart each clone. For a small Azure lab, Azure''s own KMS or a MAK avoids the threshold.')
    '0xC004F039' = @('The KMS host did not respond: Key Management Service is not enabled there', 'Check that the host is reachable from the client and that nothing blocks its TCP port (1688 by default): Test-NetConnection <host> -Port 1688.')
    '0xC004F041' = @('The KMS host is not activated', 'Activate the KMS host with Microsoft (online, or by phone) before clients ask it: slmgr /ato on the host.')
    '0xC004F042' = @('The KMS host that answered cannot activate this product: its host key (CSVLK) is too old or for another product group', 'Install a newer host key on the host (e.g. a Windows Server 2022 or 2025 CSVLK for Windows 11), or point the client at a host that can activate it: slmgr /ckms, then slmgr /skms <host>:<port>.')
    '0xC004F050' = @('The product key is not valid', 'Check the key for typos and for en or em dashes copied instead of hyphens, and use the setup key that matches the installed edition (a beta key does not work on a released build).')
    '0xC004F051' = @('The product key is blocked', 'Get a new key from the Microsoft 365 admin center or VLSC.')
    '0xC004F06C' = @('The request''s timestamp is not valid: client and KMS host clocks differ by more than 4 hours', 'Synchronise time on the client and the host (w32tm /resync) and check their time zones, then retry.')
    '0xC004F074' = @('No KMS host could be contacted', 'On the host, check that the Software Protection service (sppsvc) runs and the firewall allows its port. On the client, check the _vlmcs._tcp SRV record or the fixed host (stale records point at old hosts), test with Test-NetConnection <host> -Port 1688, and read the 12288 events in the Application log.')
    '0xC004F014' = @('No product key is installed', 'Install the KMS client setup key for the installed edition: slmgr /ipk <setup key>.')
    '0xC004F00F' = @('The hardware ID is out of tolerance: the machine changed too much since activation', 'Restart, then activate again against the KMS host: slmgr /ato.')
    '0xC004F035' = @('Windows 7 volume edition on a computer without a qualifying operating system (no OEM BIOS marker): the volume license key is not valid', 'Use a MAK or a retail key on this computer instead of KMS.')
    '0x8007232B' = @('DNS name does not exist: the client found no _vlmcs._tcp SRV record in its DNS domain', 'Create the _vlmcs._tcp SRV record in the zone the client searches (Azure DNS takes no dynamic updates, so KMS hosts cannot publish it there), or point the client at the host: slmgr /skms <host>:<port>, or slmgr /skms-domain <zone>.')
    '0x8007232A' = @('DNS server failure while looking up the KMS host', 'Troubleshoot the client''s DNS servers (nslookup -type=srv _vlmcs._tcp.<domain>), or point the client at the host with slmgr /skms <host>:<port>.')
    '0x8007251D' = @('No records were found for the DNS query: the _vlmcs._tcp SRV record is missing', 'Create the _vlmcs._tcp SRV record (0 0 1688 <host FQDN>) in the client''s DNS zone, or point the client at the host with slmgr /skms <host>:<port>.')
    '0x8007007B' = @('The client has no DNS domain to search: a workgroup machine without a primary DNS suffix never sends the SRV query', 'Give the machine a primary DNS suffix, or set the lookup domain (slmgr /skms-domain <zone>) or a fixed host (slmgr /skms <host>:<port>).')
    '0x800706BA' = @('The KMS host the client tried is unavailable: often a stale SRV or A record for an old host', 'Remove stale _vlmcs._tcp and host records, check the host''s port in the firewall, and test with Test-NetConnection <host> -Port 1688.')
}
# END error codes

function Write-Log([string]$Text) {
    Write-Host ("[$ScriptName] " + $Text)
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

function Get-ErrorMeaning([string]$Code) {
    if ($KmsErrorCodes.ContainsKey($Code)) { return ($Code + ': ' + $KmsErrorCodes[$Code][0]) }
    return $Code
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

function Get-ClientProduct([string]$KeyTail) {
    # The product of ApplicationId holding a key: the one with the setup key when given, else the main
    # (non add-on) product, preferring the KMS client channel.
    $filter = "ApplicationID='$ApplicationId' AND PartialProductKey IS NOT NULL"
    $products = @(Get-CimInstance -ClassName SoftwareLicensingProduct -Filter $filter)
    if ($KeyTail -ne '') {
        $byKey = @($products | Where-Object { $_.PartialProductKey -eq $KeyTail })
        if ($byKey.Count -gt 0) { return $byKey[0] }
    }
    $main = @($products | Where-Object { -not $_.LicenseIsAddon })
    $kmsClient = @($main | Where-Object { $_.ProductKeyChannel -eq 'Volume:GVLK' -or $_.Description -like '*VOLUME_KMSCLIENT*' })
    if ($kmsClient.Count -gt 0) { return $kmsClient[0] }
    if ($main.Count -gt 0) { return $main[0] }
    return $null
}

function Get-PropertyValue($Instance, [string]$Name) {
    # $null when the property does not exist on this Windows build (e.g. KeyManagementServiceLookupDomain).
    if ($null -eq $Instance) { return $null }
    $prop = $Instance.CimInstanceProperties[$Name]
    if ($null -eq $prop) { return $null }
    return $prop.Value
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

function New-Result {
    $result = [ordered]@{
        script = $ScriptName
        role = 'client'
        ok = $false
        changed = @()
        errorCode = $null
        message = ''
        licenseStatus = $null
        licenseStatusCode = $null
        partialProductKey = $null
        productName = $null
        productKeyChannel = $null
        activated = $false
        pending = $false
        pendingReason = $null
        cmid = $null
        kmsServer = $null
        lookupDomain = $null
        remainingRearmCount = $null
        applicationId = $ApplicationId
    }
    return $result
}

function Write-Result($Result, $Changed) {
    $Result.changed = [string[]]$Changed.ToArray()
    Write-Output ($Result | ConvertTo-Json -Compress -Depth 4)
}

function Set-ClientResult($Result, $Service, $Product, [bool]$IsOffice, [string]$FallbackLookupDomain) {
    # The client's state as slmgr /dlv shows it: license status, key, CMID, the KMS host used.
    $target = $Service
    if ($IsOffice) { $target = $Product }
    $Result.licenseStatusCode = [int]$Product.LicenseStatus
    $Result.licenseStatus = Get-LicenseStatusName $Product.LicenseStatus
    $Result.partialProductKey = $Product.PartialProductKey
    $Result.productName = $Product.Name
    $Result.productKeyChannel = $Product.ProductKeyChannel
    $Result.activated = ([int]$Product.LicenseStatus -eq 1)
    $Result.cmid = [string]$Service.ClientMachineID
    $machine = [string](Get-PropertyValue $target 'KeyManagementServiceMachine')
    $machinePort = [int](Get-PropertyValue $target 'KeyManagementServicePort')
    if ($machine -ne '') {
        if ($machinePort -eq 0) { $machinePort = 1688 }
        $Result.kmsServer = $machine + ':' + $machinePort
    } else {
        $found = [string](Get-PropertyValue $Product 'DiscoveredKeyManagementServiceMachineName')
        $foundPort = [int](Get-PropertyValue $Product 'DiscoveredKeyManagementServiceMachinePort')
        if ($found -eq '') {
            $found = [string]$Service.DiscoveredKeyManagementServiceMachineName
            $foundPort = [int]$Service.DiscoveredKeyManagementServiceMachinePort
        }
        if ($found -ne '') {
            if ($foundPort -eq 0) { $foundPort = 1688 }
            $Result.kmsServer = $found + ':' + $foundPort
        }
    }
    $domain = [string](Get-PropertyValue $target 'KeyManagementServiceLookupDomain')
    if ($domain -ne '') { $Result.lookupDomain = $domain } elseif ($FallbackLookupDomain -ne '') { $Result.lookupDomain = $FallbackLookupDomain }
    $rearm = Get-PropertyValue $Service 'RemainingWindowsReArmCount'
    if ($IsOffice) { $rearm = Get-PropertyValue $Product 'RemainingSkuReArmCount' }
    if ($null -ne $rearm) { $Result.remainingRearmCount = [int]$rearm }
}

$result = New-Result
$changed = New-Object System.Collections.Generic.List[string]

# --- Check the parameters (values unknown at preview are only checked here) -----------------------------
$SetupKey = ConvertTo-ProductKey $SetupKey
$KmsServer = $KmsServer.Trim()
$LookupDomain = $LookupDomain.Trim().TrimEnd('.')
$problems = New-Object System.Collections.Generic.List[string]
if ($KmsPort -ne 0) {
    $p = Get-RangeError 'KmsPort' $KmsPort 1 65535 'an integer from 1 to 65535 (the KMS default is 1688)'
    if ($null -ne $p) { $problems.Add($p) }
}
if ($ActivationIntervalMinutes -ne 0) {
    $p = Get-RangeError 'ActivationIntervalMinutes' $ActivationIntervalMinutes 15 43200 'a whole number of minutes from 15 to 43200 (30 days)'
    if ($null -ne $p) { $problems.Add($p) }
}
if ($RenewalIntervalMinutes -ne 0) {
    $p = Get-RangeError 'RenewalIntervalMinutes' $RenewalIntervalMinutes 15 43200 'a whole number of minutes from 15 to 43200 (30 days)'
    if ($null -ne $p) { $problems.Add($p) }
}
if ($SetupKey -ne '' -and $SetupKey -cnotmatch '^[BCDFGHJKMNPQRTVWXY2346789]{5}(-[BCDFGHJKMNPQRTVWXY2346789]{5}){4}$') {
    $problems.Add('SetupKey must be a product key of five groups of five characters separated by hyphens (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX); received ' + (Show-Key $SetupKey) + '.')
}
if ($ApplicationId -notmatch '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$') {
    $problems.Add('ApplicationId must be a GUID such as ' + $WindowsApplicationId + ' (Windows) or ' + $OfficeApplicationId + ' (Office); received "' + $ApplicationId + '".')
}
if ($KmsServer -ne '' -and $KmsServer -notmatch '^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.:-]+)$') {
    $problems.Add('KmsServer must be a host name or IP address; received "' + $KmsServer + '".')
}
if ($LookupDomain -ne '' -and $LookupDomain -notmatch '^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$') {
    $problems.Add('LookupDomain must be a DNS domain name such as corp.contoso.com; received "' + $LookupDomain + '".')
}
if ($KmsServer -ne '' -and $LookupDomain -ne '') {
    $problems.Add('KmsServer and LookupDomain must not both be set: a fixed host overrides the lookup domain; received KmsServer "' + $KmsServer + '" and LookupDomain "' + $LookupDomain + '".')
}
if ($problems.Count -gt 0) {
    $result.message = ($problems.ToArray() -join ' ')
    Write-Log $result.message
    Write-Result $result $changed
    exit 2
}

$isOffice = ($ApplicationId -eq $OfficeApplicationId)
$keyTail = ''
if ($SetupKey -ne '') { $keyTail = $SetupKey.Substring($SetupKey.Length - 5) }
$activationError = $null

try {
    Write-Log ('Application ' + $ApplicationId + '.')

    # --- Read the current state (slmgr /dlv) --------------------------------------------------------------
    $service = Get-LicensingService
    $product = Get-ClientProduct $keyTail
    if ($null -ne $product) {
        Write-Log ("Installed: " + $product.Name + ", channel " + $product.ProductKeyChannel + ", key ending in " + $product.PartialProductKey + ", status " + (Get-LicenseStatusName $product.LicenseStatus) + '.')
    }

    # --- Install the setup key only if it differs (slmgr /ipk <setup key>) -----------------------------
    if ($SetupKey -ne '' -and ($null -eq $product -or $product.PartialProductKey -ne $keyTail)) {
        Write-Log ("Installing the KMS client setup key ending in " + $keyTail + '.')
        try {
            Invoke-SppMethod $service -MethodName InstallProductKey -Arguments @{ ProductKey = $SetupKey }
        } catch {
            $code = Get-ErrorCode $_
            if ($null -eq $code) { $code = '0xC004F050' }
            $result.errorCode = $code
            $result.message = 'Installing the KMS client setup key failed. ' + (Get-ErrorDescription $code)
            Write-Log $result.message
            Write-Result $result $changed
            exit 1
        }
        $changed.Add('productKey')
        Invoke-SppMethod $service -MethodName RefreshLicenseStatus
        $service = Get-LicensingService
        $product = Get-ClientProduct $keyTail
    }
    if ($null -eq $product) {
        $result.errorCode = '0xC004F014'
        $result.message = 'No product key is installed for application ' + $ApplicationId + '. ' + (Get-ErrorDescription '0xC004F014')
        Write-Log $result.message
        Write-Result $result $changed
        exit 1
    }

    # --- Where to activate -------------------------------------------------------------------------------
    # Office keeps its KMS host on the product; Windows on the service.
    $target = $service
    if ($isOffice) { $target = $product }
    $currentMachine = [string](Get-PropertyValue $target 'KeyManagementServiceMachine')
    $currentPort = [int](Get-PropertyValue $target 'KeyManagementServicePort')
    $currentDomainValue = Get-PropertyValue $target 'KeyManagementServiceLookupDomain'
    $currentDomain = [string]$currentDomainValue

    if ($KmsServer -ne '') {
        if ($currentMachine -ne $KmsServer) {
            # slmgr /skms <host>
            Write-Log ("Setting the KMS host to " + $KmsServer + '.')
            Invoke-SppMethod $target -MethodName SetKeyManagementServiceMachine -Arguments @{ MachineName = $KmsServer }
            $changed.Add('kmsServer')
        }
        if ($KmsPort -gt 0 -and $currentPort -ne $KmsPort) {
            # slmgr /skms <host>:<port>
            Write-Log ("Setting the KMS port to " + $KmsPort + '.')
            Invoke-SppMethod $target -MethodName SetKeyManagementServicePort -Arguments @{ PortNumber = [uint32]$KmsPort }
            $changed.Add('kmsPort')
        }
        if ($KmsPort -eq 0 -and $currentPort -ne 0 -and $currentPort -ne 1688) {
            # Back to the default port 1688 (the port half of slmgr /ckms).
            Write-Log 'Clearing the KMS port (default 1688).'
            Invoke-SppMethod $target -MethodName ClearKeyManagementServicePort
            $changed.Add('kmsPort')
        }
    } else {
        if ($currentMachine -ne '') {
            # slmgr /ckms: clears the host name...
            Write-Log ("Clearing the fixed KMS host " + $currentMachine + '.')
            Invoke-SppMethod $target -MethodName ClearKeyManagementServiceMachine
            $changed.Add('kmsServer')
        }
        if ($currentPort -ne 0) {
            # ...and the port, so that DNS discovery is used.
            Invoke-SppMethod $target -MethodName ClearKeyManagementServicePort
            $changed.Add('kmsPort')
        }
        if ($LookupDomain -ne '') {
            if ($null -eq $currentDomainValue -or $currentDomain -ne $LookupDomain) {
                # slmgr /skms-domain <domain>
                Write-Log ("Looking up _vlmcs._tcp in " + $LookupDomain + '.')
                Invoke-SppMethod $target -MethodName SetKeyManagementServiceLookupDomain -Arguments @{ LookupDomain = $LookupDomain }
                if ($currentDomain -ne $LookupDomain) { $changed.Add('lookupDomain') }
            }
        } elseif ($currentDomain -ne '') {
            # slmgr /ckms-domain: DNS discovery in the machine's own domain.
            Write-Log ("Clearing the lookup domain " + $currentDomain + '.')
            Invoke-SppMethod $target -MethodName ClearKeyManagementServiceLookupDomain
            $changed.Add('lookupDomain')
        }
    }

    # --- Intervals (slmgr /sai, /sri) ----------------------------------------------------------------------
    # A client takes the host's intervals after its first answer, so these matter until then, and a
    # difference here does not by itself ask for a new activation.
    if ($ActivationIntervalMinutes -gt 0 -and [int]$service.VLActivationInterval -ne $ActivationIntervalMinutes) {
        # slmgr /sai <minutes>
        Invoke-SppMethod $service -MethodName SetVLActivationInterval -Arguments @{ ActivationInterval = [uint32]$ActivationIntervalMinutes }
        $changed.Add('activationInterval')
    }
    if ($RenewalIntervalMinutes -gt 0 -and [int]$service.VLRenewalInterval -ne $RenewalIntervalMinutes) {
        # slmgr /sri <minutes>
        Invoke-SppMethod $service -MethodName SetVLRenewalInterval -Arguments @{ RenewalInterval = [uint32]$RenewalIntervalMinutes }
        $changed.Add('renewalInterval')
    }

    # --- Activate when not licensed or when the key or the host changed (slmgr /ato) --------------------
    $targetChanged = @($changed | Where-Object { $_ -ne 'activationInterval' -and $_ -ne 'renewalInterval' }).Count -gt 0
    if ($Activate -eq 'true' -and ([int]$product.LicenseStatus -ne 1 -or $targetChanged)) {
        Write-Log 'Activating.'
        try {
            Invoke-SppMethod $product -MethodName Activate
            $changed.Add('activation')
        } catch {
            $activationError = Get-ErrorCode $_
            Write-Log ("Activation did not succeed: " + [string]$_.Exception.Message)
        }
        Invoke-SppMethod $service -MethodName RefreshLicenseStatus
        $service = Get-LicensingService
        $product = Get-ClientProduct $keyTail
    }

    # --- Read back (slmgr /dlv) -------------------------------------------------------------------------------
    Set-ClientResult $result $service $product $isOffice $LookupDomain

    if ($result.activated) {
        $result.ok = $true
        $result.message = 'Activated (' + $result.productName + ') by ' + $result.kmsServer + '; CMID ' + $result.cmid + '.'
        Write-Log $result.message
        Write-Result $result $changed
        exit 0
    }
    if ($Activate -ne 'true') {
        $result.ok = $true
        $result.message = 'Configured; activation was not requested (license status ' + $result.licenseStatus + ').'
        Write-Log $result.message
        Write-Result $result $changed
        exit 0
    }

    $code = $activationError
    if ($null -eq $code) { $code = ConvertTo-HResultText $product.LicenseStatusReason }
    $result.errorCode = $code
    if ($code -eq '0xC004F038') {
        # Below the threshold: pending, not failed. The client asks again every activation interval.
        $result.ok = $true
        $result.pending = $true
        $result.pendingReason = Get-ErrorMeaning $code
        $result.message = 'Pending: the KMS host answered but its count is below the threshold for this product. ' + (Get-ErrorDescription $code)
        Write-Log $result.message
        Write-Result $result $changed
        exit 0
    }
    if ($null -eq $code) {
        $result.message = 'Not activated (license status ' + $result.licenseStatus + ') and Windows gave no error code. Run slmgr /dlv on the machine.'
    } else {
        $result.message = 'Activation failed. ' + (Get-ErrorDescription $code)
    }
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
