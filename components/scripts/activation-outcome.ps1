# activation-outcome.ps1, a helper file (see common.ps1) for client-setup.ps1 and client-activate.ps1:
# Activate(), and what its result (not the license status) makes of the client's result.

function Invoke-ClientActivation {
    # slmgr /ato. Its result decides, not LicenseStatus: Azure's own KMS licenses Marketplace images before
    # any script of ours runs. Returns { Outcome, ErrorCode }: Outcome 'activated' (Activate() succeeded),
    # 'pending' (0xC004F038: the host answered, its count is below the threshold) or 'failed' (any other
    # error); ErrorCode the error's code ('' on success, and when Windows gave none).
    [CmdletBinding()]
    param([psobject]$Product)
    try {
        Invoke-SppMethod -InputObject $Product -MethodName Activate
        return [pscustomobject]@{ Outcome = 'activated'; ErrorCode = '' }
    } catch {
        Write-Log -Text ('Activation did not succeed: ' + [string]$_.Exception.Message)
        $code = [string](Get-ErrorCode -ErrorRecord $_)
        $outcome = 'failed'
        if ($code -eq '0xC004F038') { $outcome = 'pending' }
        return [pscustomobject]@{ Outcome = $outcome; ErrorCode = $code }
    }
}

function Complete-ClientResult {
    # ok, activated, pending, errorCode and message from the outcome of Activate() (as
    # Invoke-ClientActivation returns it); returns the exit code.
    [CmdletBinding()]
    param([Collections.IDictionary]$Result, [string]$Outcome, [string]$ErrorCode)
    if ($Outcome -eq 'activated') {
        $Result.ok = $true
        $Result.activated = $true
        $Result.message = 'Activated (' + $Result.productName + ') by ' + $Result.kmsServer + '; CMID ' + $Result.cmid + '.'
        return 0
    }
    if ($Outcome -eq 'pending') {
        # Below the threshold: pending, not failed. The client asks again every activation interval.
        $Result.ok = $true
        $Result.pending = $true
        $Result.errorCode = $ErrorCode
        $Result.pendingReason = Get-ErrorMeaning -Code $ErrorCode
        $Result.message = 'Pending: the KMS host answered but its count is below the threshold for this product. ' + (Get-ErrorDescription -Code $ErrorCode)
        if ($Result.licenseStatusCode -eq 1) {
            $Result.message = $Result.message + ' Windows reports the product as licensed meanwhile, by another KMS (on Azure: Azure''s own KMS); that does not count toward this host.'
        }
        return 0
    }
    if ($null -eq $ErrorCode -or $ErrorCode -eq '') {
        $Result.message = 'Activation failed (license status ' + $Result.licenseStatus + ') and Windows gave no error code. Run slmgr /dlv on the machine.'
    } else {
        $Result.errorCode = $ErrorCode
        $Result.message = 'Activation failed. ' + (Get-ErrorDescription -Code $ErrorCode)
    }
    return 1
}
