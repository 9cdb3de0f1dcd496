# client-result.ps1, a helper file (see common.ps1) for the scripts that report a client (client-setup,
# client-activate, client-rearm, status): which product holds the key, the client fields of the result
# and the state slmgr /dlv shows (license status, key, CMID, the KMS host used) read into them.

function Get-ClientProduct([string]$KeyTail) {
    # The product of $ApplicationId holding a key: the one with the setup key when given, else the main
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

function Add-ClientFields($Result) {
    # The client fields of a result, after the ones every result starts with (New-Result), in this order.
    $Result.activated = $false
    $Result.pending = $false
    $Result.pendingReason = $null
    $Result.cmid = $null
    $Result.kmsServer = $null
    $Result.lookupDomain = $null
    $Result.remainingRearmCount = $null
    $Result.applicationId = $ApplicationId
}

function New-ClientResult {
    $result = New-Result 'client'
    Add-ClientFields $result
    return $result
}

function Get-ClientKmsServer($Service, $Product, [bool]$IsOffice) {
    # "name:port" of the KMS host the client uses: the fixed one, else the one DNS discovery found; or $null.
    $target = $Service
    if ($IsOffice) { $target = $Product }
    $machine = [string](Get-PropertyValue $target 'KeyManagementServiceMachine')
    if ($machine -ne '') { return ($machine + ':' + (Get-PortOrDefault (Get-PropertyValue $target 'KeyManagementServicePort'))) }
    $found = [string](Get-PropertyValue $Product 'DiscoveredKeyManagementServiceMachineName')
    $foundPort = Get-PropertyValue $Product 'DiscoveredKeyManagementServiceMachinePort'
    if ($found -eq '') {
        $found = [string](Get-PropertyValue $Service 'DiscoveredKeyManagementServiceMachineName')
        $foundPort = Get-PropertyValue $Service 'DiscoveredKeyManagementServiceMachinePort'
    }
    if ($found -ne '') { return ($found + ':' + (Get-PortOrDefault $foundPort)) }
    return $null
}

function Set-ClientResult($Result, $Service, $Product, [bool]$IsOffice, [string]$FallbackLookupDomain) {
    # The client's state as slmgr /dlv shows it: license status, key, CMID, the KMS host used. Whether
    # OUR host activated it is decided by the caller from the Activate() result, not from LicenseStatus:
    # Azure's own KMS licenses Marketplace images before any script runs.
    $target = $Service
    if ($IsOffice) { $target = $Product }
    $Result.licenseStatusCode = Get-SppNumber $Product.LicenseStatus
    $Result.licenseStatus = Get-LicenseStatusName $Product.LicenseStatus
    $Result.partialProductKey = $Product.PartialProductKey
    $Result.productName = $Product.Name
    $Result.productKeyChannel = $Product.ProductKeyChannel
    $Result.cmid = [string]$Service.ClientMachineID
    $Result.kmsServer = Get-ClientKmsServer $Service $Product $IsOffice
    $domain = [string](Get-PropertyValue $target 'KeyManagementServiceLookupDomain')
    if ($domain -ne '') { $Result.lookupDomain = $domain } elseif ($FallbackLookupDomain -ne '') { $Result.lookupDomain = $FallbackLookupDomain }
    $rearm = Get-PropertyValue $Service 'RemainingWindowsReArmCount'
    if ($IsOffice) { $rearm = Get-PropertyValue $Product 'RemainingSkuReArmCount' }
    $Result.remainingRearmCount = Get-SppNumber $rearm
}
