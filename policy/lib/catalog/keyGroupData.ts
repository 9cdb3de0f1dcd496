// Generated: copied from components/catalog/keyGroupData.ts by scripts/sync-policy-lib.ts for the standalone policy pack; do not edit.
/**
 * KMS host key (CSVLK) groups as data: which operating systems a host key can be installed on and which
 * products it activates. Row by row from Microsoft's "Activation versions" tables in the KMS planning
 * page ([PLAN]: docs/sources.md) and the Office host requirements ([O-HOST]). The lookups are in keyGroups.ts.
 */
import type { Product } from "./productData";
import {
  any,
  clientGa,
  clientRelease,
  type Rule,
  serverRelease,
  serverSac,
  SERVERS_2008_TO_2016,
  WIN10_LTSC_ALL,
  win81And7,
} from "./keyGroupRules";

export interface KeyGroup {
  /** "Windows Server 2022", "Windows 10", "Office LTSC 2024". */
  id: string;
  /** As Microsoft names the host key: "Volume License for Windows Server 2022". */
  displayName: string;
  kind: "windows" | "office";
  /** Operating systems the host key can be installed on, e.g. ["Windows Server 2022", "Windows Server 2019"]. */
  hostOs: string[];
  /** Other names that resolve to this group ("2022", "WS2022"), case-insensitive. */
  aliases: string[];
  /** True when a host with this key can activate `product` (Azure Edition: never, see its note). */
  activates(product: Product): boolean;
  note?: string;
}

export interface OfficeHostRequirement {
  /** "LTSC 2024", "LTSC 2021", "2019", "2016". */
  officeVersion: string;
  /** Oldest Windows Server that can host this Office version's KMS host key. */
  minWindowsServer: string;
  /** Oldest (volume-licensed) Windows client that can host it. */
  minWindowsClient: string;
  /** Microsoft Download Center id of the Office Volume License Pack. */
  volumeLicensePackDownloadId: number;
  /** https://www.microsoft.com/download/details.aspx?id=<id> */
  volumeLicensePackUrl: string;
}

function requirement(
  officeVersion: string,
  minWindowsServer: string,
  minWindowsClient: string,
  id: number,
): OfficeHostRequirement {
  return {
    officeVersion,
    minWindowsServer,
    minWindowsClient,
    volumeLicensePackDownloadId: id,
    volumeLicensePackUrl: `https://www.microsoft.com/download/details.aspx?id=${id}`,
  };
}

/** Office KMS host requirements [O-HOST]: host OS minimums and the Volume License Pack to install. */
export const OFFICE_HOST_REQUIREMENTS: readonly OfficeHostRequirement[] = [
  requirement("LTSC 2024", "Windows Server 2022", "Windows 10", 106246),
  requirement("LTSC 2021", "Windows Server 2016", "Windows 10", 103446),
  requirement("2019", "Windows Server 2012", "Windows 8.1", 57342),
  requirement("2016", "Windows Server 2008 R2", "Windows 7 SP1", 49164),
];

/** Host operating systems, newest first; a "minimum" means this one and every one before it. */
const SERVER_OS = [
  "Windows Server 2025",
  "Windows Server 2022",
  "Windows Server 2019",
  "Windows Server 2016",
  "Windows Server 2012 R2",
  "Windows Server 2012",
  "Windows Server 2008 R2",
];
const CLIENT_OS = ["Windows 11", "Windows 10", "Windows 8.1", "Windows 7"];

function orNewer(list: string[], minimum: string): string[] {
  const min = minimum.replace(/ SP1$/, "");
  return list.slice(0, list.indexOf(min) + 1);
}

const AZURE_NOTE =
  "Datacenter: Azure Edition is never activated by a KMS host you run: Azure activates it, and it cannot be a KMS host.";

function windowsGroup(
  year: string,
  hostOs: string[],
  activates: Rule,
  note: string = AZURE_NOTE,
): KeyGroup {
  const id = `Windows Server ${year}`;
  return {
    id,
    displayName: `Volume License for ${id}`,
    kind: "windows",
    hostOs,
    aliases: [year, `WS${year}`, `Server ${year}`, `Volume License for ${id}`],
    activates,
    note,
  };
}

