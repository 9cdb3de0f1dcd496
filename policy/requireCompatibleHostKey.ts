import type { StackValidationPolicy } from "@pulumi/policy";
import {
  type KeyGroup,
  type Product,
  OFFICE_HOST_REQUIREMENTS,
  canHost,
  findKeyGroup,
  findProduct,
  keyGroupsActivating,
  normalizeHostOs,
} from "./lib/catalog";
import { isKnownString } from "./values";
import { clientsPhrase, quoteList, reportAdvisory } from "./text";
import { type ClientEntry, type HostEntry, readStack } from "./stack";
import { attributeAll } from "./attribution";

/**
 * Updates an older host needs before it takes a newer host key ([PLAN], Microsoft's "KMS host
 * required updates"): host OS → key group → update.
 */
export const HOST_KEY_UPDATES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "Windows Server 2022": { "Windows Server 2025": "KB5034765 (February 13, 2024)" },
  "Windows Server 2019": {
    "Windows Server 2025": "KB5034768 (February 13, 2024)",
    "Windows Server 2022": "KB5003646 (June 8, 2021)",
  },
  "Windows Server 2016": {
    "Windows Server 2022": "KB5003638 (June 8, 2021)",
    "Windows Server 2019": "KB4478877 (December 3, 2018)",
  },
  "Windows Server 2012 R2": {
    "Windows Server 2019": "KB4467695 (November 27, 2018)",
    "Windows Server 2016": "KB3172614 (July 2016 update rollup)",
  },
  "Windows Server 2012": { "Windows Server 2016": "KB3172615" },
};

/** What the host could do instead: the first group that installs on its OS, with the update it needs. */
function hostAdvice(hostOs: string | undefined, groups: KeyGroup[]): string {
  if (!hostOs || groups.length === 0) return "";
  const hostable = groups.filter((g) => canHost(g, hostOs));
  if (hostable.length === 0) {
    const oldest = groups[groups.length - 1];
    return ` None of them installs on ${hostOs}; a "${oldest.id}" key installs on ${quoteList(oldest.hostOs)}.`;
  }
  const noUpdate = hostable.find((g) => !HOST_KEY_UPDATES[hostOs]?.[g.id]);
  const g = noUpdate ?? hostable[0];
  const update = HOST_KEY_UPDATES[hostOs]?.[g.id];
  return update
    ? ` A ${hostOs} host can take the "${g.id}" key after update ${update} or a later cumulative update.`
    : ` A ${hostOs} host can take the "${g.id}" key.`;
}

/** Office versions with a host key on this host, as catalog key groups. */
function officeGroups(host: HostEntry): KeyGroup[] {
  const versions = host.summary?.officeVersions;
  if (!Array.isArray(versions)) return [];
  return versions
    .filter(isKnownString)
    .map((v) => findKeyGroup(`Office ${v.replace(/^office\s+/i, "")}`))
    .filter((g): g is KeyGroup => g !== undefined && g.kind === "office");
}

function hostOsOf(host: HostEntry): string | undefined {
  const v = host.summary?.windowsServerVersion;
  return isKnownString(v) ? normalizeHostOs(v) : undefined;
}

function checkWindows(host: HostEntry, product: Product, clients: string[]): string | undefined {
  const groupId = host.summary?.keyGroup;
  const group = isKnownString(groupId) ? findKeyGroup(groupId) : undefined;
  if (!group) {
    const why = isKnownString(groupId)
      ? `its keyGroup "${groupId}" is not a key group in the catalog`
      : "its key group is not known at preview";
    return (
      `Cannot decide whether KMS host "${host.name}" can activate ${product.name} on ${clientsPhrase(clients)}: ` +
      `${why}. Set keyGroup (or windowsServerVersion) as a plain value.`
    );
  }
  if (group.activates(product)) return undefined;
  const candidates = keyGroupsActivating(product).filter((g) => g.kind === "windows");
  if (candidates.length === 0) {
    return (
      `KMS host "${host.name}" cannot activate ${product.name} on ${clientsPhrase(clients)}: no KMS host key ` +
      `activates it (error 0xC004F042).${product.note ? ` ${product.note}` : ""}`
    );
  }
  return (
    `KMS host "${host.name}" holds a ${group.displayName} key, which cannot activate ${product.name} on ` +
    `${clientsPhrase(clients)} (error 0xC004F042). Key groups that can: ${quoteList(candidates.map((g) => g.id))}.` +
    hostAdvice(hostOsOf(host), candidates)
  );
}

