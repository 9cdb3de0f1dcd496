# KMS lab: the Software Licensing service of one machine (SoftwareLicensingService, SoftwareLicensingProduct)
# and what a KMS request does on the lab network. Dot-sourced by KmsLab.psm1. Sources: docs/lab.md.

$script:LicenseStatusByName = @{ Unlicensed = 0; Licensed = 1; OOBGrace = 2; OOTGrace = 3; NonGenuineGrace = 4; Notification = 5; ExtendedGrace = 6 }
$script:KeyPattern = '^[BCDFGHJKMNPQRTVWXY2346789]{5}(-[BCDFGHJKMNPQRTVWXY2346789]{5}){4}$'
$script:LicensedReason = 0x4004F401
$script:GraceReason = 0x4004F00C
# SL_I_OOT_GRACE_PERIOD: "running within the valid out of tolerance grace period" (slerror.h).
$script:OotGraceReason = 0x4004F00D
$script:NotificationReason = 0xC004F009
$script:OobGraceMinutes = 43200
$script:KmsValidityMinutes = 259200
# A KMS licence not renewed in its 180 days falls to Out-of-Tolerance grace for 30 days, then Notification
# (docs/lab.md, "Rules and their sources": [VA-TIMING]).
$script:OotGraceMinutes = 43200
$script:SppExtComObj = '%SystemRoot%\system32\sppextcomobj.exe'
# A KMS host key (CSVLK) activates at most 6 hosts, each at most 10 times (activated, then reactivated up
# to 9 times): KMS activation planning page; past it, 0xC004C008 (docs/lab.md, "Rules and their sources").
$script:HostKeyMaxHosts = 6
$script:HostKeyMaxActivationsPerHost = 10
$script:DefaultSubnet = '10.0.0.0/24'

function Get-LabEditionId($Product) {
    # The EditionID Windows shows in a product's Name ("Windows(R), ServerDatacenter edition").
    if ($Product.family -eq 'windowsServer') {
        $e = ($Product.edition -replace '[^A-Za-z]', '')
        return ('Server' + $e)
    }
    $e = $Product.edition -replace '^Pro\b', 'Professional'
    return ($e -replace '[^A-Za-z]', '')
}

function Get-LabOfficeNumber([string]$OfficeVersion) {
    switch ($OfficeVersion) {
        '2010' { return '14' }
        '2013' { return '15' }
        '2016' { return '16' }
        '2019' { return '19' }
        'LTSC 2021' { return '21' }
        'LTSC 2024' { return '24' }
    }
    return '16'
}

function Get-LabOsBuild($Product) {
    if ($null -ne $Product.build) { return ('10.0.' + $Product.build + '.1') }
    return '10.0.20348.1'
}

function New-LabProductRecord([hashtable]$Fields) {
    $p = @{
        id = $null; applicationId = $script:WindowsApplicationId; name = ''; description = ''; channel = $null
        catalogProduct = $null; keyGroup = $null; officeVersion = $null; kind = 'windows'; isAddon = $false
        partialKey = $null; licenseStatus = 0; licenseStatusReason = 0; grace = 0
        kmsMachine = $null; kmsPort = $null; lookupDomain = $null
        discoveredName = $null; discoveredPort = $null; discoveredAddress = $null
        vlActivationInterval = $null; vlRenewalInterval = $null
        kms = $null
    }
    foreach ($k in $Fields.Keys) { $p[$k] = $Fields[$k] }
    return $p
}

function New-LabWindowsGvlkProduct($Product, [bool]$WithKey) {
    $edition = Get-LabEditionId $Product
    return (New-LabProductRecord @{
            id = (Get-LabDeterministicGuid ('lab-sku|' + $Product.name + '|Volume:GVLK'))
            name = ('Windows(R), ' + $edition + ' edition')
            description = 'Windows(R) Operating System, VOLUME_KMSCLIENT channel'
            channel = 'Volume:GVLK'
            catalogProduct = $Product.name
            licenseFamily = $edition
            partialKey = $(if ($WithKey) { $Product.setupKey.Substring($Product.setupKey.Length - 5) } else { $null })
        })
}

