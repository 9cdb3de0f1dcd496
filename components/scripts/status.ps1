<#
.SYNOPSIS
    Reports the KMS state of this machine as a KMS host or a KMS client. Read-only: it changes nothing.

.DESCRIPTION
    Windows PowerShell 5.1. Reads the documented CIM classes SoftwareLicensingService and
    SoftwareLicensingProduct, the data slmgr /dlv shows, in a form that does not depend on the display
    language. Everything before the last line is a log for people. The LAST line is one JSON object.
    ok is true when the state could be read; whether the machine is activated is in the fields
    (isKmsHost and licenseStatus for a host, activated and pending for a client).

.PARAMETER Role
    host: KMS host fields (count, port, publishing, request counters), and each Office KMS host license
    with its own count (officeHosts). client: KMS client fields.

.PARAMETER Clients
    Only written to the log: the clients whose registration this count read follows.

.EXAMPLE
    .\status.ps1 -Role host
.EXAMPLE
    .\status.ps1 -Role client -ApplicationId 0ff1ce15-a989-479d-af46-f275c6370663
#>
[CmdletBinding()]
param(
    [ValidateSet('host', 'client')][string]$Role = 'client',
    [string]$ApplicationId = '55c92734-d682-4d71-983e-d6ec3f16059f',
    # Only for the log: the clients a count read follows (a new list makes Pulumi read the count again).
    [string]$Clients = ''
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$ScriptName = 'status'
$WindowsApplicationId = '55c92734-d682-4d71-983e-d6ec3f16059f'
$OfficeApplicationId = '0ff1ce15-a989-479d-af46-f275c6370663'
# Office 2013 and later (Microsoft's sample output for the Office host shows 0ff1ce16-...: both match).
$OfficeApplicationIdPattern = '0ff1ce1?-a989-479d-af46-f275c6370663'
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

function Get-Products([string]$AppId) {
    $filter = "ApplicationID='$AppId' AND PartialProductKey IS NOT NULL"
    return @(Get-CimInstance -ClassName SoftwareLicensingProduct -Filter $filter)
}

function Write-Result($Result) {
    Write-Output ($Result | ConvertTo-Json -Compress -Depth 4)
}

$result = [ordered]@{
    script = $ScriptName
    role = $Role
    ok = $false
    changed = [string[]]@()
    errorCode = $null
    message = ''
    licenseStatus = $null
    licenseStatusCode = $null
    partialProductKey = $null
    productName = $null
    productKeyChannel = $null
}

if ($ApplicationId -notmatch '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$') {
    $result.message = 'ApplicationId must be a GUID such as ' + $WindowsApplicationId + ' (Windows) or ' + $OfficeApplicationId + ' (Office); received "' + $ApplicationId + '".'
    Write-Log $result.message
    Write-Result $result
    exit 2
}

try {
    if ($Clients -ne '') { Write-Log ('Reading the state after clients ' + $Clients + '.') }
    # slmgr /dlv
    $service = Get-CimInstance -ClassName SoftwareLicensingService

    if ($Role -eq 'host') {
        $products = @(Get-Products $WindowsApplicationId)
        $hostProducts = @($products | Where-Object { $_.ProductKeyChannel -eq 'Volume:CSVLK' -or [int]$_.IsKeyManagementServiceMachine -eq 1 })
        $product = $null
        if ($hostProducts.Count -gt 0) { $product = $hostProducts[0] }
        elseif ($products.Count -gt 0) { $product = @($products | Where-Object { -not $_.LicenseIsAddon })[0] }

        $listening = [int]$service.KeyManagementServiceListeningPort
        if ($listening -eq 0) { $listening = 1688 }
        $result.isKmsHost = $false
        $result.currentCount = $null
        $result.requiredClientCount = $null
        $result.port = $listening
        $result.dnsPublishing = [bool]$service.KeyManagementServiceDnsPublishing
        $result.lowPriority = [bool]$service.KeyManagementServiceLowPriority
        $result.activationIntervalMinutes = [int]$service.VLActivationInterval
        $result.renewalIntervalMinutes = [int]$service.VLRenewalInterval
        $result.serviceRestarted = $false
        $result.firewallRule = $null
        $result.requests = $null
        if ($null -ne $product) {
            $result.licenseStatusCode = [int]$product.LicenseStatus
            $result.licenseStatus = Get-LicenseStatusName $product.LicenseStatus
            $result.partialProductKey = $product.PartialProductKey
            $result.productName = $product.Name
            $result.productKeyChannel = $product.ProductKeyChannel
            $result.isKmsHost = ([int]$service.IsKeyManagementServiceMachine -eq 1 -and $product.ProductKeyChannel -eq 'Volume:CSVLK')
            $result.currentCount = [int]$product.KeyManagementServiceCurrentCount
            $result.requiredClientCount = [int]$product.RequiredClientCount
            # Key Management Service cumulative requests received from clients (slmgr /dlv on a host).
            $result.requests = [ordered]@{
                total = [int]$product.KeyManagementServiceTotalRequests
                failed = [int]$product.KeyManagementServiceFailedRequests
                unlicensed = [int]$product.KeyManagementServiceUnlicensedRequests
                licensed = [int]$product.KeyManagementServiceLicensedRequests
                oobGrace = [int]$product.KeyManagementServiceOOBGraceRequests
                ootGrace = [int]$product.KeyManagementServiceOOTGraceRequests
                nonGenuineGrace = [int]$product.KeyManagementServiceNonGenuineGraceRequests
                notification = [int]$product.KeyManagementServiceNotificationRequests
            }
            if ($result.licenseStatusCode -ne 1) { $result.errorCode = ConvertTo-HResultText $product.LicenseStatusReason }
        }
        # Office KMS host licenses with a key (slmgr /dlv all): Office clients are counted apart, per license.
        $officeProducts = @(Get-CimInstance -ClassName SoftwareLicensingProduct -Filter "Name LIKE 'Office%' AND PartialProductKey IS NOT NULL" | Where-Object {
            ([string]$_.ApplicationID) -like $OfficeApplicationIdPattern -and (
                ([string]$_.Description) -like '*KMS_Host*' -or ([string]$_.Name) -like '*KMS_Host*' -or ([string]$_.Description) -like '*VOLUME_KMS*')
        })
        $result.officeHosts = @($officeProducts | ForEach-Object {
            [ordered]@{
                productName = $_.Name
                partialProductKey = $_.PartialProductKey
                licenseStatus = Get-LicenseStatusName $_.LicenseStatus
                currentCount = [int]$_.KeyManagementServiceCurrentCount
            }
        })
        $result.ok = $true
        if ($result.isKmsHost -and $result.licenseStatusCode -eq 1) {
            $result.message = 'Activated KMS host on TCP ' + $listening + '; current count ' + $result.currentCount + '.'
        } elseif ($null -ne $result.errorCode) {
            $result.message = 'Not an activated KMS host. ' + (Get-ErrorDescription $result.errorCode)
        } else {
            $result.message = 'Not an activated KMS host (no KMS host key, Volume:CSVLK, is installed and licensed).'
        }
    } else {
        $products = @(Get-Products $ApplicationId)
        $main = @($products | Where-Object { -not $_.LicenseIsAddon })
        $product = $null
        if ($main.Count -gt 0) { $product = $main[0] }
        $isOffice = ($ApplicationId -eq $OfficeApplicationId)
        $target = $service
        if ($isOffice) { $target = $product }

        $result.activated = $false
        $result.pending = $false
        $result.pendingReason = $null
        $result.cmid = [string]$service.ClientMachineID
        $result.kmsServer = $null
        $result.lookupDomain = $null
        $result.remainingRearmCount = $null
        $result.applicationId = $ApplicationId

        $machine = [string](Get-PropertyValue $target 'KeyManagementServiceMachine')
        $machinePort = [int](Get-PropertyValue $target 'KeyManagementServicePort')
        if ($machine -ne '') {
            if ($machinePort -eq 0) { $machinePort = 1688 }
            $result.kmsServer = $machine + ':' + $machinePort
        } else {
            $found = [string](Get-PropertyValue $product 'DiscoveredKeyManagementServiceMachineName')
            $foundPort = [int](Get-PropertyValue $product 'DiscoveredKeyManagementServiceMachinePort')
            if ($found -eq '') {
                $found = [string]$service.DiscoveredKeyManagementServiceMachineName
                $foundPort = [int]$service.DiscoveredKeyManagementServiceMachinePort
            }
            if ($found -ne '') {
                if ($foundPort -eq 0) { $foundPort = 1688 }
                $result.kmsServer = $found + ':' + $foundPort
            }
        }
        $domain = [string](Get-PropertyValue $target 'KeyManagementServiceLookupDomain')
        if ($domain -ne '') { $result.lookupDomain = $domain }
        $rearm = Get-PropertyValue $service 'RemainingWindowsReArmCount'
        if ($isOffice) { $rearm = Get-PropertyValue $product 'RemainingSkuReArmCount' }
        if ($null -ne $rearm) { $result.remainingRearmCount = [int]$rearm }

        $result.ok = $true
        if ($null -eq $product) {
            $result.errorCode = '0xC004F014'
            $result.message = 'No product key is installed for application ' + $ApplicationId + '. ' + (Get-ErrorDescription '0xC004F014')
        } else {
            $result.licenseStatusCode = [int]$product.LicenseStatus
            $result.licenseStatus = Get-LicenseStatusName $product.LicenseStatus
            $result.partialProductKey = $product.PartialProductKey
            $result.productName = $product.Name
            $result.productKeyChannel = $product.ProductKeyChannel
            $result.activated = ($result.licenseStatusCode -eq 1)
            if ($result.activated) {
                $result.message = 'Activated (' + $result.productName + ').'
            } else {
                $result.errorCode = ConvertTo-HResultText $product.LicenseStatusReason
                if ($result.errorCode -eq '0xC004F038') {
                    $result.pending = $true
                    $result.pendingReason = Get-ErrorMeaning $result.errorCode
                }
                if ($null -ne $result.errorCode) {
                    $result.message = 'Not activated (license status ' + $result.licenseStatus + '). ' + (Get-ErrorDescription $result.errorCode)
                } else {
                    $result.message = 'Not activated (license status ' + $result.licenseStatus + ').'
                }
            }
        }
    }
    Write-Log $result.message
    Write-Result $result
    exit 0
} catch {
    $result.message = 'Reading the licensing state failed: ' + [string]$_.Exception.Message
    Write-Log $result.message
    Write-Result $result
    exit 1
}
