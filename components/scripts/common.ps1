<#
    common.ps1 (pulumi-kms-activation): the helpers every script of this folder needs. A helper file has
    no parameters and does nothing on its own; a script dot-sources the ones it uses (this one first), so
    an admin runs it from this folder as it is. Azure Run Command and the SSH transport send one text per
    run, so the loader (components/scripts/index.ts, loadScript) replaces each such line with the file's
    text. docs/dev/contracts.md lists the helper files and who includes them.

    Here: the licensing constants and the catalog's error table; the log, the one-line JSON result and the
    end of a run (Exit-WithResult); reading and checking parameter values; a failed call's error code and
    its meaning; where the scripts keep their records. The licensing service's CIM calls and numbers are in
    licensing-service.ps1, which every script includes next. Windows PowerShell 5.1 syntax only.

    Every helper function is an advanced function with typed parameters, called with named arguments
    (docs/dev/contracts.md). It reads only its parameters, the constants of its own file and of this one,
    and $ScriptName and $SecretTexts (never printed), which each script sets before it includes this file.
#>

$WindowsApplicationId = '55c92734-d682-4d71-983e-d6ec3f16059f'
$OfficeApplicationId = '0ff1ce15-a989-479d-af46-f275c6370663'
# Office 2013 and later (Microsoft's sample output for the Office host shows 0ff1ce16-...: both match).
$OfficeApplicationIdPattern = '0ff1ce1?-a989-479d-af46-f275c6370663'
$GuidPattern = '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'
if ($null -eq $SecretTexts) { $SecretTexts = @() }

