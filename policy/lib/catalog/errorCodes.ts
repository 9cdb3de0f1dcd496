// Generated: copied from components/catalog/errorCodes.ts by scripts/sync-policy-lib.ts for the standalone policy pack; do not edit.
/**
 * Activation error codes an admin meets with KMS, each with its meaning and the fix, from Microsoft's
 * activation error code page and support articles ([ERR], [AZ-*], [SUP-*]: docs/sources.md). `docs/error-codes.md` is
 * generated from this table by `scripts/gen-error-codes-doc.ts`.
 */

export interface ErrorCode {
  /** Canonical HRESULT: "0x" then eight upper-case hex digits, e.g. "0xC004F038". */
  code: string;
  /** Windows' symbolic name, where a source gives it. */
  symbol?: string;
  /** What it means, one phrase without a final period. */
  meaning: string;
  /** What to do, one or more sentences ending with a period. */
  fix: string;
  /** Where the meaning and the fix come from. */
  source: string;
}

const ERR = "https://learn.microsoft.com/windows-server/get-started/activation-error-codes";
/** Microsoft support articles, by their path in the public MicrosoftDocs repository. */
const SUP = "MicrosoftDocs/SupportArticles-docs:support/windows-server/licensing-and-activation/";
/** WinHTTP's error codes (HRESULT 0x80072EE2 = 12002 + 0x80070000, and so on). */
const WINHTTP = "https://learn.microsoft.com/windows/win32/winhttp/error-messages";
/** Azure's default outbound access and private subnets. */
const OUTBOUND =
  "https://learn.microsoft.com/azure/virtual-network/ip-services/default-outbound-access";
/** A KMS host activates its host key online with Microsoft: it needs outbound HTTPS. */
const OUTBOUND_FIX =
  "Allow outbound HTTPS (TCP 443) from the KMS host to the internet. On Azure, a subnet without default outbound access (a private subnet; new virtual networks get these by default) needs a NAT gateway, a public IP on the VM, or a firewall or load balancer outbound rule; behind a proxy, set the machine proxy (netsh winhttp set proxy). Or activate the host key by phone (slui.exe 4).";

