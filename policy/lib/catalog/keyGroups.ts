// Generated: copied from components/catalog/keyGroups.ts by scripts/sync-policy-lib.ts for the standalone policy pack; do not edit.
/**
 * KMS host key (CSVLK) groups: which operating systems a host key can be installed on and which
 * products it activates. Row by row from Microsoft's "Activation versions" tables in the KMS planning
 * page (kms-domain.md §3) and the Office host requirements ([O-HOST]).
 */
import { KmsConfigError, showValue } from "../errors";
import { normalizeName, quoteList } from "./names";
import { type Product, requireProduct } from "./products";

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

// ---- product predicates (what a row of the table names) ----

type Rule = (p: Product) => boolean;

const serverRelease =
  (...versions: string[]): Rule =>
  (p) =>
    p.family === "windowsServer" && !p.azureEdition && versions.includes(p.version);
const serverSac: Rule = (p) =>
  p.family === "windowsServer" && p.version.startsWith("Windows Server, version ");
const SERVERS_2008_TO_2016 = [
  "Windows Server 2016",
  "Windows Server 2012 R2",
  "Windows Server 2012",
  "Windows Server 2008 R2",
  "Windows Server 2008",
];

/** The editions the tables list for Windows 10/11 GA channel (Pro Education treated like Education). */
const GA_EDITIONS = /^(Enterprise|Pro|Pro for Workstations|Education|Pro Education)( N)?$/;
const clientGa =
  (version: string): Rule =>
  (p) =>
    p.family === "windowsClient" && p.version === version && GA_EDITIONS.test(p.edition);
const clientRelease =
  (...versions: string[]): Rule =>
  (p) =>
    p.family === "windowsClient" && versions.includes(p.version);
const WIN10_LTSC_ALL = [
  "Windows 10 LTSC 2021",
  "Windows 10 LTSC 2019",
  "Windows 10 LTSB 2016",
  "Windows 10 LTSB 2015",
];
const win81And7 = clientRelease("Windows 8.1", "Windows 7");

const any =
  (...rules: Rule[]): Rule =>
  (p) =>
    rules.some((r) => r(p));

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

/** Aliases are matched with all punctuation and spaces removed: "WS 2022" = "ws2022". */
function compact(name: string): string {
  return normalizeName(name).replace(/[^a-z0-9.]/g, "");
}

const groupByName = new Map<string, KeyGroup>();
for (const g of KEY_GROUPS) {
  for (const n of [g.id, g.displayName, ...g.aliases]) {
    const key = compact(n);
    const existing = groupByName.get(key);
    if (existing && existing !== g) throw new Error(`catalog: key group name "${n}" is used twice`);
    groupByName.set(key, g);
  }
}

/** The key group with this id or alias ("2022", "WS2022", "Windows Server 2022"), or undefined. */
export function findKeyGroup(idOrAlias: string): KeyGroup | undefined {
  if (typeof idOrAlias !== "string") return undefined;
  return groupByName.get(compact(idOrAlias));
}

/** The key group, or a KmsConfigError for `argument` listing the groups there are. */
export function requireKeyGroup(id: unknown, argument: string): KeyGroup {
  const found = typeof id === "string" ? findKeyGroup(id) : undefined;
  if (found) return found;
  throw new KmsConfigError(
    argument,
    showValue(id),
    `the key group of your KMS host key (CSVLK): ${quoteList(KEY_GROUPS.map((g) => g.id))}`,
  );
}

/**
 * The canonical host OS for a version as users write it: "2022", "WS2022", "Windows Server 2022
 * Datacenter" → "Windows Server 2022"; "Windows 11 Enterprise" → "Windows 11". Undefined for anything
 * else, including every Azure Edition (which cannot be a KMS host).
 */
export function normalizeHostOs(version: string): string | undefined {
  if (typeof version !== "string") return undefined;
  const n = normalizeName(version);
  if (/azure ?edition/.test(n)) return undefined;
  const server =
    /^(?:windows ?server ?|ws ?|server ?)?(2008 ?r2|2012 ?r2|2008|2012|2016|2019|2022|2025)(?: (?:standard|datacenter|essentials)(?: core)?)?$/.exec(
      n,
    );
  if (server) return `Windows Server ${server[1].replace(/ ?r2$/, " R2")}`;
  const client = /^(?:windows ?|win ?)(11|10|8\.1|7)(?: sp1)?(?: [a-z ]+)?$/.exec(n);
  if (client) return `Windows ${client[1]}`;
  return undefined;
}

/** The key group matching a host's own OS version ("2022" → "Windows Server 2022"), or undefined. */
export function defaultKeyGroupForHost(windowsServerVersion: string): string | undefined {
  const os = normalizeHostOs(windowsServerVersion);
  if (!os) return undefined;
  return KEY_GROUPS.find((g) => g.kind === "windows" && g.id === os)?.id;
}

function groupOf(group: KeyGroup | string): KeyGroup {
  return typeof group === "string" ? requireKeyGroup(group, "keyGroup") : group;
}

/** True when a host holding `group`'s key can activate `product` (a product name or a Product). */
export function canActivate(group: KeyGroup | string, product: Product | string): boolean {
  const p = typeof product === "string" ? requireProduct(product, "product") : product;
  return groupOf(group).activates(p);
}

/** Key groups whose host key activates `product`, newest first ([] for Azure Edition, Office 2013…). */
export function keyGroupsActivating(product: Product | string): KeyGroup[] {
  const p = typeof product === "string" ? requireProduct(product, "product") : product;
  return KEY_GROUPS.filter((g) => g.activates(p));
}

/** True when `group`'s host key can be installed on `hostOsVersion` ("2022", "Windows Server 2022"). */
export function canHost(group: KeyGroup | string, hostOsVersion: string): boolean {
  const os = normalizeHostOs(hostOsVersion);
  return os !== undefined && groupOf(group).hostOs.includes(os);
}
