/**
 * An existing Windows Server 2022 VM becomes the KMS host: the component installs and activates the key
 * through Managed Run Command (no inbound port needed) and creates the host's A record and the
 * `_vlmcs._tcp` SRV record in a public Azure DNS zone. No VM, NIC or NSG is created.
 */
import * as pulumi from "@pulumi/pulumi";
import { KmsClient, KmsHost } from "../../components";

const cfg = new pulumi.Config();
const zoneName = cfg.get("zoneName") ?? "corp.contoso.com";

const host = new KmsHost("kms01", {
  hostKey: cfg.requireSecret("hostKey"),
  azureVm: { resourceGroupName: "infra-rg", vmName: "kms01", location: "westeurope" },
  windowsServerVersion: "2022",
  externalClients: { windowsServer: 20 },
  dns: { zoneName, resourceGroupName: "dns-rg", ipAddress: "10.0.1.4" },
});

// A workgroup VM: its own DNS suffix is *.internal.cloudapp.net, so it looks up the zone explicitly.
const client = new KmsClient("client-build-01", {
  azureVm: { resourceGroupName: "build-rg", vmName: "build-01", location: "westeurope" },
  product: "Windows Server 2022 Datacenter",
  lookupDomain: zoneName,
});

export const kmsServer = host.kmsServer;
export const srvRecordName = host.srvRecordName;
export const clientStatus = client.status;
