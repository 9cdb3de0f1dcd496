# host-state.ps1, a helper file (see common.ps1) for host-setup.ps1 and status.ps1 -Role host: a KMS host's
# fields in the result, read from the licensing service (settings) and the host product (license, count),
# and the Office KMS host licenses (Office clients are counted apart, per license).

function Test-KmsHostProduct($Product) {
    # slmgr (Windows 7 and later) reads "is this a KMS host" from the product, not from the service.
    if ($null -eq $Product) { return $false }
    return ((Get-SppNumber $Product.IsKeyManagementServiceMachine) -eq 1)
}

function Add-HostFields($Result) {
    # The host fields of a result, after the ones every result starts with (New-Result), in this order.
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

function Set-HostServiceState($Result, $Service) {
    # The host settings, which the licensing service holds. Numbers Windows reports as not available are $null.
    $Result.port = Get-PortOrDefault $Service.KeyManagementServiceListeningPort
    $Result.dnsPublishing = [bool]$Service.KeyManagementServiceDnsPublishing
    $Result.lowPriority = [bool]$Service.KeyManagementServiceLowPriority
    $Result.activationIntervalMinutes = Get-SppNumber $Service.VLActivationInterval
    $Result.renewalIntervalMinutes = Get-SppNumber $Service.VLRenewalInterval
}

function Set-HostProductState($Result, $Product) {
    # The host product's license, key and count. "Is this a KMS host" is the product's, as slmgr reads it.
    $Result.licenseStatusCode = Get-SppNumber $Product.LicenseStatus
    $Result.licenseStatus = Get-LicenseStatusName $Product.LicenseStatus
    $Result.partialProductKey = $Product.PartialProductKey
    $Result.productName = $Product.Name
    $Result.productKeyChannel = $Product.ProductKeyChannel
    $Result.isKmsHost = (Test-KmsHostProduct $Product)
    $Result.currentCount = Get-SppNumber $Product.KeyManagementServiceCurrentCount
    $Result.requiredClientCount = Get-SppNumber $Product.RequiredClientCount
}

function Set-HostResult($Result, $Service, $Product) {
    # The host's state as slmgr /dlv shows it.
    Set-HostProductState $Result $Product
    Set-HostServiceState $Result $Service
}

function Get-CountText($Count) {
    if ($null -eq $Count) { return 'no client has asked yet' }
    return ('current count ' + $Count)
}

function Get-OfficeHostProducts {
    # Office KMS host licenses holding a key, as the licensing service lists them (slmgr /dlv all): the
    # Office application, a name starting with "Office" and a KMS host channel ("Office 16,
    # OfficeKMSHostVL_KMS_Host edition", "Office 16, VOLUME_KMS channel"). VOLUME_KMSCLIENT is a client's.
    $all = @(Get-CimInstance -ClassName SoftwareLicensingProduct -Filter "Name LIKE 'Office%' AND PartialProductKey IS NOT NULL")
    return @($all | Where-Object {
        ([string]$_.ApplicationID) -like $OfficeApplicationIdPattern -and (
            ([string]$_.Description) -like '*KMS_Host*' -or ([string]$_.Name) -like '*KMS_Host*' -or ([string]$_.Description) -match 'VOLUME_KMS(?!CLIENT)')
    })
}