export const ERROR_CODES: readonly ErrorCode[] = [
  {
    code: "0xC004F038",
    meaning:
      "The KMS host's count is too low: it has seen fewer distinct machines in the last 30 days than this product needs (25 for Windows client, 5 for Windows Server and Office)",
    fix: "Wait until enough distinct clients have asked the host, or add clients. If the count stays below the number of machines, they share a client machine ID (images sysprepped with SkipRearm=1, Azure Marketplace images): run slmgr /rearm and restart each clone. For a small Azure lab, Azure's own KMS or a MAK avoids the threshold.",
    source: ERR,
  },
  {
    code: "0xC004F039",
    meaning: "The KMS host did not respond: Key Management Service is not enabled there",
    fix: "Check that the host is reachable from the client and that nothing blocks its TCP port (1688 by default): Test-NetConnection <host> -Port 1688.",
    source: ERR,
  },
  {
    code: "0xC004F041",
    meaning: "The KMS host is not activated",
    fix: "Activate the KMS host with Microsoft (online, or by phone) before clients ask it: slmgr /ato on the host.",
    source: ERR,
  },
  {
    code: "0xC004F042",
    symbol: "SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH",
    meaning:
      "The KMS host that answered cannot activate this product: its host key (CSVLK) is too old or for another product group",
    fix: "Install a newer host key on the host (e.g. a Windows Server 2022 or 2025 CSVLK for Windows 11), or point the client at a host that can activate it: slmgr /ckms, then slmgr /skms <host>:<port>.",
    source: `${ERR}; ${SUP}activation-error-0xc004cf042-cant-use-specified-kms.md`,
  },
  {
    code: "0xC004F050",
    meaning: "The product key is not valid",
    fix: "Check the key for typos and for en or em dashes copied instead of hyphens, and use the setup key that matches the installed edition (a beta key does not work on a released build).",
    source: ERR,
  },
  {
    code: "0xC004F069",
    meaning:
      "The product key is for another edition or product than the one installed: Windows found no installed SKU (edition) it belongs to",
    fix: "Use the key of the installed edition: read the edition with Get-CimInstance Win32_OperatingSystem (Caption) or slmgr /dlv, then install that edition's KMS client setup key (or MAK); to change the edition itself, use DISM /online /Set-Edition.",
    source:
      'https://github.com/dadorner-msft/activationws (Activate-Product.ps1 maps 0xC004F069 to "SKU not found")',
  },
  {
    code: "0xC004F051",
    meaning: "The product key is blocked",
    fix: "Get a new key from the Microsoft 365 admin center or VLSC.",
    source: ERR,
  },
  {
    code: "0xC004F06C",
    meaning:
      "The request's timestamp is not valid: client and KMS host clocks differ by more than 4 hours",
    fix: "Synchronise time on the client and the host (w32tm /resync) and check their time zones, then retry.",
    source: `${ERR}; ${SUP}error-0xc004f074-activate-windows.md`,
  },
  {
    code: "0xC004F074",
    meaning: "No KMS host could be contacted",
    fix: "On the host, check that the Software Protection service (sppsvc) runs and the firewall allows its port. On the client, check the _vlmcs._tcp SRV record or the fixed host (stale records point at old hosts), test with Test-NetConnection <host> -Port 1688, and read the 12288 events in the Application log.",
    source: `${ERR}; ${SUP}error-0xc004f074-activate-windows.md`,
  },
  {
    code: "0xC004F035",
    meaning:
      "Windows 7 volume edition on a computer without a qualifying operating system (no OEM BIOS marker): the volume license key is not valid",
    fix: "Use a MAK or a retail key on this computer instead of KMS.",
    source: ERR,
  },
  {
    code: "0xC004F015",
    meaning:
      "Logged on the KMS host (event 12290) when its host key cannot activate the client, with detail 0xC004F042",
    fix: 'Windows 10 on a Windows Server 2012 R2 or 2008 R2 host needs the "Windows Srv 2012R2 DataCtr/Std KMS for Windows 10" host key and KB3172614 or KB3079821; better, move the host to a current Windows Server key group.',
    source: `${SUP}error-0xc004f015-activate-windows-10.md`,
  },
  {
    code: "0xC004F014",
    meaning: "No product key is installed",
    fix: "Install the KMS client setup key for the installed edition: slmgr /ipk <setup key>.",
    source: ERR,
  },
  {
    code: "0xC004F00F",
    meaning: "The hardware ID is out of tolerance: the machine changed too much since activation",
    fix: "Restart, then activate again against the KMS host: slmgr /ato.",
    source: ERR,
  },
  {
    code: "0xC004D307",
    symbol: "SL_REMAPPING_SP_PUB_TS_MAX_REARM_REACHED",
    meaning:
      "Windows cannot be rearmed again: the machine has used all its rearms (RemainingWindowsReArmCount is 0)",
    fix: "A rearm cannot give this machine a new client machine ID. Redeploy it from an image generalized with sysprep /generalize and SkipRearm=0 (or a fresh Marketplace VM, rearmed once), then activate again; or activate it with Azure's own KMS or a MAK.",
    source:
      'MicrosoftDocs/SupportArticles-docs:support/windows-client/setup-upgrade-and-drivers/fatal-error-occurred-sysprep-machine.md (KB 929828: SLReArmWindows fails with 0xc004d307; "The Rearm process can be run a maximum of three times in a Windows image"); the symbol from the Software Licensing error table ("the maximum allowed number of re-arms has been exceeded")',
  },
  {
    code: "0xC004C008",
    meaning:
      "The product key could not be used: this KMS host key has been activated too often (10 activations, on at most 6 hosts)",
    fix: "Ask the Microsoft activation center for more activations of the host key; do not build images that contain a host key. On Azure, Azure's own KMS avoids the limit.",
    source: `${ERR}; ${SUP}activation-error-0xc004c008-product-key-not-used.md`,
  },
  {
    code: "0xC004C003",
    meaning: "The product key is blocked (MAK)",
    fix: "Get a new MAK from the Microsoft 365 admin center or VLSC; KMS clients use a setup key instead.",
    source: ERR,
  },
  {
    code: "0xC004C001",
    meaning: "The MAK is not valid",
    fix: "This is a MAK error, not a KMS one: check the MAK, or install the KMS client setup key to use your KMS host.",
    source: ERR,
  },
  {
    code: "0xC004C020",
    meaning: "The MAK has reached its activation limit",
    fix: "This is a MAK error, not a KMS one: ask for more MAK activations, or install the KMS client setup key to use your KMS host.",
    source: ERR,
  },
  {
    code: "0xC004C021",
    meaning: "The MAK has reached its extension limit",
    fix: "This is a MAK error, not a KMS one: ask for more MAK activations, or install the KMS client setup key to use your KMS host.",
    source: ERR,
  },
  {
    code: "0xC004B100",
    meaning: "The computer could not be activated with this MAK: the key does not support it",
    fix: "This is a MAK error, not a KMS one: use a MAK for this product, or install the KMS client setup key to use your KMS host.",
    source: ERR,
  },
  {
    code: "0x8007232B",
    symbol: "DNS_ERROR_RCODE_NAME_ERROR",
    meaning:
      "DNS name does not exist: the client found no _vlmcs._tcp SRV record in its DNS domain",
    fix: "Create the _vlmcs._tcp SRV record in the zone the client searches (Azure DNS takes no dynamic updates, so KMS hosts cannot publish it there), or point the client at the host: slmgr /skms <host>:<port>, or slmgr /skms-domain <zone>.",
    source: ERR,
  },
  {
    code: "0x8007232A",
    symbol: "DNS_ERROR_RCODE_SERVER_FAILURE",
    meaning: "DNS server failure while looking up the KMS host",
    fix: "Troubleshoot the client's DNS servers (nslookup -type=srv _vlmcs._tcp.<domain>), or point the client at the host with slmgr /skms <host>:<port>.",
    source: ERR,
  },
  {
    code: "0x8007251D",
    symbol: "DNS_INFO_NO_RECORDS",
    meaning: "No records were found for the DNS query: the _vlmcs._tcp SRV record is missing",
    fix: "Create the _vlmcs._tcp SRV record (0 0 1688 <host FQDN>) in the client's DNS zone, or point the client at the host with slmgr /skms <host>:<port>.",
    source: ERR,
  },
  {
    code: "0x8007007B",
    symbol: "ERROR_INVALID_NAME",
    meaning:
      "The client has no DNS domain to search: a workgroup machine without a primary DNS suffix never sends the SRV query",
    fix: "Give the machine a primary DNS suffix, or set the lookup domain (slmgr /skms-domain <zone>) or a fixed host (slmgr /skms <host>:<port>).",
    source:
      "https://grangerx.wordpress.com/2014/07/17/microsoft-kms-clients-activating-on-non-domain-standalone-servers-pcs-machines/",
  },
  {
    code: "0x800706BA",
    symbol: "RPC_S_SERVER_UNAVAILABLE",
    meaning:
      "The KMS host the client tried is unavailable: often a stale SRV or A record for an old host",
    fix: "Remove stale _vlmcs._tcp and host records, check the host's port in the firewall, and test with Test-NetConnection <host> -Port 1688.",
    source: `${SUP}error-0xc004f074-activate-windows.md`,
  },
  {
    code: "0x80072EE7",
    symbol: "ERROR_WINHTTP_NAME_NOT_RESOLVED",
    meaning:
      "The machine could not resolve the name of Microsoft's activation service: it has no working DNS or no outbound internet access",
    fix: OUTBOUND_FIX,
    source: `${WINHTTP}; ${OUTBOUND}`,
  },
  {
    code: "0x80072EFD",
    symbol: "ERROR_WINHTTP_CANNOT_CONNECT",
    meaning:
      "The machine could not connect to Microsoft's activation service: it has no outbound internet access",
    fix: OUTBOUND_FIX,
    source: `${WINHTTP}; ${OUTBOUND}`,
  },
  {
    code: "0x80072EE2",
    symbol: "ERROR_WINHTTP_TIMEOUT",
    meaning:
      "The connection to Microsoft's activation service timed out: outbound internet access is blocked or too slow",
    fix: OUTBOUND_FIX,
    source: `${WINHTTP}; ${OUTBOUND}`,
  },
];

