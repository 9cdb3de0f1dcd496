# The KMS lab server: one long-lived pwsh that runs scripts for tools/lab (the TypeScript Lab).
# Requests arrive as JSON lines on stdin; each answer is one JSON line on stdout, carrying the request's id.
# Usage: pwsh -NoProfile -NonInteractive -File lab/server.ps1 [-Runspaces 1]
# One runspace per process: a run sets the machine's %ProgramData% and %TEMP%, which are per process.
param([int]$Runspaces = 1)

$ErrorActionPreference = 'Stop'
$module = Join-Path $PSScriptRoot 'KmsLab.psm1'
# Importing once here compiles the lab's types (KmsLab.Types.cs, KmsLab.Server.cs) into this process for every runspace.
Import-Module $module
[KmsLab.LabServer]::Run($module, $Runspaces)
