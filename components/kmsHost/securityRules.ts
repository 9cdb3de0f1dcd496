/**
 * The NSG rules of a created KmsHost: the KMS port open to the clients' prefixes only (Azure service tags
 * in rules of their own), closed to everyone else, nothing inbound from the Internet.
 */
import * as pulumi from "@pulumi/pulumi";
import { plainValue, validateClientAddressPrefixes } from "../validate";

/** Azure service tags among the accepted client prefixes (validateCidr): a tag is a name, not an address. */
function isServiceTag(prefix: string): boolean {
  return /^[A-Za-z][A-Za-z0-9.]*$/.test(prefix);
}

/**
 * The allow rules for the clients' prefixes. Azure refuses service tags (e.g. "VirtualNetwork") in the
 * plural `sourceAddressPrefixes` (SecurityRuleParameterContainsUnsupportedValue), so the address
 * prefixes share `allow-kms-from-clients` and each tag gets a rule of its own,
 * `allow-kms-from-<tag>` with the singular `sourceAddressPrefix`. With tags only, the first tag is
 * `allow-kms-from-clients`'s singular prefix.
 */
function clientAllowRules(prefixes: string[], portRange: pulumi.Input<string>) {
  const rule = (name: string, priority: number, source: object) => ({
    name,
    priority,
    direction: "Inbound",
    access: "Allow",
    protocol: "Tcp",
    ...source,
    sourcePortRange: "*",
    destinationAddressPrefix: "*",
    destinationPortRange: portRange,
    description: "KMS activation requests from the client networks",
  });
  const cidrs = prefixes.filter((p) => !isServiceTag(p));
  const tags = [...new Set(prefixes.filter(isServiceTag))];
  const rules =
    cidrs.length > 0
      ? [rule("allow-kms-from-clients", 100, { sourceAddressPrefixes: cidrs })]
      : [rule("allow-kms-from-clients", 100, { sourceAddressPrefix: tags.shift() })];
  tags.forEach((tag, i) =>
    rules.push(rule(`allow-kms-from-${tag.toLowerCase()}`, 110 + i, { sourceAddressPrefix: tag })),
  );
  return rules;
}

/**
 * NSG rules of a created host: the KMS port from the clients' prefixes only (service tags in rules of
 * their own), the port closed to everyone else (the VNet included), and nothing inbound from the
 * Internet. No RDP or SSH: Run Command needs none. Prefixes only known later are checked when known.
 */
export function hostSecurityRules(
  port: pulumi.Input<number>,
  clientAddressPrefixes: pulumi.Input<pulumi.Input<string>[]>,
) {
  const portRange = pulumi.output(port).apply((p) => String(p));
  const denyRules = (portRange: pulumi.Input<string>) => [
    {
      name: "deny-kms-from-others",
      priority: 4000,
      direction: "Inbound",
      access: "Deny",
      protocol: "Tcp",
      sourceAddressPrefix: "*",
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: portRange,
      description: "KMS only from the declared client networks",
    },
    {
      name: "deny-internet-inbound",
      priority: 4096,
      direction: "Inbound",
      access: "Deny",
      protocol: "*",
      sourceAddressPrefix: "Internet",
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: "*",
      description: "Nothing inbound from the Internet",
    },
  ];
  const plain = plainValue(clientAddressPrefixes);
  if (Array.isArray(plain) && plain.every((p) => typeof p === "string")) {
    return [...clientAllowRules(plain as string[], portRange), ...denyRules(portRange)];
  }
  return pulumi
    .all([pulumi.output(clientAddressPrefixes), portRange])
    .apply(([prefixes, range]) => [
      ...clientAllowRules(validateClientAddressPrefixes("clientAddressPrefixes", prefixes), range),
      ...denyRules(range),
    ]);
}
