/**
 * An existing Windows Server 2022 VM becomes the KMS host: the component installs and activates the key
 * through Managed Run Command (no inbound port needed) and creates the host's A record and the
 * `_vlmcs._tcp` SRV record in a public Azure DNS zone. No VM, NIC or NSG is created.
 */
import * as pulumi from "@pulumi/pulumi";
import { KmsClient, KmsHost } from "../../components";

const cfg = new pulumi.Config();
const zoneName = cfg.get("zoneName") ?? "corp.contoso.com";

// Scripts by reference (docs/scripts-by-reference.md): an existing storage account and private container;
// each VM reads the script blobs with its system-assigned identity, which needs the
// "Storage Blob Data Reader" role on the container.
const scriptStorage = {
  accountName: cfg.get("scriptStorageAccountName") ?? "contosokmsscripts",
  resourceGroupName: "infra-rg",
  containerName: "kms-scripts",
};

const host = new KmsHost("kms01", {
  scriptStorage,
  hostKey: cfg.requireSecret("hostKey"),
  azureVm: { resourceGroupName: "infra-rg", vmName: "kms01", location: "westeurope" },
  windowsServerVersion: "2022",
  externalClients: { windowsServer: 20 },
  dns: { zoneName, resourceGroupName: "dns-rg", ipAddress: "10.0.1.4" },
});

// A workgroup VM: its own DNS suffix is *.internal.cloudapp.net, so it looks up the zone explicitly.
// DNS discovery names no output of the host, so nothing would order the client after the host: without
// dependsOn both setups run at once and the client asks a machine that is not a KMS host yet (0xC004F074).
// `dependsOn: [host]` waits for the host's setup and its SRV record (allowed because `host` is not given).
const client = new KmsClient(
  "client-build-01",
  {
    azureVm: { resourceGroupName: "build-rg", vmName: "build-01", location: "westeurope" },
    product: "Windows Server 2022 Datacenter",
    lookupDomain: zoneName,
    scriptStorage,
  },
  { dependsOn: [host] },
);

export const kmsServer = host.kmsServer;
export const srvRecordName = host.srvRecordName;
export const clientStatus = client.status;
