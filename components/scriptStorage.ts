/**
 * `createScriptStorage`: what scripts by reference need, made in one call (TypeScript programs; other
 * languages create the same four resources themselves, docs/scripts-by-reference.md): a storage account
 * and a private blob container for the script blobs, a user-assigned managed identity for the VMs, and the
 * "Storage Blob Data Reader" role for that identity on the container. Its `scriptStorage` goes to
 * `KmsHost` / `KmsClient` (`scriptStorage`); VMs you create yourself need `identityId` attached.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as storage from "@pulumi/azure-native/storage";
import type { KmsScriptStorage } from "./remote";

/** Built-in role "Storage Blob Data Reader" (Microsoft Learn, "Azure built-in roles"). */
export const STORAGE_BLOB_DATA_READER_ROLE = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";

export interface CreateScriptStorageArgs {
  /** Resource group for the account and the identity. */
  resourceGroupName: pulumi.Input<string>;
  /** Azure region. */
  location: pulumi.Input<string>;
  /**
   * Storage account name, globally unique (3 to 24 lowercase letters and digits).
   * @default - "kms" + 16 hex digits of a hash of the project, stack and `name` (the same on every run)
   */
  accountName?: string;
  /**
   * Blob container name.
   * @default "kms-scripts"
   */
  containerName?: string;
  /**
   * Tags for the storage account and the identity (the container, the role assignment and the blobs are
   * Azure types that take no tags).
   * @default - none
   */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface ScriptStorage {
  /** For `KmsHost` / `KmsClient` `scriptStorage`. */
  scriptStorage: KmsScriptStorage;
  /** Resource ID of the identity: attach it to the VMs you create (`identity.userAssignedIdentities`). */
  identityId: pulumi.Output<string>;
  account: storage.StorageAccount;
  container: storage.BlobContainer;
  identity: managedidentity.UserAssignedIdentity;
  reader: authorization.RoleAssignment;
}

/** A GUID made from `seed` (a role assignment's name must be a GUID; the same seed, the same GUID). */
function guidFrom(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Children are named from `name` (`<name>-account`, `-container`, `-identity`, `-reader`). The script
 * blobs are uploaded only after the role assignment exists (their resource group input carries it), so
 * no Run Command asks for a blob before its identity may read it; Azure may still take some minutes to
 * apply a new role (see docs/scripts-by-reference.md).
 */
export function createScriptStorage(
  name: string,
  args: CreateScriptStorageArgs,
  opts?: pulumi.CustomResourceOptions,
): ScriptStorage {
  const accountName =
    args.accountName ??
    `kms${createHash("sha256")
      .update(`${pulumi.getProject()}/${pulumi.getStack()}/${name}`)
      .digest("hex")
      .slice(0, 16)}`;
  const containerName = args.containerName ?? "kms-scripts";
  const account = new storage.StorageAccount(
    `${name}-account`,
    {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      accountName,
      kind: "StorageV2",
      sku: { name: "Standard_LRS" },
      allowBlobPublicAccess: false,
      minimumTlsVersion: "TLS1_2",
      enableHttpsTrafficOnly: true,
      tags: args.tags,
    },
    opts,
  );
  const container = new storage.BlobContainer(
    `${name}-container`,
    {
      resourceGroupName: args.resourceGroupName,
      accountName: account.name,
      containerName,
      publicAccess: "None",
    },
    opts,
  );
  const identity = new managedidentity.UserAssignedIdentity(
    `${name}-identity`,
    { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
    opts,
  );
  const reader = new authorization.RoleAssignment(
    `${name}-reader`,
    {
      roleAssignmentName: guidFrom(`${pulumi.getProject()}/${pulumi.getStack()}/${name}-reader`),
      scope: container.id,
      principalId: identity.principalId,
      principalType: "ServicePrincipal",
      // The subscription of the container: /subscriptions/<id>/resourceGroups/...
      roleDefinitionId: container.id.apply(
        (id) =>
          `${id.split("/resourceGroups/")[0]}/providers/Microsoft.Authorization/roleDefinitions/${STORAGE_BLOB_DATA_READER_ROLE}`,
      ),
    },
    opts,
  );
  return {
    scriptStorage: {
      accountName,
      containerName,
      // Carries the role assignment as a dependency: the script blobs (and so every step) wait for it.
      resourceGroupName: pulumi
        .all([pulumi.output(args.resourceGroupName), reader.id])
        .apply(([rg]) => rg),
      identity: { clientId: identity.clientId, resourceId: identity.id },
    },
    identityId: identity.id,
    account,
    container,
    identity,
    reader,
  };
}
