import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle, valueOf } from "./helpers/componentMocks";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime";

const mocks = installMocks();
// Components are imported after the mocks exist.
const { KmsHost } = require("../components") as typeof import("../components");

const HOST_KEY = "BBBBB-CCCCC-DDDDD-FFFFF-KHMXV"; // well-formed, not a published setup key
const PASSWORD = "Corr3ct-Horse-Battery!";
const SUBNET =
  "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/kms";

function createdHostArgs(extra: Record<string, unknown> = {}) {
  return {
    hostKey: HOST_KEY,
    resourceGroupName: "rg",
    location: "westeurope",
    subnetId: SUBNET,
    clientAddressPrefixes: ["10.50.0.0/16"],
    adminPassword: PASSWORD,
    ...extra,
  };
}

beforeEach(async () => {
  await settle(); // let the previous test's registrations finish before forgetting them
  mocks.reset();
});

describe("KmsHost that creates its VM", () => {
  test("registers NSG, NIC, VM and the setup run command, all parented to the host", async () => {
    const host = new KmsHost("kms", createdHostArgs());
    await valueOf(host.status);
    await settle();
    const children = mocks.resources.filter((r) => r.parent?.endsWith("kms:index:KmsHost::kms"));
    expect(children.map((r) => `${r.type}::${r.name}`).sort()).toEqual([
      "azure-native:compute:VirtualMachine::kms-vm",
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine::kms-setup",
      "azure-native:network:NetworkInterface::kms-nic",
      "azure-native:network:NetworkSecurityGroup::kms-nsg",
    ]);
  });

  test("exposes its children: the VM, NIC, NSG and the setup step, to reference or depend on", async () => {
    const host = new KmsHost("kms", createdHostArgs());
    await valueOf(host.status);
    const urn = (r: pulumi.Resource | undefined) => valueOf(r!.urn);
    expect(await urn(host.vm)).toMatch(/azure-native:compute:VirtualMachine::kms-vm$/);
    expect(await urn(host.networkInterface)).toMatch(/NetworkInterface::kms-nic$/);
    expect(await urn(host.networkSecurityGroup)).toMatch(/NetworkSecurityGroup::kms-nsg$/);
    expect(await urn(host.setupStep)).toMatch(/::kms-setup$/);
    expect(host.officeSteps).toEqual([]);
  });

  test("the VM runs Windows Server 2022 Datacenter Gen2 with automatic updates and the password as a secret", async () => {
    const host = new KmsHost("kms", createdHostArgs());
    await valueOf(host.vmId);
    const vm = mocks.one("azure-native:compute:VirtualMachine", "kms-vm");
    expect(vm.plain.storageProfile).toEqual({
      imageReference: {
        publisher: "MicrosoftWindowsServer",
        offer: "WindowsServer",
        sku: "2022-datacenter-g2",
        version: "latest",
      },
      osDisk: {
        createOption: "FromImage",
        managedDisk: { storageAccountType: "StandardSSD_LRS" },
        deleteOption: "Delete",
      },
    });
    expect(vm.plain.hardwareProfile).toEqual({ vmSize: "Standard_B2s" });
    const os = vm.plain.osProfile as Record<string, unknown>;
    expect(os.computerName).toBe("kms");
    expect(os.adminUsername).toBe("kmsadmin");
    expect(os.windowsConfiguration).toEqual({
      provisionVMAgent: true,
      enableAutomaticUpdates: true,
      patchSettings: { patchMode: "AutomaticByOS" },
    });
    expect(os.adminPassword).toBe(PASSWORD); // present for Azure…
    expect(JSON.stringify(vm.inputs)).toContain(specialSecretSig); // …inside a secret envelope
    expect(
      JSON.stringify(vm.inputs, (_k, v) =>
        v && typeof v === "object" && specialSigKey in v ? "[secret]" : v,
      ),
    ).not.toContain(PASSWORD);
  });

  test("windowsServerVersion 2025 picks the 2025 Datacenter image", async () => {
    const host = new KmsHost("kms", createdHostArgs({ windowsServerVersion: "2025" }));
    await valueOf(host.vmId);
    const vm = mocks.one("azure-native:compute:VirtualMachine", "kms-vm");
    expect(
      (vm.plain.storageProfile as { imageReference: { sku: string } }).imageReference.sku,
    ).toBe("2025-datacenter-g2");
  });

  test("the NIC has no public IP and uses the NSG", async () => {
    const host = new KmsHost("kms", createdHostArgs());
    await valueOf(host.privateIpAddress);
    const nic = mocks.one("azure-native:network:NetworkInterface", "kms-nic");
    expect(nic.plain.ipConfigurations).toEqual([
      {
        name: "ipconfig1",
        subnet: { id: SUBNET },
        privateIPAllocationMethod: "Dynamic",
        primary: true,
      },
    ]);
    expect(nic.plain.networkSecurityGroup).toEqual({ id: "kms-nsg-id" });
    expect(await valueOf(host.privateIpAddress)).toBe("10.50.1.4");
  });

  test("the NSG admits the KMS port only from the client prefixes and nothing from the Internet", async () => {
    const host = new KmsHost(
      "kms",
      createdHostArgs({ port: 1700, clientAddressPrefixes: ["10.1.0.0/16", "192.168.10.0/24"] }),
    );
    await valueOf(host.status);
    await settle();
    const nsg = mocks.one("azure-native:network:NetworkSecurityGroup", "kms-nsg");
    const rules = nsg.plain.securityRules as Record<string, unknown>[];
    expect(
      rules.map((r) => [
        r.name,
        r.priority,
        r.access,
        r.protocol,
        r.sourceAddressPrefixes ?? r.sourceAddressPrefix,
        r.destinationPortRange,
      ]),
    ).toEqual([
      ["allow-kms-from-clients", 100, "Allow", "Tcp", ["10.1.0.0/16", "192.168.10.0/24"], "1700"],
      ["deny-kms-from-others", 4000, "Deny", "Tcp", "*", "1700"],
      ["deny-internet-inbound", 4096, "Deny", "*", "Internet", "*"],
    ]);
    expect(rules.filter((r) => r.access === "Allow")).toHaveLength(1);
  });

  test("a service tag gets an allow rule of its own with the singular sourceAddressPrefix (Azure refuses tags in the plural)", async () => {
    const host = new KmsHost(
      "kms",
      createdHostArgs({ clientAddressPrefixes: ["VirtualNetwork", "10.1.0.0/16"] }),
    );
    await valueOf(host.status);
    await settle();
    const rules = mocks.one("azure-native:network:NetworkSecurityGroup", "kms-nsg").plain
      .securityRules as Record<string, unknown>[];
    const allow = rules.filter((r) => r.access === "Allow");
    expect(
      allow.map((r) => [r.name, r.priority, r.sourceAddressPrefix, r.sourceAddressPrefixes]),
    ).toEqual([
      ["allow-kms-from-clients", 100, undefined, ["10.1.0.0/16"]],
      ["allow-kms-from-virtualnetwork", 110, "VirtualNetwork", undefined],
    ]);
    for (const r of rules) {
      for (const p of (r.sourceAddressPrefixes as string[] | undefined) ?? []) {
        expect(p).toMatch(/^[0-9a-f.:]+(\/\d+)?$/i);
      }
    }
    expect(allow[1]).toMatchObject({
      protocol: "Tcp",
      destinationPortRange: "1688",
      direction: "Inbound",
    });
  });

  test("a service tag alone is allow-kms-from-clients's singular prefix", async () => {
    new KmsHost("kms", createdHostArgs({ clientAddressPrefixes: ["VirtualNetwork"] }));
    await settle();
    const rules = mocks.one("azure-native:network:NetworkSecurityGroup", "kms-nsg").plain
      .securityRules as Record<string, unknown>[];
    expect(rules[0]).toMatchObject({
      name: "allow-kms-from-clients",
      sourceAddressPrefix: "VirtualNetwork",
    });
    expect(rules[0].sourceAddressPrefixes).toBeUndefined();
    expect(rules.filter((r) => r.access === "Allow")).toHaveLength(1);
  });

  test("prefixes known only later (an Output) get the same rules, checked when known", async () => {
    new KmsHost(
      "kms",
      createdHostArgs({ clientAddressPrefixes: pulumi.output(["10.1.0.0/16", "VirtualNetwork"]) }),
    );
    await settle();
    const rules = mocks.one("azure-native:network:NetworkSecurityGroup", "kms-nsg").plain
      .securityRules as Record<string, unknown>[];
    expect(rules.map((r) => r.name)).toEqual([
      "allow-kms-from-clients",
      "allow-kms-from-virtualnetwork",
      "deny-kms-from-others",
      "deny-internet-inbound",
    ]);
  });

  test("the host key travels only as a secret protected parameter", async () => {
    const host = new KmsHost("kms", createdHostArgs({ port: 1688, dnsPublishing: false }));
    await valueOf(host.status);
    const rc = mocks.one(
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
      "kms-setup",
    );
    // Plain parameters: no key.
    expect(JSON.stringify(rc.inputs.parameters)).not.toContain(HOST_KEY);
    expect(JSON.stringify(rc.inputs.source)).not.toContain(HOST_KEY);
    // Protected parameters: a secret envelope holding the key.
    expect(rc.inputs.protectedParameters).toEqual({
      [specialSigKey]: specialSecretSig,
      value: [{ name: "HostKey", value: HOST_KEY }],
    });
    expect(rc.plain.treatFailureAsDeploymentFailure).toBe(true);
    expect(rc.plain.asyncExecution).toBe(false);
    expect(rc.plain.timeoutInSeconds).toBe(1800);
    expect(rc.plain.runCommandName).toBe("kms-setup");
    expect(rc.plain.vmName).toBe("kms");
  });

  test("the setup script gets the host settings as parameters", async () => {
    const host = new KmsHost(
      "kms",
      createdHostArgs({
        port: 1700,
        activationIntervalMinutes: 60,
        renewalIntervalMinutes: 1440,
        lowPriority: true,
      }),
    );
    await valueOf(host.status);
    expect(mocks.scriptCalls).toEqual([
      {
        name: "kms-setup",
        script: "host-setup",
        machine: "azure:rg/kms",
        parameters: expect.objectContaining({
          HostKey: HOST_KEY,
          Port: "1700",
          ActivationIntervalMinutes: "60",
          RenewalIntervalMinutes: "1440",
          DnsPublishing: "false",
          LowPriority: "true",
        }),
      },
    ]);
  });

  test("outputs: fqdn from the Azure internal DNS suffix, kmsServer, status from the script", async () => {
    const host = new KmsHost("kms", createdHostArgs());
    expect(await valueOf(host.fqdn)).toBe("kms.abc.ax.internal.cloudapp.net");
    expect(await valueOf(host.kmsServer)).toBe("kms.abc.ax.internal.cloudapp.net:1688");
    expect(await valueOf(host.status)).toEqual({
      licenseStatus: "Licensed",
      isKmsHost: true,
      currentCount: 0,
      port: 1688,
      dnsPublishing: false,
      lowPriority: false,
      activationIntervalMinutes: 120,
      renewalIntervalMinutes: 10080,
      partialProductKey: "KHMXV",
      productName: undefined,
      changed: [],
      office: [],
    });
    expect(await valueOf(host.activationReport)).toEqual({
      clients: 0,
      distinctMachines: 0,
      activated: 0,
      pending: 0,
      duplicateCmids: [],
      warnings: [],
    });
  });
});

