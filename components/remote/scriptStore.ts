/**
 * Scripts by reference: each distinct script text is uploaded once per stack as a content-addressed blob
 * (`<script>-<sha256>.ps1`), and every Managed Run Command names it by `source.scriptUri`, read by the VM
 * with its managed identity (`scriptUriManagedIdentity`). A step's registered inputs then carry a URI of
 * about 150 bytes instead of the script (37 to 59 KB), and the URI holds the text's hash, so a step runs
 * again exactly when its script or its parameters change. See docs/scripts-by-reference.md.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as storage from "@pulumi/azure-native/storage";
import { KmsConfigError, showValue } from "pulumi-kms-activation-catalog";
import { loadScript, ScriptName } from "../scripts";
import { plainValue } from "../validate";

/** The user-assigned managed identity the VMs read the script blobs with. */
export interface KmsScriptStorageIdentity {
  /** Client ID (a GUID) of the user-assigned managed identity, as Run Command's `scriptUriManagedIdentity` takes it. */
  clientId: pulumi.Input<string>;
  /**
   * Azure resource ID of that identity (`/subscriptions/.../userAssignedIdentities/<name>`). Required when
   * a KmsHost creates its VM: the identity is attached to that VM. VMs you bring must have it already.
   * @default - the identity is not attached by the components
   */
  resourceId?: pulumi.Input<string>;
}

/**
 * Where the scripts are kept: a blob container the components upload each distinct script to, once per
 * stack, and that the VMs read with a managed identity holding "Storage Blob Data Reader" on it.
 */
export interface KmsScriptStorage {
  /** Name of the storage account (3 to 24 lowercase letters and digits). A plain string: it is part of the script URIs. */
  accountName: string;
  /** Resource group of the storage account. */
  resourceGroupName: pulumi.Input<string>;
  /** An existing blob container in the account (3 to 63 lowercase letters, digits and hyphens). Private access is enough. */
  containerName: string;
  /**
   * The user-assigned managed identity the VMs read the blobs with.
   * @default - each VM's system-assigned identity (it must have "Storage Blob Data Reader" on the container)
   */
  identity?: KmsScriptStorageIdentity;
  /**
   * Blob endpoint of the account, for sovereign clouds.
   * @default - `https://<accountName>.blob.core.windows.net`
   */
  blobEndpoint?: string;
}

/** The last digests computed, by text (a stack hashes each of its few script texts once, not per step). */
const digests = new Map<string, string>();

/** SHA-256 of a script text, hex. */
export function scriptDigest(text: string): string {
  let digest = digests.get(text);
  if (digest === undefined) {
    digest = createHash("sha256").update(text, "utf8").digest("hex");
    if (digests.size >= 32) digests.clear();
    digests.set(text, digest);
  }
  return digest;
}

/** The blob a script text is kept in: `<script>-<sha256 of the text>.ps1`. */
export function scriptBlobName(script: ScriptName, text: string): string {
  return `${script}-${scriptDigest(text)}.ps1`;
}

/** The URI Run Command downloads a script from. */
export function scriptBlobUri(store: KmsScriptStorage, script: ScriptName, text: string): string {
  const endpoint = (
    store.blobEndpoint ?? `https://${store.accountName}.blob.core.windows.net`
  ).replace(/\/+$/, "");
  return `${endpoint}/${store.containerName}/${scriptBlobName(script, text)}`;
}

const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Checks the plain parts of `scriptStorage` (names, endpoint, identity given as a whole) before anything
 * registers. `context` names the component. `createsVm`: a KmsHost that creates its VM needs
 * `identity.resourceId` (the identity is attached to the VM it creates).
 */