function officeGroup(officeVersion: string, aliases: string[]): KeyGroup {
  const req = OFFICE_HOST_REQUIREMENTS.find((r) => r.officeVersion === officeVersion);
  if (!req) throw new Error(`catalog: no Office host requirement for ${officeVersion}`);
  const id = `Office ${officeVersion}`;
  return {
    id,
    displayName: `${id} KMS host key`,
    kind: "office",
    hostOs: [
      ...orNewer(SERVER_OS, req.minWindowsServer),
      ...orNewer(CLIENT_OS, req.minWindowsClient),
    ],
    aliases,
    activates: (p) => p.family === "office" && p.officeVersion === officeVersion,
    note:
      `Needs the Office ${officeVersion} Volume License Pack on the host ` +
      `(download ${req.volumeLicensePackDownloadId}); activates that Office version's volume products only.`,
  };
}

/** Every key group, newest first: Windows Server groups, the Windows 10 client group, Office groups. */
export const KEY_GROUPS: readonly KeyGroup[] = [
  windowsGroup(
    "2025",
    ["Windows Server 2025", "Windows Server 2022", "Windows Server 2019"],
    any(
      serverRelease("Windows Server 2025", "Windows Server 2022", "Windows Server 2019"),
      serverRelease(...SERVERS_2008_TO_2016),
      serverSac,
      clientRelease("Windows 11 LTSC 2024"),
      clientGa("Windows 11"),
      clientRelease(...WIN10_LTSC_ALL),
      clientGa("Windows 10"),
      win81And7,
    ),
    `${AZURE_NOTE} Hosts on Server 2022/2019 need the February 2024 update (KB5034765/KB5034768) or later.`,
  ),
  windowsGroup(
    "2022",
    ["Windows Server 2022", "Windows Server 2019", "Windows Server 2016"],
    any(
      serverRelease("Windows Server 2022", "Windows Server 2019", ...SERVERS_2008_TO_2016),
      serverSac,
      clientGa("Windows 11"),
      clientRelease(...WIN10_LTSC_ALL),
      clientGa("Windows 10"),
      win81And7,
    ),
    `${AZURE_NOTE} Does not activate Windows Server 2025 or Windows 11 Enterprise LTSC 2024.`,
  ),
  windowsGroup(
    "2019",
    ["Windows Server 2019", "Windows Server 2016", "Windows Server 2012 R2"],
    any(
      serverRelease("Windows Server 2019", ...SERVERS_2008_TO_2016),
      serverSac,
      clientRelease(...WIN10_LTSC_ALL),
      clientGa("Windows 10"),
      win81And7,
    ),
    `${AZURE_NOTE} Does not activate Windows 11 (error 0xC004F042): use a 2022 or 2025 host key.`,
  ),
  windowsGroup(
    "2016",
    ["Windows Server 2016", "Windows Server 2012 R2", "Windows Server 2012"],
    any(
      serverRelease(...SERVERS_2008_TO_2016),
      serverSac,
      clientRelease("Windows 10 LTSB 2016", "Windows 10 LTSB 2015"),
      clientGa("Windows 10"),
      win81And7,
    ),
    `${AZURE_NOTE} Does not activate Windows Server 2019 or later, Windows 10 LTSC 2019/2021 or Windows 11.`,
  ),
  {
    id: "Windows 10",
    displayName: "Volume license for Windows 10 (client KMS host key)",
    kind: "windows",
    hostOs: ["Windows 10", "Windows 8.1", "Windows 7"],
    aliases: ["Win10", "Windows 10 client", "Volume license for Windows 10"],
    activates: any(clientRelease("Windows 10 LTSB 2015"), clientGa("Windows 10"), win81And7),
    note: "A client KMS host key activates no Windows Server, and cannot be installed on Windows Server.",
  },
  officeGroup("2016", []),
  officeGroup("2019", []),
  officeGroup("LTSC 2021", ["Office 2021"]),
  officeGroup("LTSC 2024", ["Office 2024"]),
];
