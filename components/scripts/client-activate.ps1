<#
.SYNOPSIS
    Asks the KMS host once more for activation, after every other client of that host has registered.
    Changes nothing on a client that is already activated. Safe to run again.

.DESCRIPTION
    Windows PowerShell 5.1, run as an administrator (Azure Run Command runs it as SYSTEM). It uses the
    documented CIM classes SoftwareLicensingService and SoftwareLicensingProduct instead of slmgr.vbs.

    This is the second step of the threshold barrier. client-setup.ps1 has already installed the setup
    key and pointed the client at its host; a client that asked before the host had seen enough machines
    got 0xC004F038 (count below the threshold) and would otherwise wait for its activation interval
    (120 minutes by default). Once all clients of the host have asked, this script asks again.

    Everything before the last line is a log for people. The LAST line is one JSON object for tools,
    with the same fields as client-setup.ps1.
    Exit code 0: activated, or still pending (0xC004F038). 1: activation failed (the message gives the fix).
    2: a parameter is not valid.

.PARAMETER ApplicationId
    The licensing application: Windows 55c92734-d682-4d71-983e-d6ec3f16059f (default) or Office
    0ff1ce15-a989-479d-af46-f275c6370663.

.PARAMETER SetupDigest
    Only for the log: a digest of the client's setup parameters, so that Pulumi runs this step again when
    the setup changes.

.EXAMPLE
    .\client-activate.ps1
#>
[CmdletBinding()]
param(
    [string]$ApplicationId = '55c92734-d682-4d71-983e-d6ec3f16059f',
    [string]$SetupDigest = ''
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$ScriptName = 'client-activate'
$WindowsApplicationId = '55c92734-d682-4d71-983e-d6ec3f16059f'
$OfficeApplicationId = '0ff1ce15-a989-479d-af46-f275c6370663'
$LicenseStatusNames = @('Unlicensed', 'Licensed', 'OOBGrace', 'OOTGrace', 'NonGenuineGrace', 'Notification', 'ExtendedGrace')

# BEGIN error codes (copied from components/catalog/errorCodes.ts; tests/scripts.test.ts keeps them equal)
$KmsErrorCodes = @{
    '0xC004F038' = @('The KMS host''s count is too low: it has seen fewer distinct machines in the last 30 days than this product needs (25 for Windows client, 5 for Windows Server and Office)', 'Wait until enough distinct clients have asked the host, or add clients. If the count stays below the number of machines, they share a client machine ID (images sysprepped with SkipRearm=1, Azure Marketplace images): run slmgr /rearm and restart each clone. For a small Azure lab, Azure''s own KMS or a MAK avoids the threshold.')
    '0xC004F039' = @('The KMS host did not respond: Key Management Service is not enabled there', 'Check that the host is reachable from the client and that nothing blocks its TCP port (1688 by default): Test-NetConnection <host> -Port 1688.')
    '0xC004F041' = @('The KMS host is not activated', 'Activate the KMS host with Microsoft (online, or by phone) before clients ask it: slmgr /ato on the host.')
    '0xC004F042' = @('The KMS host that answered cannot activate this product: its host key (CSVLK) is too old or for another product group', 'Install a newer host key on the host (e.g. a Windows Server 2022 or 2025 CSVLK for Windows 11), or point the client at a host that can activate it: slmgr /ckms, then slmgr /skms <host>:<port>.')
    '0xC004F06C' = @('The request''s timestamp is not valid: client and KMS host clocks differ by more than 4 hours', 'Synchronise time on the client and the host (w32tm /resync) and check their time zones, then retry.')
    '0xC004F074' = @('No KMS host could be contacted', 'On the host, check that the Software Protection service (sppsvc) runs and the firewall allows its port. On the client, check the _vlmcs._tcp SRV record or the fixed host (stale records point at old hosts), test with Test-NetConnection <host> -Port 1688, and read the 12288 events in the Application log.')
    '0xC004F014' = @('No product key is installed', 'Install the KMS client setup key for the installed edition: slmgr /ipk <setup key>.')
    '0xC004F00F' = @('The hardware ID is out of tolerance: the machine changed too much since activation', 'Restart, then activate again against the KMS host: slmgr /ato.')
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

function Get-ErrorMeaning([string]$Code) {
    if ($KmsErrorCodes.ContainsKey($Code)) { return ($Code + ': ' + $KmsErrorCodes[$Code][0]) }
    return $Code
}

function Get-ErrorDescription([string]$Code) {
    # Same text as describeErrorCode() in components/catalog/errorCodes.ts.
    if ($KmsErrorCodes.ContainsKey($Code)) {
        $entry = $KmsErrorCodes[$Code]
        return ($Code + ': ' + $entry[0] + '. Fix: ' + $entry[1])
    }
    return ($Code + ': not a known KMS activation error. Run slui.exe 0x2a ' + $Code + " on the machine for Windows' own description.")
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

# --- Check the parameters -------------------------------------------------------------------------------
if ($ApplicationId -notmatch '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$') {
    $result.message = 'ApplicationId must be a GUID such as ' + $WindowsApplicationId + ' (Windows) or ' + $OfficeApplicationId + ' (Office); received "' + $ApplicationId + '".'
    Write-Log $result.message
    Write-Result $result $changed
    exit 2
}

$isOffice = ($ApplicationId -eq $OfficeApplicationId)
$activationError = $null

try {
    Write-Log ('Asking again now that the other clients of the host have registered (setup ' + $SetupDigest + '; application ' + $ApplicationId + ').')

    # --- Read the current state (slmgr /dlv) --------------------------------------------------------------
    $service = Get-LicensingService
    $product = Get-ClientProduct ''
    if ($null -eq $product) {
        $result.errorCode = '0xC004F014'
        $result.message = 'No product key is installed for application ' + $ApplicationId + '. ' + (Get-ErrorDescription '0xC004F014')
        Write-Log $result.message
        Write-Result $result $changed
        exit 1
    }

    # --- Activate only when not licensed (slmgr /ato) --------------------------------------------------------
    if ([int]$product.LicenseStatus -ne 1) {
        Write-Log ('Activating (license status ' + (Get-LicenseStatusName $product.LicenseStatus) + ').')
        try {
            Invoke-SppMethod $product -MethodName Activate
            $changed.Add('activation')
        } catch {
            $activationError = Get-ErrorCode $_
            Write-Log ("Activation did not succeed: " + [string]$_.Exception.Message)
        }
        Invoke-SppMethod $service -MethodName RefreshLicenseStatus
        $service = Get-LicensingService
        $product = Get-ClientProduct ''
    } else {
        Write-Log 'Already activated: nothing to do.'
    }

    # --- Read back (slmgr /dlv) -------------------------------------------------------------------------------
    Set-ClientResult $result $service $product $isOffice ''

    if ($result.activated) {
        $result.ok = $true
        $result.message = 'Activated (' + $result.productName + ') by ' + $result.kmsServer + '; CMID ' + $result.cmid + '.'
        Write-Log $result.message
        Write-Result $result $changed
        exit 0
    }

    $code = $activationError
    if ($null -eq $code) { $code = ConvertTo-HResultText $product.LicenseStatusReason }
    $result.errorCode = $code
    if ($code -eq '0xC004F038') {
        # Still below the threshold: pending, not failed. The client keeps asking every activation interval.
        $result.ok = $true
        $result.pending = $true
        $result.pendingReason = Get-ErrorMeaning $code
        $result.message = 'Still pending: the KMS host''s count is below the threshold for this product. ' + (Get-ErrorDescription $code)
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
