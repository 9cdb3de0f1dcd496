# host-office.ps1, a helper file (see common.ps1): Office mode of host-setup.ps1 (OfficeVersion set).
# Volume License Pack files (slmgr /ilc) -> Office KMS host key (slmgr /ipk) -> online activation
# (slmgr /ato) -> read back. The Office host license is found by what the licensing service reports
# (Office application, an "Office" name, a KMS_Host / VOLUME_KMS channel) and the key's last five
# characters, not by an activation ID: Microsoft's pages give two different ones for Office LTSC 2024.

function Get-OfficeHostProduct {
    # The Office host license holding the key that ends in $KeyTail, or $null.
    [CmdletBinding()]
    param([string]$KeyTail)
    $withKey = @(Get-OfficeHostLicense | Where-Object { $_.PartialProductKey -eq $KeyTail })
    if ($withKey.Count -gt 0) { return $withKey[0] }
    return $null
}

function Get-LicensePackFolder {
    # The folder holding the pack's .xrm-ms license files: the folder given, or a .zip (a path on this
    # machine or an http(s) URI) expanded under $WorkFolder. The URI is never logged: it may carry a token.
    [CmdletBinding()]
    param([string]$Source, [string]$WorkFolder)
    $zip = $Source
    if ($Source -match '^https?://') {
        New-Item -ItemType Directory -Force -Path $WorkFolder | Out-Null
        $zip = Join-Path $WorkFolder 'volume-license-pack.zip'
        Write-Log -Text 'Downloading the Volume License Pack files (URI not shown).'
        [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
        Invoke-WebRequest -Uri $Source -OutFile $zip -UseBasicParsing
    }
    if (Test-Path -LiteralPath $zip -PathType Container) { return $zip }
    if (-not (Test-Path -LiteralPath $zip -PathType Leaf)) { return $null }
    $expanded = Join-Path $WorkFolder 'files'
    if (Test-Path -LiteralPath $expanded) { Remove-Item -LiteralPath $expanded -Recurse -Force }
    Expand-Archive -LiteralPath $zip -DestinationPath $expanded -Force
    return $expanded
}

function Invoke-OfficeHostSetup {
    # Office mode: Volume License Pack files -> Office KMS host key -> activation -> read back.
    # Returns the exit code; fills $Result, message included (host-setup.ps1 logs and prints it), and
    # adds what it changed to $Changed. The parameters are host-setup.ps1's, checked there.
    [CmdletBinding()]
    param([Collections.IDictionary]$Result, [string]$HostKey, [string]$OfficeVersion, [string]$VolumeLicensePack, [int]$ActivationRetries, [int]$RetryDelaySeconds, [Collections.Generic.List[string]]$Changed)
    $Result.officeVersion = $OfficeVersion
    $tail = $HostKey.Substring($HostKey.Length - 5)
    $service = Get-LicensingService
    $product = Get-OfficeHostProduct -KeyTail $tail
    if ($null -ne $product) {
        Write-Log -Text ('Installed: ' + $product.Name + ', key ending in ' + $tail + ', status ' + (Get-LicenseStatusName -Code $product.LicenseStatus) + '.')
    } else {
        if ($VolumeLicensePack -ne '') {
            # slmgr /ilc <license file>, for each license file of the Volume License Pack
            $work = Join-Path $env:TEMP ('kms-office-' + ($OfficeVersion -replace '[^A-Za-z0-9]', '').ToLowerInvariant())
            $folder = Get-LicensePackFolder -Source $VolumeLicensePack -WorkFolder $work
            $files = @()
            if ($null -ne $folder) { $files = @(Get-ChildItem -LiteralPath $folder -Recurse -Filter '*.xrm-ms' | Where-Object { -not $_.PSIsContainer }) }
            if ($files.Count -eq 0) {
                $Result.message = 'VolumeLicensePack holds no .xrm-ms license files: give the folder with the Office ' + $OfficeVersion + ' Volume License Pack files extracted, or a .zip of them.'
                return 2
            }
            Write-Log -Text ('Installing ' + $files.Count + ' license files of the Office ' + $OfficeVersion + ' Volume License Pack.')
            foreach ($file in $files) {
                Invoke-SppMethod -InputObject $service -MethodName InstallLicense -Arguments @{ License = [System.IO.File]::ReadAllText($file.FullName) }
            }
            $Changed.Add('licenses')
        }
        # slmgr /ipk <Office KMS host key>
        $why = '; if the key is right, the Office ' + $OfficeVersion + ' Volume License Pack is not installed on this host (give VolumeLicensePack)'
        if (-not (Install-ProductKey -Service $service -Key $HostKey -What ('Office ' + $OfficeVersion + ' KMS host key') -Result $Result -Changed $Changed -Why $why)) {
            return 1
        }
        $product = Get-OfficeHostProduct -KeyTail $tail
    }
    if ($null -eq $product) {
        $Result.errorCode = '0xC004F014'
        $Result.message = 'No Office KMS host license holds the key ending in ' + $tail + ': it is not an Office ' + $OfficeVersion + ' KMS host key, or the Volume License Pack of that version is missing. ' + (Get-ErrorDescription -Code '0xC004F014')
        return 1
    }
    $activationError = $null
    if ((Get-SppNumber -Value $product.LicenseStatus) -ne 1) {
        $activationError = Invoke-Activation -Product $product -What ('Office ' + $OfficeVersion + ' KMS host key') -ActivationRetries $ActivationRetries -RetryDelaySeconds $RetryDelaySeconds -Changed $Changed
        Invoke-SppMethod -InputObject $service -MethodName RefreshLicenseStatus
        $product = Get-OfficeHostProduct -KeyTail $tail
    }
    # Read back (slmgr /dlv <Office activation ID>)
    $service = Get-LicensingService
    Set-HostResult -Result $Result -Service $service -Product $product
    $exitCode = Complete-HostResult -Result $Result -Product $product -What ('Office ' + $OfficeVersion + ' KMS host key') -ActivationError $activationError -Attempts ($ActivationRetries + 1)
    if ($Result.ok) {
        $Result.message = 'This KMS host activates Office ' + $OfficeVersion + ' (' + $product.Name + '); Office count: ' + (Get-CountText -Count $Result.currentCount) + '.'
    }
    return $exitCode
}