describe("KmsHost with dns", () => {
  test("private zone: A record and a child KmsSrvRecord with the host's FQDN and port", async () => {
    const host = new KmsHost(
      "kms",
      createdHostArgs({
        port: 1700,
        dns: { zoneName: "kms.internal", resourceGroupName: "rg", private: true },
      }),
    );
    expect(await valueOf(host.fqdn)).toBe("kms.kms.internal");
    expect(await valueOf(host.srvRecordName)).toBe("_vlmcs._tcp.kms.internal");
    await settle();
    const a = mocks.one("azure-native:privatedns:PrivateRecordSet", "kms-a");
    expect(a.plain).toMatchObject({
      privateZoneName: "kms.internal",
      recordType: "A",
      relativeRecordSetName: "kms",
      ttl: 3600,
      aRecords: [{ ipv4Address: "10.50.1.4" }],
    });
    const srvComponent = mocks.one("kms:index:KmsSrvRecord", "kms-srv");
    expect(srvComponent.parent).toMatch(/kms:index:KmsHost::kms$/);
    const srv = mocks.one("azure-native:privatedns:PrivateRecordSet", "kms-srv");
    expect(srv.parent).toMatch(/kms:index:KmsSrvRecord::kms-srv$/);
    expect(srv.plain).toMatchObject({
      privateZoneName: "kms.internal",
      recordType: "SRV",
      relativeRecordSetName: "_vlmcs._tcp",
      ttl: 3600,
      srvRecords: [{ priority: 0, weight: 0, port: 1700, target: "kms.kms.internal" }],
    });
    expect(mocks.byType("azure-native:dns:RecordSet")).toHaveLength(0);
  });

  test("public zone with recordName and hostName uses dns.RecordSet", async () => {
    const host = new KmsHost(
      "kms",
      createdHostArgs({
        dns: {
          zoneName: "corp.contoso.com",
          resourceGroupName: "dns-rg",
          recordName: "branch1",
          hostName: "kms01",
        },
      }),
    );
    expect(await valueOf(host.srvRecordName)).toBe("_vlmcs._tcp.branch1.corp.contoso.com");
    await settle();
    const srv = mocks.one("azure-native:dns:RecordSet", "kms-srv");
    expect(srv.plain).toMatchObject({
      zoneName: "corp.contoso.com",
      resourceGroupName: "dns-rg",
      relativeRecordSetName: "_vlmcs._tcp.branch1",
    });
    expect((srv.plain.srvRecords as { target: string }[])[0].target).toBe("kms01.corp.contoso.com");
    expect(mocks.one("azure-native:dns:RecordSet", "kms-a").plain.relativeRecordSetName).toBe(
      "kms01",
    );
    expect(mocks.byType("azure-native:privatedns:PrivateRecordSet")).toHaveLength(0);
  });
});

