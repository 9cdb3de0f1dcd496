/**
 * Two KMS hosts (existing Azure VMs) published in one `_vlmcs._tcp` SRV record: clients try priority 0
 * first and fall back to priority 10; two hosts of the same priority would share by weight. The hosts
 * do not create their own records (no `dns`): two hosts that each create `_vlmcs._tcp` in one zone would
 * overwrite each other, so KmsSrvRecord writes the one record for both.
 *
 * The clients use DNS discovery in the zone (`lookupDomain`, no host or kmsServer): they look up
 * `_vlmcs._tcp.<zone>` and reach kms-a, the priority-0 host, which is the host the kms-guard policies
 * count them on (kms-b is the fallback). Five Windows Server machines reach the threshold of 5. The lookup
 * domain is set because a VM outside a domain searches its VNet's internal DNS suffix
 * (`<…>.internal.cloudapp.net`), not the zone: plain discovery would fail with 0x8007232B. They are
 * rearmed once (`rearm`): VMs of one Marketplace image share a client machine ID until then.
 *
 * DNS-discovery clients are not in a host's threshold barrier (only clients given `host`, or its kmsServer
 * or fqdn, are asked again at the end of `pulumi up`): kms-a's count reaches 5 during the deployment, the client whose request
 * made it activates, and the ones that asked earlier (0xC004F038) activate at their next retry, within
 * the host's activation interval (120 min). `npx kms-plan examples/two-hosts --lab --lab-vm-identity`
 * shows exactly this, and exits 5 (clients pending when the deployment ends); with `--lab-after 2h` all
 * five are activated by kms-a and it exits 0. (`--lab-vm-identity`: the existing VMs have their
 * system-assigned identity, with the reader role on the container; without it the lab assumes they do
 * not, and every step fails its script download.)
 * Their setup waits for the SRV record, whose targets are the hosts' `fqdn` outputs, which resolve only
 * after each host's setup: no client asks before a host is a KMS host.
 */
import * as pulumi from "@pulumi/pulumi";
import { KmsClient, KmsHost, KmsSrvRecord } from "../../components";

const cfg = new pulumi.Config();
const zoneName = cfg.get("zoneName") ?? "corp.contoso.com";
const zoneResourceGroupName = cfg.get("zoneResourceGroupName") ?? "dns-rg";
const hostKey = cfg.requireSecret("hostKey");
const clientCount = cfg.getNumber("clientCount") ?? 5;

// Scripts by reference (docs/scripts-by-reference.md): an existing storage account and private container;
// each VM reads the script blobs with its system-assigned identity ("Storage Blob Data Reader" on the
// container). One blob per distinct script for the whole stack, both hosts and all clients.
const scriptStorage = {
  accountName: cfg.get("scriptStorageAccountName") ?? "contosokmsscripts",
  resourceGroupName: "kms-rg",
  containerName: "kms-scripts",
};

const primary = new KmsHost("kms-a", {
  scriptStorage,
  hostKey,
  azureVm: { resourceGroupName: "kms-rg", vmName: "kms-a", location: "westeurope" },
  windowsServerVersion: "2022",
  fqdn: `kms-a.${zoneName}`,
});
const secondary = new KmsHost("kms-b", {
  scriptStorage,
  hostKey,
  azureVm: { resourceGroupName: "kms-rg", vmName: "kms-b", location: "northeurope" },
  windowsServerVersion: "2022",
  fqdn: `kms-b.${zoneName}`,
});

const srv = new KmsSrvRecord("kms-srv", {
  zoneName,
  resourceGroupName: zoneResourceGroupName,
  hosts: [
    { target: primary.fqdn, port: primary.port, priority: 0, weight: 100 },
    { target: secondary.fqdn, port: secondary.port, priority: 10, weight: 100 },
  ],
});

// DNS discovery in the zone (domain members or not), after the record exists.
const clients = Array.from(
  { length: clientCount },
  (_, i) =>
    new KmsClient(
      `app-${i + 1}`,
      {
        azureVm: { resourceGroupName: "apps-rg", vmName: `app-${i + 1}`, location: "westeurope" },
        product: "Windows Server 2022 Datacenter",
        lookupDomain: zoneName,
        rearm: true,
        scriptStorage,
      },
      { dependsOn: [srv] },
    ),
);

export const srvQueryName = srv.fqdn;
export const clientStatus = clients.map((c) => c.status);
export const hosts = [primary.kmsServer, secondary.kmsServer];
