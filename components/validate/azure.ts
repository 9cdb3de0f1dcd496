/**
 * Azure's own rules for the values a created host VM needs, checked before anything is created: the
 * administrator password (length, character classes, the values Azure refuses; never shown in an
 * error), the region name, and the subnet's resource ID.
 *
 * Source for the password: the `adminPassword` property of the VM's OSProfile in the Compute REST API
 * (learn.microsoft.com/rest/api/compute/virtual-machines/create-or-update#osprofile) and the Windows VM
 * FAQ "What are the password requirements when creating a VM?"
 * (learn.microsoft.com/azure/virtual-machines/windows/faq): Windows 8 to 123 characters; 3 of 4 of
 * lower case, upper case, digit, special character (regex [\W_]); and a list of disallowed values.
 */
import { KmsConfigError, showValue } from "pulumi-kms-activation-catalog";

/** Values Azure refuses as a VM administrator password (OSProfile.adminPassword). */
export const DISALLOWED_ADMIN_PASSWORDS = [
  "abc@123",
  "iloveyou!",
  "P@$$w0rd",
  "P@ssw0rd",
  "P@ssword123",
  "Pa$$word",
  "pass@word1",
  "Password!",
  "Password1",
  "Password22",
] as const;

const PASSWORD_RULE =
  "a password Azure accepts for a Windows VM: 8 to 123 characters with 3 of these 4: a lower-case letter, an " +
  "upper-case letter, a digit, a special character; and none of Azure's disallowed values such as " +
  '"P@ssw0rd" or "Password1" (Microsoft Learn: Windows VM FAQ, password requirements)';

/**
 * The administrator password of a created Windows VM, checked by Azure's rules. The password itself is
 * never shown: the error says only its length and which character classes it has.
 */
export function validateAdminPassword(argument: string, value: unknown): void {
  if (typeof value !== "string") {
    throw new KmsConfigError(argument, `a ${typeof value}`, PASSWORD_RULE);
  }
  const classes = [
    [/[a-z]/, "lower-case letters"],
    [/[A-Z]/, "upper-case letters"],
    [/[0-9]/, "digits"],
    [/[\W_]/, "special characters"],
  ] as const;
  const has = classes.filter(([re]) => re.test(value)).map(([, name]) => name);
  const shown = `a ${value.length}-character password (not shown) with ${has.length === 0 ? "none of the four classes" : has.join(", ")}`;
  if (value.length < 8 || value.length > 123 || has.length < 3) {
    throw new KmsConfigError(argument, shown, PASSWORD_RULE);
  }
  if ((DISALLOWED_ADMIN_PASSWORDS as readonly string[]).includes(value)) {
    throw new KmsConfigError(
      argument,
      "one of the passwords Azure disallows (not shown)",
      PASSWORD_RULE,
    );
  }
}

/**
 * An Azure region as ARM takes it: its name ("westeurope", "eastus2", "swedencentral", the Name column
 * of `az account list-locations -o table`), or its display name ("West Europe"). Returns the value.
 */
export function validateLocation(argument: string, value: unknown): string {
  const allowed =
    'an Azure region name such as "westeurope", "eastus2" or "swedencentral" (lower-case letters and digits, ' +
    'the Name column of `az account list-locations -o table`), or its display name such as "West Europe"';
  if (typeof value !== "string") throw new KmsConfigError(argument, showValue(value), allowed);
  const compact = value.replace(/ /g, "");
  const ok =
    (/^[a-z][a-z0-9]*$/.test(value) || /^[A-Z][A-Za-z0-9]*( [A-Za-z0-9]+)*$/.test(value)) &&
    compact.length >= 6 &&
    compact.length <= 40;
  if (!ok) {
    const hint = /^[a-z]{2}-[a-z]+-\d$/.test(value)
      ? " (that is an AWS region's form)"
      : value !== value.trim()
        ? " (it has leading or trailing spaces)"
        : "";
    throw new KmsConfigError(argument, `${showValue(value)}${hint}`, allowed);
  }
  return value;
}

const SUBNET_ID =
  /^\/subscriptions\/[^/\s]+\/resourceGroups\/[^/\s]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/\s]+\/subnets\/[^/\s]+$/i;

/**
 * The Azure resource ID of a subnet: `/subscriptions/<subscription ID>/resourceGroups/<group>/providers/
 * Microsoft.Network/virtualNetworks/<VNet>/subnets/<subnet>` (as `subnet.id` or `az network vnet subnet
 * show --query id` gives it). Not a subnet name, an address prefix or a VNet's ID.
 */
export function validateSubnetId(argument: string, value: unknown): string {
  const allowed =
    "the Azure resource ID of a subnet, /subscriptions/<subscription ID>/resourceGroups/<group>/providers/" +
    "Microsoft.Network/virtualNetworks/<VNet>/subnets/<subnet> (a subnet's `id` output, or `az network vnet " +
    "subnet show … --query id`)";
  if (typeof value !== "string") throw new KmsConfigError(argument, showValue(value), allowed);
  if (SUBNET_ID.test(value.trim())) return value;
  const hint = /^\d{1,3}(\.\d{1,3}){3}\/\d+$/.test(value)
    ? ": that is an address prefix, not a subnet"
    : /\/virtualNetworks\/[^/]+\/?$/i.test(value)
      ? ": that is a virtual network; add /subnets/<subnet>"
      : !value.includes("/")
        ? ": that looks like a subnet name; give its full resource ID"
        : "";
  throw new KmsConfigError(argument, `${showValue(value)}${hint}`, allowed);
}