# BEGIN error codes (copied from catalog/errorCodes.ts; tests/components.scripts.test.ts keeps them equal)
$KmsErrorCodes = @{
    '0xC004F038' = @('The KMS host''s count is too low: it has seen fewer distinct machines in the last 30 days than this product needs (25 for Windows client, 5 for Windows Server and Office)', 'Wait until enough distinct clients have asked the host, or add clients. If the count stays below the number of machines, they share a client machine ID (images sysprepped with SkipRearm=1, Azure Marketplace images): run slmgr /rearm and restart each clone. For a small Azure lab, Azure''s own KMS or a MAK avoids the threshold.')
    '0xC004F039' = @('The KMS host did not respond: Key Management Service is not enabled there', 'Check that the host is reachable from the client and that nothing blocks its TCP port (1688 by default): Test-NetConnection <host> -Port 1688.')
    '0xC004F041' = @('The KMS host is not activated', 'Activate the KMS host with Microsoft (online, or by phone) before clients ask it: slmgr /ato on the host.')
    '0xC004F042' = @('The KMS host that answered cannot activate this product: its host key (CSVLK) is too old or for another product group', 'Install a newer host key on the host (e.g. a Windows Server 2022 or 2025 CSVLK for Windows 11), or point the client at a host that can activate it: slmgr /ckms, then slmgr /skms <host>:<port>.')
    '0xC004F050' = @('The product key is not valid', 'Check the key for typos and for en or em dashes copied instead of hyphens, and use the setup key that matches the installed edition (a beta key does not work on a released build).')
    '0xC004F069' = @('The product key is for another edition or product than the one installed: Windows found no installed SKU (edition) it belongs to', 'Use the key of the installed edition: read the edition with Get-CimInstance Win32_OperatingSystem (Caption) or slmgr /dlv, then install that edition''s KMS client setup key (or MAK); to change the edition itself, use DISM /online /Set-Edition.')
    '0xC004F051' = @('The product key is blocked', 'Get a new key from the Microsoft 365 admin center or VLSC.')
    '0xC004F06C' = @('The request''s timestamp is not valid: client and KMS host clocks differ by more than 4 hours', 'Synchronise time on the client and the host (w32tm /resync) and check their time zones, then retry.')
    '0xC004F074' = @('No KMS host could be contacted', 'On the host, check that the Software Protection service (sppsvc) runs and the firewall allows its port. On the client, check the _vlmcs._tcp SRV record or the fixed host (stale records point at old hosts), test with Test-NetConnection <host> -Port 1688, and read the 12288 events in the Application log.')
    '0xC004F035' = @('Windows 7 volume edition on a computer without a qualifying operating system (no OEM BIOS marker): the volume license key is not valid', 'Use a MAK or a retail key on this computer instead of KMS.')
    '0xC004F015' = @('Logged on the KMS host (event 12290) when its host key cannot activate the client, with detail 0xC004F042', 'Windows 10 on a Windows Server 2012 R2 or 2008 R2 host needs the "Windows Srv 2012R2 DataCtr/Std KMS for Windows 10" host key and KB3172614 or KB3079821; better, move the host to a current Windows Server key group.')
    '0xC004F014' = @('No product key is installed', 'Install the KMS client setup key for the installed edition: slmgr /ipk <setup key>.')
    '0xC004F00F' = @('The hardware ID is out of tolerance: the machine changed too much since activation', 'Restart, then activate again against the KMS host: slmgr /ato.')
    '0xC004D307' = @('Windows cannot be rearmed again: the machine has used all its rearms (RemainingWindowsReArmCount is 0)', 'A rearm cannot give this machine a new client machine ID. Redeploy it from an image generalized with sysprep /generalize and SkipRearm=0 (or a fresh Marketplace VM, rearmed once), then activate again; or activate it with Azure''s own KMS or a MAK.')
    '0xC004C008' = @('The product key could not be used: this KMS host key has been activated too often (10 activations, on at most 6 hosts)', 'Ask the Microsoft activation center for more activations of the host key; do not build images that contain a host key. On Azure, Azure''s own KMS avoids the limit.')
    '0xC004C003' = @('The product key is blocked (MAK)', 'Get a new MAK from the Microsoft 365 admin center or VLSC; KMS clients use a setup key instead.')
    '0xC004C001' = @('The MAK is not valid', 'This is a MAK error, not a KMS one: check the MAK, or install the KMS client setup key to use your KMS host.')
    '0xC004C020' = @('The MAK has reached its activation limit', 'This is a MAK error, not a KMS one: ask for more MAK activations, or install the KMS client setup key to use your KMS host.')
    '0xC004C021' = @('The MAK has reached its extension limit', 'This is a MAK error, not a KMS one: ask for more MAK activations, or install the KMS client setup key to use your KMS host.')
    '0xC004B100' = @('The computer could not be activated with this MAK: the key does not support it', 'This is a MAK error, not a KMS one: use a MAK for this product, or install the KMS client setup key to use your KMS host.')
    '0x8007232B' = @('DNS name does not exist: the client found no _vlmcs._tcp SRV record in its DNS domain', 'Create the _vlmcs._tcp SRV record in the zone the client searches (Azure DNS takes no dynamic updates, so KMS hosts cannot publish it there), or point the client at the host: slmgr /skms <host>:<port>, or slmgr /skms-domain <zone>.')
    '0x8007232A' = @('DNS server failure while looking up the KMS host', 'Troubleshoot the client''s DNS servers (nslookup -type=srv _vlmcs._tcp.<domain>), or point the client at the host with slmgr /skms <host>:<port>.')
    '0x8007251D' = @('No records were found for the DNS query: the _vlmcs._tcp SRV record is missing', 'Create the _vlmcs._tcp SRV record (0 0 1688 <host FQDN>) in the client''s DNS zone, or point the client at the host with slmgr /skms <host>:<port>.')
    '0x8007007B' = @('The client has no DNS domain to search: a workgroup machine without a primary DNS suffix never sends the SRV query', 'Give the machine a primary DNS suffix, or set the lookup domain (slmgr /skms-domain <zone>) or a fixed host (slmgr /skms <host>:<port>).')
    '0x800706BA' = @('The KMS host the client tried is unavailable: often a stale SRV or A record for an old host', 'Remove stale _vlmcs._tcp and host records, check the host''s port in the firewall, and test with Test-NetConnection <host> -Port 1688.')
    '0x80072EE7' = @('The machine could not resolve the name of Microsoft''s activation service: it has no working DNS or no outbound internet access', 'Allow outbound HTTPS (TCP 443) from the KMS host to the internet. On Azure, a subnet without default outbound access (a private subnet; new virtual networks get these by default) needs a NAT gateway, a public IP on the VM, or a firewall or load balancer outbound rule; behind a proxy, set the machine proxy (netsh winhttp set proxy). Or activate the host key by phone (slui.exe 4).')
    '0x80072EFD' = @('The machine could not connect to Microsoft''s activation service: it has no outbound internet access', 'Allow outbound HTTPS (TCP 443) from the KMS host to the internet. On Azure, a subnet without default outbound access (a private subnet; new virtual networks get these by default) needs a NAT gateway, a public IP on the VM, or a firewall or load balancer outbound rule; behind a proxy, set the machine proxy (netsh winhttp set proxy). Or activate the host key by phone (slui.exe 4).')
    '0x80072EE2' = @('The connection to Microsoft''s activation service timed out: outbound internet access is blocked or too slow', 'Allow outbound HTTPS (TCP 443) from the KMS host to the internet. On Azure, a subnet without default outbound access (a private subnet; new virtual networks get these by default) needs a NAT gateway, a public IP on the VM, or a firewall or load balancer outbound rule; behind a proxy, set the machine proxy (netsh winhttp set proxy). Or activate the host key by phone (slui.exe 4).')
}
# END error codes

