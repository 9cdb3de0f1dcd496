/**
 * Compliant building blocks for the kms-guard policy tests: each failing case starts from these and
 * changes one field.
 */
import * as policyProxy from "@pulumi/policy/proxy";
import {
  KMS_CLIENT_TYPE,
  KMS_HOST_TYPE,
  KMS_SRV_RECORD_TYPE,
  type KmsClientSummary,
  type KmsHostSummary,
  type KmsSrvRecordSummary,
} from "pulumi-kms-activation-catalog";
import type { FakeResource } from "./policyHarness";

/** The preview proxy and sentinels of @pulumi/policy (hidden from its typings). */
export const preview = policyProxy as unknown as {
  unknownCheckingProxy<T extends object>(value: T): T;
  unknownNumberValue: string;
  unknownStringValue: string;
  unknownArrayValue: string;
  unknownObjectValue: string;
  UnknownValueError: new (...args: unknown[]) => Error;
};

export const ZONE = "corp.contoso.com";

export function hostSummary(overrides: Partial<KmsHostSummary> = {}): KmsHostSummary {
  return {
    name: "kms",
    fqdn: `kms.${ZONE}`,
    createsVm: true,
    transport: "runCommand",
    port: 1688,
    keyGroup: "Windows Server 2022",
    windowsServerVersion: "2022",
    image: {
      publisher: "MicrosoftWindowsServer",
      offer: "WindowsServer",
      sku: "2022-datacenter-g2",
      version: "latest",
    },
    activationIntervalMinutes: 120,
    renewalIntervalMinutes: 10080,
    dnsPublishing: false,
    lowPriority: false,
    externalClients: { windowsClient: 0, windowsServer: 0, office: 0 },
    clientAddressPrefixes: ["10.0.0.0/16"],
    dns: { zoneName: ZONE, private: true, srvName: `_vlmcs._tcp.${ZONE}`, hostFqdn: `kms.${ZONE}` },
    ...overrides,
  };
}

export const PRODUCTS = {
  windowsClient: { product: "Windows 11 Enterprise", family: "windowsClient" },
  windowsServer: { product: "Windows Server 2022 Datacenter", family: "windowsServer" },
  office: { product: "Office LTSC Professional Plus 2024", family: "office" },
} as const;

export function clientSummary(
  name: string,
  overrides: Partial<KmsClientSummary> = {},
): KmsClientSummary {
  return {
    name,
    transport: "runCommand",
    machine: `azure:rg/${name}`,
    ...PRODUCTS.windowsClient,
    discovery: "host",
    hostName: "kms",
    kmsServer: `kms.${ZONE}:1688`,
    activate: true,
    ...overrides,
  };
}

export function srvSummary(overrides: Partial<KmsSrvRecordSummary> = {}): KmsSrvRecordSummary {
  return {
    name: "kms-srv",
    zoneName: ZONE,
    private: true,
    recordName: "_vlmcs._tcp",
    ttlSeconds: 3600,
    hosts: [{ target: `kms.${ZONE}`, port: 1688, priority: 0, weight: 0 }],
    ...overrides,
  };
}

export function host(overrides: Partial<KmsHostSummary> = {}): FakeResource {
  const summary = hostSummary(overrides);
  return { type: KMS_HOST_TYPE, name: summary.name, props: { summary } };
}

export function client(name: string, overrides: Partial<KmsClientSummary> = {}): FakeResource {
  return { type: KMS_CLIENT_TYPE, name, props: { summary: clientSummary(name, overrides) } };
}

export function srvRecord(overrides: Partial<KmsSrvRecordSummary> = {}): FakeResource {
  const summary = srvSummary(overrides);
  return { type: KMS_SRV_RECORD_TYPE, name: summary.name, props: { summary } };
}

/** `count` clients of one family named `<prefix>1..n`, each on its own machine. */
export function clients(
  prefix: string,
  count: number,
  family: keyof typeof PRODUCTS = "windowsClient",
  overrides: Partial<KmsClientSummary> = {},
): FakeResource[] {
  return Array.from({ length: count }, (_, i) =>
    client(`${prefix}${i + 1}`, { ...PRODUCTS[family], ...overrides }),
  );
}

/** The names `<prefix>1..n` quoted and joined the way messages list them. */
export function quotedNames(prefix: string, count: number): string {
  const q = Array.from({ length: count }, (_, i) => `"${prefix}${i + 1}"`);
  return q.length <= 1 ? q.join("") : `${q.slice(0, -1).join(", ")} and ${q[q.length - 1]}`;
}

/** A compliant NSG rule: KMS port from the VNet only. */
export function kmsRule(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "allow-kms",
    access: "Allow",
    direction: "Inbound",
    protocol: "Tcp",
    priority: 100,
    sourceAddressPrefix: "10.0.0.0/16",
    sourcePortRange: "*",
    destinationAddressPrefix: "*",
    destinationPortRange: "1688",
    ...overrides,
  };
}
