/**
 * The lab's model of Run Command downloading a script by reference (tools/plan/scriptDownload.ts): the VM
 * runs the text the program uploaded, unchanged; a missing blob, a URI without a managed identity or a text
 * whose hash is not its name's fails the step, as a failed download does.
 */
import { createHash } from "crypto";
import { downloadScript, recordUploadedBlob } from "../tools/plan/scriptDownload";
import type { UploadedBlobs } from "../tools/plan/scriptDownload";

const TEXT = "param([string]$Role)\nWrite-Output '{\"ok\":true}'\n";
const SHA = createHash("sha256").update(TEXT).digest("hex");
const URI = `https://kmsscripts01.blob.core.windows.net/kms-scripts/status-${SHA}.ps1`;

function uploaded(text = TEXT, blobName = `status-${SHA}.ps1`): UploadedBlobs {
  const blobs: UploadedBlobs = new Map();
  recordUploadedBlob(blobs, "azure-native:storage:Blob", {
    accountName: "kmsscripts01",
    containerName: "kms-scripts",
    blobName,
    // A StringAsset's text arrives in the mocks as a promise.
    source: { text: Promise.resolve(text) },
  });
  return blobs;
}

test("the VM runs the uploaded text, unchanged", async () => {
  expect(await downloadScript(uploaded(), { scriptUri: URI, scriptUriManagedIdentity: {} })).toBe(
    TEXT,
  );
});

test.each([
  ["a blob this program did not upload", new Map() as UploadedBlobs, {}, "the blob does not exist"],
  ["no managed identity", uploaded(), undefined, "no scriptUriManagedIdentity"],
  [
    "a text whose hash is not the one in its name",
    uploaded("tampered", `status-${SHA}.ps1`),
    {},
    `not the ${SHA} its name says`,
  ],
])("%s fails the step (exit 1, the reason on stderr)", async (_case, blobs, identity, reason) => {
  const script = await downloadScript(blobs, {
    scriptUri: URI,
    scriptUriManagedIdentity: identity,
  });
  expect(script).toContain("Run Command could not download its script from");
  expect(script).toContain(reason);
  expect(script.trim().split("\n").pop()).toBe("exit 1");
});
