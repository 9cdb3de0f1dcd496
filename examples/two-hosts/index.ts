/**
 * Two KMS hosts (existing Azure VMs) published in one `_vlmcs._tcp` SRV record: clients try priority 0
 * first and fall back to priority 10; two hosts of the same priority would share by weight. The hosts
 * do not create their own records (no `dns`); KmsSrvRecord writes the one record for both.
 *
 * The clients are the domain members of the zone, outside this stack (DNS discovery), counted through
 * `externalClients`. A KmsClient with DNS discovery in this stack would make the kms-guard threshold
 * policy report "cannot decide" (it does not know which of the two hosts a client reaches).
 */
import * as pulumi from "@pulumi/pulumi";
import { KmsHost, KmsSrvRecord } from "../../components";

const cfg = new pulumi.Config();
const zoneName = cfg.get("zoneName") ?? "corp.contoso.com";
const zoneResourceGroupName = cfg.get("zoneResourceGroupName") ?? "dns-rg";
const hostKey = cfg.requireSecret("hostKey");

const primary = new KmsHost("kms-a", {
  hostKey,
  azureVm: { resourceGroupName: "kms-rg", vmName: "kms-a", location: "westeurope" },
  windowsServerVersion: "2022",
  fqdn: `kms-a.${zoneName}`,
  externalClients: { windowsServer: 10 },
});
const secondary = new KmsHost("kms-b", {
  hostKey,
  azureVm: { resourceGroupName: "kms-rg", vmName: "kms-b", location: "northeurope" },
  windowsServerVersion: "2022",
  fqdn: `kms-b.${zoneName}`,
  externalClients: { windowsServer: 10 },
});

const srv = new KmsSrvRecord("kms-srv", {
  zoneName,
  resourceGroupName: zoneResourceGroupName,
  hosts: [
    { target: primary.fqdn, port: primary.port, priority: 0, weight: 100 },
    { target: secondary.fqdn, port: secondary.port, priority: 10, weight: 100 },
  ],
});

export const srvQueryName = srv.fqdn;
export const hosts = [primary.kmsServer, secondary.kmsServer];