function New-LabMachineRecord($Spec) {
    $catalog = Get-LabCatalog
    $os = $catalog.products[[string]$Spec.os]
    if ($null -eq $os) { throw ("KmsLab: os must be a catalog product name; received '" + $Spec.os + "'.") }
    if ($os.family -eq 'office') { throw ("KmsLab: os must be a Windows product; received '" + $Spec.os + "'.") }
    $name = [string]$Spec.name
    $domain = 'lab.test'
    if (-not [string]::IsNullOrEmpty([string]$Spec.domain)) { $domain = [string]$Spec.domain }
    $cmid = [string]$Spec.cmid
    if ([string]::IsNullOrEmpty($cmid)) { $cmid = Get-LabDeterministicGuid ('lab-cmid|' + $name.ToLowerInvariant()) }
    $marketplace = [bool]$Spec.marketplaceImage
    # An Azure VM reaches Azure's KMS (any VM in Azure, custom images included); an on-premises machine not.
    $azure = $true
    if ($null -ne $Spec.azure) { $azure = [bool]$Spec.azure }
    $subnet = $script:DefaultSubnet
    if (-not [string]::IsNullOrEmpty([string]$Spec.subnet)) { $subnet = [string]$Spec.subnet }
    $address = Get-LabAddressIn $subnet $name
    $now = (Get-LabNow).ToString('o')

    # Volume editions ship with their KMS client setup key installed [GVLK-W]; a fresh install is in its
    # initial (out-of-box) grace period until activated.
    $windows = New-LabWindowsGvlkProduct $os $true
    if ($marketplace) {
        # Azure Marketplace: Azure's KMS activated the VM before any script of ours runs.
        $windows.licenseStatus = 1
        $windows.licenseStatusReason = $script:LicensedReason
        $windows.grace = $script:KmsValidityMinutes
        $windows.discoveredName = 'azkms.core.windows.net'
        $windows.discoveredPort = 1688
        $windows.vlActivationInterval = 120
        $windows.vlRenewalInterval = 10080
        $windows.activatedBy = 'azkms.core.windows.net:1688'
        $windows.licensedAt = $now
    } else {
        $windows.licenseStatus = 2
        $windows.licenseStatusReason = $script:GraceReason
        $windows.grace = $script:OobGraceMinutes
    }
    $products = New-Object System.Collections.ArrayList
    [void]$products.Add($windows)
    foreach ($officeName in @($Spec.office)) {
        if ([string]::IsNullOrEmpty([string]$officeName)) { continue }
        $o = $catalog.products[[string]$officeName]
        if ($null -eq $o -or $o.family -ne 'office') { throw ("KmsLab: office entries must be catalog Office products; received '" + $officeName + "'.") }
        $num = Get-LabOfficeNumber $o.officeVersion
        [void]$products.Add((New-LabProductRecord @{
                    id = (Get-LabDeterministicGuid ('lab-sku|' + $o.name + '|Volume:GVLK'))
                    applicationId = $script:OfficeApplicationId
                    kind = 'office'
                    name = ('Office ' + $num + ', Office' + $num + (($o.edition -replace '^Office ', '') -replace '[^A-Za-z0-9]', '') + 'VL_KMS_Client edition')
                    description = ('Office ' + $num + ', VOLUME_KMSCLIENT channel')
                    channel = 'Volume:GVLK'
                    catalogProduct = $o.name
                    officeVersion = $o.officeVersion
                    partialKey = $o.setupKey.Substring($o.setupKey.Length - 5)
                    licenseStatus = 2
                    licenseStatusReason = $script:GraceReason
                    grace = $script:OobGraceMinutes
                }))
    }
    $service = @{
        kmsMachine = $null; kmsPort = $null; lookupDomain = $null
        listeningPort = $null; activationInterval = $null; renewalInterval = $null
        dnsPublishing = $true; lowPriority = $false; hostCaching = $true
    }
    if ($marketplace) {
        # Azure's images point Windows at Azure's KMS (slmgr /skms azkms.core.windows.net:1688).
        $service.kmsMachine = 'azkms.core.windows.net'
        $service.kmsPort = 1688
    }
    $effective = @{}
    foreach ($k in $service.Keys) { $effective[$k] = $service[$k] }
    $m = @{
        name = $name
        role = [string]$Spec.role
        os = $os.name
        osBuild = (Get-LabOsBuild $os)
        domain = $domain
        cmid = $cmid
        marketplaceImage = $marketplace
        azure = $azure
        subnet = $subnet
        address = $address
        rearmCount = 1001
        # Restarts (docs/lab.md, "Rearm and restart"): the last boot, a restart shutdown.exe scheduled, and
        # a rearm waiting for the restart that gives the machine its new client machine ID.
        bootTime = $now
        pendingRestart = $null
        rearmPending = $false
        restarts = 0
        service = $service
        effective = $effective
        sppsvc = 'Running'
        products = $products
        # The built-in KMS rules as Windows ships them (a FirewallRules registry export of build 26100):
        # SPPSVC-In-TCP for the Private and Public profiles from the local subnet only, SPPSVC-In-TCP-NoScope
        # for the Domain profile from any address. Both disabled.
        firewall = @(
            @{ Name = 'SPPSVC-In-TCP'; DisplayName = 'Key Management Service (TCP-In)'; Group = '@FirewallAPI.dll,-28002'; DisplayGroup = 'Key Management Service'; Enabled = 'False'; Profile = 'Private, Public'; Direction = 'Inbound'; Action = 'Allow'; Protocol = 'TCP'; LocalPort = '1688'; Program = $script:SppExtComObj; RemoteAddress = 'LocalSubnet' },
            @{ Name = 'SPPSVC-In-TCP-NoScope'; DisplayName = 'Key Management Service (TCP-In)'; Group = '@FirewallAPI.dll,-28002'; DisplayGroup = 'Key Management Service'; Enabled = 'False'; Profile = 'Domain'; Direction = 'Inbound'; Action = 'Allow'; Protocol = 'TCP'; LocalPort = '1688'; Program = $script:SppExtComObj; RemoteAddress = 'Any' }
        )
        activatedBy = $(if ($marketplace) { 'azkms.core.windows.net:1688' } else { $null })
        flaky = 0
        sleptSeconds = 0
        created = $now
        lastRun = @{ changed = @(); errorCode = $null; script = $null }
    }
    return $m
}

