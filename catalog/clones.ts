/**
 * Which clients share one client machine ID (CMID): VMs the program creates from one Azure Marketplace
 * image and does not rearm. Marketplace Windows images are generalized with SkipRearm=1, so every VM made
 * from the same image has the image's CMID until it is rearmed and restarted, and a KMS host counts them
 * as one client (Microsoft, "Windows activation fails: duplicate Client Machine ID",
 * windows-activation-duplicate-client-machine-id.md). A VM made from an image id (a custom or gallery
 * image) is left out: how that image was generalized is not known here. Used by kms-plan's forecast and
 * by the enforce-activation-threshold policy, so the two agree. No Pulumi inside.
 */

/** A VM the program creates, as far as this needs it (its inputs; unknown values are anything else). */
export interface CreatedVm {
  vmName?: unknown;
  resourceGroupName?: unknown;
  /** `storageProfile.imageReference`. */
  imageReference?: unknown;
}

/** A `compute.VirtualMachine`'s plain inputs (or state), as far as this needs them. */
export function createdVmOf(props: Record<string, unknown>): CreatedVm {
  const storage = props.storageProfile as { imageReference?: unknown } | null | undefined;
  return {
    vmName: props.vmName,
    resourceGroupName: props.resourceGroupName,
    imageReference: storage?.imageReference,
  };
}

/** A client, as far as this needs it (a `KmsClientSummary` fits). */
export interface CloneCandidate {
  name: string;
  transport?: unknown;
  /** "azure:<resource group>/<vm>" for Azure VMs. */
  machine?: unknown;
  rearm?: unknown;
}

/** "marketplace:<publisher>:<offer>:<sku>:<version>" (lower case), or undefined when not a Marketplace image. */
export function marketplaceImageKey(imageReference: unknown): string | undefined {
  if (imageReference === null || typeof imageReference !== "object") return undefined;
  const ref = imageReference as Record<string, unknown>;
  if (typeof ref.id === "string" && ref.id !== "") return undefined;
  if (typeof ref.sharedGalleryImageId === "string" && ref.sharedGalleryImageId !== "")
    return undefined;
  if (typeof ref.communityGalleryImageId === "string" && ref.communityGalleryImageId !== "")
    return undefined;
  const parts = [ref.publisher, ref.offer, ref.sku, ref.version ?? "latest"];
  if (!parts.every((p) => typeof p === "string" && p !== "")) return undefined;
  return `marketplace:${(parts as string[]).join(":").toLowerCase()}`;
}

/**
 * The clients that sit on VMs of `vms` made from a Marketplace image and are not rearmed, each with the
 * image's key: clients with the same key share one CMID. Clients without `rearm: true`, on Run Command
 * (Azure VMs), whose machine is one of `vms`.
 */
export function sharedCmidClients(
  clients: readonly CloneCandidate[],
  vms: readonly CreatedVm[],
): Map<string, string> {
  const imageOf = new Map<string, string>();
  for (const vm of vms) {
    if (typeof vm.vmName !== "string") continue;
    const image = marketplaceImageKey(vm.imageReference);
    if (image === undefined) continue;
    const rg = typeof vm.resourceGroupName === "string" ? vm.resourceGroupName.toLowerCase() : "*";
    imageOf.set(`${rg}/${vm.vmName.toLowerCase()}`, image);
  }
  const shared = new Map<string, string>();
  for (const c of clients) {
    if (c.rearm === true || c.transport !== "runCommand" || typeof c.machine !== "string") continue;
    const m = /^azure:([^/]+)\/(.+)$/.exec(c.machine.toLowerCase());
    if (!m) continue;
    const image = imageOf.get(`${m[1]}/${m[2]}`) ?? imageOf.get(`*/${m[2]}`);
    if (image !== undefined) shared.set(c.name, image);
  }
  return shared;
}
