# host-office.ps1, a helper file (see common.ps1): Office mode of host-setup.ps1 (OfficeVersion set).
# Volume License Pack files (slmgr /ilc) -> Office KMS host key (slmgr /ipk) -> online activation
# (slmgr /ato) -> read back. The Office host license is found by what the licensing service reports
# (Office application, an "Office" name, a KMS_Host / VOLUME_KMS channel) and the key's last five
# characters, not by an activation ID: Microsoft's pages give two different ones for Office LTSC 2024.
# Invoke-OfficeHostSetup reads host-setup.ps1's $HostKey, $OfficeVersion, $VolumeLicensePack and $changed.

function Get-OfficeHostProduct([string]$Tail) {
    # The Office host license holding the key that ends in $Tail, or $null.
    $withKey = @(Get-OfficeHostProducts | Where-Object { $_.PartialProductKey -eq $Tail })
    if ($withKey.Count -gt 0) { return $withKey[0] }
    return $null
}

function Get-LicensePackFolder([string]$Source, [string]$WorkFolder) {
    # The folder holding the pack's .xrm-ms license files: the folder given, or a .zip (a path on this
    # machine or an http(s) URI) expanded under $WorkFolder. The URI is never logged: it may carry a token.
    $zip = $Source
    if ($Source -match '^https?://') {
        New-Item -ItemType Directory -Force -Path $WorkFolder | Out-Null
        $zip = Join-Path $WorkFolder 'volume-license-pack.zip'
        Write-Log 'Downloading the Volume License Pack files (URI not shown).'
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

function Invoke-OfficeHostSetup($Result) {
    # Office mode: Volume License Pack files -> Office KMS host key -> activation -> read back.
    # Returns the exit code; fills $Result, message included (host-setup.ps1 logs and prints it).
    $Result.officeVersion = $OfficeVersion
    $tail = $HostKey.Substring($HostKey.Length - 5)
    $service = Get-LicensingService
    $product = Get-OfficeHostProduct $tail
    if ($null -ne $product) {
        Write-Log ('Installed: ' + $product.Name + ', key ending in ' + $tail + ', status ' + (Get-LicenseStatusName $product.LicenseStatus) + '.')
    } else {
        if ($VolumeLicensePack -ne '') {
            # slmgr /ilc <license file>, for each license file of the Volume License Pack
            $work = Join-Path $env:TEMP ('kms-office-' + ($OfficeVersion -replace '[^A-Za-z0-9]', '').ToLowerInvariant())
            $folder = Get-LicensePackFolder $VolumeLicensePack $work
            $files = @()
            if ($null -ne $folder) { $files = @(Get-ChildItem -LiteralPath $folder -Recurse -Filter '*.xrm-ms' | Where-Object { -not $_.PSIsContainer }) }
            if ($files.Count -eq 0) {
                $Result.message = 'VolumeLicensePack holds no .xrm-ms license files: give the folder with the Office ' + $OfficeVersion + ' Volume License Pack files extracted, or a .zip of them.'
                return 2
            }
            Write-Log ('Installing ' + $files.Count + ' license files of the Office ' + $OfficeVersion + ' Volume License Pack.')
            foreach ($file in $files) {
                Invoke-SppMethod $service -MethodName InstallLicense -Arguments @{ License = [System.IO.File]::ReadAllText($file.FullName) }
            }
            $changed.Add('licenses')
        }
        # slmgr /ipk <Office KMS host key>
        $why = '; if the key is right, the Office ' + $OfficeVersion + ' Volume License Pack is not installed on this host (give VolumeLicensePack)'
        if (-not (Install-ProductKey $service $HostKey ('Office ' + $OfficeVersion + ' KMS host key') $Result $changed $why)) {
            return 1
        }
        $product = Get-OfficeHostProduct $tail
    }
    if ($null -eq $product) {
        $Result.errorCode = '0xC004F014'
        $Result.message = 'No Office KMS host license holds the key ending in ' + $tail + ': it is not an Office ' + $OfficeVersion + ' KMS host key, or the Volume License Pack of that version is missing. ' + (Get-ErrorDescription '0xC004F014')
        return 1
    }
    $activationError = $null
    if ((Get-SppNumber $product.LicenseStatus) -ne 1) {
        $activationError = Invoke-Activation $product ('Office ' + $OfficeVersion + ' KMS host key')
        Invoke-SppMethod $service -MethodName RefreshLicenseStatus
        $product = Get-OfficeHostProduct $tail
    }
    # Read back (slmgr /dlv <Office activation ID>)
    $service = Get-LicensingService
    Set-HostResult $Result $service $product
    $exitCode = Complete-HostResult $Result $product ('Office ' + $OfficeVersion + ' KMS host key') $activationError
    if ($Result.ok) {
        $Result.message = 'This KMS host activates Office ' + $OfficeVersion + ' (' + $product.Name + '); Office count: ' + (Get-CountText $Result.currentCount) + '.'
    }
    return $exitCode
}
