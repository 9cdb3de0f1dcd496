# KMS lab: the CIM instances of SoftwareLicensingService and SoftwareLicensingProduct as a machine
# reads them, and the WQL filter the scripts use. Dot-sourced by KmsLab.psm1. Sources: docs/lab.md ("Rules and their sources") and docs/sources.md.

# ---------------------------------------------------------------- reading

function Get-LabWindowsProduct($Machine) {
    # The Windows product holding the OS key (there is one Windows OS key at a time).
    foreach ($p in $Machine.products) {
        if ($p.kind -eq 'windows' -and $null -ne $p.partialKey) { return $p }
    }
    return $null
}

function Get-LabHostProduct($Machine) {
    foreach ($p in $Machine.products) {
        if ($p.kind -eq 'windows' -and $p.channel -eq 'Volume:CSVLK' -and $null -ne $p.partialKey) { return $p }
    }
    return $null
}

function Test-LabIsHost($Machine) {
    return ($null -ne (Get-LabHostProduct $Machine))
}

function Get-LabKmsCount($Product, [DateTime]$Now) {
    # Sources: [PLAN], [O-HOST] (docs/sources.md).
    # Distinct client machine IDs seen in the last 30 days, of the last 50 (Office: 10) the host keeps.
    if ($null -eq $Product.kms -or $null -eq $Product.kms.clients -or @($Product.kms.clients).Count -eq 0) { return $null }
    $catalog = Get-LabCatalog
    $days = [double]$catalog.activation.countWindowDays
    $cutoff = $Now.AddDays(-$days)
    $n = 0
    foreach ($c in @($Product.kms.clients)) {
        if ([DateTime]::Parse($c.lastSeen, $null, [System.Globalization.DateTimeStyles]::RoundtripKind) -ge $cutoff) { $n++ }
    }
    return $n
}

function Get-LabRequiredCount($Product) {
    # Sources: [PLAN], [O-HOST] (docs/sources.md).
    $catalog = Get-LabCatalog
    if ($Product.kind -eq 'office') { return [uint32]$catalog.activation.thresholds.office }
    return [uint32]$catalog.activation.thresholds.windowsClient
}

function Get-LabCounter($Product, [string]$Name) {
    if ($null -eq $Product -or $null -eq $Product.kms -or $null -eq $Product.kms.requests) { return $script:NotAvailable }
    return [uint32]$Product.kms.requests[$Name]
}

function Get-LabUInt($Value, $Default) {
    if ($null -eq $Value) { return [uint32]$Default }
    return [uint32]$Value
}

function New-LabCimObject([string]$ClassName, [string]$KeyName, [string]$KeyValue, [System.Collections.Specialized.OrderedDictionary]$Props, [hashtable]$Types) {
    return [KmsLab.LabFast]::NewInstance($ClassName, (Get-LabMachineName), $KeyName, $KeyValue, $Props, $Types)
}

