import { requireCompatibleHostKey } from "../policy/requireCompatibleHostKey";
import { stackMessages } from "./helpers/policyHarness";
import { client, host, preview } from "./helpers/policyFixtures";

const run = (resources: Parameters<typeof stackMessages>[1]) =>
  stackMessages(requireCompatibleHostKey, resources);

const OFFICE_2024_NOTE =
  "Needs the Office LTSC 2024 Volume License Pack on the host (download 106246); activates that Office " +
  "version's volume products only.";

describe("require-compatible-host-key", () => {
  test("compliant: a Windows Server 2022 key activates Windows 11, Windows 10 and Server 2022", async () => {
    expect(
      await run([
        host(),
        client("w11", { product: "Windows 11 Enterprise" }),
        client("w10", { product: "Windows 10 Pro" }),
        client("s22", { product: "Windows Server 2022 Datacenter", family: "windowsServer" }),
      ]),
    ).toEqual([]);
  });

  test.each([
    ["no clients", [host()]],
    ["no KMS components", []],
  ])("not applicable: %s", async (_, resources) => {
    expect(await run(resources)).toEqual([]);
  });

  test.each([
    [
      "Windows 11 on a 2019 key, 2019 host: newer key after an update",
      { keyGroup: "Windows Server 2019", windowsServerVersion: "2019" },
      "Windows 11 Enterprise",
      'KMS host "kms" holds a Volume License for Windows Server 2019 key, which cannot activate Windows 11 ' +
        'Enterprise on KmsClients "c1" and "c2" (error 0xC004F042). Key groups that can: "Windows Server 2025" or ' +
        '"Windows Server 2022". A Windows Server 2019 host can take the "Windows Server 2025" key after update ' +
        "KB5034768 (February 13, 2024) or a later cumulative update.",
    ],
    [
      "Windows 11 on a 2016 key, 2016 host: only the 2022 key installs there",
      { keyGroup: "Windows Server 2016", windowsServerVersion: "2016" },
      "Windows 11 Enterprise",
      'KMS host "kms" holds a Volume License for Windows Server 2016 key, which cannot activate Windows 11 ' +
        'Enterprise on KmsClients "c1" and "c2" (error 0xC004F042). Key groups that can: "Windows Server 2025" or ' +
        '"Windows Server 2022". A Windows Server 2016 host can take the "Windows Server 2022" key after update ' +
        "KB5003638 (June 8, 2021) or a later cumulative update.",
    ],
    [
      "Windows 11 on a 2016 key, 2012 R2 host: no key that activates it installs there",
      { keyGroup: "Windows Server 2016", windowsServerVersion: "2012 R2" },
      "Windows 11 Enterprise",
      'KMS host "kms" holds a Volume License for Windows Server 2016 key, which cannot activate Windows 11 ' +
        'Enterprise on KmsClients "c1" and "c2" (error 0xC004F042). Key groups that can: "Windows Server 2025" or ' +
        '"Windows Server 2022". None of them installs on Windows Server 2012 R2; a "Windows Server 2022" key ' +
        'installs on "Windows Server 2022", "Windows Server 2019" or "Windows Server 2016".',
    ],
    [
      "Windows Server 2025 on a 2022 key, 2022 host",
      {},
      "Windows Server 2025 Datacenter",
      'KMS host "kms" holds a Volume License for Windows Server 2022 key, which cannot activate Windows Server ' +
        '2025 Datacenter on KmsClients "c1" and "c2" (error 0xC004F042). Key groups that can: "Windows Server ' +
        '2025". A Windows Server 2022 host can take the "Windows Server 2025" key after update KB5034765 ' +
        "(February 13, 2024) or a later cumulative update.",
    ],
    [
      "Windows 11 on a 2019 key whose host OS is not declared",
      { keyGroup: "Windows Server 2019", windowsServerVersion: undefined },
      "Windows 11 Enterprise",
      'KMS host "kms" holds a Volume License for Windows Server 2019 key, which cannot activate Windows 11 ' +
        'Enterprise on KmsClients "c1" and "c2" (error 0xC004F042). Key groups that can: "Windows Server 2025" or ' +
        '"Windows Server 2022".',
    ],
    [
      "Azure Edition, which no KMS host activates",
      {},
      "Windows Server 2022 Datacenter: Azure Edition",
      'KMS host "kms" cannot activate Windows Server 2022 Datacenter: Azure Edition on KmsClients "c1" and "c2": ' +
        "no KMS host key activates it (error 0xC004F042). Datacenter: Azure Edition is activated by Azure itself, " +
        "not by your KMS host, and cannot be a KMS host.",
    ],
  ])("Windows: %s", async (_, hostOverrides, product, expected) => {
    expect(
      await run([host(hostOverrides), client("c1", { product }), client("c2", { product })]),
    ).toEqual([expected]);
  });

  test.each([["LTSC 2024"], ["Office LTSC 2024"], ["2024"]])(
    "Office: a host key for %p activates Office LTSC 2024",
    async (v) => {
      const office = client("o1", {
        product: "Office LTSC Professional Plus 2024",
        family: "office",
      });
      expect(await run([host({ officeVersions: [v] }), office])).toEqual([]);
    },
  );

  test.each([
    [
      "no Office host key (Office host support not configured)",
      {},
      'KMS host "kms" has no Office host key, so it cannot activate Office LTSC Professional Plus 2024 on ' +
        `KmsClient "o1" (error 0xC004F042). Install the "Office LTSC 2024" host key. ${OFFICE_2024_NOTE}`,
    ],
    [
      "an Office host key of another version",
      { officeVersions: ["2019"] },
      'KMS host "kms" has Office host keys for "2019" only, so it cannot activate Office LTSC Professional Plus ' +
        `2024 on KmsClient "o1" (error 0xC004F042). Install the "Office LTSC 2024" host key. ${OFFICE_2024_NOTE}`,
    ],
    [
      "no Office host key on a host too old for it",
      { keyGroup: "Windows Server 2019", windowsServerVersion: "2019" },
      'KMS host "kms" has no Office host key, so it cannot activate Office LTSC Professional Plus 2024 on ' +
        `KmsClient "o1" (error 0xC004F042). Install the "Office LTSC 2024" host key. ${OFFICE_2024_NOTE} That key ` +
        "needs Windows Server 2022 or later as host OS; this host runs Windows Server 2019.",
    ],
  ])("Office: %s", async (_, hostOverrides, expected) => {
    const office = client("o1", {
      product: "Office LTSC Professional Plus 2024",
      family: "office",
    });
    expect(await run([host(hostOverrides), office])).toEqual([expected]);
  });

  test.each([
    [
      "the host's key group is not known at preview",
      [host({ keyGroup: undefined }), client("c1")],
      'Cannot decide whether KMS host "kms" can activate Windows 11 Enterprise on KmsClient "c1": its key group ' +
        "is not known at preview. Set keyGroup (or windowsServerVersion) as a plain value.",
    ],
    [
      "the host's key group is not in the catalog",
      [host({ keyGroup: "Windows Server 2003" }), client("c1")],
      'Cannot decide whether KMS host "kms" can activate Windows 11 Enterprise on KmsClient "c1": its keyGroup ' +
        '"Windows Server 2003" is not a key group in the catalog. Set keyGroup (or windowsServerVersion) as a plain value.',
    ],
    [
      "the client's product is not in the catalog",
      [host(), client("c1", { product: undefined, family: undefined })],
      'Cannot decide whether KMS host "kms" can activate KmsClient "c1": its product is not known at preview or ' +
        "not in the catalog. Give product as a catalog product name.",
    ],
    [
      "the client's host is not in the stack",
      [client("c1", { discovery: "kmsServer", kmsServer: "kms.onprem.contoso.com" })],
      'Cannot decide whether the KMS host of KmsClient "c1" can activate it: this stack declares no KmsHost: ' +
        "declare its KMS host in this stack (KmsHost with azureVm or ssh), or check the host's count by hand.",
    ],
  ])("cannot decide: %s", async (_, resources, expected) => {
    expect(await run(resources)).toEqual([expected]);
  });

  test("unknown at preview: the key group behind the preview proxy", async () => {
    const proxied = {
      ...host(),
      props: preview.unknownCheckingProxy({
        summary: { ...host().props.summary!, keyGroup: preview.unknownStringValue },
      }),
    };
    expect(await run([proxied, client("c1")])).toEqual([
      'Cannot decide whether KMS host "kms" can activate Windows 11 Enterprise on KmsClient "c1": its key group ' +
        "is not known at preview. Set keyGroup (or windowsServerVersion) as a plain value.",
    ]);
  });
});
