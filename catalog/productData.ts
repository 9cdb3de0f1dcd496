/**
 * The product tables as data: the shape of a product, the rows of `gvlk.json`, the build number of each
 * release and the notes shown beside products. productRows.ts turns the rows into products with them.
 */
import type { ActivationFamily } from "./summary";

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

export interface GvlkRow {
  family: "server" | "client" | "office";
  version: string;
  edition: string;
  gvlk: string;
  src: ProductSource;
}

export const SERVER_BUILDS: Record<string, number> = {
  "Windows Server 2025": 26100,
  "Windows Server 2022": 20348,
  "Windows Server 2019": 17763,
  "Windows Server 2016": 14393,
  "Windows Server 2012 R2": 9600,
  "Windows Server 2012": 9200,
};

/** Semi-Annual Channel releases and their builds. */
export const SAC_BUILDS: Record<string, number> = {
  "1709": 16299,
  "1803": 17134,
  "1809": 17763,
  "1903": 18362,
  "1909": 18363,
  "2004": 19041,
  "20H2": 19042,
};

export const CLIENT_BUILDS: Record<string, number> = {
  "Windows 11 LTSC 2024": 26100,
  "Windows 10 LTSC 2021": 19044,
  "Windows 10 LTSC 2019": 17763,
  "Windows 10 LTSB 2016": 14393,
  "Windows 10 LTSB 2015": 10240,
  "Windows 8.1": 9600,
  "Windows 8": 9200,
};

export const AZURE_EDITION_NOTE =
  "Datacenter: Azure Edition is activated by Azure itself, not by your KMS host, and cannot be a KMS host.";
