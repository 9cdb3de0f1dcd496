# KMS lab: the machine record (products, subnets, addresses) and the constants of Windows licensing.
# Dot-sourced by KmsLab.psm1. Sources: docs/lab.md ("Rules and their sources") and docs/sources.md.

$script:LicenseStatusByName = @{ Unlicensed = 0; Licensed = 1; OOBGrace = 2; OOTGrace = 3; NonGenuineGrace = 4; Notification = 5; ExtendedGrace = 6 }
$script:KeyPattern = '^[BCDFGHJKMNPQRTVWXY2346789]{5}(-[BCDFGHJKMNPQRTVWXY2346789]{5}){4}$'
$script:LicensedReason = 0x4004F401
$script:GraceReason = 0x4004F00C
# SL_I_OOT_GRACE_PERIOD: "running within the valid out of tolerance grace period" (slerror.h).
$script:OotGraceReason = 0x4004F00D
$script:NotificationReason = 0xC004F009
$script:OobGraceMinutes = 43200
# A KMS licence not renewed in its 180 days falls to Out-of-Tolerance grace for 30 days, then Notification
# (docs/lab.md, "Rules and their sources": [VA-TIMING]).
$script:OotGraceMinutes = 43200
$script:SppExtComObj = '%SystemRoot%\system32\sppextcomobj.exe'
# A KMS host key (CSVLK) activates at most 6 hosts, each at most 10 times (activated, then reactivated up
# to 9 times): KMS activation planning page; past it, 0xC004C008 (docs/lab.md, "Rules and their sources").
$script:HostKeyMaxHosts = 6
$script:HostKeyMaxActivationsPerHost = 10
$script:DefaultSubnet = '10.0.0.0/24'

function Get-LabActivation([string]$Name) {
    # Microsoft's KMS numbers as the catalog holds them (catalog/activation.ts; [PLAN]):
    # defaultActivationIntervalMinutes (120), defaultRenewalIntervalMinutes (10080), validityDays (180),
    # defaultPort (1688), minIntervalMinutes and maxIntervalMinutes (15 to 43200).
    return (Get-LabCatalog).activation[$Name]
}

function Get-LabKmsValidityMinutes {
    # [PLAN] a KMS activation is valid 180 days after its last renewal.
    return [int64](Get-LabActivation 'validityDays') * 1440
}

function Get-LabEditionId($Product) {
    # Sources: [SLMGR.VBS] (names modelled on slmgr output) (docs/sources.md).
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
    # Sources: [AZ-FAQ], [AZ-TS], [AZ-CMID] (Marketplace VMs), [FWREG] (built-in firewall rules), [AZ-SUFFIX] (docs/sources.md).
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
        $windows.grace = (Get-LabKmsValidityMinutes)
        $windows.discoveredName = 'azkms.core.windows.net'
        $windows.discoveredPort = Get-LabActivation 'defaultPort'
        $windows.vlActivationInterval = Get-LabActivation 'defaultActivationIntervalMinutes'
        $windows.vlRenewalInterval = Get-LabActivation 'defaultRenewalIntervalMinutes'
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
        $service.kmsPort = Get-LabActivation 'defaultPort'
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
