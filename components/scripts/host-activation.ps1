# host-activation.ps1, a helper file (see common.ps1) for host-setup.ps1, both modes: the host's Windows
# product, online activation with Microsoft (bounded retries) and the host's result.

# Errors that mean "this machine could not reach the other side" (here: Microsoft's activation service):
# worth another try, never key errors. WinHTTP/WinINet codes (0x80072Exx, 0x80072Fxx) are matched by range
# in Test-NetworkErrorCode.
$NetworkErrorCodes = @('0xC004F074', '0x800705B4', '0x800706BA', '0x800706BE', '0x8007232A', '0x80070079')

function Test-NetworkErrorCode {
    [CmdletBinding()]
    param([string]$Code)
    if ($null -eq $Code -or $Code -eq '') { return $false }
    if ($NetworkErrorCodes -contains $Code) { return $true }
    # WinINet/WinHTTP errors (0x80072EE2 timeout, 0x80072EE7 name not resolved, 0x80072EFD no connection).
    return ($Code -match '^0x80072E[0-9A-F]{2}$' -or $Code -match '^0x80072F[0-9A-F]{2}$')
}

function Get-HostProduct {
    # The Windows product holding a key: the CSVLK when there is one, else the main (non add-on) product.
    [CmdletBinding()]
    param()
    $filter = "ApplicationID='$WindowsApplicationId' AND PartialProductKey IS NOT NULL"
    $products = @(Get-CimInstance -ClassName SoftwareLicensingProduct -Filter $filter)
    $csvlk = @($products | Where-Object { $_.ProductKeyChannel -eq 'Volume:CSVLK' -or $_.Description -like '*VOLUME_KMS_*' -or $_.Description -like '*VOLUME_KMS channel*' })
    if ($csvlk.Count -gt 0) { return $csvlk[0] }
    $main = @($products | Where-Object { -not $_.LicenseIsAddon })
    if ($main.Count -gt 0) { return $main[0] }
    return $null
}

function New-HostResult {
    [CmdletBinding()]
    param()
    $result = New-Result -RoleName 'host'
    Add-HostField -Result $result
    $result.officeVersion = $null
    return $result
}

function Invoke-Activation {
    # Online activation with Microsoft (slmgr /ato <activation ID>), tried again up to $ActivationRetries
    # times, $RetryDelaySeconds apart, on network errors. Returns $null on success ('activation' added to
    # $Changed), else the error code. $What names the key in the log.
    [CmdletBinding()]
    param([psobject]$Product, [string]$What, [int]$ActivationRetries, [int]$RetryDelaySeconds, [Collections.Generic.List[string]]$Changed)
    $attempt = 0
    while ($true) {
        $attempt++
        Write-Log -Text ('Activating the ' + $What + ' online (attempt ' + $attempt + ' of ' + ($ActivationRetries + 1) + ').')
        try {
            Invoke-SppMethod -InputObject $Product -MethodName Activate
            $Changed.Add('activation')
            return $null
        } catch {
            $code = Get-ErrorCode -ErrorRecord $_
            if ($attempt -le $ActivationRetries -and (Test-NetworkErrorCode -Code $code)) {
                Write-Log -Text ('Activation failed with ' + $code + '; retrying in ' + $RetryDelaySeconds + ' s.')
                Start-Sleep -Seconds $RetryDelaySeconds
                continue
            }
            Write-Log -Text ('Activation failed: ' + [string]$_.Exception.Message)
            if ($null -eq $code) { $code = '0xC004F041' }
            return $code
        }
    }
}

function Get-ActivationFailureText {
    # Why online activation failed, with meaning and fix; a network error gets the outbound-access fix.
    # $Attempts: how many times Invoke-Activation tries (a network error means every one failed).
    [CmdletBinding()]
    param([string]$What, [string]$Code, [int]$Attempts)
    if (Test-NetworkErrorCode -Code $Code) {
        $text = 'The ' + $What + ' could not be activated: this host could not reach Microsoft''s activation service over the internet (' + $Code + ', after ' + $Attempts + ' attempts). '
        if ($Code -like '0x80072*' -and $KmsErrorCodes.ContainsKey($Code)) { return ($text + (Get-ErrorDescription -Code $Code)) }
        return ($text + 'Fix: ' + $KmsErrorCodes['0x80072EFD'][1])
    }
    return ('The ' + $What + ' is not activated. ' + (Get-ErrorDescription -Code $Code))
}

function Complete-HostResult {
    # After Set-HostResult: ok when this machine is an activated KMS host for $What (returns 0; the caller
    # words the message), else the error code and why, with the fix (returns 1). $ActivationError: what
    # Invoke-Activation returned ('' or $null: no error, or no activation); $Attempts as for
    # Get-ActivationFailureText.
    [CmdletBinding()]
    param([Collections.IDictionary]$Result, [psobject]$Product, [string]$What, [string]$ActivationError, [int]$Attempts)
    if ($Result.isKmsHost -and $Result.licenseStatusCode -eq 1) {
        $Result.ok = $true
        return 0
    }
    $code = $ActivationError
    if ($code -eq '') { $code = ConvertTo-HResultText -Value $Product.LicenseStatusReason }
    if ($null -eq $code) { $code = '0xC004F041' }
    $Result.errorCode = $code
    $Result.message = (Get-ActivationFailureText -What $What -Code $code -Attempts $Attempts) + ' License status ' + $Result.licenseStatus + '.'
    return 1
}
