/**
 * Azure Marketplace images for client VMs a program creates (the reference stack does), by catalog product;
 * the forecast and the lab name them too.
 * Only products with a volume-licensed (GVLK) Marketplace image are listed. No Pulumi inside.
 */
export interface MarketplaceImage {
  publisher: string;
  offer: string;
  sku: string;
  version: string;
}

const IMAGES: Record<string, MarketplaceImage> = {
  "Windows Server 2025 Datacenter": {
    publisher: "MicrosoftWindowsServer",
    offer: "WindowsServer",
    sku: "2025-datacenter-g2",
    version: "latest",
  },
  "Windows Server 2022 Datacenter": {
    publisher: "MicrosoftWindowsServer",
    offer: "WindowsServer",
    sku: "2022-datacenter-g2",
    version: "latest",
  },
  "Windows Server 2019 Datacenter": {
    publisher: "MicrosoftWindowsServer",
    offer: "WindowsServer",
    sku: "2019-datacenter-gensecond",
    version: "latest",
  },
  "Windows Server 2016 Datacenter": {
    publisher: "MicrosoftWindowsServer",
    offer: "WindowsServer",
    sku: "2016-datacenter-gensecond",
    version: "latest",
  },
  "Windows 11 Enterprise": {
    publisher: "MicrosoftWindowsDesktop",
    offer: "windows-11",
    sku: "win11-24h2-ent",
    version: "latest",
  },
  "Windows 10 Enterprise": {
    publisher: "MicrosoftWindowsDesktop",
    offer: "Windows-10",
    sku: "win10-22h2-ent-g2",
    version: "latest",
  },
};

/** Products the reference stack can create VMs for. */
export const PRODUCTS_WITH_IMAGES = Object.keys(IMAGES);

/** The Marketplace image of a catalog product name (canonical), or undefined. */
export function marketplaceImage(productName: string): MarketplaceImage | undefined {
  return IMAGES[productName];
}
