# KMS lab: product keys and licences (InstallProductKey, InstallLicense). Dot-sourced by KmsLab.psm1. Sources: docs/lab.md ("Rules and their sources") and docs/sources.md.

# ---------------------------------------------------------------- keys

function Get-LabKeyMeaning($Machine, [string]$Key) {
    # What a product key is to the lab: a lab CSVLK of a key group, or a published setup key (GVLK).
    $catalog = Get-LabCatalog
    $k = ($Key -replace '\s', '').ToUpperInvariant()
    if ($k -cnotmatch $script:KeyPattern) { return $null }
    $group = $catalog.hostKeys[$k]
    if ($null -ne $group) { return @{ kind = 'csvlk'; group = $catalog.keyGroups[$group]; key = $k } }
    $names = $catalog.productsByKey[$k]
    if ($null -ne $names) { return @{ kind = 'gvlk'; products = @($names); key = $k } }
    # The lab's MAK and retail keys (tools/lab/catalog.ts), one per product and channel.
    $other = $null
    if ($null -ne $catalog.otherKeys) { $other = $catalog.otherKeys[$k] }
    if ($null -ne $other) { return @{ kind = 'other'; products = @([string]$other.product); channel = [string]$other.channel; key = $k } }
    return $null
}

function Test-LabCanHost($Machine, $Group) {
    # Sources: [PLAN] (key groups; footnote 1: Datacenter: Azure Edition) (docs/sources.md).
    $catalog = Get-LabCatalog
    $os = $catalog.products[$Machine.os]
    # Datacenter: Azure Edition "can't be configured as a KMS host" (KMS planning page, footnote 1).
    if ([bool]$os.azureEdition) { return $false }
    foreach ($h in @($Group.hostOs)) {
        if ($os.version -eq $h -or $os.version.StartsWith($h + ' ')) { return $true }
    }
    return $false
}

function Install-LabProductKey($Machine, [string]$Key) {
    # Sources: [SLMGR] /ipk, [GVLK-W], [ACTWS], [PLAN] (docs/sources.md).
    # Returns $null on success or the HRESULT. slmgr /ipk.
    $catalog = Get-LabCatalog
    $meaning = Get-LabKeyMeaning $Machine $Key
    if ($null -eq $meaning) { return 0xC004F050 }
    $tail = $meaning.key.Substring($meaning.key.Length - 5)
    $keyId = Get-LabDeterministicGuid ('lab-pkeyid|' + $meaning.key)
    if ($meaning.kind -eq 'csvlk') {
        $group = $meaning.group
        if (-not (Test-LabCanHost $Machine $group)) { return 0xC004F050 }
        if ($group.kind -eq 'office') {
            $hostLicense = $null
            foreach ($p in $Machine.products) {
                if ($p.kind -eq 'office' -and $p.channel -eq 'Volume:CSVLK' -and $p.officeVersion -eq $group.officeVersion) { $hostLicense = $p }
            }
            # The Office KMS host key needs the Volume License Pack's licenses on the host [O-HOST].
            if ($null -eq $hostLicense) { return 0xC004F050 }
            $hostLicense.partialKey = $tail
            $hostLicense.productKeyId = $keyId
            $hostLicense.keyGroup = $group.id
            $hostLicense.licenseStatus = 5
            $hostLicense.licenseStatusReason = $script:NotificationReason
            $hostLicense.grace = 0
            return $null
        }
        $os = $catalog.products[$Machine.os]
        $previous = Get-LabWindowsProduct $Machine
        $hostProduct = $null
        foreach ($p in $Machine.products) { if ($p.kind -eq 'windows' -and $p.channel -eq 'Volume:CSVLK') { $hostProduct = $p } }
        if ($null -eq $hostProduct) {
            $hostProduct = New-LabProductRecord @{
                id = (Get-LabDeterministicGuid ('lab-sku|' + $os.name + '|Volume:CSVLK'))
                name = ('Windows(R), ' + (Get-LabEditionId $os) + ' edition')
                description = 'Windows(R) Operating System, VOLUME_KMS channel'
                channel = 'Volume:CSVLK'
                catalogProduct = $os.name
                licenseFamily = (Get-LabEditionId $os)
            }
            [void]$Machine.products.Add($hostProduct)
        }
        $sameKey = ($hostProduct.partialKey -eq $tail -and $hostProduct.keyGroup -eq $group.id)
        foreach ($p in $Machine.products) { if ($p.kind -eq 'windows' -and $p -ne $hostProduct) { $p.partialKey = $null } }
        $hostProduct.partialKey = $tail
        $hostProduct.productKeyId = $keyId
        $hostProduct.keyGroup = $group.id
        if (-not $sameKey) {
            Set-LabNewKeyStatus $hostProduct $previous
            $hostProduct.kms = @{ clients = @(); requests = $null }
        }
        return $null
    }
    if ($meaning.kind -eq 'other') { return (Install-LabOtherKey $Machine $meaning $tail $keyId) }
    # A KMS client setup key: the SKU of an installed product that this key belongs to.
    $names = @($meaning.products)
    if ($names -contains $Machine.os) {
        $previous = Get-LabWindowsProduct $Machine
        $target = $null
        foreach ($p in $Machine.products) { if ($p.kind -eq 'windows' -and $p.channel -eq 'Volume:GVLK') { $target = $p } }
        if ($null -eq $target) {
            $target = New-LabWindowsGvlkProduct $catalog.products[$Machine.os] $false
            [void]$Machine.products.Add($target)
        }
        foreach ($p in $Machine.products) { if ($p.kind -eq 'windows' -and $p -ne $target) { $p.partialKey = $null } }
        if ($target.partialKey -ne $tail -or $previous -ne $target) { Set-LabNewKeyStatus $target $previous }
        $target.partialKey = $tail
        $target.productKeyId = $keyId
        return $null
    }
    foreach ($p in $Machine.products) {
        if ($p.kind -eq 'office' -and $p.channel -eq 'Volume:GVLK' -and $names -contains $p.catalogProduct) {
            if ($p.partialKey -ne $tail) { Set-LabNewKeyStatus $p $p }
            $p.partialKey = $tail
            $p.productKeyId = $keyId
            return $null
        }
    }
    # A valid key of an edition or Office product that is not installed here: SL_E_PKEY_NOT_INSTALLED /
    # "SKU not found" (0xC004F069).
    return 0xC004F069
}

