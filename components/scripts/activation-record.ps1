# activation-record.ps1, a helper file (see common.ps1): the record of a client's last Activate() result,
# written by client-setup.ps1 and client-activate.ps1, read by status.ps1. Windows keeps no record of the
# last Activate() error (LicenseStatusReason is the reason for the current license status, never
# 0xC004F038), so the client scripts keep the result of each Activate() call in a file of their own:
#   %ProgramData%\pulumi-kms-activation\activation-<application ID>.json
#   { "applicationId", "result": "activated" | "pending" | "failed", "errorCode", "kmsServer", "target", "at" }
# ("at": the machine's clock, UTC, when Activate() returned; status.ps1 compares it with the licence's start.)
# Deleting the file is safe: the next client-setup run then calls Activate() again.

function Get-MachineTimeUtc {
    # The machine's clock (Win32_OperatingSystem.LocalDateTime, as slmgr's licence times are), in UTC.
    [CmdletBinding()]
    param()
    return (Get-CimInstance -ClassName Win32_OperatingSystem).LocalDateTime.ToUniversalTime()
}

function Get-LicenceStartUtc {
    # When a KMS licence began (its activation or last renewal): a KMS licence runs 180 days (259200
    # minutes), so it began that long before its end (GracePeriodRemaining from now). $null when unknown.
    [CmdletBinding()]
    param([psobject]$Product)
    $left = Get-SppNumber -Value $Product.GracePeriodRemaining
    if ($null -eq $left -or $left -gt 259200) { return $null }
    return (Get-MachineTimeUtc).AddMinutes(-(259200 - $left))
}

function Get-ActivationRecordPath {
    [CmdletBinding()]
    param([string]$ApplicationId)
    return (Get-RecordPath -FileName ('activation-' + $ApplicationId.ToLowerInvariant() + '.json'))
}

function Read-ActivationRecord {
    # The last recorded Activate() result for this application, or $null (none yet, or unreadable).
    [CmdletBinding()]
    param([string]$ApplicationId)
    try {
        $file = Get-ActivationRecordPath -ApplicationId $ApplicationId
        if (-not (Test-Path -LiteralPath $file -PathType Leaf)) { return $null }
        return (Get-Content -LiteralPath $file -Raw | ConvertFrom-Json)
    } catch {
        Write-Log -Text ('The last activation result could not be read: ' + [string]$_.Exception.Message)
        return $null
    }
}

function Save-ActivationRecord {
    # $Outcome: 'activated', 'pending' or 'failed'; $Target: what the run asked for (client-setup.ps1's
    # host, domain or DNS, and the key), so that the same settings need no new activation.
    [CmdletBinding()]
    param([string]$ApplicationId, [string]$Outcome, [string]$ErrorCode, [string]$KmsServer, [string]$Target)
    try {
        $file = Get-ActivationRecordPath -ApplicationId $ApplicationId
        $folder = Split-Path -Parent $file
        if (-not (Test-Path -LiteralPath $folder -PathType Container)) { New-Item -ItemType Directory -Force -Path $folder | Out-Null }
        $record = [ordered]@{ applicationId = $ApplicationId; result = $Outcome; errorCode = $ErrorCode; kmsServer = $KmsServer; target = $Target; at = (Get-MachineTimeUtc).ToString('o') }
        Set-Content -LiteralPath $file -Value ($record | ConvertTo-Json -Compress) -Encoding Ascii
    } catch {
        # Not fatal: the activation itself happened; the next run asks again.
        Write-Log -Text ('The activation result could not be saved: ' + [string]$_.Exception.Message)
    }
}