function Get-LabServiceInstance($Machine) {
    # Sources: [SLS], [TN12] (docs/sources.md).
    $now = Get-LabNow
    $hostProduct = Get-LabHostProduct $Machine
    $isHost = ($null -ne $hostProduct)
    $windows = Get-LabWindowsProduct $Machine
    $s = $Machine.service
    $count = $null
    if ($isHost) { $count = Get-LabKmsCount $hostProduct $now }
    $u = 'UInt32'
    $p = [ordered]@{
        Version = $Machine.osBuild
        KeyManagementServiceMachine = $s.kmsMachine
        IsKeyManagementServiceMachine = [uint32]$(if ($isHost) { 1 } else { 0 })
        VLActivationInterval = $(if ($isHost) { Get-LabUInt $s.activationInterval (Get-LabActivation 'defaultActivationIntervalMinutes') } else { $script:NotAvailable })
        VLRenewalInterval = $(if ($isHost) { Get-LabUInt $s.renewalInterval (Get-LabActivation 'defaultRenewalIntervalMinutes') } else { $script:NotAvailable })
        KeyManagementServiceCurrentCount = $(if ($null -ne $count) { [uint32]$count } else { $script:NotAvailable })
        RequiredClientCount = $(if ($null -ne $count) { Get-LabRequiredCount $hostProduct } else { $script:NotAvailable })
        KeyManagementServiceProductKeyID = $(if ($isHost) { $hostProduct.productKeyId } else { $null })
        DiscoveredKeyManagementServiceMachineName = $(if ($null -ne $windows) { $windows.discoveredName } else { $null })
        DiscoveredKeyManagementServiceMachinePort = $(if ($null -ne $windows -and $null -ne $windows.discoveredPort) { [uint32]$windows.discoveredPort } else { [uint32]0 })
        DiscoveredKeyManagementServiceMachineIpAddress = $(if ($null -ne $windows) { $windows.discoveredAddress } else { $null })
        PolicyCacheRefreshRequired = [uint32]0
        ClientMachineID = $Machine.cmid
        RemainingWindowsReArmCount = [uint32]$Machine.rearmCount
        KeyManagementServicePort = Get-LabUInt $s.kmsPort (Get-LabActivation 'defaultPort')
        KeyManagementServiceListeningPort = Get-LabUInt $s.listeningPort (Get-LabActivation 'defaultPort')
        KeyManagementServiceDnsPublishing = [bool]$s.dnsPublishing
        KeyManagementServiceLowPriority = [bool]$s.lowPriority
        KeyManagementServiceHostCaching = [bool]$s.hostCaching
        KeyManagementServiceLookupDomain = $s.lookupDomain
        KeyManagementServiceUnlicensedRequests = Get-LabCounter $hostProduct 'unlicensed'
        KeyManagementServiceLicensedRequests = Get-LabCounter $hostProduct 'licensed'
        KeyManagementServiceOOBGraceRequests = Get-LabCounter $hostProduct 'oobGrace'
        KeyManagementServiceOOTGraceRequests = Get-LabCounter $hostProduct 'ootGrace'
        KeyManagementServiceNonGenuineGraceRequests = Get-LabCounter $hostProduct 'nonGenuineGrace'
        KeyManagementServiceTotalRequests = Get-LabCounter $hostProduct 'total'
        KeyManagementServiceFailedRequests = Get-LabCounter $hostProduct 'failed'
        KeyManagementServiceNotificationRequests = Get-LabCounter $hostProduct 'notification'
        TokenActivationILID = $null
        TokenActivationILVID = [uint32]0
        TokenActivationGrantNumber = [uint32]0
        TokenActivationCertificateThumbprint = $null
        TokenActivationAdditionalInfo = $null
        KeyManagementServiceActivationDisabled = $false
    }
    $types = @{}
    foreach ($k in $p.Keys) {
        if ($p[$k] -is [uint32]) { $types[$k] = $u } elseif ($p[$k] -is [bool]) { $types[$k] = 'Boolean' }
    }
    foreach ($k in @('VLActivationInterval', 'VLRenewalInterval', 'KeyManagementServiceCurrentCount', 'RequiredClientCount')) { $types[$k] = $u }
    return (New-LabCimObject 'SoftwareLicensingService' 'Version' $Machine.osBuild $p $types)
}

function Get-LabGraceRemaining($Product, [DateTime]$Now) {
    # Sources: [PLAN], [VA-TIMING], [SLP] (docs/sources.md).
    # A KMS licence runs 180 days from its activation or last renewal, and its Out-of-Tolerance grace 30
    # days from the licence's end: the minutes left, by the lab clock.
    $status = [int]$Product.licenseStatus
    $since = ConvertFrom-LabTime $Product.licensedAt
    $total = Get-LabKmsValidityMinutes
    if ($status -eq 3) { $since = ConvertFrom-LabTime $Product.graceStartedAt; $total = $script:OotGraceMinutes }
    if (($status -ne 1 -and $status -ne 3) -or $null -eq $since -or $Product.channel -ne 'Volume:GVLK') { return [int64]$Product.grace }
    $left = [int64]$total - [int64][math]::Floor(($Now - $since).TotalMinutes)
    if ($left -lt 0) { return 0 }
    return $left
}

