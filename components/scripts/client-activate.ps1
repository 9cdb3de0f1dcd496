<#
.SYNOPSIS
    Asks the KMS host once more for activation, after every other client of that host has registered.
    Always calls Activate(): its result decides. Safe to run again.

.DESCRIPTION
    Windows PowerShell 5.1, run as an administrator (Azure Run Command runs it as SYSTEM). It uses the
    documented CIM classes SoftwareLicensingService and SoftwareLicensingProduct instead of slmgr.vbs.

    This is the second step of the threshold barrier. client-setup.ps1 has already installed the setup
    key and pointed the client at its host; a client that asked before the host had seen enough machines
    got 0xC004F038 (count below the threshold) and would otherwise wait for its activation interval
    (120 minutes by default). Once all clients of the host have asked, this script asks again. It asks
    even when Windows reports the product as licensed: Azure's own KMS licenses Marketplace images before
    any script runs, which says nothing about this host. The result is kept where client-setup.ps1 keeps
    it (%ProgramData%\pulumi-kms-activation\activation-<application ID>.json). Helpers, next to this
    file: common.ps1, licensing-service.ps1, client-result.ps1, activation-record.ps1,
    activation-outcome.ps1.

    Everything before the last line is a log for people. The LAST line is one JSON object for tools,
    with the same fields as client-setup.ps1.
    Exit code 0: activated, or still pending (0xC004F038). 1: activation failed (the message gives the fix).
    2: a parameter is not valid.

.PARAMETER ApplicationId
    The licensing application: Windows 55c92734-d682-4d71-983e-d6ec3f16059f (default) or Office
    0ff1ce15-a989-479d-af46-f275c6370663.

.PARAMETER SetupDigest
    Only for the log: a digest of the client's setup parameters, so that Pulumi runs this step again when
    the setup changes.

.EXAMPLE
    .\client-activate.ps1
#>
[CmdletBinding(PositionalBinding = $false)]
param(
    [string]$ApplicationId = '55c92734-d682-4d71-983e-d6ec3f16059f',
    [string]$SetupDigest = ''
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$ScriptName = 'client-activate'
$SecretTexts = @()
. "$PSScriptRoot\common.ps1"
. "$PSScriptRoot\licensing-service.ps1"
. "$PSScriptRoot\client-result.ps1"
. "$PSScriptRoot\activation-record.ps1"
. "$PSScriptRoot\activation-outcome.ps1"

$ApplicationId = (ConvertFrom-ParameterValue -Value $ApplicationId).Trim()
$result = New-ClientResult -ApplicationId $ApplicationId
$changed = New-Object System.Collections.Generic.List[string]

# --- Check the parameters -------------------------------------------------------------------------------
$problem = Get-ApplicationIdError -Value $ApplicationId
if ($null -ne $problem) {
    $result.message = $problem
    Exit-WithResult -Result $result -Changed $changed -ExitCode 2
}

$isOffice = ($ApplicationId -eq $OfficeApplicationId)

try {
    Write-Log -Text ('Asking again now that the other clients of the host have registered (setup ' + $SetupDigest + '; application ' + $ApplicationId + ').')

    # --- Read the current state (slmgr /dlv) --------------------------------------------------------------
    $service = Get-LicensingService
    $product = Get-ClientProduct -ApplicationId $ApplicationId
    if ($null -eq $product) {
        $result.errorCode = '0xC004F014'
        $result.message = 'No product key is installed for application ' + $ApplicationId + '. ' + (Get-ErrorDescription -Code '0xC004F014')
        Exit-WithResult -Result $result -Changed $changed -ExitCode 1
    }

    # --- Activate, whatever the license status says (slmgr /ato) ---------------------------------------------
    Write-Log -Text ('Activating (license status ' + (Get-LicenseStatusName -Code $product.LicenseStatus) + ').')
    $activation = Invoke-ClientActivation -Product $product
    if ($activation.Outcome -eq 'activated') { $changed.Add('activation') }
    Invoke-SppMethod -InputObject $service -MethodName RefreshLicenseStatus
    $service = Get-LicensingService
    $product = Get-ClientProduct -ApplicationId $ApplicationId

    # --- Read back (slmgr /dlv) -------------------------------------------------------------------------------
    Set-ClientResult -Result $result -Service $service -Product $product -IsOffice $isOffice
    $previous = Read-ActivationRecord -ApplicationId $ApplicationId
    $target = ''
    if ($null -ne $previous) { $target = [string]$previous.target }
    Save-ActivationRecord -ApplicationId $ApplicationId -Outcome $activation.Outcome -ErrorCode $activation.ErrorCode -KmsServer $result.kmsServer -Target $target

    $exitCode = Complete-ClientResult -Result $result -Outcome $activation.Outcome -ErrorCode $activation.ErrorCode
    Exit-WithResult -Result $result -Changed $changed -ExitCode $exitCode
} catch {
    Exit-WithUnexpectedFailure -Result $result -Changed $changed -ErrorRecord $_
}
