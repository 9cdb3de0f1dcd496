# host-activation.ps1, a helper file (see common.ps1) for host-setup.ps1, both modes: the host's Windows
# product, online activation with Microsoft (bounded retries) and the host's result. Invoke-Activation
# reads the script's $ActivationRetries, $RetryDelaySeconds and $changed.

# Errors that mean "this machine could not reach the other side" (here: Microsoft's activation service):
# worth another try, never key errors. WinHTTP/WinINet codes (0x80072Exx, 0x80072Fxx) are matched by range
# in Test-NetworkErrorCode.
$NetworkErrorCodes = @('0xC004F074', '0x800705B4', '0x800706BA', '0x800706BE', '0x8007232A', '0x80070079')

function Test-NetworkErrorCode([string]$Code) {
    if ($null -eq $Code -or $Code -eq '') { return $false }
    if ($NetworkErrorCodes -contains $Code) { return $true }
    # WinINet/WinHTTP errors (0x80072EE2 timeout, 0x80072EE7 name not resolved, 0x80072EFD no connection).
    return ($Code -match '^0x80072E[0-9A-F]{2}$' -or $Code -match '^0x80072F[0-9A-F]{2}$')
}

function Get-HostProduct {
    # The Windows product holding a key: the CSVLK when there is one, else the main (non add-on) product.
    $filter = "ApplicationID='$WindowsApplicationId' AND PartialProductKey IS NOT NULL"
    $products = @(Get-CimInstance -ClassName SoftwareLicensingProduct -Filter $filter)
    $csvlk = @($products | Where-Object { $_.ProductKeyChannel -eq 'Volume:CSVLK' -or $_.Description -like '*VOLUME_KMS_*' -or $_.Description -like '*VOLUME_KMS channel*' })
    if ($csvlk.Count -gt 0) { return $csvlk[0] }
    $main = @($products | Where-Object { -not $_.LicenseIsAddon })
    if ($main.Count -gt 0) { return $main[0] }
    return $null
}

function New-HostResult {
    $result = New-Result 'host'
    Add-HostFields $result
    $result.officeVersion = $null
    return $result
}

function Invoke-Activation($Product, [string]$What) {
    # Online activation with Microsoft, with bounded retries on network errors (slmgr /ato <activation ID>).
    # Returns $null on success, else the error code.
    $attempt = 0
    while ($true) {
        $attempt++
        Write-Log ('Activating the ' + $What + ' online (attempt ' + $attempt + ' of ' + ($ActivationRetries + 1) + ').')
        try {
            Invoke-SppMethod $Product -MethodName Activate
            $changed.Add('activation')
            return $null
        } catch {
            $code = Get-ErrorCode $_
            if ($attempt -le $ActivationRetries -and (Test-NetworkErrorCode $code)) {
                Write-Log ('Activation failed with ' + $code + '; retrying in ' + $RetryDelaySeconds + ' s.')
                Start-Sleep -Seconds $RetryDelaySeconds
                continue
            }
            Write-Log ('Activation failed: ' + [string]$_.Exception.Message)
            if ($null -eq $code) { $code = '0xC004F041' }
            return $code
        }
    }
}

function Get-ActivationFailureText([string]$What, [string]$Code) {
    # Why online activation failed, with meaning and fix; a network error gets the outbound-access fix.
    if (Test-NetworkErrorCode $Code) {
        $text = 'The ' + $What + ' could not be activated: this host could not reach Microsoft''s activation service over the internet (' + $Code + ', after ' + ($ActivationRetries + 1) + ' attempts). '
        if ($Code -like '0x80072*' -and $KmsErrorCodes.ContainsKey($Code)) { return ($text + (Get-ErrorDescription $Code)) }
        return ($text + 'Fix: ' + $KmsErrorCodes['0x80072EFD'][1])
    }
    return ('The ' + $What + ' is not activated. ' + (Get-ErrorDescription $Code))
}

function Complete-HostResult($Result, $Product, [string]$What, $ActivationError) {
    # After Set-HostResult: ok when this machine is an activated KMS host for $What (returns 0; the caller
    # words the message), else the error code and why, with the fix (returns 1).
    if ($Result.isKmsHost -and $Result.licenseStatusCode -eq 1) {
        $Result.ok = $true
        return 0
    }
    $code = $ActivationError
    if ($null -eq $code) { $code = ConvertTo-HResultText $Product.LicenseStatusReason }
    if ($null -eq $code) { $code = '0xC004F041' }
    $Result.errorCode = $code
    $Result.message = (Get-ActivationFailureText $What $code) + ' License status ' + $Result.licenseStatus + '.'
    return 1
}
