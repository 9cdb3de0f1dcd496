/**
 * What the lab knows about keys and products: the project's catalog (setup keys, families, key groups,
 * thresholds), written as JSON for the PowerShell side, plus the lab's own KMS host keys.
 *
 * Tests cannot hold real KMS host keys (CSVLKs), so the lab defines one key per key group,
 * deterministically: 25 characters from SHA-256("kms-lab CSVLK|<group id>") over the alphabet every
 * published key uses (BCDFGHJKMNPQRTVWXY2346789), in five groups of five. They pass the scripts' key
 * format check and are valid host keys only inside the lab.
 */
import { createHash } from "node:crypto";
import { ACTIVATION, KEY_GROUPS, PRODUCTS } from "pulumi-kms-activation-catalog";

const KEY_ALPHABET = "BCDFGHJKMNPQRTVWXY2346789";

function deriveKey(seed: string): string {
  const bytes = createHash("sha256").update(seed).digest();
  let chars = "";
  for (let i = 0; chars.length < 25; i++) chars += KEY_ALPHABET[bytes[i % bytes.length] % 25];
  return [0, 5, 10, 15, 20].map((i) => chars.slice(i, i + 5)).join("-");
}

function labKeyFor(groupId: string): string {
  const published = new Set(PRODUCTS.map((p) => p.setupKey));
  for (let n = 0; ; n++) {
    const key = deriveKey(`kms-lab CSVLK|${groupId}${n === 0 ? "" : `|${n}`}`);
    if (!published.has(key)) return key;
  }
}

/**
 * The lab's MAK and retail keys: one per Windows or Office product and channel, derived as the host keys
 * are (SHA-256 of "kms-lab <channel>|<product>"). Windows installs them (`InstallProductKey`) on that
 * edition; on another edition they fail with 0xC004F069.
 */
export function labProductKey(product: string, channel: "MAK" | "Retail"): string {
  const p = PRODUCTS.find((x) => x.name === product);
  if (!p) throw new Error(`lab: no catalog product "${product}"`);
  const taken = new Set([...PRODUCTS.map((x) => x.setupKey), ...Object.values(LAB_HOST_KEYS)]);
  for (let n = 0; ; n++) {
    const key = deriveKey(`kms-lab ${channel}|${p.name}${n === 0 ? "" : `|${n}`}`);
    if (!taken.has(key)) return key;
  }
}

/**
 * The DNS suffix Azure's DHCP gives the VMs of a virtual network outside a domain (the NIC's
 * `internalDomainNameSuffix`): 26 lower-case letters and digits, a two-letter label, then
 * `internal.cloudapp.net`, e.g. "brqlt10lvoxedgkeuomc4pm5tb.bx.internal.cloudapp.net"
 * (MicrosoftDocs/azure-compute-docs `articles/virtual-machines/linux/create-cli-complete.md`). Derived
 * from `vnet` (any text naming the virtual network), so a rehearsal repeats.
 */
export function azureInternalDnsSuffix(vnet: string): string {
  const bytes = createHash("sha256").update(`kms-lab vnet|${vnet}`).digest();
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let label = "";
  for (let i = 0; i < 26; i++) label += alphabet[bytes[i] % alphabet.length];
  const region = "abcdefghijklmnopqrstuvwxyz"[bytes[26] % 26] + "x";
  return `${label}.${region}.internal.cloudapp.net`;
}

/** The lab's KMS host key (CSVLK) for each key group id ("Windows Server 2022", "Office LTSC 2024", …). */
export const LAB_HOST_KEYS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(KEY_GROUPS.map((g) => [g.id, labKeyFor(g.id)])),
);

/** The lab host key of a key group, by id or alias ("2022", "WS2022"); throws for an unknown group. */
export function labHostKey(group: string): string {
  const found = KEY_GROUPS.find(
    (g) =>
      g.id === group ||
      g.aliases.some((a) => a.toLowerCase() === group.toLowerCase()) ||
      g.displayName === group,
  );
  if (!found) {
    throw new Error(
      `lab: no key group "${group}"; known: ${KEY_GROUPS.map((g) => g.id).join(", ")}`,
    );
  }
  return LAB_HOST_KEYS[found.id];
}

/** The catalog as the PowerShell lab reads it (<state>/catalog.json). */
export function labCatalogJson(): string {
  const products: Record<string, unknown> = {};
  for (const p of PRODUCTS) {
    products[p.name] = {
      name: p.name,
      family: p.family,
      version: p.version,
      edition: p.edition,
      setupKey: p.setupKey,
      build: p.build ?? null,
      officeVersion: p.officeVersion ?? null,
      azureEdition: p.azureEdition,
    };
  }
  const keyGroups: Record<string, unknown> = {};
  for (const g of KEY_GROUPS) {
    keyGroups[g.id] = {
      id: g.id,
      kind: g.kind,
      hostOs: g.hostOs,
      officeVersion: g.kind === "office" ? g.id.replace(/^Office /, "") : null,
      activates: PRODUCTS.filter((p) => g.activates(p)).map((p) => p.name),
    };
  }
  const hostKeys: Record<string, string> = {};
  for (const [group, key] of Object.entries(LAB_HOST_KEYS)) hostKeys[key] = group;
  const otherKeys: Record<string, { product: string; channel: string }> = {};
  for (const p of PRODUCTS) {
    otherKeys[labProductKey(p.name, "MAK")] = { product: p.name, channel: "Volume:MAK" };
    otherKeys[labProductKey(p.name, "Retail")] = { product: p.name, channel: "Retail" };
  }
  return JSON.stringify({
    products,
    keyGroups,
    hostKeys,
    otherKeys,
    activation: {
      thresholds: ACTIVATION.thresholds,
      countWindowDays: ACTIVATION.countWindowDays,
      hostMemory: ACTIVATION.hostMemory,
      officeHostMemory: ACTIVATION.officeHostMemory,
      defaultActivationIntervalMinutes: ACTIVATION.defaultActivationIntervalMinutes,
      defaultRenewalIntervalMinutes: ACTIVATION.defaultRenewalIntervalMinutes,
      minIntervalMinutes: ACTIVATION.minIntervalMinutes,
      maxIntervalMinutes: ACTIVATION.maxIntervalMinutes,
      validityDays: ACTIVATION.validityDays,
      defaultPort: ACTIVATION.defaultPort,
    },
  });
}