function ConvertTo-LabIPv4Number([string]$Address) {
    $parts = $Address.Split('.')
    if ($parts.Count -ne 4) { return $null }
    [int64]$n = 0
    foreach ($p in $parts) { $n = $n * 256 + [int64]$p }
    return $n
}

function Test-LabInSubnet([string]$Address, [string]$Cidr) {
    # IPv4 only: "10.0.1.7" in "10.0.1.0/24"; a bare address matches itself.
    if ([string]::IsNullOrEmpty($Address) -or [string]::IsNullOrEmpty($Cidr)) { return $false }
    $pieces = $Cidr.Trim().Split('/')
    $bits = 32
    if ($pieces.Count -eq 2) { $bits = [int]$pieces[1] }
    $net = ConvertTo-LabIPv4Number $pieces[0]
    $a = ConvertTo-LabIPv4Number $Address
    if ($null -eq $net -or $null -eq $a) { return $false }
    $size = [int64][math]::Pow(2, 32 - $bits)
    return ([math]::Floor($a / $size) -eq [math]::Floor($net / $size))
}

function Get-LabAddressIn([string]$Cidr, [string]$Name) {
    # A machine's IPv4 address in its subnet, derived from its name (hosts 4-254 of the subnet's last octet).
    $net = ConvertTo-LabIPv4Number ($Cidr.Split('/')[0])
    $sha = [System.Security.Cryptography.SHA256]::HashData([System.Text.Encoding]::UTF8.GetBytes($Name.ToLowerInvariant()))
    $n = $net + 4 + ($sha[0] % 250)
    $a = [int64][math]::Floor($n / 16777216) % 256
    $b = [int64][math]::Floor($n / 65536) % 256
    $c = [int64][math]::Floor($n / 256) % 256
    $d = [int64]$n % 256
    return ([string]$a + '.' + $b + '.' + $c + '.' + $d)
}

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
        VLActivationInterval = $(if ($isHost) { Get-LabUInt $s.activationInterval 120 } else { $script:NotAvailable })
        VLRenewalInterval = $(if ($isHost) { Get-LabUInt $s.renewalInterval 10080 } else { $script:NotAvailable })
        KeyManagementServiceCurrentCount = $(if ($null -ne $count) { [uint32]$count } else { $script:NotAvailable })
        RequiredClientCount = $(if ($null -ne $count) { Get-LabRequiredCount $hostProduct } else { $script:NotAvailable })
        KeyManagementServiceProductKeyID = $(if ($isHost) { $hostProduct.productKeyId } else { $null })
        DiscoveredKeyManagementServiceMachineName = $(if ($null -ne $windows) { $windows.discoveredName } else { $null })
        DiscoveredKeyManagementServiceMachinePort = $(if ($null -ne $windows -and $null -ne $windows.discoveredPort) { [uint32]$windows.discoveredPort } else { [uint32]0 })
        DiscoveredKeyManagementServiceMachineIpAddress = $(if ($null -ne $windows) { $windows.discoveredAddress } else { $null })
        PolicyCacheRefreshRequired = [uint32]0
        ClientMachineID = $Machine.cmid
        RemainingWindowsReArmCount = [uint32]$Machine.rearmCount
        KeyManagementServicePort = Get-LabUInt $s.kmsPort 1688
        KeyManagementServiceListeningPort = Get-LabUInt $s.listeningPort 1688
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
    # A KMS licence runs 180 days from its activation or last renewal, and its Out-of-Tolerance grace 30
    # days from the licence's end: the minutes left, by the lab clock.
    $status = [int]$Product.licenseStatus
    $since = ConvertFrom-LabTime $Product.licensedAt
    $total = $script:KmsValidityMinutes
    if ($status -eq 3) { $since = ConvertFrom-LabTime $Product.graceStartedAt; $total = $script:OotGraceMinutes }
    if (($status -ne 1 -and $status -ne 3) -or $null -eq $since -or $Product.channel -ne 'Volume:GVLK') { return [int64]$Product.grace }
    $left = [int64]$total - [int64][math]::Floor(($Now - $since).TotalMinutes)
    if ($left -lt 0) { return 0 }
    return $left
}

