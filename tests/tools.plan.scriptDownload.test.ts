/**
 * The lab's model of Run Command downloading a script by reference (tools/plan/scriptDownload.ts): the VM
 * runs the text the program uploaded, unchanged; a missing blob, a URI without a managed identity or a text
 * whose hash is not its name's fails the step, as a failed download does; so does a VM without the
 * identity its Run Command names (`identityMissing`: otherwise a verdict kms-plan could not know).
 */
import { createHash } from "crypto";
import { downloadScript, identityMissing, recordUploadedBlob } from "../tools/plan/scriptDownload";
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

describe("the VM has the identity its Run Command reads the script with", () => {
  const ID =
    "/subscriptions/0/resourceGroups/kms-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/kms-scripts";
  const OTHER =
    "/subscriptions/0/resourceGroups/kms-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/other";
  const CLIENT = "11111111-1111-4111-8111-111111111111";
  const planned = new Map([
    [ID, CLIENT],
    [OTHER, "22222222-2222-4222-8222-222222222222"],
  ]);
  const user = { scriptUri: URI, scriptUriManagedIdentity: { clientId: CLIENT } };
  const system = { scriptUri: URI, scriptUriManagedIdentity: {} };
  const vm = (identity?: unknown) => ({ vmName: "app-01", ...(identity ? { identity } : {}) });

  test.each([
    [
      "a VM this program creates with that user-assigned identity",
      vm({ type: "UserAssigned", userAssignedIdentities: [ID] }),
      user,
    ],
    [
      "... given as a map (the ARM form)",
      vm({ type: "SystemAssigned, UserAssigned", userAssignedIdentities: { [ID]: {} } }),
      user,
    ],
    [
      "an identity this program does not create (the user's to vouch for)",
      vm({ type: "UserAssigned", userAssignedIdentities: ["/subscriptions/0/x/id"] }),
      user,
    ],
    [
      "a system-assigned identity for an empty scriptUriManagedIdentity",
      vm({ type: "SystemAssigned" }),
      system,
    ],
  ])("downloads: %s", (_, inputs, ref) => {
    expect(identityMissing(inputs, "app-01", ref, planned, false)).toBeUndefined();
  });

  test.each([
    [
      "a VM created without an identity",
      vm(),
      user,
      'VM "app-01" has no user-assigned identity attached',
    ],
    [
      "a VM with another identity of this program",
      vm({ type: "UserAssigned", userAssignedIdentities: [OTHER] }),
      user,
      `does not have the user-assigned identity ${CLIENT} attached`,
    ],
    [
      "a VM without a system-assigned identity",
      vm({ type: "UserAssigned", userAssignedIdentities: [ID] }),
      system,
      'VM "app-01" has no system-assigned identity',
    ],
    [
      "a VM this program does not create",
      undefined,
      user,
      'this program does not create VM "app-01", so kms-plan cannot see',
    ],
  ])("fails: %s", (_, inputs, ref, reason) => {
    expect(identityMissing(inputs, "app-01", ref, planned, false)).toContain(reason);
  });

  test("--lab-vm-identity: a VM this program does not create has it", () => {
    expect(identityMissing(undefined, "app-01", user, planned, true)).toBeUndefined();
  });
});
