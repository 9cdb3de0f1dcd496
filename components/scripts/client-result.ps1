# client-result.ps1, a helper file (see common.ps1) for the scripts that report a client (client-setup,
# client-activate, client-rearm, status): which product holds the key, the client fields of the result
# and the state slmgr /dlv shows (license status, key, CMID, the KMS host used) read into them.

function Get-ClientProduct {
    # The product of $ApplicationId holding a key: the one whose key ends in $KeyTail when given, else the
    # main (non add-on) product, preferring the KMS client channel.
    [CmdletBinding()]
    param([string]$ApplicationId, [string]$KeyTail)
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

function Add-ClientField {
    # The client fields of a result, after the ones every result starts with (New-Result), in this order.
    [CmdletBinding()]
    param([Collections.IDictionary]$Result, [string]$ApplicationId)
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
    [CmdletBinding()]
    param([string]$ApplicationId)
    $result = New-Result -RoleName 'client'
    Add-ClientField -Result $result -ApplicationId $ApplicationId
    return $result
}

function Get-ClientKmsServer {
    # "name:port" of the KMS host the client uses: the fixed one, else the one DNS discovery found; or $null.
    # Office keeps its settings on the product, Windows on the service.
    [CmdletBinding()]
    param([psobject]$Service, [psobject]$Product, [bool]$IsOffice)
    $target = $Service
    if ($IsOffice) { $target = $Product }
    $machine = [string](Get-PropertyValue -Instance $target -Name 'KeyManagementServiceMachine')
    if ($machine -ne '') { return ($machine + ':' + (Get-PortOrDefault -Value (Get-PropertyValue -Instance $target -Name 'KeyManagementServicePort'))) }
    $found = [string](Get-PropertyValue -Instance $Product -Name 'DiscoveredKeyManagementServiceMachineName')
    $foundPort = Get-PropertyValue -Instance $Product -Name 'DiscoveredKeyManagementServiceMachinePort'
    if ($found -eq '') {
        $found = [string](Get-PropertyValue -Instance $Service -Name 'DiscoveredKeyManagementServiceMachineName')
        $foundPort = Get-PropertyValue -Instance $Service -Name 'DiscoveredKeyManagementServiceMachinePort'
    }
    if ($found -ne '') { return ($found + ':' + (Get-PortOrDefault -Value $foundPort)) }
    return $null
}

function Set-ClientResult {
    # The client's state as slmgr /dlv shows it: license status, key, CMID, the KMS host used. Whether
    # OUR host activated it is decided by the caller from the Activate() result, not from LicenseStatus:
    # Azure's own KMS licenses Marketplace images before any script runs. $FallbackLookupDomain: the
    # lookup domain to report where Windows reports none.
    [CmdletBinding()]
    param([Collections.IDictionary]$Result, [psobject]$Service, [psobject]$Product, [bool]$IsOffice, [string]$FallbackLookupDomain = '')
    $target = $Service
    if ($IsOffice) { $target = $Product }
    $Result.licenseStatusCode = Get-SppNumber -Value $Product.LicenseStatus
    $Result.licenseStatus = Get-LicenseStatusName -Code $Product.LicenseStatus
    $Result.partialProductKey = $Product.PartialProductKey
    $Result.productName = $Product.Name
    $Result.productKeyChannel = $Product.ProductKeyChannel
    $Result.cmid = [string]$Service.ClientMachineID
    $Result.kmsServer = Get-ClientKmsServer -Service $Service -Product $Product -IsOffice $IsOffice
    $domain = [string](Get-PropertyValue -Instance $target -Name 'KeyManagementServiceLookupDomain')
    if ($domain -ne '') { $Result.lookupDomain = $domain } elseif ($FallbackLookupDomain -ne '') { $Result.lookupDomain = $FallbackLookupDomain }
    $rearm = Get-PropertyValue -Instance $Service -Name 'RemainingWindowsReArmCount'
    if ($IsOffice) { $rearm = Get-PropertyValue -Instance $Product -Name 'RemainingSkuReArmCount' }
    $Result.remainingRearmCount = Get-SppNumber -Value $rearm
}
