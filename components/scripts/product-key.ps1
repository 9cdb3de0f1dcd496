# product-key.ps1, a helper file (see common.ps1) for host-setup.ps1 and client-setup.ps1: a product key's
# normal form and check (worded as validateProductKeyFormat() in components/validate/), how a key is shown
# (its last five characters only) and how it is installed (slmgr /ipk).

$ProductKeyPattern = '^[BCDFGHJKMNPQRTVWXY2346789]{5}(-[BCDFGHJKMNPQRTVWXY2346789]{5}){4}$'

function ConvertTo-ProductKey {
    # The normal form validateProductKeyFormat() accepts: no spaces, upper case, hyphens every five.
    [CmdletBinding()]
    param([string]$Key)
    $k = ($Key -replace '\s+', '').ToUpperInvariant()
    if ($k -match '^[A-Z0-9]{25}$') { $k = $k.Substring(0, 5) + '-' + $k.Substring(5, 5) + '-' + $k.Substring(10, 5) + '-' + $k.Substring(15, 5) + '-' + $k.Substring(20, 5) }
    return $k
}

function Show-Key {
    # Like showKey() in catalog/errors.ts: only the last five characters are ever shown.
    [CmdletBinding()]
    param([string]$Key)
    $k = $Key.Trim()
    if ($k.Length -le 5) { return ('a ' + $k.Length + '-character value') }
    return ('a key ending in "' + $k.Substring($k.Length - 5) + '"')
}

function Get-ProductKeyError {
    # The problem with the key parameter $Name (a key in normal form, or empty: none given); $null if none.
    [CmdletBinding()]
    param([string]$Name, [string]$Key)
    if ($Key -eq '' -or $Key -cmatch $ProductKeyPattern) { return $null }
    return ($Name + ' must be a product key of five groups of five characters separated by hyphens (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX); received ' + (Show-Key -Key $Key) + '.')
}

function Install-ProductKey {
    # slmgr /ipk <key>, then the licenses read again (slmgr does the same after /ipk). Returns $true when
    # installed, and adds 'productKey' to $Changed. Else $false, with the error code (0xC004F050, "not
    # valid", when Windows gave none) and the message in $Result: $Why (e.g. a likely cause) comes before
    # the code's meaning and fix. $What names the key in the log and the message.
    [CmdletBinding()]
    param([psobject]$Service, [string]$Key, [string]$What, [Collections.IDictionary]$Result, [Collections.Generic.List[string]]$Changed, [string]$Why = '')
    Write-Log -Text ('Installing the ' + $What + ' ending in ' + $Key.Substring($Key.Length - 5) + '.')
    try {
        Invoke-SppMethod -InputObject $Service -MethodName InstallProductKey -Arguments @{ ProductKey = $Key }
    } catch {
        $code = Get-ErrorCode -ErrorRecord $_
        if ($null -eq $code) { $code = '0xC004F050' }
        $Result.errorCode = $code
        $Result.message = 'Installing the ' + $What + ' failed' + $Why + '. ' + (Get-ErrorDescription -Code $code)
        return $false
    }
    $Changed.Add('productKey')
    Invoke-SppMethod -InputObject $Service -MethodName RefreshLicenseStatus
    return $true
}
