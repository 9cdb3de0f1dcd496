# licensing-service.ps1, a helper file (see common.ps1) that every script includes after common.ps1: the
# licensing service's CIM calls (SoftwareLicensingService and SoftwareLicensingProduct, what slmgr reads
# and calls), its numbers and its license status names.

$LicenseStatusNames = @('Unlicensed', 'Licensed', 'OOBGrace', 'OOTGrace', 'NonGenuineGrace', 'Notification', 'ExtendedGrace')

function Get-SppNumber {
    # A number read from SoftwareLicensingService/-Product, as [int64]; $null where Windows reports "not
    # available" (0xFFFFFFFF = 4294967295, or -1 when read as signed), e.g. KeyManagementServiceCurrentCount
    # on a host no client has asked yet, or VLActivationInterval on a machine that is not a KMS host.
    [CmdletBinding()]
    param([object]$Value)
    if ($null -eq $Value) { return $null }
    if ($Value -is [string] -and $Value -eq '') { return $null }
    $n = [int64]$Value
    if ($n -eq 4294967295 -or $n -eq -1) { return $null }
    return $n
}

function Invoke-SppMethod {
    # Invoke-CimMethod throws on most failures; a non-zero ReturnValue is the HRESULT of the others.
    [CmdletBinding()]
    param([psobject]$InputObject, [string]$MethodName, [hashtable]$Arguments)
    if ($null -eq $Arguments) {
        $r = Invoke-CimMethod -InputObject $InputObject -MethodName $MethodName
    } else {
        $r = Invoke-CimMethod -InputObject $InputObject -MethodName $MethodName -Arguments $Arguments
    }
    if ($null -ne $r -and $null -ne $r.ReturnValue -and [int64]$r.ReturnValue -ne 0) {
        throw (New-Object System.InvalidOperationException ($MethodName + ' failed with ' + (ConvertTo-HResultText -Value $r.ReturnValue)))
    }
}

function Get-LicensingService {
    [CmdletBinding()]
    param()
    return Get-CimInstance -ClassName SoftwareLicensingService
}

function Get-PropertyValue {
    # $null when the property does not exist on this Windows build (e.g. KeyManagementServiceLookupDomain).
    [CmdletBinding()]
    param([psobject]$Instance, [string]$Name)
    if ($null -eq $Instance) { return $null }
    $prop = $Instance.CimInstanceProperties[$Name]
    if ($null -eq $prop) { return $null }
    return $prop.Value
}

function Get-LicenseStatusName {
    [CmdletBinding()]
    param([object]$Code)
    $n = Get-SppNumber -Value $Code
    if ($null -eq $n) { return $null }
    if ($n -ge 0 -and $n -lt $LicenseStatusNames.Count) { return $LicenseStatusNames[$n] }
    return 'Unknown'
}

function Get-PortOrDefault {
    # A KMS port as the licensing service reports it: unset (0 or "not available") is the default 1688.
    [CmdletBinding()]
    param([object]$Value)
    $n = Get-SppNumber -Value $Value
    if ($null -eq $n -or $n -eq 0) { return 1688 }
    return $n
}
