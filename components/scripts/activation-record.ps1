# activation-record.ps1, a helper file (see common.ps1): the record of a client's last Activate() result,
# written by client-setup.ps1 and client-activate.ps1, read by status.ps1. Windows keeps no record of the
# last Activate() error (LicenseStatusReason is the reason for the current license status, never
# 0xC004F038), so the client scripts keep the result of each Activate() call in a file of their own:
#   %ProgramData%\pulumi-kms-activation\activation-<application ID>.json
#   { "applicationId", "result": "activated" | "pending" | "failed", "errorCode", "kmsServer", "target" }
# Deleting the file is safe: the next client-setup run then calls Activate() again.

function Get-ActivationRecordPath([string]$AppId) {
    return (Get-RecordPath ('activation-' + $AppId.ToLowerInvariant() + '.json'))
}

function Read-ActivationRecord([string]$AppId) {
    # The last recorded Activate() result for this application, or $null (none yet, or unreadable).
    try {
        $file = Get-ActivationRecordPath $AppId
        if (-not (Test-Path -LiteralPath $file -PathType Leaf)) { return $null }
        return (Get-Content -LiteralPath $file -Raw | ConvertFrom-Json)
    } catch {
        Write-Log ('The last activation result could not be read: ' + [string]$_.Exception.Message)
        return $null
    }
}

function Save-ActivationRecord([string]$AppId, [string]$Outcome, [string]$Code, [string]$KmsServer, [string]$Target) {
    try {
        $file = Get-ActivationRecordPath $AppId
        $folder = Split-Path -Parent $file
        if (-not (Test-Path -LiteralPath $folder -PathType Container)) { New-Item -ItemType Directory -Force -Path $folder | Out-Null }
        $record = [ordered]@{ applicationId = $AppId; result = $Outcome; errorCode = $Code; kmsServer = $KmsServer; target = $Target }
        Set-Content -LiteralPath $file -Value ($record | ConvertTo-Json -Compress) -Encoding Ascii
    } catch {
        # Not fatal: the activation itself happened; the next run asks again.
        Write-Log ('The activation result could not be saved: ' + [string]$_.Exception.Message)
    }
}