function Protect-Text {
    # A secret (the host key) must never reach a log or the result, even inside an error message.
    [CmdletBinding()]
    param([string]$Text)
    if ($null -eq $Text) { return $Text }
    foreach ($secret in @($SecretTexts)) {
        $s = ([string]$secret).Trim()
        if ($s.Length -ge 5) { $Text = $Text.Replace($s, ('<key ending in ' + $s.Substring($s.Length - 5) + '>')) }
    }
    return $Text
}

function Write-Log {
    [CmdletBinding()]
    param([string]$Text)
    Write-Host ("[$ScriptName] " + (Protect-Text -Text $Text))
}

function Write-Result {
    # The LAST line the script prints: one compact JSON object. Run Command keeps only the last 4,096
    # bytes of output, so nothing may follow it, and it stays short (messages are single sentences).
    [CmdletBinding()]
    param([Collections.IDictionary]$Result, [Collections.Generic.List[string]]$Changed)
    $Result.changed = [string[]]@($Changed)
    $Result.message = Protect-Text -Text $Result.message
    if (-not $Result.ok -and $Result.message -ne '') {
        # The error stream too: where a transport shows only the error stream of a failed run (Azure's
        # failure of a Run Command), the user still reads the meaning and the fix.
        Write-Error -Message ('[' + $ScriptName + '] ' + $Result.message) -ErrorAction Continue
    }
    Write-Output ($Result | ConvertTo-Json -Compress -Depth 4)
}

function Exit-WithResult {
    # How every run ends: its message in the log, the result as the last line, and the exit code
    # (0 done or pending, 1 failed, 2 a parameter is not valid). Call it from the script's top level, never
    # from a function whose output is kept: the result line must reach the script's output.
    [CmdletBinding()]
    param([Collections.IDictionary]$Result, [Collections.Generic.List[string]]$Changed, [int]$ExitCode)
    Write-Log -Text $Result.message
    Write-Result -Result $Result -Changed $Changed
    exit $ExitCode
}

function Exit-WithUnexpectedFailure {
    # The end of a run that failed where no step expected it: the error, with its meaning and fix when it
    # carries a licensing error code. Exit code 1.
    [CmdletBinding()]
    param([Collections.IDictionary]$Result, [Collections.Generic.List[string]]$Changed, [Management.Automation.ErrorRecord]$ErrorRecord)
    $code = Get-ErrorCode -ErrorRecord $ErrorRecord
    $Result.errorCode = $code
    $text = 'Unexpected failure: ' + [string]$ErrorRecord.Exception.Message
    if ($null -ne $code) { $text = $text + ' ' + (Get-ErrorDescription -Code $code) }
    $Result.message = $text
    Exit-WithResult -Result $Result -Changed $Changed -ExitCode 1
}

function New-Result {
    # The fields every script's result starts with, in this order; each script adds its own after them.
    [CmdletBinding()]
    param([string]$RoleName)
    $result = [ordered]@{
        script = $ScriptName
        role = $RoleName
        ok = $false
        changed = @()
        errorCode = $null
        message = ''
        licenseStatus = $null
        licenseStatusCode = $null
        partialProductKey = $null
        productName = $null
        productKeyChannel = $null
    }
    return $result
}

function ConvertFrom-ParameterValue {
    # Run Command cuts a parameter value at its first space (Azure/azure-powershell#7269,
    # Azure/azure-cli#25042), so the TypeScript side sends any value with characters other than letters,
    # digits and . _ : - as "base64:" + the base64 of its UTF-8 bytes. A value typed by hand is used as is.
    [CmdletBinding()]
    param([string]$Value)
    if ($null -eq $Value) { return '' }
    if ($Value.StartsWith('base64:')) {
        return [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($Value.Substring(7)))
    }
    return $Value
}

function Get-ApplicationIdError {
    # The problem with an ApplicationId parameter, in the words of the other parameter checks; $null if none.
    [CmdletBinding()]
    param([string]$Value)
    if ($Value -match $GuidPattern) { return $null }
    return ('ApplicationId must be a GUID such as ' + $WindowsApplicationId + ' (Windows) or ' + $OfficeApplicationId + ' (Office); received "' + $Value + '".')
}

