<#
.SYNOPSIS
    Reports the KMS state of this machine as a KMS host or a KMS client. Read-only: it changes nothing.

.DESCRIPTION
    Windows PowerShell 5.1. Reads the documented CIM classes SoftwareLicensingService and
    SoftwareLicensingProduct, the data slmgr /dlv shows, in a form that does not depend on the display
    language. Everything before the last line is a log for people. The LAST line is one JSON object.
    ok is true when the state could be read; whether the machine is activated is in the fields
    (isKmsHost and licenseStatus for a host, activated and pending for a client).

    A client's pending state and error come from the last Activate() result the client scripts recorded
    (%ProgramData%\pulumi-kms-activation\activation-<application ID>.json, as lastActivation), unless
    Windows was licensed after that result (the licence's start, from GracePeriodRemaining, is later than
    the record): a client asks again by itself, and then the licence as it is now wins. Windows
    keeps no such record (LicenseStatusReason is the reason for the current license status and never
    holds 0xC004F038). Numbers Windows reports as not available (4294967295) are null, e.g. the count of
    a host no client has asked yet. "Is this a KMS host" is the product's IsKeyManagementServiceMachine,
    as slmgr reads it. Helpers, next to this file: common.ps1, licensing-service.ps1, host-state.ps1,
    client-result.ps1, activation-record.ps1.

.PARAMETER Role
    host: KMS host fields (count, port, publishing, request counters), and each Office KMS host license
    with its own count (officeHosts). client: KMS client fields.

.PARAMETER Clients
    Only written to the log: the clients whose registration this count read follows. A value
    "base64:<text>" is the base64 of the UTF-8 text (how the TypeScript side sends it).

.EXAMPLE
    .\status.ps1 -Role host
.EXAMPLE
    .\status.ps1 -Role client -ApplicationId 0ff1ce15-a989-479d-af46-f275c6370663
