// Which clients share one client machine ID: VMs the program creates from one Marketplace image, not
// rearmed (catalog/clones.ts, used by the forecast and the threshold policy alike).
import { marketplaceImageKey, sharedCmidClients } from "pulumi-kms-activation-catalog";

const image = {
  publisher: "MicrosoftWindowsServer",
  offer: "WindowsServer",
  sku: "2022-datacenter-g2",
  version: "latest",
};

test("a Marketplace image reference has a key; a custom or gallery image, or an incomplete one, has none", () => {
  expect(marketplaceImageKey(image)).toBe(
    "marketplace:microsoftwindowsserver:windowsserver:2022-datacenter-g2:latest",
  );
  expect(marketplaceImageKey({ ...image, version: undefined })).toBe(marketplaceImageKey(image));
  expect(
    marketplaceImageKey({
      id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/golden",
    }),
  ).toBeUndefined();
  expect(
    marketplaceImageKey({ ...image, sharedGalleryImageId: "/SharedGalleries/g/Images/i" }),
  ).toBeUndefined();
  expect(marketplaceImageKey({ publisher: "p", offer: "o" })).toBeUndefined();
  expect(marketplaceImageKey(undefined)).toBeUndefined();
});

test("clients on VMs of one Marketplace image share its key unless rearmed, on Run Command only", () => {
  const vms = [
    { vmName: "vm-1", resourceGroupName: "RG", imageReference: image },
    { vmName: "vm-2", resourceGroupName: "rg", imageReference: image },
    { vmName: "vm-3", resourceGroupName: "rg", imageReference: image },
    { vmName: "golden-1", resourceGroupName: "rg", imageReference: { id: "/images/golden" } },
  ];
  const shared = sharedCmidClients(
    [
      { name: "a", transport: "runCommand", machine: "azure:rg/vm-1" },
      { name: "b", transport: "runCommand", machine: "azure:RG/VM-2" },
      { name: "c", transport: "runCommand", machine: "azure:rg/vm-3", rearm: true },
      { name: "d", transport: "runCommand", machine: "azure:rg/golden-1" },
      { name: "e", transport: "ssh", machine: "ssh:vm-1:22" },
      { name: "f", transport: "runCommand", machine: "azure:other/vm-1" },
      { name: "g", transport: "runCommand" },
    ],
    vms,
  );
  expect([...shared.keys()]).toEqual(["a", "b"]);
  expect(shared.get("a")).toBe(shared.get("b"));
});
