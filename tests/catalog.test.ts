import {
  ACTIVATION,
  FAMILY_LABELS,
  KEY_GROUPS,
  OFFICE_HOST_REQUIREMENTS,
  PRODUCTS,
  canActivate,
  canHost,
  defaultKeyGroupForHost,
  findKeyGroup,
  findProduct,
  findProductsBySetupKey,
  isPublishedSetupKey,
  keyGroupsActivating,
  normalizeHostOs,
  requireKeyGroup,
  requireProduct,
} from "../components/catalog";
import { normalizeName } from "../components/catalog/names";
import gvlkRows from "../components/catalog/gvlk.json";
import { KmsConfigError } from "../components/errors";

const FAMILY = { server: "windowsServer", client: "windowsClient", office: "office" } as const;

function errorOf(fn: () => unknown): KmsConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KmsConfigError) return e;
    throw e;
  }
  throw new Error("expected a KmsConfigError");
}

describe("products", () => {
  test("the catalog holds all 162 published keys, no key twice, as 187 products", () => {
    expect(gvlkRows).toHaveLength(162);
    expect(new Set(gvlkRows.map((r) => r.gvlk)).size).toBe(162);
    expect(new Set(PRODUCTS.map((p) => p.setupKey)).size).toBe(162);
    expect(PRODUCTS).toHaveLength(187);
  });

  test.each(gvlkRows.map((r) => [r.gvlk.slice(-5), r]))(
    "key ending %s resolves to products of its family, edition and source",
    (_last5, row) => {
      const products = findProductsBySetupKey(row.gvlk);
      expect(products.length).toBeGreaterThan(0);
      for (const p of products) {
        expect(p.family).toBe(FAMILY[row.family as keyof typeof FAMILY]);
        expect(p.edition).toBe(row.edition);
        expect(p.source).toBe(row.src);
        expect(p.setupKey).toBe(row.gvlk);
      }
      expect(isPublishedSetupKey(row.gvlk.toLowerCase())).toBe(true);
    },
  );

  test("every name and alias is unique after normalisation and resolves to its product", () => {
    const seen = new Map<string, string>();
    for (const p of PRODUCTS) {
      for (const n of [p.name, ...p.aliases]) {
        const key = normalizeName(n);
        expect([key, seen.get(key) ?? p.name]).toEqual([key, p.name]);
        seen.set(key, p.name);
        expect(findProduct(n)?.name).toBe(p.name);
      }
    }
  });

  test.each([
    ["Windows Server 2022 Datacenter", "Windows Server 2022 Datacenter"],
    ["windows server 2022 datacenter", "Windows Server 2022 Datacenter"],
    ["Windows Server 2025 Standard", "Windows Server 2025 Standard"],
    ["WINDOWS SERVER 2025 STANDARD", "Windows Server 2025 Standard"],
    ["Windows 11 Enterprise", "Windows 11 Enterprise"],
    ["Windows 10 Pro", "Windows 10 Pro"],
    ["Windows 10 Professional", "Windows 10 Pro"],
    ["Windows 11 Enterprise LTSC 2024", "Windows 11 Enterprise LTSC 2024"],
    ["windows 11 enterprise ltsc 2024", "Windows 11 Enterprise LTSC 2024"],
    ["Office LTSC Professional Plus 2024", "Office LTSC Professional Plus 2024"],
    ["Microsoft Office LTSC Professional Plus 2024", "Office LTSC Professional Plus 2024"],
    ["Office Professional Plus 2024", "Office LTSC Professional Plus 2024"],
    ["Project Professional 2021", "Project Professional 2021"],
    [" Windows  Server 2019  Standard ", "Windows Server 2019 Standard"],
    [
      "Windows Server 2025 Datacenter Azure Edition",
      "Windows Server 2025 Datacenter: Azure Edition",
    ],
    ["Windows Server, version 20H2 Datacenter", "Windows Server 20H2 Datacenter"],
    ["Windows IoT Enterprise LTSC 2024", "Windows 11 IoT Enterprise LTSC 2024"],
    ["Windows 10 Enterprise 2015 LTSB", "Windows 10 Enterprise LTSB 2015"],
    ["Windows 7 Pro", "Windows 7 Professional"],
  ])("findProduct(%j) is %j", (name, canonical) => {
    expect(findProduct(name)?.name).toBe(canonical);
  });

  test.each([["Windows 12 Pro"], ["Office 365"], [""], ["Win 11 Enterprise"]])(
    "findProduct(%j) is undefined",
    (name) => {
      expect(findProduct(name)).toBeUndefined();
    },
  );

  test.each([
    ["NPPR9-FWDCX-D2C8J-H872K-2YT43", ["Windows 11 Enterprise", "Windows 10 Enterprise"]],
    [
      "M7XTQ-FN8P6-TTKYV-9D4CC-J462D",
      [
        "Windows 11 Enterprise LTSC 2024",
        "Windows 10 Enterprise LTSC 2021",
        "Windows 10 Enterprise LTSC 2019",
      ],
    ],
    [
      "92NFX-8DJQP-P6BBQ-THF9C-7CG2H",
      [
        "Windows 11 Enterprise N LTSC 2024",
        "Windows 10 Enterprise N LTSC 2021",
        "Windows 10 Enterprise N LTSC 2019",
      ],
    ],
    [
      "KBN8V-HFGQ4-MGXVD-347P6-PDQGT",
      ["Windows 11 IoT Enterprise LTSC 2024", "Windows 10 IoT Enterprise LTSC 2021"],
    ],
    [
      "6NMRW-2C8FM-D24W7-TQWMY-CWH2D",
      [
        "Windows Server 1809 Datacenter",
        "Windows Server 1903 Datacenter",
        "Windows Server 1909 Datacenter",
        "Windows Server 2004 Datacenter",
        "Windows Server 20H2 Datacenter",
      ],
    ],
    [" wx4nm-kywyw-qjjr4-xv3qb-6vm33 ", ["Windows Server 2022 Datacenter"]],
    ["BCDFG-HJKMN-PQRTV-WXY23-46789", []],
  ])("findProductsBySetupKey(%j) names %j", (key, names) => {
    expect(findProductsBySetupKey(key).map((p) => p.name)).toEqual(names);
  });

  test.each([
    ["Windows Server 2025 Standard", "windowsServer", "Windows Server 2025", 26100, undefined],
    ["Windows Server 2022 Datacenter", "windowsServer", "Windows Server 2022", 20348, undefined],
    ["Windows Server 2019 Essentials", "windowsServer", "Windows Server 2019", 17763, undefined],
    ["Windows Server 2016 Standard", "windowsServer", "Windows Server 2016", 14393, undefined],
    [
      "Windows Server 1809 Standard",
      "windowsServer",
      "Windows Server, version 1809",
      17763,
      undefined,
    ],
    [
      "Windows Server 2008 R2 Enterprise",
      "windowsServer",
      "Windows Server 2008 R2",
      undefined,
      undefined,
    ],
    ["Windows 11 Enterprise LTSC 2024", "windowsClient", "Windows 11 LTSC 2024", 26100, undefined],
    ["Windows 10 Enterprise LTSC 2021", "windowsClient", "Windows 10 LTSC 2021", 19044, undefined],
    ["Windows 10 Enterprise LTSC 2019", "windowsClient", "Windows 10 LTSC 2019", 17763, undefined],
    ["Windows 10 Enterprise LTSB 2016", "windowsClient", "Windows 10 LTSB 2016", 14393, undefined],
    ["Windows 11 Pro", "windowsClient", "Windows 11", undefined, undefined],
    ["Office LTSC Professional Plus 2024", "office", "Office LTSC 2024", undefined, "LTSC 2024"],
    ["Office LTSC Standard 2021", "office", "Office LTSC 2021", undefined, "LTSC 2021"],
    ["Office Professional Plus 2019", "office", "Office 2019", undefined, "2019"],
    ["Visio Professional 2016", "office", "Office 2016", undefined, "2016"],
    ["Office Professional Plus 2013", "office", "Office 2013", undefined, "2013"],
    ["Word 2010", "office", "Office 2010", undefined, "2010"],
  ])(
    "%s: family %s, version %s, build %s, officeVersion %s",
    (name, family, version, build, office) => {
      const p = requireProduct(name, "product");
      expect([p.family, p.version, p.build, p.officeVersion]).toEqual([
        family,
        version,
        build,
        office,
      ]);
    },
  );

  test("Office 2010/2013 keys are marked as third-party copies; all other keys are Microsoft's", () => {
    for (const p of PRODUCTS) {
      const thirdParty = p.officeVersion === "2010" || p.officeVersion === "2013";
      expect([p.name, p.source === "3p-office-2010-2013"]).toEqual([p.name, thirdParty]);
    }
  });

  test("exactly the two Datacenter: Azure Edition products are flagged azureEdition", () => {
    expect(PRODUCTS.filter((p) => p.azureEdition).map((p) => p.name)).toEqual([
      "Windows Server 2025 Datacenter: Azure Edition",
      "Windows Server 2022 Datacenter: Azure Edition",
    ]);
  });
});