function Get-LabKmsExpiry($Product) {
    # When a KMS client licence runs out unless renewed: 180 days after its activation or last renewal
    # (Licensed), or 30 days after that (Out-of-Tolerance grace). $null: nothing runs out.
    if ($Product.channel -ne 'Volume:GVLK' -or $null -eq $Product.partialKey) { return $null }
    $status = [int]$Product.licenseStatus
    if ($status -eq 1) {
        $since = ConvertFrom-LabTime $Product.licensedAt
        if ($null -ne $since) { return $since.AddMinutes($script:KmsValidityMinutes) }
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
        KeyManagementServicePort = Get-LabUInt $Product.kmsPort 1688
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

# ---------------------------------------------------------------- activation

function Invoke-LabOnlineActivation($Machine, $Product) {
    # A KMS host key is activated with Microsoft over the internet (slmgr /ato on the host).
    $network = Read-LabNetwork
    $mode = [string]$network.conditions.microsoftActivation
    if ($mode -eq 'down') { return 0x80072EE7 }
    if ($mode -eq 'flaky') {
        $Machine.flaky = [int]$Machine.flaky + 1
        if (([int]$Machine.flaky % 2) -eq 1) { return 0x80072EE2 }
    }
    if ($Product.channel -eq 'Volume:CSVLK') {
        $spent = Add-LabHostKeyActivation $Machine $Product $network
        if ($null -ne $spent) { return $spent }
    }
    $Product.licenseStatus = 1
    $Product.licenseStatusReason = 0
    $Product.grace = 0
    return $null
}

function Add-LabHostKeyActivation($Machine, $Product, $Network) {
    # The host key's budget, kept by Microsoft per key: at most 6 hosts, each activated at most 10 times.
    # A host is a machine (its name and client machine ID: a new VM, even of the same name, is a new host).
    # Returns 0xC004C008 past the budget, else $null (the activation is spent).
    if ($null -eq $Network.hostKeys) { $Network.hostKeys = @{} }
    $keyId = [string]$Product.productKeyId
    $entry = $Network.hostKeys[$keyId]
    if ($null -eq $entry) { $entry = @{ hosts = @{} }; $Network.hostKeys[$keyId] = $entry }
    if ($null -eq $entry.hosts) { $entry.hosts = @{} }
    $hostId = ([string]$Machine.name).ToLowerInvariant() + '|' + [string]$Machine.created
    $used = 0
    if ($entry.hosts.ContainsKey($hostId)) { $used = [int]$entry.hosts[$hostId] }
    elseif ($entry.hosts.Count -ge $script:HostKeyMaxHosts) { return 0xC004C008 }
    if ($used -ge $script:HostKeyMaxActivationsPerHost) { return 0xC004C008 }
    $entry.hosts[$hostId] = $used + 1
    Save-LabNetwork $Network
    return $null
}

function Resolve-LabName([string]$Name, $Network) {
    # A DNS name (or bare machine name) to a lab machine name, or $null.
    $n = $Name.Trim().TrimEnd('.').ToLowerInvariant()
    if ($Network.addresses.ContainsKey($n)) { return $Network.addresses[$n] }
    foreach ($k in $Network.addresses.Keys) { if ($k.ToLowerInvariant() -eq $n) { return $Network.addresses[$k] } }
    $short = $n.Split('.')[0]
    if (Test-LabMachine $short) {
        $m = Read-LabMachine $short
        if ($n -eq $short -or $n -eq ($short + '.' + ([string]$m.domain).ToLowerInvariant())) { return $m.name }
    }
    return $null
}

function Get-LabSrvOrder($Entries, [string]$Seed) {
    # RFC 2782: lowest priority first; within a priority, a weighted random order (weight 0 entries have
    # a small chance). The lab's random numbers come from the client machine ID, so runs repeat.
    $rng = New-Object System.Random ([BitConverter]::ToInt32([System.Security.Cryptography.SHA256]::HashData([System.Text.Encoding]::UTF8.GetBytes($Seed)), 0))
    $ordered = New-Object System.Collections.ArrayList
    $groups = @($Entries | Group-Object { [int]$_.priority } | Sort-Object { [int]$_.Name })
    foreach ($g in $groups) {
        $left = New-Object System.Collections.ArrayList
        # Zero-weight entries first, as RFC 2782 asks, so that they can be picked.
        foreach ($e in @($g.Group | Sort-Object { [int]$_.weight })) { [void]$left.Add($e) }
        while ($left.Count -gt 0) {
            $sum = 0
            foreach ($e in $left) { $sum += [int]$e.weight }
            $pick = $rng.Next(0, $sum + 1)
            $running = 0
            $chosen = $left[$left.Count - 1]
            foreach ($e in $left) {
                $running += [int]$e.weight
                if ($running -ge $pick) { $chosen = $e; break }
            }
            [void]$ordered.Add($chosen)
            $left.Remove($chosen)
        }
    }
    return $ordered
}

function Get-LabKmsTargets($Machine, $Product, $Network) {
    # Where this product asks: a fixed host (service, then product), else the SRV records of the lookup
    # domain (product, then service) or the machine's own DNS domain. Returns @{ targets; error }.
    # Which fixed host wins when the product's and the service's differ is not documented: the lab takes
    # the service's (the pessimistic choice for an Office product whose Windows is set to Azure's KMS).
    $s = $Machine.service
    $fixed = $s.kmsMachine
    $port = $s.kmsPort
    if ([string]::IsNullOrEmpty($fixed)) { $fixed = $Product.kmsMachine; $port = $Product.kmsPort }
    if ($null -eq $port -or [int]$port -eq 0) { $port = 1688 }
    if (-not [string]::IsNullOrEmpty($fixed)) {
        return @{ targets = @(@{ name = $fixed; port = [int]$port }); error = $null; discovered = $false }
    }
    $domain = $Product.lookupDomain
    if ([string]::IsNullOrEmpty($domain)) { $domain = $s.lookupDomain }
    if ([string]::IsNullOrEmpty($domain)) { $domain = $Machine.domain }
    if ([string]::IsNullOrEmpty($domain)) { return @{ targets = @(); error = 0x8007007B } }
    $entries = $null
    foreach ($k in $Network.srv.Keys) { if ($k.ToLowerInvariant() -eq $domain.ToLowerInvariant()) { $entries = $Network.srv[$k] } }
    if ($null -eq $entries -or @($entries).Count -eq 0) { return @{ targets = @(); error = 0x8007232B } }
    $ordered = Get-LabSrvOrder @($entries) ([string]$Machine.cmid + '|' + $Machine.name)
    $targets = @($ordered | ForEach-Object { @{ name = $_.target; port = [int]$_.port } })
    return @{ targets = $targets; error = $null; discovered = $true }
}

function Test-LabRemoteAddress($Rule, $HostMachine, $Client) {
    # A rule's remote address scope: Any, LocalSubnet (the host's own subnet), or addresses and CIDRs.
    $scope = [string]$Rule.RemoteAddress
    if ($scope -eq '' -or $scope -eq 'Any' -or $scope -eq '*') { return $true }
    $clientAddress = [string]$Client.address
    foreach ($entry in ($scope -split '\s*,\s*')) {
        if ($entry -eq 'Any') { return $true }
        if ($entry -eq 'LocalSubnet') {
            $hostSubnet = [string]$HostMachine.subnet
            if ($hostSubnet -eq '') { $hostSubnet = $script:DefaultSubnet }
            if ($clientAddress -eq '' -or (Test-LabInSubnet $clientAddress $hostSubnet)) { return $true }
            continue
        }
        if ($clientAddress -ne '' -and (Test-LabInSubnet $clientAddress $entry)) { return $true }
    }
    return $false
}

function Test-LabFirewallAllows($HostMachine, [int]$Port, $Client) {
    foreach ($r in @($HostMachine.firewall)) {
        if ($r.Enabled -ne 'True' -or $r.Direction -ne 'Inbound' -or $r.Action -ne 'Allow') { continue }
        if ($r.Protocol -ne 'TCP' -and $r.Protocol -ne 'Any') { continue }
        if ($r.Program -ne 'Any' -and $r.Program -ne $script:SppExtComObj) { continue }
        # Azure VMs outside a domain see their network as Public.
        $profile = [string]$r.Profile
        if ($profile -ne 'Any' -and $profile -notmatch 'Public') { continue }
        $ports = @(([string]$r.LocalPort).Split(',') | ForEach-Object { $_.Trim() })
        if (-not ($ports -contains 'Any' -or $ports -contains [string]$Port)) { continue }
        if ($null -eq $Client -or (Test-LabRemoteAddress $r $HostMachine $Client)) { return $true }
    }
    return $false
}

function Get-LabStatusCounterName([int]$Status) {
    switch ($Status) {
        0 { return 'unlicensed' }
        1 { return 'licensed' }
        2 { return 'oobGrace' }
        3 { return 'ootGrace' }
        4 { return 'nonGenuineGrace' }
        5 { return 'notification' }
    }
    return 'unlicensed'
}

function Invoke-LabKmsRequest($HostMachine, $Client, $Product, [int]$Port, [int]$Status) {
    # The host's answer to one activation request: @{ answered; code; count; intervals }.
    # The host answers only on its effective listening port, with sppsvc running and the firewall open.
    $effectivePort = 1688
    if ($null -ne $HostMachine.effective.listeningPort) { $effectivePort = [int]$HostMachine.effective.listeningPort }
    if ($HostMachine.sppsvc -ne 'Running' -or $effectivePort -ne $Port -or -not (Test-LabFirewallAllows $HostMachine $Port $Client)) {
        return @{ answered = $false }
    }
    $catalog = Get-LabCatalog
    $hostLicense = $null
    if ($Product.kind -eq 'office') {
        $officeVersion = $catalog.products[$Product.catalogProduct].officeVersion
        foreach ($p in $HostMachine.products) {
            if ($p.kind -eq 'office' -and $p.channel -eq 'Volume:CSVLK' -and $null -ne $p.partialKey -and $p.officeVersion -eq $officeVersion) { $hostLicense = $p }
        }
        if ($null -eq $hostLicense) {
            # An Office request to a host without that Office version's host key: the host cannot activate it.
            $windowsHost = Get-LabHostProduct $HostMachine
            if ($null -eq $windowsHost) { return @{ answered = $false } }
            Add-LabRequest $windowsHost $Status $true
            return @{ answered = $true; code = 0xC004F042 }
        }
    } else {
        $hostLicense = Get-LabHostProduct $HostMachine
        if ($null -eq $hostLicense) { return @{ answered = $false } }
    }
    if ($hostLicense.licenseStatus -ne 1) {
        Add-LabRequest $hostLicense $Status $true
        return @{ answered = $true; code = 0xC004F041 }
    }
    $group = $catalog.keyGroups[$hostLicense.keyGroup]
    if (@($group.activates) -notcontains $Product.catalogProduct) {
        Add-LabRequest $hostLicense $Status $true
        return @{ answered = $true; code = 0xC004F042 }
    }
    $family = $catalog.products[$Product.catalogProduct].family
    $now = Get-LabNow
    $memory = [int]$catalog.activation.hostMemory
    if ($Product.kind -eq 'office') { $memory = [int]$catalog.activation.officeHostMemory }
    if ($null -eq $hostLicense.kms) { $hostLicense.kms = @{ clients = @(); requests = $null } }
    $clients = New-Object System.Collections.ArrayList
    foreach ($c in @($hostLicense.kms.clients | Where-Object { $null -ne $_ })) { if ($c.cmid -ne $Client.cmid) { [void]$clients.Add($c) } }
    [void]$clients.Add(@{ cmid = $Client.cmid; lastSeen = $now.ToString('o'); machine = $Client.name })
    while ($clients.Count -gt $memory) { $clients.RemoveAt(0) }
    $hostLicense.kms.clients = @($clients)
    Add-LabRequest $hostLicense $Status $false
    $count = Get-LabKmsCount $hostLicense $now
    $required = [int]$catalog.activation.thresholds[$family]
    $intervals = @{
        activation = $(if ($null -ne $HostMachine.effective.activationInterval) { [int]$HostMachine.effective.activationInterval } else { 120 })
        renewal = $(if ($null -ne $HostMachine.effective.renewalInterval) { [int]$HostMachine.effective.renewalInterval } else { 10080 })
    }
    if ($count -lt $required) { return @{ answered = $true; code = 0xC004F038; count = $count; intervals = $intervals } }
    return @{ answered = $true; code = $null; count = $count; intervals = $intervals }
}

function Add-LabRequest($HostLicense, [int]$Status, [bool]$Failed) {
    if ($null -eq $HostLicense.kms) { $HostLicense.kms = @{ clients = @(); requests = $null } }
    if ($null -eq $HostLicense.kms.requests) {
        $HostLicense.kms.requests = @{ total = 0; failed = 0; unlicensed = 0; licensed = 0; oobGrace = 0; ootGrace = 0; nonGenuineGrace = 0; notification = 0 }
    }
    $r = $HostLicense.kms.requests
    $r.total = [int]$r.total + 1
    if ($Failed) { $r.failed = [int]$r.failed + 1; return }
    $name = Get-LabStatusCounterName $Status
    $r[$name] = [int]$r[$name] + 1
}

function Invoke-LabKmsActivation($Machine, $Product) {
    # A KMS client's Activate(): find a host, ask it, take its answer. Returns $null or the HRESULT.
    # Writes the host's state (its count) when a host answered.
    $network = Read-LabNetwork
    $where = Get-LabKmsTargets $Machine $Product $network
    if ($null -ne $where.error) { return $where.error }
    $status = [int]$Product.licenseStatus
    foreach ($t in $where.targets) {
        $name = [string]$t.name
        $lower = $name.ToLowerInvariant()
        if ($script:AzureKmsNames -contains $lower) {
            # Azure's own KMS answers any VM in Azure (a request from an Azure public IP address), custom
            # images included; not a machine outside Azure. It activates Windows, not Office.
            $inAzure = $Machine.azure
            if ($null -eq $inAzure) { $inAzure = $true }
            if (-not [bool]$inAzure) { continue }
            if ($Product.kind -eq 'office') { Set-LabDiscovered $Product $where $name $t.port; return 0xC004F042 }
            Set-LabDiscovered $Product $where $name $t.port
            Set-LabKmsLicensed $Machine $Product @{ activation = 120; renewal = 10080 } ($name + ':' + $t.port)
            return $null
        }
        $hostName = Resolve-LabName $name $network
        if ($null -eq $hostName) { continue }
        if ($hostName -eq $Machine.name) {
            $answer = Invoke-LabKmsRequest $Machine $Machine $Product ([int]$t.port) $status
            $hostMachine = $null
        } else {
            $hostMachine = Read-LabMachine $hostName
            $answer = Invoke-LabKmsRequest $hostMachine $Machine $Product ([int]$t.port) $status
        }
        if (-not $answer.answered) { continue }
        if ($null -ne $hostMachine) { Save-LabMachine $hostMachine }
        Set-LabDiscovered $Product $where $name $t.port
        if ($null -ne $answer.intervals) {
            # Clients take their intervals from the host's answer.
            $Product.vlActivationInterval = $answer.intervals.activation
            $Product.vlRenewalInterval = $answer.intervals.renewal
        }
        if ($null -ne $answer.code) { return $answer.code }
        Set-LabKmsLicensed $Machine $Product $answer.intervals ($name + ':' + $t.port) $hostName
        return $null
    }
    return 0xC004F074
}

function Set-LabDiscovered($Product, $Where, [string]$Name, $Port) {
    if ($Where.discovered) {
        $Product.discoveredName = $Name
        $Product.discoveredPort = [int]$Port
    }
}

function Set-LabKmsLicensed($Machine, $Product, $Intervals, [string]$By, [string]$ByMachine) {
    # Who holds the licence and since when (lab time): lab.machines[].licensedBy / licensedAt.
    $Product.licensedAt = (Get-LabNow).ToString('o')
    $Product.graceStartedAt = $null
    $Product.licensedByMachine = $(if ($ByMachine -ne '') { $ByMachine } else { $null })
    $Product.licenseStatus = 1
    $Product.licenseStatusReason = $script:LicensedReason
    $Product.grace = $script:KmsValidityMinutes
    $Product.vlActivationInterval = $Intervals.activation
    $Product.vlRenewalInterval = $Intervals.renewal
    $Product.activatedBy = $By
    if ($Product.kind -eq 'windows') { $Machine.activatedBy = $By }
}
