// Generated: copied from components/catalog/products.ts by scripts/sync-policy-lib.ts for the standalone policy pack; do not edit.
/**
 * Products a KMS host can activate, with their published KMS client setup keys (GVLKs).
 *
 * The keys are the 162 rows of `gvlk.json` (a copy of the project's reference table, sourced from
 * Microsoft's GVLK pages; Office 2010/2013 from third-party copies of retired TechNet pages). A row that
 * covers several releases becomes one product per release with the same key, because which KMS host
 * key activates a product depends on the release (a Windows Server 2019 CSVLK activates Windows 10 but
 * not Windows 11).
 */
import type { ActivationFamily } from "../summary";
import { KmsConfigError, showValue } from "../errors";
import { closestNames, normalizeName, quoteList } from "./names";
import gvlkRows from "./gvlk.json";

/** Where a setup key comes from. */
export type ProductSource = "ms-windows-gvlk" | "ms-office-gvlk" | "3p-office-2010-2013";

export interface Product {
  /** Canonical name, as a user types it: "Windows Server 2022 Datacenter", "Windows 11 Enterprise". */
  name: string;
  family: ActivationFamily;
  /** Release: "Windows Server 2022", "Windows 11", "Windows 10 LTSC 2021", "Office LTSC 2024". */
  version: string;
  /** Edition within the release: "Datacenter", "Enterprise N", "Office LTSC Professional Plus 2024". */
  edition: string;
  /** The published KMS client setup key (GVLK). */
  setupKey: string;
  source: ProductSource;
  /** Windows build number where one build identifies the release (14393, 17763, 20348, 26100, ...). */
  build?: number;
  /** Office release: "2010", "2013", "2016", "2019", "LTSC 2021", "LTSC 2024". */
  officeVersion?: string;
  /** Windows Server Datacenter: Azure Edition (activated by Azure; cannot be a KMS host). */
  azureEdition: boolean;
  /** Other names that resolve to this product (case-insensitive, punctuation-insensitive). */
  aliases: string[];
  /** A caveat worth showing next to the product (activation limits, sourcing). */
  note?: string;
}

interface GvlkRow {
  family: "server" | "client" | "office";
  version: string;
  edition: string;
  gvlk: string;
  src: ProductSource;
}

const SERVER_BUILDS: Record<string, number> = {
  "Windows Server 2025": 26100,
  "Windows Server 2022": 20348,
  "Windows Server 2019": 17763,
  "Windows Server 2016": 14393,
  "Windows Server 2012 R2": 9600,
  "Windows Server 2012": 9200,
};

/** Semi-Annual Channel releases and their builds. */
const SAC_BUILDS: Record<string, number> = {
  "1709": 16299,
  "1803": 17134,
  "1809": 17763,
  "1903": 18362,
  "1909": 18363,
  "2004": 19041,
  "20H2": 19042,
};

const CLIENT_BUILDS: Record<string, number> = {
  "Windows 11 LTSC 2024": 26100,
  "Windows 10 LTSC 2021": 19044,
  "Windows 10 LTSC 2019": 17763,
  "Windows 10 LTSB 2016": 14393,
  "Windows 10 LTSB 2015": 10240,
  "Windows 8.1": 9600,
  "Windows 8": 9200,
};

const AZURE_EDITION_NOTE =
  "Datacenter: Azure Edition is activated by Azure itself, not by your KMS host, and cannot be a KMS host.";

/** "Pro N" → "Professional N" and back, so either spelling resolves. */
function proAliases(prefix: string, edition: string): string[] {
  if (/^Pro\b/.test(edition) && !/^Professional\b/.test(edition)) {
    return [`${prefix} ${edition.replace(/^Pro\b/, "Professional")}`];
  }
  if (/^Professional\b/.test(edition))
    return [`${prefix} ${edition.replace(/^Professional\b/, "Pro")}`];
  return [];
}

function windowsClientNote(version: string, edition: string): string | undefined {
  if (version === "Windows 8" || version === "Windows Vista") {
    return `${version} is not listed in Microsoft's current KMS activation-version tables; no key group here activates it.`;
  }
  if (/^Enterprise G/.test(edition)) {
    return "Enterprise G is not listed in Microsoft's KMS activation-version tables; no key group here activates it.";
  }
  if (/^Pro Education/.test(edition)) {
    return "Pro Education is not listed by name in Microsoft's activation-version tables; treated like Education.";
  }
  return undefined;
}