export function validateScriptStorage(
  store: KmsScriptStorage | undefined,
  context: string,
  createsVm = false,
): void {
  if (store === undefined) return;
  const fail = (argument: string, value: unknown, allowed: string): never => {
    throw new KmsConfigError(`scriptStorage.${argument}`, showValue(value), allowed, context);
  };
  if (typeof store.accountName !== "string" || !ACCOUNT_NAME.test(store.accountName)) {
    fail(
      "accountName",
      store.accountName,
      "a storage account name: 3 to 24 lowercase letters and digits (a plain string)",
    );
  }
  if (typeof store.containerName !== "string" || !CONTAINER_NAME.test(store.containerName)) {
    fail(
      "containerName",
      store.containerName,
      "a blob container name: 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit",
    );
  }
  if (store.resourceGroupName === undefined || plainValue(store.resourceGroupName) === "") {
    fail(
      "resourceGroupName",
      plainValue(store.resourceGroupName),
      "the resource group of the storage account",
    );
  }
  if (store.blobEndpoint !== undefined && !/^https:\/\/[^/?#\s]+\/?$/.test(store.blobEndpoint)) {
    fail(
      "blobEndpoint",
      store.blobEndpoint,
      "an https:// endpoint without a path, e.g. https://<account>.blob.core.usgovcloudapi.net",
    );
  }
  if (store.identity !== undefined) {
    if (store.identity.clientId === undefined || plainValue(store.identity.clientId) === "") {
      fail(
        "identity.clientId",
        plainValue(store.identity.clientId),
        "the client ID (a GUID) of the user-assigned managed identity",
      );
    }
  }
  if (
    createsVm &&
    (store.identity?.resourceId === undefined || plainValue(store.identity.resourceId) === "")
  ) {
    fail(
      "identity.resourceId",
      plainValue(store.identity?.resourceId),
      "the resource ID of a user-assigned managed identity with Storage Blob Data Reader on the container: a KmsHost that creates its VM attaches it to the VM, which has no other identity to read the scripts with",
    );
  }
}

/** The blobs of one program run (one stack, or one owner in the plugin), by store and script. */
const blobsByRun = new WeakMap<object, Map<string, storage.Blob>>();

/**
 * The multi-language plugin constructs each component in its own Construct call, with no stack resource
 * and a fresh monitor each time: a blob at the stack's root would be registered once per call, under one
 * name. There, blobs are children of their owner instead (a KmsHost, whose clients use its blobs, or a
 * KmsClient without a host). Set by the plugin's provider (plugin/provider.ts).
 */
let ownerScoped = false;

/** Called by the plugin's provider: script blobs become children of their owner (see `ownerScoped`). */
export function scopeScriptBlobsToOwners(): void {
  ownerScoped = true;
}

/** True in the plugin (see `ownerScoped`). */
export function scriptBlobsOwnerScoped(): boolean {
  return ownerScoped;
}

/**
 * The blob holding `script`, registered once per stack: the first step that needs it registers it at the
 * stack's root (no parent), so its URN is the same whichever component comes first. In the plugin it is
 * registered once per owner, as the owner's child.
 */
export function scriptBlob(
  store: KmsScriptStorage,
  script: ScriptName,
  owner: pulumi.Resource | undefined,
): storage.Blob {
  const text = loadScript(script);
  const runKey: object | undefined = ownerScoped
    ? owner
    : (pulumi.runtime.getStackResource() ?? pulumi.runtime.getMonitor());
  const blobName = scriptBlobName(script, text);
  const key = `${store.accountName}/${store.containerName}/${blobName}`;
  let blobs = runKey === undefined ? undefined : blobsByRun.get(runKey);
  if (blobs === undefined) {
    blobs = new Map();
    if (runKey !== undefined) blobsByRun.set(runKey, blobs);
  }
  let blob = blobs.get(key);
  if (blob === undefined) {
    const digest = scriptDigest(text).slice(0, 12);
    blob = new storage.Blob(
      `kms-script-${store.accountName}-${store.containerName}-${script}-${digest}`,
      {
        resourceGroupName: store.resourceGroupName,
        accountName: store.accountName,
        containerName: store.containerName,
        blobName,
        type: "Block",
        contentType: "text/plain; charset=utf-8",
        source: new pulumi.asset.StringAsset(text),
      },
      ownerScoped && owner !== undefined ? { parent: owner } : {},
    );
    blobs.set(key, blob);
  }
  return blob;
}

/** What a Run Command is given for its script: the `source`, and the blob it must wait for (by reference). */
export interface RunCommandSource {
  source:
    | { script: string }
    | { scriptUri: string; scriptUriManagedIdentity: { clientId?: pulumi.Input<string> } };
  blob?: storage.Blob;
}

/**
 * The script of a Run Command: by reference (`scriptUri`, the blob registered once per stack) when the
 * target has script storage, else inline (`script`: the text itself, in every step's inputs).
 */
export function runCommandSource(
  script: ScriptName,
  store: KmsScriptStorage | undefined,
  owner: pulumi.Resource | undefined,
): RunCommandSource {
  const text = loadScript(script);
  if (store === undefined) return { source: { script: text } };
  return {
    source: {
      scriptUri: scriptBlobUri(store, script, text),
      // An empty object: the VM's system-assigned identity (Run Command's documented convention).
      scriptUriManagedIdentity:
        store.identity === undefined ? {} : { clientId: store.identity.clientId },
    },
    blob: scriptBlob(store, script, owner),
  };
}

/** `dependsOn` (a resource, a list, or a promise or output of either) with `extra` added. */
export function withDependency(
  dependsOn: pulumi.CustomResourceOptions["dependsOn"],
  extra: pulumi.Resource,
): pulumi.Input<pulumi.Input<pulumi.Resource>[]> {
  if (dependsOn === undefined) return [extra];
  if (Array.isArray(dependsOn)) return [...dependsOn, extra];
  if (pulumi.Resource.isInstance(dependsOn)) return [dependsOn, extra];
  // A promise (the barrier's count step waits for every member's setup this way) or an output.
  const add = (d: pulumi.Input<pulumi.Resource>[] | pulumi.Input<pulumi.Resource>) =>
    Array.isArray(d) ? [...d, extra] : [d, extra];
  if (pulumi.Output.isInstance(dependsOn)) {
    return (dependsOn as pulumi.Output<pulumi.Resource[] | pulumi.Resource>).apply(add) as never;
  }
  return (dependsOn as Promise<pulumi.Resource[] | pulumi.Resource>).then(add);
}
