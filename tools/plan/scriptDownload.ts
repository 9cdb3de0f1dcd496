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