function serverProducts(row: GvlkRow): Product[] {
  const sac = /^Windows Server SAC (.+)$/.exec(row.version);
  if (sac) {
    return sac[1].split("/").map((release) => ({
      name: `Windows Server ${release} ${row.edition}`,
      family: "windowsServer",
      version: `Windows Server, version ${release}`,
      edition: row.edition,
      setupKey: row.gvlk,
      source: row.src,
      build: SAC_BUILDS[release],
      azureEdition: false,
      aliases: [
        `Windows Server, version ${release} ${row.edition}`,
        `Windows Server SAC ${release} ${row.edition}`,
      ],
    }));
  }
  const azureEdition = row.edition === "Datacenter: Azure Edition";
  const product: Product = {
    name: `${row.version} ${row.edition}`,
    family: "windowsServer",
    version: row.version,
    edition: row.edition,
    setupKey: row.gvlk,
    source: row.src,
    build: SERVER_BUILDS[row.version],
    azureEdition,
    aliases: azureEdition ? [`${row.version} Azure Edition`] : [],
  };
  if (azureEdition) product.note = AZURE_EDITION_NOTE;
  if (row.edition === "Itanium") product.aliases.push(`${row.version} for Itanium-Based Systems`);
  return [product];
}

/** Client rows: (version, name) pairs a row expands into. */
function clientReleases(row: GvlkRow): { version: string; name: string; aliases: string[] }[] {
  const e = row.edition;
  switch (row.version) {
    case "Windows 11 / Windows 10 (GA channel)":
      return ["Windows 11", "Windows 10"].map((v) => ({
        version: v,
        name: `${v} ${e}`,
        aliases: proAliases(v, e),
      }));
    case "Windows 11 LTSC 2024 / Windows 10 LTSC 2021 / Windows 10 LTSC 2019": {
      // "Enterprise LTSC" → "Windows 11 Enterprise LTSC 2024"; "Enterprise N LTSC" likewise.
      return [
        ["Windows 11", "2024"],
        ["Windows 10", "2021"],
        ["Windows 10", "2019"],
      ].map(([os, year]) => ({
        version: `${os} LTSC ${year}`,
        name: `${os} ${e} ${year}`,
        aliases: [
          `${os} ${e.replace(/ LTSC$/, "")} LTSC ${year}`,
          `${os} ${e.replace(/ LTSC$/, "")} ${year} LTSC`,
        ],
      }));
    }
    case "Windows IoT Enterprise LTSC 2024 / 2021":
      return [
        ["Windows 11", "2024"],
        ["Windows 10", "2021"],
      ].map(([os, year]) => ({
        version: `${os} LTSC ${year}`,
        name: `${os} ${e} ${year}`,
        aliases: [`Windows ${e} ${year}`],
      }));
    case "Windows 10 LTSB 2016":
    case "Windows 10 LTSB 2015": {
      const year = row.version.slice(-4);
      return [
        {
          version: row.version,
          name: `Windows 10 ${e} ${year}`,
          aliases: [`Windows 10 ${e.replace(/ LTSB$/, "")} ${year} LTSB`],
        },
      ];
    }
    default:
      return [
        { version: row.version, name: `${row.version} ${e}`, aliases: proAliases(row.version, e) },
      ];
  }
}

function clientProducts(row: GvlkRow): Product[] {
  return clientReleases(row).map((r) => {
    const product: Product = {
      name: r.name,
      family: "windowsClient",
      version: r.version,
      edition: row.edition,
      setupKey: row.gvlk,
      source: row.src,
      build: CLIENT_BUILDS[r.version],
      azureEdition: false,
      aliases: r.aliases.filter((a) => a !== r.name),
    };
    const note = windowsClientNote(r.version, row.edition);
    if (note) product.note = note;
    return product;
  });
}

function officeProducts(row: GvlkRow): Product[] {
  const officeVersion = row.version.replace(/^Office /, "");
  const aliases: string[] = [];
  // "Office LTSC Professional Plus 2024" is also typed "Office Professional Plus 2024".
  if (/ LTSC /.test(row.edition)) aliases.push(row.edition.replace(/ LTSC /, " "));
  const product: Product = {
    name: row.edition,
    family: "office",
    version: row.version,
    edition: row.edition,
    setupKey: row.gvlk,
    source: row.src,
    officeVersion,
    azureEdition: false,
    aliases,
  };
  if (row.src === "3p-office-2010-2013") {
    product.note =
      "Office 2010/2013 keys come from third-party copies of Microsoft's retired TechNet pages; no key group here covers them.";
  }
  return [product];
}