#>
[CmdletBinding(PositionalBinding = $false)]
param(
    [ValidateSet('host', 'client')][string]$Role = 'client',
    [string]$ApplicationId = '55c92734-d682-4d71-983e-d6ec3f16059f',
    # Only for the log: the clients a count read follows (a new list makes Pulumi read the count again).
    [string]$Clients = ''
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$ScriptName = 'status'
$SecretTexts = @()
. "$PSScriptRoot\common.ps1"
. "$PSScriptRoot\licensing-service.ps1"
. "$PSScriptRoot\host-state.ps1"
. "$PSScriptRoot\client-result.ps1"
. "$PSScriptRoot\activation-record.ps1"

function Get-InstalledProduct {
    # The products of an application that hold a key.
    [CmdletBinding()]
    param([string]$ApplicationId)
    $filter = "ApplicationID='$ApplicationId' AND PartialProductKey IS NOT NULL"
    return @(Get-CimInstance -ClassName SoftwareLicensingProduct -Filter $filter)
}

$ApplicationId = (ConvertFrom-ParameterValue -Value $ApplicationId).Trim()
$Clients = ConvertFrom-ParameterValue -Value $Clients
$result = New-Result -RoleName $Role
$nothing = New-Object System.Collections.Generic.List[string]

$problem = Get-ApplicationIdError -Value $ApplicationId
if ($null -ne $problem) {
    $result.message = $problem
    Exit-WithResult -Result $result -Changed $nothing -ExitCode 2
}

try {
    if ($Clients -ne '') { Write-Log -Text ('Reading the state after clients ' + $Clients + '.') }
    # slmgr /dlv
    $service = Get-LicensingService

    if ($Role -eq 'host') {
        $products = @(Get-InstalledProduct -ApplicationId $WindowsApplicationId)
        $hostProducts = @($products | Where-Object { $_.ProductKeyChannel -eq 'Volume:CSVLK' -or (Test-KmsHostProduct -Product $_) })
        $product = $null
        if ($hostProducts.Count -gt 0) { $product = $hostProducts[0] }
        elseif ($products.Count -gt 0) { $product = @($products | Where-Object { -not $_.LicenseIsAddon })[0] }

        Add-HostField -Result $result
        Set-HostServiceState -Result $result -Service $service
        $result.requests = $null
        if ($null -ne $product) {
            Set-HostProductState -Result $result -Product $product
            # Key Management Service cumulative requests received from clients (slmgr /dlv on a host);
            # not available (null) before the first request.
            $result.requests = [ordered]@{
                total = Get-SppNumber -Value $product.KeyManagementServiceTotalRequests
                failed = Get-SppNumber -Value $product.KeyManagementServiceFailedRequests
                unlicensed = Get-SppNumber -Value $product.KeyManagementServiceUnlicensedRequests
                licensed = Get-SppNumber -Value $product.KeyManagementServiceLicensedRequests
                oobGrace = Get-SppNumber -Value $product.KeyManagementServiceOOBGraceRequests
                ootGrace = Get-SppNumber -Value $product.KeyManagementServiceOOTGraceRequests
                nonGenuineGrace = Get-SppNumber -Value $product.KeyManagementServiceNonGenuineGraceRequests
                notification = Get-SppNumber -Value $product.KeyManagementServiceNotificationRequests
            }
            if ($result.licenseStatusCode -ne 1) { $result.errorCode = ConvertTo-HResultText -Value $product.LicenseStatusReason }
        }
        # Office KMS host licenses with a key (slmgr /dlv all): Office clients are counted apart, per license.
        $result.officeHosts = @(Get-OfficeHostLicense | ForEach-Object {
            [ordered]@{
                productName = $_.Name
                partialProductKey = $_.PartialProductKey
                licenseStatus = Get-LicenseStatusName -Code $_.LicenseStatus
                currentCount = Get-SppNumber -Value $_.KeyManagementServiceCurrentCount
            }
        })
        $result.ok = $true
        if ($result.isKmsHost -and $result.licenseStatusCode -eq 1) {
            $result.message = 'Activated KMS host on TCP ' + $result.port + '; ' + (Get-CountText -Count $result.currentCount) + '.'
        } elseif ($null -ne $result.errorCode) {
            $result.message = 'Not an activated KMS host. ' + (Get-ErrorDescription -Code $result.errorCode)
        } else {
            $result.message = 'Not an activated KMS host (no KMS host key, Volume:CSVLK, is installed and licensed).'
        }
    } else {
        $products = @(Get-InstalledProduct -ApplicationId $ApplicationId)
        $main = @($products | Where-Object { -not $_.LicenseIsAddon })
        $product = $null
        if ($main.Count -gt 0) { $product = $main[0] }
        $isOffice = ($ApplicationId -eq $OfficeApplicationId)

        Add-ClientField -Result $result -ApplicationId $ApplicationId
        $result.cmid = [string]$service.ClientMachineID
        $record = Read-ActivationRecord -ApplicationId $ApplicationId
        $result.lastActivation = $null
        if ($null -ne $record) {
            $result.lastActivation = [ordered]@{ result = [string]$record.result; errorCode = $record.errorCode; kmsServer = $record.kmsServer }
        }

        $result.ok = $true
        if ($null -eq $product) {
            $result.errorCode = '0xC004F014'
            $result.message = 'No product key is installed for application ' + $ApplicationId + '. ' + (Get-ErrorDescription -Code '0xC004F014')
        } else {
            Set-ClientResult -Result $result -Service $service -Product $product -IsOffice $isOffice
            $licensed = ($result.licenseStatusCode -eq 1)
            # The licence as it is now: a recorded pending or failed Activate() is history once Windows was
            # licensed after it, by the KMS the scripts set (a client asks again every activation interval
            # and renews every renewal interval by itself; it asks only the KMS it is set to).
            $renewedSince = $false
            if ($null -ne $record -and [string]$record.result -ne 'activated' -and $licensed -and [string]$product.ProductKeyChannel -eq 'Volume:GVLK' -and [string]$record.at -ne '') {
                $start = Get-LicenceStartUtc -Product $product
                # Windows PowerShell 5.1's ConvertFrom-Json keeps the ISO text; PowerShell 7 makes it a DateTime.
                if ($record.at -is [DateTime]) { $at = $record.at.ToUniversalTime() } else { $at = [DateTime]::Parse([string]$record.at, $null, [System.Globalization.DateTimeStyles]::RoundtripKind).ToUniversalTime() }
                if ($null -ne $start -and $start -gt $at.AddMinutes(1)) { $renewedSince = $true }
            }
            if ($renewedSince) {
                $result.activated = $true
                $result.message = 'Activated (' + $result.productName + ') by ' + $result.kmsServer + ' after the last recorded result (' + [string]$record.result + ' ' + [string]$record.errorCode + '): the client asked again by itself.'
            } elseif ($null -ne $record -and [string]$record.result -ne 'activated') {
                # The last Activate() of the client scripts did not succeed; a license from elsewhere (Azure's
                # own KMS) does not make this client activated by its KMS host.
                $code = [string]$record.errorCode
                if ($code -ne '') { $result.errorCode = $code }
                if ([string]$record.result -eq 'pending') {
                    $result.pending = $true
                    $result.pendingReason = Get-ErrorMeaning -Code $code
                    $result.message = 'Pending (last activation result, license status ' + $result.licenseStatus + '). ' + (Get-ErrorDescription -Code $code)
                } elseif ($code -ne '') {
                    $result.message = 'Not activated: the last activation failed (license status ' + $result.licenseStatus + '). ' + (Get-ErrorDescription -Code $code)
                } else {
                    $result.message = 'Not activated: the last activation failed without an error code (license status ' + $result.licenseStatus + ').'
                }
            } elseif ($licensed) {
                $result.activated = $true
                $result.message = 'Activated (' + $result.productName + ').'
                if ($null -eq $record) { $result.message = 'Licensed (' + $result.productName + '); no activation by these scripts is recorded.' }
            } else {
                $result.errorCode = ConvertTo-HResultText -Value $product.LicenseStatusReason
                if ($null -ne $result.errorCode) {
                    $result.message = 'Not activated (license status ' + $result.licenseStatus + '). ' + (Get-ErrorDescription -Code $result.errorCode)
                } else {
                    $result.message = 'Not activated (license status ' + $result.licenseStatus + ').'
                }
            }
        }
    }
    Exit-WithResult -Result $result -Changed $nothing -ExitCode 0
} catch {
    $result.message = 'Reading the licensing state failed: ' + [string]$_.Exception.Message
    Exit-WithResult -Result $result -Changed $nothing -ExitCode 1
}