function checkOffice(host: HostEntry, product: Product, clients: string[]): string | undefined {
  const held = officeGroups(host);
  if (held.some((g) => g.activates(product))) return undefined;
  const needed = keyGroupsActivating(product).filter((g) => g.kind === "office");
  const has =
    held.length === 0
      ? "has no Office host key"
      : `has Office host keys for ${quoteList(
          held.map((g) => g.id.replace(/^Office /, "")),
          "and",
        )} only`;
  const head = `KMS host "${host.name}" ${has}, so it cannot activate ${product.name} on ${clientsPhrase(clients)} (error 0xC004F042).`;
  if (needed.length === 0) {
    return `${head} No KMS host key in the catalog activates it.${product.note ? ` ${product.note}` : ""}`;
  }
  const g = needed[0];
  const req = OFFICE_HOST_REQUIREMENTS.find((r) => `Office ${r.officeVersion}` === g.id);
  const os = hostOsOf(host);
  const osNote =
    os && req && !canHost(g, os)
      ? ` That key needs ${req.minWindowsServer} or later as host OS; this host runs ${os}.`
      : "";
  return `${head} Install the "${g.id}" host key.${g.note ? ` ${g.note}` : ""}${osNote}`;
}

/**
 * Every client product attributed to a KMS host must be one the host's key group activates (otherwise
 * the client gets 0xC004F042); Office clients need an Office host key for their Office version.
 */
export const requireCompatibleHostKey: StackValidationPolicy = {
  name: "require-compatible-host-key",
  description:
    "Every KMS client's product must be one its KMS host's key activates: a host key (CSVLK) group activates a " +
    "fixed set of Windows releases (a Windows Server 2019 key cannot activate Windows 11), and Office needs an " +
    "Office host key for its version. Otherwise the client fails with 0xC004F042.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Install a host key of a key group that activates every client product (keyGroup on the KmsHost; the message " +
    "names the groups that would), updating older hosts first where Microsoft requires it, or point the clients " +
    "at a host that holds such a key. For Office, install the Office Volume License Pack and the Office host key " +
    "of that version on the host.",
  validateStack: (args, report) => {
    const view = readStack(args.resources);
    const groups = new Map<string, { host: HostEntry; product: Product; clients: ClientEntry[] }>();
    for (const { client, attribution } of attributeAll(view)) {
      if (attribution.reason !== undefined) {
        const message = `Cannot decide whether the KMS host of KmsClient "${client.name}" can activate it: ${attribution.reason}.`;
        if (attribution.advisory) reportAdvisory(report, message, client.urn);
        else report(message, client.urn);
        continue;
      }
      // Clients shared by several hosts of a domain may reach any of them: each must hold a fitting key.
      const hosts = attribution.shared
        ? attribution.shared.hosts.map((h) => h.host)
        : [attribution.host];
      const productName = client.summary?.product;
      const product = isKnownString(productName) ? findProduct(productName) : undefined;
      if (!product) {
        report(
          `Cannot decide whether KMS host ${hosts.map((h) => `"${h.name}"`).join(" or ")} can activate KmsClient ` +
            `"${client.name}": its product is not known at preview or not in the catalog. Give product as a ` +
            "catalog product name.",
          client.urn,
        );
        continue;
      }
      for (const host of hosts) {
        const key = `${host.urn}\u0000${product.name}`;
        const entry = groups.get(key) ?? { host, product, clients: [] };
        entry.clients.push(client);
        groups.set(key, entry);
      }
    }
    for (const { host, product, clients } of groups.values()) {
      const names = clients.map((c) => c.name);
      const message = !host.summary
        ? `Cannot decide whether KMS host "${host.name}" can activate ${product.name} on ${clientsPhrase(names)}: ` +
          "its summary is not readable (not known at preview)."
        : product.family === "office"
          ? checkOffice(host, product, names)
          : checkWindows(host, product, names);
      if (message) report(message, host.urn);
    }
  },
};