function expand(row: GvlkRow): Product[] {
  if (row.family === "server") return serverProducts(row);
  if (row.family === "client") return clientProducts(row);
  return officeProducts(row);
}

/** Every product, newest Windows Server first, then Windows client, then Office (the table's order). */
export const PRODUCTS: readonly Product[] = (gvlkRows as GvlkRow[]).flatMap(expand);

const byName = new Map<string, Product>();
for (const p of PRODUCTS) {
  for (const n of [p.name, ...p.aliases]) {
    const key = normalizeName(n);
    const existing = byName.get(key);
    if (existing && existing !== p) {
      throw new Error(`catalog: "${n}" names both "${existing.name}" and "${p.name}"`);
    }
    byName.set(key, p);
  }
}

/** Normalised setup key: upper case, no whitespace. */
function keyOf(key: string): string {
  return key.replace(/\s+/g, "").toUpperCase();
}

const bySetupKey = new Map<string, Product[]>();
for (const p of PRODUCTS) {
  const list = bySetupKey.get(p.setupKey) ?? [];
  list.push(p);
  bySetupKey.set(p.setupKey, list);
}

/** The product with this name or alias (case- and punctuation-insensitive), or undefined. */
export function findProduct(name: string): Product | undefined {
  if (typeof name !== "string") return undefined;
  return byName.get(normalizeName(name));
}

/** Products whose published setup key is `key` (several when releases share a key); [] if none. */
export function findProductsBySetupKey(key: string): Product[] {
  if (typeof key !== "string") return [];
  return [...(bySetupKey.get(keyOf(key)) ?? [])];
}

/** True when `key` is one of the published KMS client setup keys. */
export function isPublishedSetupKey(key: string): boolean {
  return findProductsBySetupKey(key).length > 0;
}

const EXAMPLES = quoteList(
  ["Windows Server 2022 Datacenter", "Windows 11 Enterprise", "Office LTSC Professional Plus 2024"],
  "or",
);

/** Names of subscription products that KMS cannot activate. */
const SUBSCRIPTION =
  /\b(microsoft 365|office 365|m365|o365|365 apps|apps for (enterprise|business)|project online|project plan|visio plan)\b/;

function notKmsReason(normalized: string): string | undefined {
  if (SUBSCRIPTION.test(normalized)) {
    return (
      "a product that KMS can activate: Microsoft 365 Apps (Office 365) and subscription Project/Visio " +
      "use subscription licensing (the user's Microsoft 365 sign-in), not KMS; use a volume-licensed " +
      'edition such as "Office LTSC Professional Plus 2024", or leave this client\'s Office to Microsoft 365'
    );
  }
  if (
    /\bwindows (10|11) home\b/.test(normalized) ||
    /\bhome (single language|n)\b/.test(normalized)
  ) {
    return (
      "a volume-licensed edition: Windows Home editions have no published KMS client setup key and " +
      'cannot be activated by KMS; upgrade to Pro or Enterprise (e.g. "Windows 11 Pro")'
    );
  }
  return undefined;
}

/**
 * The product named `name`, or a KmsConfigError for `argument` that explains: subscription products
 * (Microsoft 365 Apps, Office 365) cannot use KMS; otherwise up to three closest catalog names.
 */
export function requireProduct(name: unknown, argument: string): Product {
  if (typeof name !== "string" || name.trim() === "") {
    throw new KmsConfigError(
      argument,
      showValue(name),
      `a product name from the catalog, e.g. ${EXAMPLES}`,
    );
  }
  const found = findProduct(name);
  if (found) return found;
  const reason = notKmsReason(normalizeName(name));
  if (reason) throw new KmsConfigError(argument, showValue(name), reason);
  const suggestions = closestNames(
    name,
    PRODUCTS.map((p) => ({ name: p.name, spellings: p.aliases })),
  );
  const allowed =
    suggestions.length > 0
      ? `a product name from the catalog (did you mean ${quoteList(suggestions)}?)`
      : `a product name from the catalog, e.g. ${EXAMPLES}`;
  throw new KmsConfigError(argument, showValue(name), allowed);
}
