# KMS lab: activation and the KMS protocol on the lab network (online activation, where a client asks,
# what a host answers, licence expiry). Dot-sourced by KmsLab.psm1. Sources: docs/lab.md ("Rules and their sources") and docs/sources.md.

# ---------------------------------------------------------------- activation

function Invoke-LabOnlineActivation($Machine, $Product) {
    # Sources: [HOST], [ERR] (docs/sources.md).
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
    # Sources: [PLAN] (docs/sources.md).
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
    # Sources: [O-DNS] (docs/sources.md).
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
    # Sources: [SLMGR] /skms, /skms-domain, /ckms, [SLMGR.DLV], [DNS-TS], [AZ-SUFFIX] (docs/sources.md).
    # Where this product asks: a fixed host (service, then product), else the SRV records of the lookup
    # domain (product, then service) or the machine's own DNS domain. Returns @{ targets; error }.
    # Which fixed host wins when the product's and the service's differ is not documented: the lab takes
    # the service's (the pessimistic choice for an Office product whose Windows is set to Azure's KMS).
    $s = $Machine.service
    $fixed = $s.kmsMachine
    $port = $s.kmsPort
    if ([string]::IsNullOrEmpty($fixed)) { $fixed = $Product.kmsMachine; $port = $Product.kmsPort }
    if ($null -eq $port -or [int]$port -eq 0) { $port = Get-LabActivation 'defaultPort' }
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
    # Sources: [FWREG] (docs/sources.md).
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
    # Sources: [FWREG], [HOST] (docs/sources.md).
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
    # Sources: [PLAN], [O-HOST], [ERR], [TN-KMS] (docs/sources.md).
    # The host's answer to one activation request: @{ answered; code; count; intervals }.
    # The host answers only on its effective listening port, with sppsvc running and the firewall open.
    $effectivePort = Get-LabActivation 'defaultPort'
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
        activation = $(if ($null -ne $HostMachine.effective.activationInterval) { [int]$HostMachine.effective.activationInterval } else { Get-LabActivation 'defaultActivationIntervalMinutes' })
        renewal = $(if ($null -ne $HostMachine.effective.renewalInterval) { [int]$HostMachine.effective.renewalInterval } else { Get-LabActivation 'defaultRenewalIntervalMinutes' })
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
    # Sources: [AZ-F074], [AZ-CMID] (Azure's KMS), [ERR] (docs/sources.md).
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
            Set-LabKmsLicensed $Machine $Product @{ activation = (Get-LabActivation 'defaultActivationIntervalMinutes'); renewal = (Get-LabActivation 'defaultRenewalIntervalMinutes') } ($name + ':' + $t.port)
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
    # Sources: [VA-TIMING], [TN-KMS] (the host's intervals) (docs/sources.md).
    # Who holds the licence and since when (lab time): lab.machines[].licensedBy / licensedAt.
    $Product.licensedAt = (Get-LabNow).ToString('o')
    $Product.graceStartedAt = $null
    $Product.licensedByMachine = $(if ($ByMachine -ne '') { $ByMachine } else { $null })
    $Product.licenseStatus = 1
    $Product.licenseStatusReason = $script:LicensedReason
    $Product.grace = (Get-LabKmsValidityMinutes)
    $Product.vlActivationInterval = $Intervals.activation
    $Product.vlRenewalInterval = $Intervals.renewal
    $Product.activatedBy = $By
    if ($Product.kind -eq 'windows') { $Machine.activatedBy = $By }
}
