/**
 * Scripts by reference: each distinct script text travels once per stack, as a blob, and each
 * step names it by URI. Sizes, not times: the inputs each client adds to `kms-plan --json` of the reference
 * stack, and what a step carries.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { KmsConfigError } from "pulumi-kms-activation-catalog";
import {
  scriptBlobName,
  scriptBlobUri,
  scriptDigest,
  validateScriptStorage,
} from "../components/remote";
import type { KmsScriptStorage } from "../components/remote";
import { loadScript } from "../components/scripts";
import type { PlanResult } from "../tools/plan";

const ROOT = path.resolve(__dirname, "..");
const FIXTURE = path.join(__dirname, "fixtures", "programs", "scale");

function planJson(stack: string): PlanResult {
  const r = spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", "tools/plan-cli.ts", FIXTURE, "-s", stack, "--json"],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, JEST_WORKER_ID: "" } },
  );
  if (r.status !== 0) throw new Error(`kms-plan exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as PlanResult;
}

const bytes = (result: PlanResult): number =>
  result.resources.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r.inputs)), 0);

describe("kms-plan --json of the reference stack", () => {
  let n5: PlanResult;
  let n15: PlanResult;
  beforeAll(() => {
    n5 = planJson("n5");
    n15 = planJson("n15");
  }, 180_000);

  test("each client adds at most 4 KB of inputs (its VM and NIC included)", () => {
    const perClient = (bytes(n15) - bytes(n5)) / 10;
    // Inline, each client carried client-setup, client-activate and client-rearm: 78.5 KiB.
    expect(perClient).toBeLessThanOrEqual(4096);
    expect(perClient).toBeGreaterThan(1000); // it measured something: VM, NIC, component, three steps
  });

  test("no step carries a script text; one blob per distinct script, whatever the number of clients", () => {
    for (const result of [n5, n15]) {
      const steps = result.resources.filter((r) =>
        r.type.endsWith(":VirtualMachineRunCommandByVirtualMachine"),
      );
      for (const s of steps) {
        const source = s.inputs.source as Record<string, unknown>;
        expect(Object.keys(source).sort()).toEqual(["scriptUri", "scriptUriManagedIdentity"]);
        expect(JSON.stringify(s.inputs)).not.toMatch(/param\(|CmdletBinding/i);
      }
      const blobs = result.resources.filter((r) => r.type === "azure-native:storage:Blob");
      expect(
        blobs.map((b) => String(b.inputs.blobName).replace(/-[0-9a-f]{64}\.ps1$/, "")).sort(),
      ).toEqual(["client-activate", "client-rearm", "client-setup", "host-setup", "status"]);
    }
    // Ten more clients: VM, NIC, component, rearm, setup, activate each; no more blobs.
    expect(n15.resources.length - n5.resources.length).toBe(10 * 6);
  });
});

describe("the script's URI holds its text's hash", () => {
  const store: KmsScriptStorage = {
    accountName: "kmsscripts01",
    resourceGroupName: "rg",
    containerName: "kms-scripts",
  };

  test("content-addressed: another text, another URI (so the step runs again); the same text, the same URI", () => {
    const text = loadScript("status");
    expect(scriptBlobName("status", text)).toBe(`status-${scriptDigest(text)}.ps1`);
    expect(scriptBlobUri(store, "status", text)).toBe(
      `https://kmsscripts01.blob.core.windows.net/kms-scripts/status-${scriptDigest(text)}.ps1`,
    );
    expect(scriptBlobUri(store, "status", `${text}\n`)).not.toBe(
      scriptBlobUri(store, "status", text),
    );
    expect(
      scriptBlobUri(
        { ...store, blobEndpoint: "https://kmsscripts01.blob.core.usgovcloudapi.net/" },
        "status",
        text,
      ),
    ).toMatch(/^https:\/\/kmsscripts01\.blob\.core\.usgovcloudapi\.net\/kms-scripts\/status-/);
  });
});

describe("validateScriptStorage", () => {
  const ok: KmsScriptStorage = {
    accountName: "kmsscripts01",
    resourceGroupName: "rg",
    containerName: "kms-scripts",
  };
  test.each([
    [{ accountName: "KMS_Scripts" }, "scriptStorage.accountName", '"KMS_Scripts"'],
    [{ accountName: "ab" }, "scriptStorage.accountName", '"ab"'],
    [{ containerName: "Kms" }, "scriptStorage.containerName", '"Kms"'],
    [{ containerName: "kms--scripts" }, "scriptStorage.containerName", '"kms--scripts"'],
    [{ resourceGroupName: "" }, "scriptStorage.resourceGroupName", '""'],
    [{ blobEndpoint: "http://x.blob.core.windows.net" }, "scriptStorage.blobEndpoint", '"http://'],
    [{ identity: { clientId: "" } }, "scriptStorage.identity.clientId", '""'],
  ] as [Partial<KmsScriptStorage>, string, string][])(
    "%j is refused, naming %s",
    (change, argument, shown) => {
      const run = () => validateScriptStorage({ ...ok, ...change }, 'KmsClient "c1"');
      expect(run).toThrow(KmsConfigError);
      expect(run).toThrow(
        new RegExp(
          `^KmsClient "c1": ${argument.replace(/\./g, "\\.")} must be .*; received ${shown.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`,
        ),
      );
    },
  );

  test("a KmsHost that creates its VM needs the identity's resource ID (it attaches it to the VM)", () => {
    expect(() => validateScriptStorage(ok, 'KmsHost "kms"', true)).toThrow(
      /^KmsHost "kms": scriptStorage\.identity\.resourceId must be the resource ID of a user-assigned managed identity/,
    );
    expect(() =>
      validateScriptStorage(
        { ...ok, identity: { clientId: "c", resourceId: "/subscriptions/s/id" } },
        'KmsHost "kms"',
        true,
      ),
    ).not.toThrow();
    expect(() => validateScriptStorage(ok, 'KmsClient "c1"')).not.toThrow();
  });
});