function ConvertTo-HResultText {
    # "0xC004F038" for a signed or unsigned 32-bit failure code; $null for anything else.
    [CmdletBinding()]
    param([object]$Value)
    if ($null -eq $Value) { return $null }
    try { $n = [int64]$Value } catch { return $null }
    if ($n -lt 0) { $n = $n + 4294967296 }
    if ($n -lt 2147483648 -or $n -gt 4294967295) { return $null }
    return ('0x{0:X8}' -f $n)
}

function Test-CimException {
    [CmdletBinding()]
    param([Exception]$Exception)
    $type = $Exception.GetType()
    while ($null -ne $type) {
        if ($type.FullName -eq 'Microsoft.Management.Infrastructure.CimException') { return $true }
        $type = $type.BaseType
    }
    return $false
}

function Get-ErrorCode {
    # The HRESULT of a failed CIM call. Where Windows puts it is not documented, so in this order: the CIM
    # error instance's error_Code; the "HRESULT 0x..." that starts the FullyQualifiedErrorId (PowerShell's
    # CimWriteError names the error after the CIM MessageId); a code in the message; the CimException's HResult.
    [CmdletBinding()]
    param([Management.Automation.ErrorRecord]$ErrorRecord)
    $generic = @('0x80131500', '0x80131501', '0x80131509', '0x80004005')
    $ex = $ErrorRecord.Exception
    while ($null -ne $ex) {
        if ($null -ne $ex.ErrorData) {
            $prop = $ex.ErrorData.CimInstanceProperties['error_Code']
            if ($null -ne $prop) {
                $code = ConvertTo-HResultText -Value $prop.Value
                if ($null -ne $code) { return $code }
            }
        }
        $ex = $ex.InnerException
    }
    $match = [regex]::Match([string]$ErrorRecord.FullyQualifiedErrorId, 'HRESULT\s+0x([0-9A-Fa-f]{1,8})')
    if ($match.Success) {
        $code = ConvertTo-HResultText -Value ([Convert]::ToInt64($match.Groups[1].Value, 16))
        if ($null -ne $code) { return $code }
    }
    $ex = $ErrorRecord.Exception
    while ($null -ne $ex) {
        $match = [regex]::Match([string]$ex.Message, '0x[0-9A-Fa-f]{8}')
        if ($match.Success) {
            $code = ConvertTo-HResultText -Value ([Convert]::ToInt64($match.Value.Substring(2), 16))
            if ($null -ne $code) { return $code }
        }
        # A CimException's HResult is the call's HRESULT; any other exception's (an InvalidCastException's
        # 0x80004002) says nothing about activation.
        if (Test-CimException -Exception $ex) {
            $code = ConvertTo-HResultText -Value $ex.HResult
            if ($null -ne $code -and $generic -notcontains $code) { return $code }
        }
        $ex = $ex.InnerException
    }
    return $null
}

function Get-ErrorDescription {
    # Same text as describeErrorCode() in catalog/errorCodes.ts.
    [CmdletBinding()]
    param([string]$Code)
    if ($KmsErrorCodes.ContainsKey($Code)) {
        $entry = $KmsErrorCodes[$Code]
        return ($Code + ': ' + $entry[0] + '. Fix: ' + $entry[1])
    }
    return ($Code + ': not a known KMS activation error. Run slui.exe 0x2a ' + $Code + " on the machine for Windows' own description.")
}

function Get-ErrorMeaning {
    [CmdletBinding()]
    param([string]$Code)
    if ($KmsErrorCodes.ContainsKey($Code)) { return ($Code + ': ' + $KmsErrorCodes[$Code][0]) }
    return $Code
}

function Get-RangeError {
    # Same wording as a KmsConfigError (catalog/errors.ts): "<name> must be <allowed>; received <value>."
    [CmdletBinding()]
    param([string]$Name, [int64]$Value, [int64]$Min, [int64]$Max, [string]$Allowed)
    if ($Value -lt $Min -or $Value -gt $Max) {
        return ('{0} must be {1}; received {2}.' -f $Name, $Allowed, $Value)
    }
    return $null
}

function Get-RecordPath {
    # Where the scripts keep a record of what they did: %ProgramData%\pulumi-kms-activation\<file>.
    [CmdletBinding()]
    param([string]$FileName)
    $base = $env:ProgramData
    if ([string]::IsNullOrEmpty($base)) { $base = [Environment]::GetFolderPath('CommonApplicationData') }
    return (Join-Path (Join-Path $base 'pulumi-kms-activation') $FileName)
}