function Get-LabKmsExpiry($Product) {
    # Sources: [VA-TIMING] (docs/sources.md).
    # When a KMS client licence runs out unless renewed: 180 days after its activation or last renewal
    # (Licensed), or 30 days after that (Out-of-Tolerance grace). $null: nothing runs out.
    if ($Product.channel -ne 'Volume:GVLK' -or $null -eq $Product.partialKey) { return $null }
    $status = [int]$Product.licenseStatus
    if ($status -eq 1) {
        $since = ConvertFrom-LabTime $Product.licensedAt
        if ($null -ne $since) { return $since.AddMinutes((Get-LabKmsValidityMinutes)) }
    } elseif ($status -eq 3) {
        $since = ConvertFrom-LabTime $Product.graceStartedAt
        if ($null -ne $since) { return $since.AddMinutes($script:OotGraceMinutes) }
    }
    return $null
}

function Update-LabKmsExpiry($Machine, [DateTime]$Now) {
    # [VA-TIMING] "If 180 days passes without successful reactivation, the client transitions into Out of
    # Tolerance (OOT) Grace" (LicenseStatus 3, reason 0x4004F00D; [SLP]); after its 30 days, Notification
    # (5, 0xC004F009). Nobody holds the licence any more. Returns $true when a product changed.
    $changed = $false
    foreach ($p in @($Machine.products)) {
        $end = Get-LabKmsExpiry $p
        while ($null -ne $end -and $end -le $Now) {
            if ([int]$p.licenseStatus -eq 1) {
                $p.licenseStatus = 3
                $p.licenseStatusReason = $script:OotGraceReason
                $p.grace = $script:OotGraceMinutes
                $p.graceStartedAt = $end.ToString('o')
                $p.licensedByMachine = $null
                if ($p.kind -eq 'windows') { $Machine.activatedBy = $null }
            } else {
                $p.licenseStatus = 5
                $p.licenseStatusReason = $script:NotificationReason
                $p.grace = 0
                $p.graceStartedAt = $null
            }
            $changed = $true
            $end = Get-LabKmsExpiry $p
        }
    }
    return $changed
}