const TWO_32 = 2 ** 32;

/**
 * The canonical spelling ("0xC004F038") of a failure HRESULT given as "0xC004F038", "C004F038",
 * "c004f038", "0XC004F038", -1073418184 (signed), 3221549112 (unsigned) or "-1073418184". Undefined
 * for anything that is not a failure HRESULT (success codes such as 0 are not errors). Without "0x",
 * an eight-digit string is read as hex ("80070005"); other digit strings are decimal.
 */
export function normalizeHresult(input: string | number): string | undefined {
  let value: number | undefined;
  if (typeof input === "number") {
    value = input;
  } else if (typeof input === "string") {
    const s = input.trim();
    if (/^0x[0-9a-f]{1,8}$/i.test(s)) value = parseInt(s.slice(2), 16);
    else if (/^[89a-f][0-9a-f]{7}$/i.test(s)) value = parseInt(s, 16);
    else if (/^-?\d{1,10}$/.test(s)) value = Number(s);
  }
  if (value === undefined || !Number.isInteger(value)) return undefined;
  if (value < 0) value += TWO_32;
  // Failure HRESULTs have the severity bit set: 0x80000000 to 0xFFFFFFFF.
  if (value < 0x80000000 || value >= TWO_32) return undefined;
  return `0x${value.toString(16).toUpperCase().padStart(8, "0")}`;
}

const byCode = new Map(ERROR_CODES.map((e) => [e.code, e]));

/** The catalog entry for an HRESULT in any spelling `normalizeHresult` accepts, or undefined. */
export function lookupErrorCode(input: string | number): ErrorCode | undefined {
  const code = normalizeHresult(input);
  return code === undefined ? undefined : byCode.get(code);
}

/**
 * One line for a log or an error: "0xC004F038: <meaning>. Fix: <fix>". Unknown codes point to
 * `slui.exe 0x2a <code>`, which shows Windows' own text for any activation code.
 */
export function describeErrorCode(input: string | number): string {
  const code = normalizeHresult(input);
  if (code === undefined) return `${JSON.stringify(input)} is not an HRESULT error code.`;
  const entry = byCode.get(code);
  if (!entry) {
    return `${code}: not a known KMS activation error. Run slui.exe 0x2a ${code} on the machine for Windows' own description.`;
  }
  return `${entry.code}: ${entry.meaning}. Fix: ${entry.fix}`;
}