describe("requireProduct", () => {
  test.each([
    [
      "windows server 2022 datacentre",
      'product must be a product name from the catalog (did you mean "Windows Server 2022 Datacenter", "Windows Server 2022 Datacenter: Azure Edition" or "Windows Server 2025 Datacenter"?); received "windows server 2022 datacentre".',
    ],
    [
      "Win 11 Enterprise",
      'product must be a product name from the catalog (did you mean "Windows 11 Enterprise", "Windows 11 Enterprise N" or "Windows 11 Enterprise G"?); received "Win 11 Enterprise".',
    ],
    [
      "Project Pro 2021",
      'product must be a product name from the catalog (did you mean "Project Professional 2021", "Project Standard 2021" or "Project Professional 2024"?); received "Project Pro 2021".',
    ],
    [
      "zzz",
      'product must be a product name from the catalog, e.g. "Windows Server 2022 Datacenter", "Windows 11 Enterprise" or "Office LTSC Professional Plus 2024"; received "zzz".',
    ],
  ])("unknown %j suggests the closest names", (name, message) => {
    expect(errorOf(() => requireProduct(name, "product")).message).toBe(message);
  });

  const subscription =
    "a product that KMS can activate: Microsoft 365 Apps (Office 365) and subscription Project/Visio use subscription licensing (the user's Microsoft 365 sign-in), not KMS; use a volume-licensed edition such as \"Office LTSC Professional Plus 2024\", or leave this client's Office to Microsoft 365";
  test.each([
    ["Microsoft 365 Apps for enterprise"],
    ["Office 365 ProPlus"],
    ["M365 Apps"],
    ["Project Online Desktop Client"],
  ])("subscription product %j is explained, not just unknown", (name) => {
    const e = errorOf(() => requireProduct(name, "clients[0].product"));
    expect([e.argument, e.allowed, e.received]).toEqual([
      "clients[0].product",
      subscription,
      JSON.stringify(name),
    ]);
  });

  test("Windows Home is explained", () => {
    expect(errorOf(() => requireProduct("Windows 11 Home", "product")).allowed).toBe(
      'a volume-licensed edition: Windows Home editions have no published KMS client setup key and cannot be activated by KMS; upgrade to Pro or Enterprise (e.g. "Windows 11 Pro")',
    );
  });

  test.each([[undefined], [42], ["  "]])("non-name %j", (value) => {
    expect(errorOf(() => requireProduct(value, "product")).allowed).toBe(
      'a product name from the catalog, e.g. "Windows Server 2022 Datacenter", "Windows 11 Enterprise" or "Office LTSC Professional Plus 2024"',
    );
  });
});

