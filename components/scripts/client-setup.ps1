<#
.SYNOPSIS
    Makes this machine a KMS client: installs the KMS client setup key if it differs, points it at a KMS
    host (a fixed host, a DNS lookup domain, or DNS discovery) and activates. Safe to run again.

.DESCRIPTION
    Windows PowerShell 5.1, run as an administrator (Azure Run Command runs it as SYSTEM). It uses the
    documented CIM classes SoftwareLicensingService and SoftwareLicensingProduct instead of slmgr.vbs.
    Each step names the slmgr switch it replaces.

    Where to activate:
      KmsServer set     -> that host (slmgr /skms host[:port]); KmsPort 0 means the default port 1688.
      LookupDomain set  -> DNS discovery in that domain (slmgr /ckms, then slmgr /skms-domain <domain>).
      neither           -> DNS discovery in the machine's own domain (slmgr /ckms and /ckms-domain).
    For Office (ApplicationId 0ff1ce15-a989-479d-af46-f275c6370663) the host and lookup domain are set on
    the Office product itself (what ospp.vbs /sethst does); when the Windows service is set to Azure's KMS
    (which never activates Office), the service is set to the Office host too, as Microsoft does not say
    which of the two settings wins.

    The result of this run's Activate() call decides, not the license status: Azure VMs from Marketplace
    images are already licensed by Azure's own KMS. 0xC004F038 (the host's count is below the threshold)
    is not a failure: the result says pending and the script exits 0; the client retries by itself every
    activation interval. Any other error fails the run with its meaning and fix. Each Activate() result
    is kept in %ProgramData%\pulumi-kms-activation\activation-<application ID>.json (status.ps1 reads
    it); a second run with the same settings after a successful activation changes nothing.

    Activation and renewal intervals are the KMS host's settings (SetVLActivationInterval and
    SetVLRenewalInterval fail on a machine that is not a KMS host); clients take them from the host's
    answer. With DNS discovery the port reads 1688 when unset, so 1688 counts as unset.

    After client-rearm.ps1 rearmed the machine, this script first checks that the machine restarted since and
    that the restart gave it a new client machine ID; if not, it activates nothing and fails with the fix
    (activating with the CMID the machine shares with its image's other clones would count it as them).

    The helpers are in files next to this one, dot-sourced below (common.ps1, licensing-service.ps1,
    product-key.ps1, and the client's: client-result.ps1, activation-record.ps1, activation-outcome.ps1, rearm-record.ps1).
    Parameters are named only (PositionalBinding = $false). A value "base64:<text>" is the base64 of the
    UTF-8 text.
    Everything before the last line is a log for people. The LAST line is one JSON object for tools.
    Exit code 0: activated, pending, or Activate false. 1: activation failed, or a rearm is not complete (the
    message gives the fix).
    2: a parameter is out of range.

.EXAMPLE
    .\client-setup.ps1 -KmsServer kms.contoso.com -KmsPort 1688
.EXAMPLE
    .\client-setup.ps1 -LookupDomain corp.contoso.com -SetupKey WX4NM-KYWYW-QJJR4-XV3QB-6VM33
#>
[CmdletBinding(PositionalBinding = $false)]
param(
    [string]$SetupKey = '',
    [string]$KmsServer = '',
    [int]$KmsPort = 0,
    [string]$LookupDomain = '',
    [ValidateSet('true', 'false')][string]$Activate = 'true',
    [string]$ApplicationId = '55c92734-d682-4d71-983e-d6ec3f16059f'
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$ScriptName = 'client-setup'
$SecretTexts = @()
. "$PSScriptRoot\common.ps1"
. "$PSScriptRoot\licensing-service.ps1"
. "$PSScriptRoot\product-key.ps1"
. "$PSScriptRoot\client-result.ps1"
. "$PSScriptRoot\activation-record.ps1"
. "$PSScriptRoot\activation-outcome.ps1"
. "$PSScriptRoot\rearm-record.ps1"

$result = New-ClientResult -ApplicationId $ApplicationId
$changed = New-Object System.Collections.Generic.List[string]

# --- Check the parameters (values unknown at preview are only checked here) -----------------------------
$SetupKey = ConvertTo-ProductKey -Key (ConvertFrom-ParameterValue -Value $SetupKey)
$KmsServer = (ConvertFrom-ParameterValue -Value $KmsServer).Trim()
$LookupDomain = (ConvertFrom-ParameterValue -Value $LookupDomain).Trim().TrimEnd('.')
$ApplicationId = (ConvertFrom-ParameterValue -Value $ApplicationId).Trim()
$result.applicationId = $ApplicationId
$problems = New-Object System.Collections.Generic.List[string]
if ($KmsPort -ne 0) {
    $p = Get-RangeError -Name 'KmsPort' -Value $KmsPort -Min 1 -Max 65535 -Allowed 'an integer from 1 to 65535 (the KMS default is 1688)'
    if ($null -ne $p) { $problems.Add($p) }
}
foreach ($p in @((Get-ProductKeyError -Name 'SetupKey' -Key $SetupKey), (Get-ApplicationIdError -Value $ApplicationId))) {
    if ($null -ne $p) { $problems.Add($p) }
}
if ($KmsServer -ne '' -and $KmsServer -notmatch '^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.:-]+)$') {
    $problems.Add('KmsServer must be a host name or IP address; received "' + $KmsServer + '".')
}
if ($LookupDomain -ne '' -and $LookupDomain -notmatch '^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$') {
    $problems.Add('LookupDomain must be a DNS domain name such as corp.contoso.com; received "' + $LookupDomain + '".')
}
if ($KmsServer -ne '' -and $LookupDomain -ne '') {
    $problems.Add('KmsServer and LookupDomain must not both be set: a fixed host overrides the lookup domain; received KmsServer "' + $KmsServer + '" and LookupDomain "' + $LookupDomain + '".')
}
if ($problems.Count -gt 0) {
    $result.message = ($problems.ToArray() -join ' ')
    Exit-WithResult -Result $result -Changed $changed -ExitCode 2
}

$isOffice = ($ApplicationId -eq $OfficeApplicationId)
$keyTail = ''
if ($SetupKey -ne '') { $keyTail = $SetupKey.Substring($SetupKey.Length - 5) }

try {
    Write-Log -Text ('Application ' + $ApplicationId + '.')

    # --- Read the current state (slmgr /dlv) --------------------------------------------------------------
    $service = Get-LicensingService
    $product = Get-ClientProduct -ApplicationId $ApplicationId -KeyTail $keyTail
    if ($null -ne $product) {
        Write-Log -Text ("Installed: " + $product.Name + ", channel " + $product.ProductKeyChannel + ", key ending in " + $product.PartialProductKey + ", status " + (Get-LicenseStatusName -Code $product.LicenseStatus) + '.')
    }

    # --- After a rearm (client-rearm.ps1): restarted, with a client machine ID of its own? ------------------
    $rearm = Read-RearmRecord
    if ($null -ne $rearm -and [string]$rearm.state -eq 'restart-pending') {
        $check = Confirm-RearmRestart -Record $rearm -Service $service
        if ($check.State -ne 'done') {
            if ($null -ne $product) { Set-ClientResult -Result $result -Service $service -Product $product -IsOffice $isOffice -FallbackLookupDomain $LookupDomain } else { $result.cmid = [string]$service.ClientMachineID }
            $result.message = $check.Message
            Exit-WithResult -Result $result -Changed $changed -ExitCode 1
        }
        Write-Log -Text $check.Message
    }

    # --- Install the setup key only if it differs (slmgr /ipk <setup key>) -----------------------------
    if ($SetupKey -ne '' -and ($null -eq $product -or $product.PartialProductKey -ne $keyTail)) {
        if (-not (Install-ProductKey -Service $service -Key $SetupKey -What 'KMS client setup key' -Result $result -Changed $changed)) {
            Exit-WithResult -Result $result -Changed $changed -ExitCode 1
        }
        $service = Get-LicensingService
        $product = Get-ClientProduct -ApplicationId $ApplicationId -KeyTail $keyTail
    }
    if ($null -eq $product) {
        $result.errorCode = '0xC004F014'
        $result.message = 'No product key is installed for application ' + $ApplicationId + '. ' + (Get-ErrorDescription -Code '0xC004F014')
        Exit-WithResult -Result $result -Changed $changed -ExitCode 1
    }

    # --- Where to activate -------------------------------------------------------------------------------
    # Office keeps its KMS host on the product; Windows on the service.
    $target = $service
    if ($isOffice) { $target = $product }
    $currentMachine = [string](Get-PropertyValue -Instance $target -Name 'KeyManagementServiceMachine')
    # The port reads 1688 (or 0) when none is set: both mean the default, so neither is cleared again.
    $currentPort = Get-PortOrDefault -Value (Get-PropertyValue -Instance $target -Name 'KeyManagementServicePort')
    $currentDomainValue = Get-PropertyValue -Instance $target -Name 'KeyManagementServiceLookupDomain'
    $currentDomain = [string]$currentDomainValue

    if ($KmsServer -ne '') {
        if ($currentMachine -ne $KmsServer) {
            # slmgr /skms <host>
            Write-Log -Text ("Setting the KMS host to " + $KmsServer + '.')
            Invoke-SppMethod -InputObject $target -MethodName SetKeyManagementServiceMachine -Arguments @{ MachineName = $KmsServer }
            $changed.Add('kmsServer')
        }
        if ($KmsPort -gt 0 -and $currentPort -ne $KmsPort) {
            # slmgr /skms <host>:<port>
            Write-Log -Text ("Setting the KMS port to " + $KmsPort + '.')
            Invoke-SppMethod -InputObject $target -MethodName SetKeyManagementServicePort -Arguments @{ PortNumber = [uint32]$KmsPort }
            $changed.Add('kmsPort')
        }
        if ($KmsPort -eq 0 -and $currentPort -ne 1688) {
            # Back to the default port 1688 (the port half of slmgr /ckms).
            Write-Log -Text 'Clearing the KMS port (default 1688).'
            Invoke-SppMethod -InputObject $target -MethodName ClearKeyManagementServicePort
            $changed.Add('kmsPort')
        }
        if ($isOffice) {
            # Office on a VM whose Windows is set to Azure's KMS (Marketplace images): Microsoft does not say
            # whether the product's host or the service's wins, and Azure's KMS never activates Office. So
            # the service is set to this host too (Windows then renews with it). A service set to another
            # host of the user's is left alone.
            $serviceMachine = [string](Get-PropertyValue -Instance $service -Name 'KeyManagementServiceMachine')
            if (@('azkms.core.windows.net', 'kms.core.windows.net') -contains $serviceMachine.ToLowerInvariant()) {
                Write-Log -Text ('Windows is set to ' + $serviceMachine + ', which does not activate Office: setting the service''s KMS host to ' + $KmsServer + ' too.')
                Invoke-SppMethod -InputObject $service -MethodName SetKeyManagementServiceMachine -Arguments @{ MachineName = $KmsServer }
                $servicePort = $KmsPort
                if ($servicePort -eq 0) { $servicePort = 1688 }
                Invoke-SppMethod -InputObject $service -MethodName SetKeyManagementServicePort -Arguments @{ PortNumber = [uint32]$servicePort }
                $changed.Add('kmsServer')
            }
        }
    } else {
        if ($currentMachine -ne '') {
            # slmgr /ckms: clears the host name...
            Write-Log -Text ("Clearing the fixed KMS host " + $currentMachine + '.')
            Invoke-SppMethod -InputObject $target -MethodName ClearKeyManagementServiceMachine
            $changed.Add('kmsServer')
        }
        if ($currentPort -ne 1688) {
            # ...and the port, so that DNS discovery is used.
            Write-Log -Text ('Clearing the KMS port ' + $currentPort + ' (default 1688).')
            Invoke-SppMethod -InputObject $target -MethodName ClearKeyManagementServicePort
            $changed.Add('kmsPort')
        }
        if ($LookupDomain -ne '') {
            if ($null -eq $currentDomainValue -or $currentDomain -ne $LookupDomain) {
                # slmgr /skms-domain <domain>
                Write-Log -Text ("Looking up _vlmcs._tcp in " + $LookupDomain + '.')
                Invoke-SppMethod -InputObject $target -MethodName SetKeyManagementServiceLookupDomain -Arguments @{ LookupDomain = $LookupDomain }
                if ($currentDomain -ne $LookupDomain) { $changed.Add('lookupDomain') }
            }
        } elseif ($currentDomain -ne '') {
            # slmgr /ckms-domain: DNS discovery in the machine's own domain.
            Write-Log -Text ("Clearing the lookup domain " + $currentDomain + '.')
            Invoke-SppMethod -InputObject $target -MethodName ClearKeyManagementServiceLookupDomain
            $changed.Add('lookupDomain')
        }
    }
    # What this run asked for, kept with the activation result: the same settings and a recorded success
    # need no new activation.
    $wanted = 'dns'
    if ($KmsServer -ne '') {
        $wantedPort = $KmsPort
        if ($wantedPort -eq 0) { $wantedPort = 1688 }
        $wanted = 'host:' + $KmsServer + ':' + $wantedPort
    } elseif ($LookupDomain -ne '') {
        $wanted = 'domain:' + $LookupDomain
    }
    $wanted = $wanted + ';key:' + $product.PartialProductKey

    # --- Activate (slmgr /ato) ---------------------------------------------------------------------------------
    $record = Read-ActivationRecord -ApplicationId $ApplicationId
    $recordedSuccess = ($null -ne $record -and [string]$record.result -eq 'activated' -and [string]$record.target -eq $wanted)
    $licensed = ((Get-SppNumber -Value $product.LicenseStatus) -eq 1)
    $activation = $null
    $asked = $false
    if ($Activate -eq 'true') {
        if ($licensed -and $recordedSuccess -and $changed.Count -eq 0) {
            Write-Log -Text ('Activated by ' + [string]$record.kmsServer + ' with these settings before; nothing to do.')
            $activation = [pscustomobject]@{ Outcome = 'activated'; ErrorCode = '' }
        } else {
            Write-Log -Text 'Activating.'
            $activation = Invoke-ClientActivation -Product $product
            $asked = $true
            if ($activation.Outcome -eq 'activated') { $changed.Add('activation') }
            Invoke-SppMethod -InputObject $service -MethodName RefreshLicenseStatus
            $service = Get-LicensingService
            $product = Get-ClientProduct -ApplicationId $ApplicationId -KeyTail $keyTail
        }
    }

    # --- Read back (slmgr /dlv) -------------------------------------------------------------------------------
    Set-ClientResult -Result $result -Service $service -Product $product -IsOffice $isOffice -FallbackLookupDomain $LookupDomain
    if ($asked) {
        Save-ActivationRecord -ApplicationId $ApplicationId -Outcome $activation.Outcome -ErrorCode $activation.ErrorCode -KmsServer $result.kmsServer -Target $wanted
    }

    if ($Activate -ne 'true') {
        $result.ok = $true
        $result.activated = ($licensed -and $recordedSuccess)
        $result.message = 'Configured; activation was not requested (license status ' + $result.licenseStatus + ').'
        Exit-WithResult -Result $result -Changed $changed -ExitCode 0
    }
    $exitCode = Complete-ClientResult -Result $result -Outcome $activation.Outcome -ErrorCode $activation.ErrorCode
    Exit-WithResult -Result $result -Changed $changed -ExitCode $exitCode
} catch {
    Exit-WithUnexpectedFailure -Result $result -Changed $changed -ErrorRecord $_
}
