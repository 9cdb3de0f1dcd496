/**
 * A KMS host VM in an Azure hub subnet serves on-premises machines over VPN/ExpressRoute (Azure KMS
 * answers only Azure public IPs, so on-premises clients need a host of their own). The clients are
 * configured over SSH (OpenSSH Server on Windows) and pointed at the host with `kmsServer:
 * host.kmsServer`, the way they would be from Python, Go, C# or YAML. That output resolves only once the
 * host's setup has completed, so each client's setup runs after the host is a KMS host (a plain string
 * naming the host would not wait: both setups would run at once and the clients would fail with
 * 0xC004F074). Given that output, the clients also join the host's threshold barrier (in TypeScript),
 * as with `host`. The kms-guard policies count the clients on the host through that output. The host's A
 * record (and SRV record) go into the Azure DNS zone that the on-premises DNS servers forward
 * `corp.contoso.com` to.
 */
import * as pulumi from "@pulumi/pulumi";
import { createScriptStorage, KmsClient, KmsHost } from "../../components";

const cfg = new pulumi.Config();
const sshPassword = cfg.requireSecret("sshPassword");
const zoneName = "corp.contoso.com";

// Scripts by reference for the Azure host (docs/scripts-by-reference.md). The on-premises machines get
// their script over SSH on stdin: they have no Azure identity to read a blob with.
const scripts = createScriptStorage("kms-scripts", {
  resourceGroupName: "kms-rg",
  location: "westeurope",
});

const host = new KmsHost("kms", {
  scriptStorage: scripts.scriptStorage,
  hostKey: cfg.requireSecret("hostKey"),
  adminPassword: cfg.requireSecret("adminPassword"),
  resourceGroupName: "kms-rg",
  location: "westeurope",
  subnetId: cfg.get("subnetId") ?? "",
  // The on-premises networks that reach the host through the gateway; never 0.0.0.0/0.
  clientAddressPrefixes: ["192.168.10.0/24", "192.168.20.0/24"],
  windowsServerVersion: "2022",
  keyGroup: "Windows Server 2022",
  externalClients: { windowsServer: 5, windowsClient: 24 },
  dns: { zoneName, resourceGroupName: "dns-rg", hostName: "kms" },
});

const machines = [
  { name: "fs-01", address: "192.168.10.21", product: "Windows Server 2022 Standard" },
  { name: "pc-0042", address: "192.168.20.42", product: "Windows 11 Enterprise" },
];
const clients = machines.map(
  (m) =>
    new KmsClient(`onprem-${m.name}`, {
      ssh: { host: m.address, user: "kmsadmin", password: sshPassword },
      product: m.product,
      kmsServer: host.kmsServer,
    }),
);

export const kmsServer = host.kmsServer;
export const clientStatuses = clients.map((c) => c.status);