describe("KmsHost with dns: records wait for a zone of the same program", () => {
  const ZONE_ID =
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/kms.internal";

  test("with dns.zoneId the A and SRV record sets depend on the zone; the zone name stays plain", async () => {
    const privatedns =
      require("@pulumi/azure-native/privatedns") as typeof import("@pulumi/azure-native/privatedns");
    const zone = new privatedns.PrivateZone("zone", {
      resourceGroupName: "rg",
      privateZoneName: "kms.internal",
      location: "global",
    });
    const zoneUrn = await valueOf(zone.urn);
    new KmsHost(
      "kms",
      createdHostArgs({
        dns: { zoneName: "kms.internal", zoneId: zone.id, resourceGroupName: "rg", private: true },
      }),
    );
    await settle();
    const a = mocks.one("azure-native:privatedns:PrivateRecordSet", "kms-a");
    const srv = mocks.one("azure-native:privatedns:PrivateRecordSet", "kms-srv");
    expect(a.dependencies).toContain(zoneUrn);
    expect(srv.dependencies).toContain(zoneUrn);
    expect(a.plain.privateZoneName).toBe("kms.internal");
    expect(srv.plain.privateZoneName).toBe("kms.internal");
    const summary = mocks.one("kms:index:KmsHost", "kms").plain.summary as {
      dns: { zoneName: string };
    };
    expect(summary.dns.zoneName).toBe("kms.internal");
  });

  test("without dns.zoneId nothing orders the records after the zone (the name is a plain string)", async () => {
    const privatedns =
      require("@pulumi/azure-native/privatedns") as typeof import("@pulumi/azure-native/privatedns");
    const zone = new privatedns.PrivateZone("zone", {
      resourceGroupName: "rg",
      privateZoneName: "kms.internal",
      location: "global",
    });
    const zoneUrn = await valueOf(zone.urn);
    new KmsHost(
      "kms",
      createdHostArgs({
        dns: { zoneName: "kms.internal", resourceGroupName: "rg", private: true },
      }),
    );
    await settle();
    expect(
      mocks.one("azure-native:privatedns:PrivateRecordSet", "kms-a").dependencies,
    ).not.toContain(zoneUrn);
  });

  test.each([
    [
      "a public zone's ID with private: true",
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/dnszones/kms.internal",
      /dns\.zoneId.*private DNS zone \(Microsoft\.Network\/privateDnsZones\), since private is true/,
    ],
    [
      "another zone's ID",
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/other.internal",
      /dns\.zoneId.*the ID of the zone named in zoneName \("kms\.internal"\)/,
    ],
    ["a zone name instead of an ID", "kms.internal", /dns\.zoneId.*Azure resource ID/],
  ])("dns.zoneId: %s is a KmsConfigError before anything registers", (_, zoneId, message) => {
    expect(
      () =>
        new KmsHost(
          "kms",
          createdHostArgs({
            dns: { zoneName: "kms.internal", zoneId, resourceGroupName: "rg", private: true },
          }),
        ),
    ).toThrow(message);
    expect(mocks.resources).toHaveLength(0);
  });

  test("a plain dns.zoneId of the right zone is accepted", () => {
    expect(
      () =>
        new KmsHost(
          "kms",
          createdHostArgs({
            dns: {
              zoneName: "kms.internal",
              zoneId: ZONE_ID,
              resourceGroupName: "rg",
              private: true,
            },
          }),
        ),
    ).not.toThrow();
  });
});