function Get-LabProductInstance($Machine, $Product) {
    # Sources: [SLP], [TN12] (docs/sources.md).
    $now = Get-LabNow
    $isHostLicense = ($Product.channel -eq 'Volume:CSVLK' -and $null -ne $Product.partialKey)
    $count = $null
    if ($isHostLicense) { $count = Get-LabKmsCount $Product $now }
    $p = [ordered]@{
        ID = $Product.id
        Name = $Product.name
        Description = $Product.description
        ApplicationID = $Product.applicationId
        ProcessorURL = $null
        MachineURL = $null
        ProductKeyURL = $null
        UseLicenseURL = $null
        LicenseStatus = [uint32]$(if ($null -ne $Product.partialKey) { $Product.licenseStatus } else { 0 })
        LicenseStatusReason = $(if ($null -ne $Product.partialKey) { ConvertTo-LabUInt32 $Product.licenseStatusReason } else { ConvertTo-LabUInt32 0xC004F014 })
        GracePeriodRemaining = [uint32]$(if ($null -ne $Product.partialKey) { Get-LabGraceRemaining $Product $now } else { 0 })
        EvaluationEndDate = [datetime]'1601-01-01T00:00:00Z'
        OfflineInstallationId = $null
        PartialProductKey = $Product.partialKey
        ProductKeyID = $Product.productKeyId
        ProductKeyChannel = $(if ($null -ne $Product.partialKey) { $Product.channel } else { $null })
        LicenseFamily = $Product.licenseFamily
        LicenseDependsOn = $null
        LicenseIsAddon = [bool]$Product.isAddon
        VLActivationInterval = $(if ($null -ne $Product.vlActivationInterval) { [uint32]$Product.vlActivationInterval } else { $script:NotAvailable })
        VLRenewalInterval = $(if ($null -ne $Product.vlRenewalInterval) { [uint32]$Product.vlRenewalInterval } else { $script:NotAvailable })
        KeyManagementServiceProductKeyID = $(if ($isHostLicense) { $Product.productKeyId } else { $null })
        KeyManagementServiceMachine = $Product.kmsMachine
        KeyManagementServicePort = Get-LabUInt $Product.kmsPort (Get-LabActivation 'defaultPort')
        KeyManagementServiceLookupDomain = $Product.lookupDomain
        DiscoveredKeyManagementServiceMachineName = $Product.discoveredName
        DiscoveredKeyManagementServiceMachinePort = Get-LabUInt $Product.discoveredPort 0
        DiscoveredKeyManagementServiceMachineIpAddress = $Product.discoveredAddress
        IsKeyManagementServiceMachine = [uint32]$(if ($isHostLicense) { 1 } else { 0 })
        KeyManagementServiceCurrentCount = $(if ($null -ne $count) { [uint32]$count } else { $script:NotAvailable })
        RequiredClientCount = $(if ($null -ne $count) { Get-LabRequiredCount $Product } else { $script:NotAvailable })
        KeyManagementServiceUnlicensedRequests = $(if ($isHostLicense) { Get-LabCounter $Product 'unlicensed' } else { $script:NotAvailable })
        KeyManagementServiceLicensedRequests = $(if ($isHostLicense) { Get-LabCounter $Product 'licensed' } else { $script:NotAvailable })
        KeyManagementServiceOOBGraceRequests = $(if ($isHostLicense) { Get-LabCounter $Product 'oobGrace' } else { $script:NotAvailable })
        KeyManagementServiceOOTGraceRequests = $(if ($isHostLicense) { Get-LabCounter $Product 'ootGrace' } else { $script:NotAvailable })
        KeyManagementServiceNonGenuineGraceRequests = $(if ($isHostLicense) { Get-LabCounter $Product 'nonGenuineGrace' } else { $script:NotAvailable })
        KeyManagementServiceTotalRequests = $(if ($isHostLicense) { Get-LabCounter $Product 'total' } else { $script:NotAvailable })
        KeyManagementServiceFailedRequests = $(if ($isHostLicense) { Get-LabCounter $Product 'failed' } else { $script:NotAvailable })
        KeyManagementServiceNotificationRequests = $(if ($isHostLicense) { Get-LabCounter $Product 'notification' } else { $script:NotAvailable })
        GenuineStatus = [uint32]0
        ExtendedGrace = [uint32]0
        TokenActivationILID = $null
        TokenActivationILVID = [uint32]0
        TokenActivationGrantNumber = [uint32]0
        TokenActivationCertificateThumbprint = $null
        TokenActivationAdditionalInfo = $null
        TrustedTime = $null
    }
    $types = @{ EvaluationEndDate = 'DateTime'; TrustedTime = 'DateTime'; LicenseIsAddon = 'Boolean' }
    foreach ($k in $p.Keys) { if ($p[$k] -is [uint32]) { $types[$k] = 'UInt32' } }
    foreach ($k in @('VLActivationInterval', 'VLRenewalInterval', 'KeyManagementServiceCurrentCount', 'RequiredClientCount', 'KeyManagementServicePort')) { $types[$k] = 'UInt32' }
    return (New-LabCimObject 'SoftwareLicensingProduct' 'ID' $Product.id $p $types)
}