function Install-LabOtherKey($Machine, $Meaning, [string]$Tail, [string]$KeyId) {
    # Sources: [SLMGR] /ipk, /ato (docs/sources.md).
    # A MAK or retail key of the installed Windows edition or Office product: the product moves to that
    # channel and is activated online with Microsoft (slmgr /ato), as a MAK is. Another edition: 0xC004F069.
    $catalog = Get-LabCatalog
    $productName = [string]@($Meaning.products)[0]
    $channel = [string]$Meaning.channel
    $channelText = $(if ($channel -eq 'Retail') { 'RETAIL channel' } else { 'VOLUME_MAK channel' })
    $target = $null
    if ($productName -eq $Machine.os) {
        $previous = Get-LabWindowsProduct $Machine
        foreach ($p in $Machine.products) { if ($p.kind -eq 'windows' -and $p.channel -eq $channel) { $target = $p } }
        if ($null -eq $target) {
            $os = $catalog.products[$Machine.os]
            $target = New-LabProductRecord @{
                id = (Get-LabDeterministicGuid ('lab-sku|' + $os.name + '|' + $channel))
                name = ('Windows(R), ' + (Get-LabEditionId $os) + ' edition')
                description = ('Windows(R) Operating System, ' + $channelText)
                channel = $channel
                catalogProduct = $os.name
                licenseFamily = (Get-LabEditionId $os)
            }
            [void]$Machine.products.Add($target)
        }
        foreach ($p in $Machine.products) { if ($p.kind -eq 'windows' -and $p -ne $target) { $p.partialKey = $null } }
        Set-LabNewKeyStatus $target $previous
    } else {
        foreach ($p in $Machine.products) {
            if ($p.kind -eq 'office' -and $p.catalogProduct -eq $productName -and $p.channel -ne 'Volume:CSVLK') { $target = $p }
        }
        if ($null -eq $target) { return 0xC004F069 }
        $target.channel = $channel
        $target.description = ($target.description -replace 'VOLUME_KMSCLIENT channel|VOLUME_MAK channel|RETAIL channel', $channelText)
        Set-LabNewKeyStatus $target $target
    }
    $target.partialKey = $Tail
    $target.productKeyId = $KeyId
    $target.activatedBy = $null
    return $null
}

function Set-LabNewKeyStatus($Product, $Previous) {
    # Sources: [SLP] (silent on the exact status: docs/lab.md) (docs/sources.md).
    # A new key keeps the initial grace period if the machine is still in it; otherwise the product is in
    # notification mode until it is activated.
    if ($null -ne $Previous -and $Previous.licenseStatus -eq 2) {
        $Product.licenseStatus = 2
        $Product.licenseStatusReason = $script:GraceReason
        $Product.grace = $Previous.grace
    } else {
        $Product.licenseStatus = 5
        $Product.licenseStatusReason = $script:NotificationReason
        $Product.grace = 0
    }
    $Product.vlActivationInterval = $null
    $Product.vlRenewalInterval = $null
}

function Install-LabLicense($Machine, [string]$License) {
    # Sources: [O-HOST] (docs/sources.md).
    # slmgr /ilc. A lab Volume License Pack file carries <kmslab:officeHostLicense version="..."/>; other
    # well-formed license XML is accepted and changes nothing the lab models.
    if ([string]::IsNullOrWhiteSpace($License) -or -not $License.TrimStart().StartsWith('<')) { return 0xC004E003 }
    $m = [regex]::Match($License, 'officeHostLicense\s+version="([^"]+)"')
    if (-not $m.Success) { return $null }
    $version = $m.Groups[1].Value
    foreach ($p in $Machine.products) {
        if ($p.kind -eq 'office' -and $p.channel -eq 'Volume:CSVLK' -and $p.officeVersion -eq $version) { return $null }
    }
    $num = Get-LabOfficeNumber $version
    [void]$Machine.products.Add((New-LabProductRecord @{
                id = (Get-LabDeterministicGuid ('lab-sku|Office ' + $version + '|KMS host'))
                applicationId = $script:OfficeApplicationId
                kind = 'office'
                name = ('Office ' + $num + ', Office' + $num + 'KMSHostVL_KMS_Host edition')
                description = ('Office ' + $num + ', VOLUME_KMS channel')
                channel = 'Volume:CSVLK'
                officeVersion = $version
            }))
    Add-LabChange $Machine 'licenses'
    return $null
}