describe("KmsHost on an existing machine", () => {
  test("azureVm: only the setup run command, on that VM", async () => {
    const host = new KmsHost("kms", {
      hostKey: HOST_KEY,
      azureVm: { resourceGroupName: "ops", vmName: "kms01", location: "westeurope" },
      fqdn: "kms01.corp.contoso.com",
    });
    expect(await valueOf(host.kmsServer)).toBe("kms01.corp.contoso.com:1688");
    await settle();
    expect(
      mocks.resources.filter((r) => r.type.startsWith("azure-native:")).map((r) => r.name),
    ).toEqual(["kms-setup"]);
    expect(
      mocks.one("azure-native:compute:VirtualMachineRunCommandByVirtualMachine", "kms-setup").plain,
    ).toMatchObject({ resourceGroupName: "ops", vmName: "kms01" });
    expect(await valueOf(host.vmId)).toBe(
      "/subscriptions/s/resourceGroups/ops/providers/Microsoft.Compute/virtualMachines/kms01",
    );
  });

  test("an existing machine: no VM, NIC or NSG to expose; the setup step still is", async () => {
    const host = new KmsHost("kms", {
      hostKey: HOST_KEY,
      azureVm: { resourceGroupName: "ops", vmName: "kms01", location: "westeurope" },
      fqdn: "kms01.corp.contoso.com",
    });
    expect(host.vm).toBeUndefined();
    expect(host.networkInterface).toBeUndefined();
    expect(host.networkSecurityGroup).toBeUndefined();
    expect(await valueOf(host.setupStep.urn)).toMatch(/::kms-setup$/);
  });

  test("ssh: a remote command with the key on stdin (secret), never on the command line", async () => {
    const host = new KmsHost("kms", {
      hostKey: HOST_KEY,
      ssh: { host: "10.0.0.5", user: "kmsadmin", password: PASSWORD },
    });
    expect(await valueOf(host.kmsServer)).toBe("10.0.0.5:1688");
    await settle();
    const cmd = mocks.one("command:remote:Command", "kms-setup");
    expect(String(cmd.inputs.create)).toMatch(
      /^powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand [A-Za-z0-9+/=]+$/,
    );
    const decoded = Buffer.from(String(cmd.inputs.create).split(" ").pop()!, "base64").toString(
      "utf16le",
    );
    expect(decoded).toContain("[Console]::In.ReadToEnd()");
    expect(decoded).not.toContain(HOST_KEY);
    expect(cmd.inputs.stdin).toMatchObject({
      [specialSigKey]: specialSecretSig,
    });
    expect(cmd.plain.addPreviousOutputInEnv).toBe(false);
    expect(cmd.plain.logging).toBe("stdout");
    const connection = cmd.plain.connection as Record<string, unknown>;
    expect(connection).toMatchObject({
      host: "10.0.0.5",
      port: 22,
      user: "kmsadmin",
      password: PASSWORD,
    });
    expect(cmd.inputs.environment).toBeUndefined();
    expect(mocks.scriptCalls[0]).toMatchObject({
      name: "kms-setup",
      script: "host-setup",
      machine: "ssh:10.0.0.5:22",
    });
  });

  test("the raw host key appears in no plain input of any resource", async () => {
    const host = new KmsHost(
      "kms",
      createdHostArgs({
        dns: { zoneName: "kms.internal", resourceGroupName: "rg", private: true },
      }),
    );
    await valueOf(host.status);
    await settle();
    for (const r of mocks.resources) {
      const withoutSecrets = JSON.stringify(r.inputs, (_k, v) =>
        v && typeof v === "object" && specialSigKey in v ? "[secret]" : v,
      );
      expect(withoutSecrets).not.toContain(HOST_KEY);
      expect(withoutSecrets).not.toContain(PASSWORD);
    }
  });
});

