# KmsLab: Windows licensing as Microsoft documents it, for running the project's scripts unchanged in
# PowerShell 7 on any OS. It stands in for exactly the commands the scripts call: Get-CimInstance and
# Invoke-CimMethod over SoftwareLicensingService / SoftwareLicensingProduct, the sppsvc service cmdlets,
# the NetSecurity firewall cmdlets, the registry (HKLM:) through the item cmdlets, Start-Sleep (instant),
# Invoke-WebRequest (no internet in the lab), Win32_OperatingSystem's boot time and shutdown.exe /r (the
# restart happens after the script ends).
# Every behaviour and its source: docs/lab.md. State: one JSON file per machine (see KmsLab.State.ps1).

if (-not ('KmsLab.CimInstance' -as [type])) {
    $sources = @('KmsLab.Types.cs', 'KmsLab.Server.cs') | ForEach-Object { Join-Path $PSScriptRoot $_ }
    # Add-Type compiles against PowerShell's reference assemblies ($PSHOME/ref); CimException's assembly
    # targets .NET Standard, so netstandard.dll is added from there too.
    $ref = Join-Path $PSHOME 'ref'
    $refs = @(
        [Microsoft.Management.Infrastructure.CimException].Assembly.Location,
        [System.Management.Automation.PowerShell].Assembly.Location
    ) + @([System.IO.Directory]::GetFiles($ref, '*.dll'))
    # Compiling takes seconds: the assembly is kept in the temp folder, named by a hash of its sources and
    # of this PowerShell, and loaded from there next time.
    $sha = [System.Security.Cryptography.SHA256]::Create()
    $hash = -join ($sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes((($sources | ForEach-Object { [System.IO.File]::ReadAllText($_) }) -join '|') + '|' + $PSVersionTable.PSVersion)) | Select-Object -First 8 | ForEach-Object { $_.ToString('x2') })
    $sha.Dispose()
    $dll = Join-Path ([System.IO.Path]::GetTempPath()) ('kmslab-types-' + $hash + '.dll')
    if (-not [System.IO.File]::Exists($dll)) {
        $tmp = $dll + '.' + [guid]::NewGuid().ToString('N') + '.tmp.dll'
        Add-Type -Path $sources -ReferencedAssemblies $refs -OutputAssembly $tmp -OutputType Library
        try { [System.IO.File]::Move($tmp, $dll, $false) } catch { [System.IO.File]::Delete($tmp) }
    }
    Add-Type -Path $dll
}

. (Join-Path $PSScriptRoot 'KmsLab.State.ps1')
foreach ($part in @('Machine', 'Instances', 'Keys', 'Kms', 'Cim', 'Methods', 'Restart', 'Service', 'Firewall', 'Time')) {
    . (Join-Path $PSScriptRoot ('KmsLab.' + $part + '.ps1'))
}
. (Join-Path $PSScriptRoot 'KmsLab.Registry.ps1')
. (Join-Path $PSScriptRoot 'KmsLab.Runner.ps1')

Export-ModuleMember -Function @(
    'Get-CimInstance', 'Invoke-CimMethod',
    'Get-Service', 'Start-Service', 'Stop-Service', 'Restart-Service',
    'Get-NetFirewallRule', 'New-NetFirewallRule', 'Set-NetFirewallRule', 'Enable-NetFirewallRule',
    'Disable-NetFirewallRule', 'Remove-NetFirewallRule', 'Get-NetFirewallPortFilter', 'Get-NetFirewallApplicationFilter', 'Get-NetFirewallAddressFilter',
    'Start-Sleep', 'Invoke-WebRequest', 'shutdown.exe',
    'Get-ItemProperty', 'Set-ItemProperty', 'New-ItemProperty', 'New-Item', 'Test-Path',
    'Invoke-LabRequest', 'Set-LabContext'
)
