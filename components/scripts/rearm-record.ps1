# rearm-record.ps1, a helper file (see common.ps1) for client-rearm.ps1, which rearms Windows once and
# records it in %ProgramData%\pulumi-kms-activation\rearm.json, and client-setup.ps1, which reads the record
# before it activates: a machine rearmed but not restarted still has the CMID it shares with its image's
# other clones, and activating it then would count it as one of them.

function Get-LastBootTime {
    # Win32_OperatingSystem.LastBootUpTime, in UTC (CIM hands it over in local time).
    [CmdletBinding()]
    param()
    return (Get-CimInstance -ClassName Win32_OperatingSystem).LastBootUpTime.ToUniversalTime()
}

function Get-RearmRecordPath {
    [CmdletBinding()]
    param()
    return (Get-RecordPath -FileName 'rearm.json')
}

function Read-RearmRecord {
    # The rearm record, or $null (never rearmed by these scripts, or unreadable).
    [CmdletBinding()]
    param()
    try {
        $file = Get-RearmRecordPath
        if (-not (Test-Path -LiteralPath $file -PathType Leaf)) { return $null }
        return (Get-Content -LiteralPath $file -Raw | ConvertFrom-Json)
    } catch {
        Write-Log -Text ('The rearm record could not be read: ' + [string]$_.Exception.Message)
        return $null
    }
}

function Save-RearmRecord {
    # Unlike the activation record, this one must be written: without it a second run would rearm again.
    [CmdletBinding()]
    param([Collections.IDictionary]$Record)
    $file = Get-RearmRecordPath
    $folder = Split-Path -Parent $file
    if (-not (Test-Path -LiteralPath $folder -PathType Container)) { New-Item -ItemType Directory -Force -Path $folder | Out-Null }
    Set-Content -LiteralPath $file -Value ($Record | ConvertTo-Json -Compress) -Encoding Ascii
}

function Confirm-RearmRestart {
    # After a rearm ($Record, as Read-RearmRecord reads it): has the machine restarted since, and did that
    # give it a new client machine ID? Returns { State = 'done' | 'pending' | 'unchanged'; Message }.
    # 'done' is recorded in the file.
    [CmdletBinding()]
    param([psobject]$Record, [psobject]$Service)
    $boot = Get-LastBootTime
    $cmidBefore = [string]$Record.cmidBefore
    $cmid = [string]$Service.ClientMachineID
    # A restart moves the boot time forward; a second is far more than WMI's rounding of the same boot.
    if ($boot.Ticks -le ([int64]$Record.bootBeforeTicks + 10000000)) {
        return [pscustomobject]@{
            State = 'pending'
            Message = 'Windows was rearmed at ' + [string]$Record.rearmedAt + ' to give this machine a client machine ID of its own, but it has not restarted since (last boot ' + $boot.ToString('u') + '), so it still has the ID ' + $cmid + ' it shares with the other machines made from its image, and the KMS host would count it as one of them. Fix: restart the VM (az vm restart, or the portal), then run pulumi up again. The restart the rearm step scheduled may have been aborted, or this step ran before it.'
        }
    }
    if ($cmid -eq $cmidBefore) {
        return [pscustomobject]@{
            State = 'unchanged'
            Message = 'Windows was rearmed and the machine restarted (last boot ' + $boot.ToString('u') + '), but its client machine ID is still ' + $cmid + ', so the KMS host counts it as one with the other machines made from its image. Fix: check the ID with slmgr /dlv; if SkipRearm under HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform is 1, set it to 0, delete %ProgramData%\pulumi-kms-activation\rearm.json and run pulumi up again with the rearm step replaced (pulumi up --replace <urn of the -rearm step>); or redeploy the VM from an image generalized with sysprep /generalize and SkipRearm=0.'
        }
    }
    $done = [ordered]@{}
    foreach ($p in $Record.PSObject.Properties) { $done[$p.Name] = $p.Value }
    $done.state = 'done'
    $done.cmidAfter = $cmid
    Save-RearmRecord -Record $done
    return [pscustomobject]@{ State = 'done'; Message = 'Rearmed and restarted: this machine''s client machine ID is now ' + $cmid + ' (it shared ' + $cmidBefore + ' with its image''s other machines).' }
}
