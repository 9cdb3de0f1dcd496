/**
 * The lab's model of a script by reference (components/remote/scriptStore.ts): a Run Command whose
 * `source.scriptUri` names a blob downloads it on the VM, with the managed identity of
 * `scriptUriManagedIdentity`, before it runs it. A rehearsal runs the text the program uploaded (the
 * `storage.Blob` registered in the same plan), so the shipped scripts run unchanged. Pessimistic where
 * the lab cannot know: a blob this program did not upload, or a URI without a managed identity (a public
 * blob or a SAS), fails the step as a failed download would; so does a text whose SHA-256 is not the one in
 * its blob's name.
 */
import { createHash } from "crypto";

const BLOB_TYPE = "azure-native:storage:Blob";

/** Blobs uploaded in this plan: `<account>/<container>/<blob>` → the text (assets resolve later). */
export type UploadedBlobs = Map<string, Promise<string>>;

/** The URL Azure gives a blob (the public cloud's endpoint; the key ignores the endpoint's suffix). */
export function blobUrl(inputs: Record<string, unknown>): string {
  return `https://${String(inputs.accountName)}.blob.core.windows.net/${String(inputs.containerName)}/${String(inputs.blobName)}`;
}

/** Records a registered blob's text (its `source` asset: a StringAsset's text, or a file's). */
export function recordUploadedBlob(
  blobs: UploadedBlobs,
  type: string,
  inputs: Record<string, unknown>,
): void {
  if (type !== BLOB_TYPE) return;
  const source = inputs.source as { text?: unknown } | undefined;
  if (source === undefined || source.text === undefined) return;
  const key = `${String(inputs.accountName)}/${String(inputs.containerName)}/${String(inputs.blobName)}`;
  blobs.set(
    key,
    Promise.resolve(source.text).then((t) => String(t)),
  );
}

/** What a Run Command's `source` says about a script by reference. */
export interface ScriptReference {
  scriptUri: string;
  scriptUriManagedIdentity?: unknown;
}

/** The identity of a managed identity reference: a user-assigned one by clientId/objectId, or the VM's own. */
function userAssignedId(ref: ScriptReference): string | undefined {
  const mi = ref.scriptUriManagedIdentity as { clientId?: unknown; objectId?: unknown } | undefined;
  const id = mi?.clientId ?? mi?.objectId;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/**
 * Why the VM could not read its script by reference with the identity its Run Command names, or undefined
 * when it can (as far as the plan shows). `vm`: the inputs of the VM when this program creates it;
 * undefined for a VM it does not create (an existing azureVm), whose identities the plan cannot see:
 * pessimistic, it has none unless `existingAttached` (`--lab-vm-identity`) says so. `clientIds`: the
 * user-assigned identities this program creates, resource id → client id.
 */
export function identityMissing(
  vm: Record<string, unknown> | undefined,
  vmName: string,
  ref: ScriptReference,
  clientIds: ReadonlyMap<string, string>,
  existingAttached: boolean,
): string | undefined {
  const wanted = userAssignedId(ref);
  const which = wanted
    ? `the user-assigned identity ${wanted}`
    : "its system-assigned identity (an empty scriptUriManagedIdentity)";
  if (vm === undefined) {
    if (existingAttached) return undefined;
    return (
      `this program does not create VM "${vmName}", so kms-plan cannot see whether ${which} is attached to ` +
      "it; the lab assumes not (pessimistic). Attach it to the VM (docs/scripts-by-reference.md) and say so " +
      "with --lab-vm-identity."
    );
  }
  const identity = vm.identity as { type?: unknown; userAssignedIdentities?: unknown } | undefined;
  const type = String(identity?.type ?? "").toLowerCase();
  if (!wanted) {
    if (type.includes("systemassigned")) return undefined;
    return `VM "${vmName}" has no system-assigned identity (identity.type ${JSON.stringify(identity?.type ?? null)}).`;
  }
  const raw = identity?.userAssignedIdentities;
  const attached = (
    Array.isArray(raw) ? raw : raw && typeof raw === "object" ? Object.keys(raw) : []
  ).map(String);
  if (!type.includes("userassigned") || attached.length === 0) {
    return `VM "${vmName}" has no user-assigned identity attached (identity.userAssignedIdentities), so it cannot read it with ${which}.`;
  }
  // An identity this program does not create is the user's to vouch for: attached is enough.
  if (attached.some((id) => !clientIds.has(id) || clientIds.get(id) === wanted)) return undefined;
  return `VM "${vmName}" does not have ${which} attached (it has ${attached.join(", ")}).`;
}

/** A script that fails as Run Command does when it cannot download its script (exit code 1). */
function failedDownload(message: string): string {
  const quoted = message.replace(/'/g, "''");
  return `[Console]::Error.WriteLine('${quoted}')\nexit 1\n`;
}

/**
 * The text the VM runs for a script by reference: the uploaded blob's text, checked against the SHA-256 in
 * its name; else a script that fails the step with the reason.
 */
export async function downloadScript(blobs: UploadedBlobs, ref: ScriptReference): Promise<string> {
  const uri = ref.scriptUri;
  const m = /^https:\/\/([a-z0-9]+)\.blob\.[^/]+\/([^/]+)\/([^/?#]+)$/.exec(uri);
  const prefix = `Run Command could not download its script from ${uri.replace(/\?.*$/, "?...")}:`;
  if (!m)
    return failedDownload(
      `${prefix} not a blob URI (https://<account>.blob.<endpoint>/<container>/<blob>).`,
    );
  if (ref.scriptUriManagedIdentity === undefined || ref.scriptUriManagedIdentity === null) {
    return failedDownload(
      `${prefix} no scriptUriManagedIdentity, so the VM reads it anonymously; the lab assumes a private container (pessimistic).`,
    );
  }
  const text = await blobs.get(`${m[1]}/${m[2]}/${m[3]}`);
  if (text === undefined) {
    return failedDownload(
      `${prefix} the blob does not exist (this program uploaded no such blob).`,
    );
  }
  const named = /-([0-9a-f]{64})\.ps1$/.exec(m[3])?.[1];
  const actual = createHash("sha256").update(text, "utf8").digest("hex");
  if (named !== undefined && named !== actual) {
    return failedDownload(`${prefix} its SHA-256 is ${actual}, not the ${named} its name says.`);
  }
  return text;
}