describe("KmsHost summary for the policies", () => {
  test.each([
    ["2019", "2019", "Windows Server 2019"],
    // No CSVLK group of the catalog is named after 2012 R2: declare keyGroup, or the policies cannot decide.
    ["Windows Server 2012 R2", "2012 R2", undefined],
    ["Windows 10", "Windows 10", "Windows 10"],
  ])(
    "an existing host declared as %s runs %s with the %s key group by default",
    async (declared, version, group) => {
      const host = new KmsHost("kms", {
        hostKey: HOST_KEY,
        azureVm: { resourceGroupName: "ops", vmName: "kms01", location: "westeurope" },
        fqdn: "kms01.corp.contoso.com",
        windowsServerVersion: declared,
      });
      await valueOf(host.status);
      await settle();
      const summary = mocks.one("kms:index:KmsHost", "kms").plain.summary as Record<
        string,
        unknown
      >;
      expect([summary.windowsServerVersion, summary.keyGroup, summary.createsVm]).toEqual([
        version,
        group,
        false,
      ]);
    },
  );

  test("is plain, secret-free and passed to super()", async () => {
    const host = new KmsHost(
      "kms",
      createdHostArgs({
        dns: { zoneName: "kms.internal", resourceGroupName: "rg", private: true },
        externalClients: { windowsClient: 20 },
      }),
    );
    await valueOf(host.status);
    await settle();
    const component = mocks.one("kms:index:KmsHost", "kms");
    expect(component.plain.summary).toEqual({
      name: "kms",
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
      externalClients: { windowsClient: 20, windowsServer: 0, office: 0 },
      clientAddressPrefixes: ["10.50.0.0/16"],
      dns: {
        zoneName: "kms.internal",
        private: true,
        recordName: undefined,
        srvName: "_vlmcs._tcp.kms.internal",
        hostFqdn: "kms.kms.internal",
      },
      fqdn: "kms.kms.internal",
      officeVersions: [],
    });
    expect(JSON.stringify(component.inputs)).not.toContain(HOST_KEY);
    expect((component.inputs.summary as { name: string }).name).toBe("kms");
  });

  test("an Output port is unknown to the summary rather than guessed", async () => {
    const host = new KmsHost("kms", createdHostArgs({ port: pulumi.output(1700) }));
    await valueOf(host.status);
    await settle();
    expect(
      (mocks.one("kms:index:KmsHost", "kms").plain.summary as { port?: number }).port,
    ).toBeUndefined();
    expect(await valueOf(host.port)).toBe(1700);
  });
});
