# activation-outcome.ps1, a helper file (see common.ps1) for client-setup.ps1 and client-activate.ps1:
# Activate(), and what its result (not the license status) makes of the client's result.

function Invoke-ClientActivation($Product) {
    # slmgr /ato. Its result decides, not LicenseStatus: Azure's own KMS licenses Marketplace images before
    # any script of ours runs. Returns $null on success, else the error code ('' when Windows gave none).
    try {
        Invoke-SppMethod $Product -MethodName Activate
        return $null
    } catch {
        Write-Log ('Activation did not succeed: ' + [string]$_.Exception.Message)
        $code = Get-ErrorCode $_
        if ($null -eq $code) { return '' }
        return $code
    }
}

function Get-ActivationOutcome($Code) {
    # 'activated' ($null: Activate() succeeded), 'pending' (0xC004F038: the host answered, its count is
    # below the threshold) or 'failed' (any other error).
    if ($null -eq $Code) { return 'activated' }
    if ($Code -eq '0xC004F038') { return 'pending' }
    return 'failed'
}

function Complete-ClientResult($Result, [string]$Outcome, [string]$Code) {
    # ok, activated, pending, errorCode and message from the outcome of Activate(); returns the exit code.
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
        $Result.errorCode = $Code
        $Result.pendingReason = Get-ErrorMeaning $Code
        $Result.message = 'Pending: the KMS host answered but its count is below the threshold for this product. ' + (Get-ErrorDescription $Code)
        if ($Result.licenseStatusCode -eq 1) {
            $Result.message = $Result.message + ' Windows reports the product as licensed meanwhile, by another KMS (on Azure: Azure''s own KMS); that does not count toward this host.'
        }
        return 0
    }
    if ($null -eq $Code -or $Code -eq '') {
        $Result.message = 'Activation failed (license status ' + $Result.licenseStatus + ') and Windows gave no error code. Run slmgr /dlv on the machine.'
    } else {
        $Result.errorCode = $Code
        $Result.message = 'Activation failed. ' + (Get-ErrorDescription $Code)
    }
    return 1
}
