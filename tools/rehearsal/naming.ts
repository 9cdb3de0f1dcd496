/** Names and products of lab machines: what a target, an image or a summary makes of them. */
import { normalizeHostOs } from "../../components/catalog";
import { marketplaceImage, PRODUCTS_WITH_IMAGES } from "../../components/images";

export const DEFAULT_HOST_VERSION = "2022";
export const DEFAULT_CLIENT_OS = "Windows Server 2022 Datacenter";

/** A computer name, as the lab takes it: letters, digits and hyphens, at most 63. */
export function labName(s: string): string {
  return (
    s
      .replace(/[^A-Za-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 63) || "machine"
  );
}

/** Product of a Windows host of that version: Datacenter for servers (the image KmsHost creates). */
export function hostProduct(version: string | undefined): string {
  const osName = normalizeHostOs(version ?? DEFAULT_HOST_VERSION) ?? "Windows Server 2022";
  return osName.startsWith("Windows Server") ? `${osName} Datacenter` : `${osName} Enterprise`;
}

export function imageProduct(image: Record<string, unknown> | undefined): string | undefined {
  if (!image) return undefined;
  for (const p of PRODUCTS_WITH_IMAGES) {
    const m = marketplaceImage(p)!;
    if (m.offer === image.offer && m.sku === image.sku) return p;
  }
  const sku = typeof image.sku === "string" ? image.sku : "";
  const server = /^(2012-r2|2016|2019|2022|2025)-datacenter/i.exec(sku);
  if (server) return `Windows Server ${server[1].replace("-r2", " R2")} Datacenter`;
  return undefined;
}

/** "LTSC2024" (as the parameter travels, without spaces) → "LTSC 2024"; "2019" stays. */
export function officeVersionName(v: string | undefined): string | undefined {
  if (v === undefined || v === "") return undefined;
  return v.replace(/_/g, " ").replace(/^LTSC\s*(\d{4})$/i, "LTSC $1");
}

export const OFFICE_CLIENT_PRODUCT: Record<string, string> = {
  "LTSC 2024": "Office LTSC Professional Plus 2024",
  "LTSC 2021": "Office LTSC Professional Plus 2021",
  "2019": "Office Professional Plus 2019",
  "2016": "Office Professional Plus 2016",
};
