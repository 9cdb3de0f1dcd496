/**
 * examples/governed-subscription meets a typical enterprise baseline (tests/fixtures/governance/
 * baseline.ts: tags, Trusted Launch, encryption, no public IP, boot diagnostics), checked on the
 * azure-native inputs it registers the way Azure Policy checks the resources Azure receives. The policy
 * bites: an example made without those options (single-host) breaks it, and so does each compliant
 * resource with one field broken.
 */
import * as path from "path";
import { policies as kmsGuard } from "../policy/policies";
import { plan, type PlannedResource, type PlanResult } from "../tools/plan";
import { governedBaseline, REQUIRED_TAGS, UNTAGGABLE } from "./fixtures/governance/baseline";

const EXAMPLES = path.resolve(__dirname, "..", "examples");
let governed: PlanResult;
let singleHost: PlanResult;

beforeAll(async () => {
  governed = await plan(path.join(EXAMPLES, "governed-subscription"), {
    policies: [...kmsGuard, governedBaseline],
  });
  singleHost = await plan(path.join(EXAMPLES, "single-host"), { policies: [governedBaseline] });
}, 120_000);

const violationsOf = (r: PlanResult) =>
  r.violations.map((v) => `${v.urn?.split("::").pop()}: ${v.message}`);

/** The baseline's messages for one resource's inputs. */
function check(type: string, props: Record<string, unknown>): string[] {
  const messages: string[] = [];
  governedBaseline.validateResource({ type, props }, (m) => messages.push(m));
  return messages;
}

function resource(r: PlanResult, type: string, name: string): PlannedResource {
  const found = r.resources.find((x) => x.type === type && x.name === name);
  if (!found) throw new Error(`no ${type} ${name}`);
  return found;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

test("examples/governed-subscription plans with no violation of the baseline or of kms-guard", () => {
  expect(violationsOf(governed)).toEqual([]);
  // The baseline looked at what it is about: a VM, a NIC and taggable resources were planned.
  const types = governed.resources.map((r) => r.type);
  expect(types).toEqual(
    expect.arrayContaining([
      "azure-native:compute:VirtualMachine",
      "azure-native:network:NetworkInterface",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
      "azure-native:privatedns:PrivateZone",
    ]),
  );
});

test("every taggable Azure resource of the example carries the required tags, Run Commands included", () => {
  const untagged = governed.resources
    .filter((r) => r.type.startsWith("azure-native:") && !UNTAGGABLE.has(r.type))
    .filter((r) => REQUIRED_TAGS.some((t) => !(t in ((r.inputs.tags as object) ?? {}))))
    .map((r) => `${r.type} ${r.name}`);
  expect(untagged).toEqual([]);
});

test("examples/single-host (no governance options) breaks the baseline, and the policy says where", () => {
  const v = violationsOf(singleHost);
  expect(v).toEqual(
    expect.arrayContaining([
      "kms-vm: required tag(s) missing: costCenter, owner",
      "kms-vm: neither encryption at host (securityProfile.encryptionAtHost) nor a disk encryption set on the OS disk",
      "kms-setup: required tag(s) missing: costCenter, owner",
      "kms-rg: required tag(s) missing: costCenter, owner",
    ]),
  );
  // Trusted Launch and boot diagnostics are on by default: no violation about them.
  expect(v.filter((m) => /Trusted Launch|Secure Boot|vTPM|boot diagnostics/.test(m))).toEqual([]);
});

describe("the baseline checks the registered inputs: each compliant resource with one field broken", () => {
  const VM = "azure-native:compute:VirtualMachine";
  const NIC = "azure-native:network:NetworkInterface";
  type Props = Record<string, Record<string, unknown>>;

  test.each([
    [
      "Trusted Launch off",
      (p: Props) => delete p.securityProfile.securityType,
      'Trusted Launch is off: securityProfile.securityType must be "TrustedLaunch"',
    ],
    [
      "Secure Boot off",
      (p: Props) => ((p.securityProfile.uefiSettings as Props[string]).secureBootEnabled = false),
      "Secure Boot is off (securityProfile.uefiSettings.secureBootEnabled)",
    ],
    [
      "vTPM off",
      (p: Props) => ((p.securityProfile.uefiSettings as Props[string]).vTpmEnabled = false),
      "vTPM is off (securityProfile.uefiSettings.vTpmEnabled)",
    ],
    [
      "no encryption at host",
      (p: Props) => delete p.securityProfile.encryptionAtHost,
      "neither encryption at host (securityProfile.encryptionAtHost) nor a disk encryption set on the OS disk",
    ],
    [
      "boot diagnostics off",
      (p: Props) => (p.diagnosticsProfile.bootDiagnostics = { enabled: false }),
      "boot diagnostics are off (diagnosticsProfile.bootDiagnostics.enabled)",
    ],
    ["a tag missing", (p: Props) => delete p.tags.owner, "required tag(s) missing: owner"],
  ])("VM: %s", (_, breakIt, message) => {
    const props = clone(resource(governed, VM, "kms-vm").inputs) as Props;
    expect(check(VM, props)).toEqual([]);
    breakIt(props);
    expect(check(VM, props)).toEqual([message]);
  });

  test("VM: a disk encryption set instead of encryption at host passes", () => {
    const props = clone(resource(governed, VM, "kms-vm").inputs) as Props;
    delete props.securityProfile.encryptionAtHost;
    (props.storageProfile.osDisk as Props[string]).managedDisk = {
      storageAccountType: "Premium_LRS",
      diskEncryptionSet: {
        id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/d",
      },
    };
    expect(check(VM, props)).toEqual([]);
  });

  test("NIC: a public IP on an ip configuration", () => {
    const props = clone(resource(governed, NIC, "kms-nic").inputs) as Record<string, unknown>;
    expect(check(NIC, props)).toEqual([]);
    (props.ipConfigurations as Record<string, unknown>[])[0].publicIPAddress = { id: "/pip" };
    expect(check(NIC, props)).toEqual(["ip configuration ipconfig1 has a public IP address"]);
  });

  test("not applicable: DNS record sets and subnets support no tags; unknown inputs are reported", () => {
    expect(check("azure-native:privatedns:PrivateRecordSet", {})).toEqual([]);
    expect(check("azure-native:network:Subnet", {})).toEqual([]);
    expect(check("azure-native:network:NetworkSecurityGroup", { tags: "[unknown]" })).toEqual([
      "tags are not known at preview: required tags costCenter, owner cannot be checked",
    ]);
  });
});