function Get-LabProductCatalogue($Machine) {
    # The SKUs this machine lists: those of its products, plus the keyless KMS host SKU of its OS, as
    # Windows lists many SKUs without a key (filter on PartialProductKey to find installed keys).
    $list = New-Object System.Collections.ArrayList
    foreach ($p in $Machine.products) { [void]$list.Add($p) }
    if (-not (Test-LabIsHost $Machine)) {
        $catalog = Get-LabCatalog
        $os = $catalog.products[$Machine.os]
        [void]$list.Add((New-LabProductRecord @{
                    id = (Get-LabDeterministicGuid ('lab-sku|' + $os.name + '|Volume:CSVLK'))
                    name = ('Windows(R), ' + (Get-LabEditionId $os) + ' edition')
                    description = 'Windows(R) Operating System, VOLUME_KMS channel'
                    channel = 'Volume:CSVLK'
                    licenseFamily = (Get-LabEditionId $os)
                }))
    }
    return $list
}

# ---------------------------------------------------------------- WQL filter (the subset scripts use)

function Test-LabLike([string]$Value, [string]$Pattern) {
    $rx = '^' + ([regex]::Escape($Pattern) -replace '%', '.*' -replace '_', '.') + '$'
    return [regex]::IsMatch($Value, $rx, 'IgnoreCase')
}

function Test-LabWqlFilter($Instance, [string]$Filter) {
    # Sources: [SLS], [SLP] (the WQL the scripts use) (docs/sources.md).
    if ([string]::IsNullOrWhiteSpace($Filter)) { return $true }
    $clauses = [regex]::Split($Filter.Trim(), '\s+AND\s+', 'IgnoreCase')
    foreach ($c in $clauses) {
        $c = $c.Trim()
        while ($c.StartsWith('(') -and $c.EndsWith(')')) { $c = $c.Substring(1, $c.Length - 2).Trim() }
        $m = [regex]::Match($c, '^(\w+)\s+IS\s+(NOT\s+)?NULL$', 'IgnoreCase')
        if ($m.Success) {
            $prop = $Instance.CimInstanceProperties[$m.Groups[1].Value]
            if ($null -eq $prop) { throw (New-Object System.ArgumentException("Invalid query: no property $($m.Groups[1].Value)")) }
            $isNull = ($null -eq $prop.Value)
            if ($m.Groups[2].Success) { if ($isNull) { return $false } } else { if (-not $isNull) { return $false } }
            continue
        }
        $m = [regex]::Match($c, '^(\w+)\s*(=|<>|!=|LIKE)\s*(''([^'']*)''|"([^"]*)"|(-?\d+)|TRUE|FALSE)$', 'IgnoreCase')
        if (-not $m.Success) { throw (New-Object System.ArgumentException("Invalid query: $c")) }
        $prop = $Instance.CimInstanceProperties[$m.Groups[1].Value]
        if ($null -eq $prop) { throw (New-Object System.ArgumentException("Invalid query: no property $($m.Groups[1].Value)")) }
        $op = $m.Groups[2].Value.ToUpperInvariant()
        $literal = $null
        if ($m.Groups[4].Success) { $literal = $m.Groups[4].Value }
        elseif ($m.Groups[5].Success) { $literal = $m.Groups[5].Value }
        elseif ($m.Groups[6].Success) { $literal = $m.Groups[6].Value }
        else { $literal = $m.Groups[3].Value }
        if ($null -eq $prop.Value) { return $false }
        $value = [string]$prop.Value
        if ($prop.Value -is [bool]) { $value = $(if ($prop.Value) { 'TRUE' } else { 'FALSE' }) }
        $ok = $false
        switch ($op) {
            '=' { $ok = [string]::Equals($value, $literal, [StringComparison]::OrdinalIgnoreCase) }
            '<>' { $ok = -not [string]::Equals($value, $literal, [StringComparison]::OrdinalIgnoreCase) }
            '!=' { $ok = -not [string]::Equals($value, $literal, [StringComparison]::OrdinalIgnoreCase) }
            'LIKE' { $ok = Test-LabLike $value $literal }
        }
        if (-not $ok) { return $false }
    }
    return $true
}
