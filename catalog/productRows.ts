/**
 * From the rows of `gvlk.json` to products: a row that covers several releases ("Windows 11 / Windows 10",
 * the LTSC rows, the Semi-Annual Channel) becomes one product per release with the same key, with the
 * names and aliases users type for it. The build numbers and notes come from productData.ts.
 */
import {
  AZURE_EDITION_NOTE,
  CLIENT_BUILDS,
  type GvlkRow,
  type Product,
  SAC_BUILDS,
  SERVER_BUILDS,
} from "./productData";
import gvlkRows from "./gvlk.json";

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
