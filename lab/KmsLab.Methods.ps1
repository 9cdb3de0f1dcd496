# KMS lab: the SoftwareLicensingService and SoftwareLicensingProduct methods Invoke-CimMethod calls.
# Dot-sourced by KmsLab.psm1. Sources: docs/lab.md ("Rules and their sources") and docs/sources.md.

function Test-LabPort($Value) {
    $n = [int64]$Value
    return ($n -ge 1 -and $n -le 65535)
}

function Test-LabInterval($Value) {
    # Sources: [SLMGR] /sai, /sri (docs/sources.md).
    $n = [int64]$Value
    return ($n -ge (Get-LabActivation 'minIntervalMinutes') -and $n -le (Get-LabActivation 'maxIntervalMinutes'))
}

function Invoke-LabServiceMethod($Machine, [string]$Name, [hashtable]$A) {
    # Sources: [SLS], [HOST] (docs/sources.md).
    $s = $Machine.service
    if ($script:HostOnlyMethods -contains $Name -and -not (Test-LabIsHost $Machine)) { return $script:E_NotKmsHost }
    switch ($Name) {
        'InstallProductKey' {
            $r = Install-LabProductKey $Machine ([string]$A.ProductKey)
            if ($null -eq $r) { Add-LabChange $Machine 'productKey' }
            return $r
        }
        'InstallLicense' { return (Install-LabLicense $Machine ([string]$A.License)) }
        'RefreshLicenseStatus' { return $null }
        'ReArmWindows' {
            # SL_REMAPPING_SP_PUB_TS_MAX_REARM_REACHED: no rearm left.
            if ([int]$Machine.rearmCount -le 0) { return 0xC004D307 }
            # The count drops at once; the new client machine ID and the reset licensing state come with the
            # next restart (Complete-LabRestart), as Microsoft's fix says: rearm, restart, then check the CMID.
            $Machine.rearmCount = [int]$Machine.rearmCount - 1
            $Machine.rearmPending = $true
            Add-LabChange $Machine 'rearm'
            return $null
        }
        'SetKeyManagementServiceMachine' {
            if ([string]::IsNullOrWhiteSpace([string]$A.MachineName)) { return $script:E_InvalidArg }
            $s.kmsMachine = [string]$A.MachineName
            Add-LabChange $Machine 'kmsServer'
            return $null
        }
        'ClearKeyManagementServiceMachine' { $s.kmsMachine = $null; Add-LabChange $Machine 'kmsServer'; return $null }
        'SetKeyManagementServicePort' {
            if (-not (Test-LabPort $A.PortNumber)) { return $script:E_InvalidArg }
            $s.kmsPort = [int]$A.PortNumber
            Add-LabChange $Machine 'kmsPort'
            return $null
        }
        'ClearKeyManagementServicePort' { $s.kmsPort = $null; Add-LabChange $Machine 'kmsPort'; return $null }
        'SetKeyManagementServiceLookupDomain' {
            if ([string]::IsNullOrWhiteSpace([string]$A.LookupDomain)) { return $script:E_InvalidArg }
            $s.lookupDomain = [string]$A.LookupDomain
            Add-LabChange $Machine 'lookupDomain'
            return $null
        }
        'ClearKeyManagementServiceLookupDomain' { $s.lookupDomain = $null; Add-LabChange $Machine 'lookupDomain'; return $null }
        'SetKeyManagementServiceListeningPort' {
            if (-not (Test-LabPort $A.PortNumber)) { return $script:E_InvalidArg }
            $s.listeningPort = [int]$A.PortNumber
            Add-LabChange $Machine 'port'
            return $null
        }
        'ClearKeyManagementServiceListeningPort' { $s.listeningPort = $null; Add-LabChange $Machine 'port'; return $null }
        'SetVLActivationInterval' {
            if (-not (Test-LabInterval $A.ActivationInterval)) { return $script:E_InvalidArg }
            $s.activationInterval = [int]$A.ActivationInterval
            Add-LabChange $Machine 'activationInterval'
            return $null
        }
        'SetVLRenewalInterval' {
            if (-not (Test-LabInterval $A.RenewalInterval)) { return $script:E_InvalidArg }
            $s.renewalInterval = [int]$A.RenewalInterval
            Add-LabChange $Machine 'renewalInterval'
            return $null
        }
        'DisableKeyManagementServiceDnsPublishing' {
            $s.dnsPublishing = -not [bool]$A.DisablePublishing
            Add-LabChange $Machine 'dnsPublishing'
            return $null
        }
        'EnableKeyManagementServiceLowPriority' {
            $s.lowPriority = [bool]$A.EnableLowPriority
            Add-LabChange $Machine 'lowPriority'
            return $null
        }
        'DisableKeyManagementServiceHostCaching' {
            $s.hostCaching = -not [bool]$A.DisableCaching
            Add-LabChange $Machine 'hostCaching'
            return $null
        }
    }
    return $script:E_InvalidMethod
}

function Invoke-LabProductMethod($Machine, $Product, [string]$Name, [hashtable]$A) {
    # Sources: [SLP], [SLMGR] (docs/sources.md).
    switch ($Name) {
        'Activate' {
            if ($null -eq $Product.partialKey) { return 0xC004F014 }
            if ($Product.channel -eq 'Volume:CSVLK' -or $Product.channel -eq 'Volume:MAK' -or $Product.channel -eq 'Retail') {
                # Host keys, MAKs and retail keys activate online with Microsoft.
                $r = Invoke-LabOnlineActivation $Machine $Product
            } else {
                $r = Invoke-LabKmsActivation $Machine $Product
                # When it asked, and what it got: it asks again by itself (Lab.advance, docs/lab.md "Time").
                $Product.lastAttempt = (Get-LabNow).ToString('o')
                $Product.lastResult = $(if ($null -eq $r) { 'ok' } else { ConvertTo-LabHResultText $r })
            }
            if ($null -eq $r) { Add-LabChange $Machine 'activation' }
            return $r
        }
        'UninstallProductKey' {
            $Product.partialKey = $null
            $Product.licenseStatus = 0
            Add-LabChange $Machine 'productKey'
            return $null
        }
        'SetKeyManagementServiceMachine' {
            if ([string]::IsNullOrWhiteSpace([string]$A.MachineName)) { return $script:E_InvalidArg }
            $Product.kmsMachine = [string]$A.MachineName
            Add-LabChange $Machine 'kmsServer'
            return $null
        }
        'ClearKeyManagementServiceMachine' { $Product.kmsMachine = $null; Add-LabChange $Machine 'kmsServer'; return $null }
        'SetKeyManagementServicePort' {
            if (-not (Test-LabPort $A.PortNumber)) { return $script:E_InvalidArg }
            $Product.kmsPort = [int]$A.PortNumber
            Add-LabChange $Machine 'kmsPort'
            return $null
        }
        'ClearKeyManagementServicePort' { $Product.kmsPort = $null; Add-LabChange $Machine 'kmsPort'; return $null }
        'SetKeyManagementServiceLookupDomain' {
            if ([string]::IsNullOrWhiteSpace([string]$A.LookupDomain)) { return $script:E_InvalidArg }
            $Product.lookupDomain = [string]$A.LookupDomain
            Add-LabChange $Machine 'lookupDomain'
            return $null
        }
        'ClearKeyManagementServiceLookupDomain' { $Product.lookupDomain = $null; Add-LabChange $Machine 'lookupDomain'; return $null }
    }
    return $script:E_InvalidMethod
}
