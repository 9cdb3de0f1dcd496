# host-state.ps1, a helper file (see common.ps1) for host-setup.ps1 and status.ps1 -Role host: a KMS host's
# fields in the result, read from the licensing service (settings) and the host product (license, count),
# and the Office KMS host licenses (Office clients are counted apart, per license).

function Test-KmsHostProduct {
    # slmgr (Windows 7 and later) reads "is this a KMS host" from the product, not from the service.
    [CmdletBinding()]
    param([psobject]$Product)
    if ($null -eq $Product) { return $false }
    return ((Get-SppNumber -Value $Product.IsKeyManagementServiceMachine) -eq 1)
}

function Add-HostField {
    # The host fields of a result, after the ones every result starts with (New-Result), in this order.
    [CmdletBinding()]
    param([Collections.IDictionary]$Result)
    $Result.isKmsHost = $false
    $Result.currentCount = $null
    $Result.requiredClientCount = $null
    $Result.port = $null
    $Result.dnsPublishing = $null
    $Result.lowPriority = $null
    $Result.activationIntervalMinutes = $null
    $Result.renewalIntervalMinutes = $null
    $Result.serviceRestarted = $false
    $Result.firewallRule = $null
}

function Set-HostServiceState {
    # The host settings, which the licensing service holds. Numbers Windows reports as not available are $null.
    [CmdletBinding()]
    param([Collections.IDictionary]$Result, [psobject]$Service)
    $Result.port = Get-PortOrDefault -Value $Service.KeyManagementServiceListeningPort
    $Result.dnsPublishing = [bool]$Service.KeyManagementServiceDnsPublishing
    $Result.lowPriority = [bool]$Service.KeyManagementServiceLowPriority
    $Result.activationIntervalMinutes = Get-SppNumber -Value $Service.VLActivationInterval
    $Result.renewalIntervalMinutes = Get-SppNumber -Value $Service.VLRenewalInterval
}

function Set-HostProductState {
    # The host product's license, key and count. "Is this a KMS host" is the product's, as slmgr reads it.
    [CmdletBinding()]
    param([Collections.IDictionary]$Result, [psobject]$Product)
    $Result.licenseStatusCode = Get-SppNumber -Value $Product.LicenseStatus
    $Result.licenseStatus = Get-LicenseStatusName -Code $Product.LicenseStatus
    $Result.partialProductKey = $Product.PartialProductKey
    $Result.productName = $Product.Name
    $Result.productKeyChannel = $Product.ProductKeyChannel
    $Result.isKmsHost = (Test-KmsHostProduct -Product $Product)
    $Result.currentCount = Get-SppNumber -Value $Product.KeyManagementServiceCurrentCount
    $Result.requiredClientCount = Get-SppNumber -Value $Product.RequiredClientCount
}

function Set-HostResult {
    # The host's state as slmgr /dlv shows it.
    [CmdletBinding()]
    param([Collections.IDictionary]$Result, [psobject]$Service, [psobject]$Product)
    Set-HostProductState -Result $Result -Product $Product
    Set-HostServiceState -Result $Result -Service $Service
}

function Get-CountText {
    [CmdletBinding()]
    param([object]$Count)
    if ($null -eq $Count) { return 'no client has asked yet' }
    return ('current count ' + $Count)
}

function Get-OfficeHostLicense {
    # Office KMS host licenses holding a key, as the licensing service lists them (slmgr /dlv all): the
    # Office application, a name starting with "Office" and a KMS host channel ("Office 16,
    # OfficeKMSHostVL_KMS_Host edition", "Office 16, VOLUME_KMS channel"). VOLUME_KMSCLIENT is a client's.
    [CmdletBinding()]
    param()
    $all = @(Get-CimInstance -ClassName SoftwareLicensingProduct -Filter "Name LIKE 'Office%' AND PartialProductKey IS NOT NULL")
    return @($all | Where-Object {
        ([string]$_.ApplicationID) -like $OfficeApplicationIdPattern -and (
            ([string]$_.Description) -like '*KMS_Host*' -or ([string]$_.Name) -like '*KMS_Host*' -or ([string]$_.Description) -match 'VOLUME_KMS(?!CLIENT)')
    })
}