describe("activation numbers", () => {
  test("thresholds, count groups and intervals are Microsoft's", () => {
    expect(ACTIVATION).toEqual({
      thresholds: { windowsClient: 25, windowsServer: 5, office: 5 },
      countGroup: { windowsClient: "windows", windowsServer: "windows", office: "office" },
      countWindowDays: 30,
      hostMemory: 50,
      officeHostMemory: 10,
      defaultActivationIntervalMinutes: 120,
      defaultRenewalIntervalMinutes: 10080,
      minIntervalMinutes: 15,
      maxIntervalMinutes: 43200,
      validityDays: 180,
      defaultPort: 1688,
    });
    expect(FAMILY_LABELS).toEqual({
      windowsClient: "Windows client",
      windowsServer: "Windows Server",
      office: "Office",
    });
  });
});

describe("key groups", () => {
  test("the groups, their kinds and host operating systems", () => {
    expect(KEY_GROUPS.map((g) => [g.id, g.kind, g.hostOs])).toEqual([
      [
        "Windows Server 2025",
        "windows",
        ["Windows Server 2025", "Windows Server 2022", "Windows Server 2019"],
      ],
      [
        "Windows Server 2022",
        "windows",
        ["Windows Server 2022", "Windows Server 2019", "Windows Server 2016"],
      ],
      [
        "Windows Server 2019",
        "windows",
        ["Windows Server 2019", "Windows Server 2016", "Windows Server 2012 R2"],
      ],
      [
        "Windows Server 2016",
        "windows",
        ["Windows Server 2016", "Windows Server 2012 R2", "Windows Server 2012"],
      ],
      ["Windows 10", "windows", ["Windows 10", "Windows 8.1", "Windows 7"]],
      [
        "Office 2016",
        "office",
        [
          "Windows Server 2025",
          "Windows Server 2022",
          "Windows Server 2019",
          "Windows Server 2016",
          "Windows Server 2012 R2",
          "Windows Server 2012",
          "Windows Server 2008 R2",
          "Windows 11",
          "Windows 10",
          "Windows 8.1",
          "Windows 7",
        ],
      ],
      [
        "Office 2019",
        "office",
        [
          "Windows Server 2025",
          "Windows Server 2022",
          "Windows Server 2019",
          "Windows Server 2016",
          "Windows Server 2012 R2",
          "Windows Server 2012",
          "Windows 11",
          "Windows 10",
          "Windows 8.1",
        ],
      ],
      [
        "Office LTSC 2021",
        "office",
        [
          "Windows Server 2025",
          "Windows Server 2022",
          "Windows Server 2019",
          "Windows Server 2016",
          "Windows 11",
          "Windows 10",
        ],
      ],
      [
        "Office LTSC 2024",
        "office",
        ["Windows Server 2025", "Windows Server 2022", "Windows 11", "Windows 10"],
      ],
    ]);
  });

  test.each([
    ["2022", "Windows Server 2022"],
    ["WS2022", "Windows Server 2022"],
    ["ws 2022", "Windows Server 2022"],
    ["windows server 2022", "Windows Server 2022"],
    ["Volume License for Windows Server 2019", "Windows Server 2019"],
    ["2025", "Windows Server 2025"],
    ["Windows 10", "Windows 10"],
    ["win10", "Windows 10"],
    ["Office LTSC 2024", "Office LTSC 2024"],
    ["office 2021", "Office LTSC 2021"],
    ["Office 2016", "Office 2016"],
  ])("findKeyGroup(%j) is %j", (alias, id) => {
    expect(findKeyGroup(alias)?.id).toBe(id);
  });

  test.each([["2012 R2"], ["Windows 11"], ["Office 2013"], [""]])(
    "findKeyGroup(%j) is undefined",
    (alias) => {
      expect(findKeyGroup(alias)).toBeUndefined();
    },
  );

  test("requireKeyGroup lists the groups there are", () => {
    expect(errorOf(() => requireKeyGroup("2012", "keyGroup")).message).toBe(
      'keyGroup must be the key group of your KMS host key (CSVLK): "Windows Server 2025", "Windows Server 2022", "Windows Server 2019", "Windows Server 2016", "Windows 10", "Office 2016", "Office 2019", "Office LTSC 2021" or "Office LTSC 2024"; received "2012".',
    );
  });

  // Row by row from Microsoft's activation-version tables ([PLAN]).
  test.each([
    // Windows 11 only from the 2022 group on; Windows 10 from every group.
    ["Windows Server 2025", "Windows 11 Enterprise", true],
    ["Windows Server 2022", "Windows 11 Enterprise", true],
    ["Windows Server 2019", "Windows 11 Enterprise", false],
    ["Windows Server 2016", "Windows 11 Pro", false],
    ["Windows 10", "Windows 11 Pro", false],
    ["Windows Server 2019", "Windows 10 Enterprise", true],
    ["Windows Server 2016", "Windows 10 Pro", true],
    ["Windows 10", "Windows 10 Education", true],
    ["Windows Server 2022", "Windows 11 Pro for Workstations N", true],
    ["Windows Server 2022", "Windows 11 Pro Education", true],
    // LTSC 2024 only from 2025.
    ["Windows Server 2025", "Windows 11 Enterprise LTSC 2024", true],
    ["Windows Server 2022", "Windows 11 Enterprise LTSC 2024", false],
    ["Windows Server 2022", "Windows 11 Enterprise N LTSC 2024", false],
    ["Windows Server 2022", "Windows 10 Enterprise LTSC 2021", true],
    ["Windows Server 2019", "Windows 10 Enterprise LTSC 2021", true],
    ["Windows Server 2016", "Windows 10 Enterprise LTSC 2019", false],
    ["Windows Server 2016", "Windows 10 Enterprise LTSB 2016", true],
    ["Windows 10", "Windows 10 Enterprise LTSB 2016", false],
    ["Windows 10", "Windows 10 Enterprise LTSB 2015", true],
    // Servers: 2025 only from the 2025 group; the client group activates none.
    ["Windows Server 2025", "Windows Server 2025 Datacenter", true],
    ["Windows Server 2022", "Windows Server 2025 Standard", false],
    ["Windows Server 2022", "Windows Server 2022 Datacenter", true],
    ["Windows Server 2019", "Windows Server 2022 Standard", false],
    ["Windows Server 2019", "Windows Server 2019 Standard", true],
    ["Windows Server 2016", "Windows Server 2019 Datacenter", false],
    ["Windows Server 2016", "Windows Server 2016 Datacenter", true],
    ["Windows Server 2016", "Windows Server 2008 Standard", true],
    ["Windows Server 2016", "Windows Server 20H2 Standard", true],
    ["Windows 10", "Windows Server 2016 Standard", false],
    // Azure Edition is activated by Azure, never by a host you run.
    ["Windows Server 2025", "Windows Server 2025 Datacenter: Azure Edition", false],
    ["Windows Server 2025", "Windows Server 2022 Datacenter: Azure Edition", false],
    // Older clients.
    ["Windows Server 2025", "Windows 8.1 Pro", true],
    ["Windows Server 2025", "Windows 7 Enterprise", true],
    ["Windows Server 2025", "Windows 8 Pro", false],
    ["Windows Server 2025", "Windows Vista Business", false],
    // Office: each Office group activates its own version only.
    ["Office LTSC 2024", "Office LTSC Professional Plus 2024", true],
    ["Office LTSC 2024", "Project Professional 2024", true],
    ["Office LTSC 2024", "Office LTSC Professional Plus 2021", false],
    ["Office LTSC 2021", "Project Professional 2021", true],
    ["Office 2019", "Office Professional Plus 2019", true],
    ["Office 2016", "Office Professional Plus 2019", false],
    ["Office 2016", "Visio Standard 2016", true],
    ["Office 2016", "Office Professional Plus 2013", false],
    ["Windows Server 2025", "Office LTSC Professional Plus 2024", false],
    ["Office LTSC 2024", "Windows 11 Enterprise", false],
  ])("%s activates %s: %s", (group, product, expected) => {
    expect(canActivate(group, product)).toBe(expected);
    expect(
      canActivate(requireKeyGroup(group, "keyGroup"), requireProduct(product, "product")),
    ).toBe(expected);
  });

  test.each([
    ["Windows 11 Enterprise", ["Windows Server 2025", "Windows Server 2022"]],
    ["Windows 11 Enterprise LTSC 2024", ["Windows Server 2025"]],
    ["Windows Server 2025 Datacenter", ["Windows Server 2025"]],
    [
      "Windows 10 Pro",
      [
        "Windows Server 2025",
        "Windows Server 2022",
        "Windows Server 2019",
        "Windows Server 2016",
        "Windows 10",
      ],
    ],
    ["Windows Server 2022 Datacenter: Azure Edition", []],
    ["Office LTSC Professional Plus 2024", ["Office LTSC 2024"]],
    ["Office Professional Plus 2013", []],
  ])("keyGroupsActivating(%j) is %j", (product, groups) => {
    expect(keyGroupsActivating(product).map((g) => g.id)).toEqual(groups);
  });

  test("products no key group activates carry a note saying why", () => {
    const orphans = PRODUCTS.filter((p) => keyGroupsActivating(p).length === 0);
    expect(orphans.filter((p) => p.note === undefined).map((p) => p.name)).toEqual([]);
    expect(requireProduct("Windows Server 2025 Datacenter: Azure Edition", "product").note).toBe(
      "Datacenter: Azure Edition is activated by Azure itself, not by your KMS host, and cannot be a KMS host.",
    );
  });

  test.each([
    ["Windows Server 2025", "2025", true],
    ["Windows Server 2025", "2022", true],
    ["Windows Server 2025", "Windows Server 2019", true],
    ["Windows Server 2025", "2016", false],
    ["Windows Server 2022", "2022", true],
    ["Windows Server 2022", "Windows Server 2022", true],
    ["Windows Server 2022", "Windows Server 2022 Datacenter", true],
    ["Windows Server 2022", "ws2016", true],
    ["Windows Server 2022", "2025", false],
    ["Windows Server 2022", "Windows Server 2022 Datacenter: Azure Edition", false],
    ["Windows Server 2022", "2022-datacenter-azure-edition", false],
    ["Windows Server 2019", "2012 R2", true],
    ["Windows Server 2016", "Windows Server 2012", true],
    ["Windows 10", "Windows 10", true],
    ["Windows 10", "2022", false],
    ["Office LTSC 2024", "2019", false],
    ["Office LTSC 2024", "Windows Server 2022", true],
    ["Office LTSC 2024", "Windows 11 Enterprise", true],
    ["Office 2016", "Windows 7 SP1", true],
    ["Office LTSC 2021", "Windows Server 2016", true],
    ["Office 2019", "Windows Server 2012", true],
    ["Windows Server 2022", "not an os", false],
  ])("canHost(%j, %j) is %s", (group, os, expected) => {
    expect(canHost(group, os)).toBe(expected);
  });

  test.each([
    ["2022", "Windows Server 2022"],
    ["2025", "Windows Server 2025"],
    ["Windows Server 2019", "Windows Server 2019"],
    ["WS2016", "Windows Server 2016"],
    ["2012 R2", undefined],
    ["2022 Datacenter: Azure Edition", undefined],
  ])("defaultKeyGroupForHost(%j) is %j", (version, group) => {
    expect(defaultKeyGroupForHost(version)).toBe(group);
  });

  test.each([
    ["2012r2", "Windows Server 2012 R2"],
    ["Windows Server 2008 R2", "Windows Server 2008 R2"],
    ["Win 11", "Windows 11"],
    ["windows 8.1 pro", "Windows 8.1"],
    ["Windows Server 2025 Datacenter: Azure Edition", undefined],
    ["2030", undefined],
  ])("normalizeHostOs(%j) is %j", (version, os) => {
    expect(normalizeHostOs(version)).toBe(os);
  });

  test("Office host requirements and Volume License Pack downloads", () => {
    expect(
      OFFICE_HOST_REQUIREMENTS.map((r) => [
        r.officeVersion,
        r.minWindowsServer,
        r.minWindowsClient,
        r.volumeLicensePackDownloadId,
      ]),
    ).toEqual([
      ["LTSC 2024", "Windows Server 2022", "Windows 10", 106246],
      ["LTSC 2021", "Windows Server 2016", "Windows 10", 103446],
      ["2019", "Windows Server 2012", "Windows 8.1", 57342],
      ["2016", "Windows Server 2008 R2", "Windows 7 SP1", 49164],
    ]);
  });
});
