import * as fc from "fast-check";
import { forecast, formatForecast, specFromSummaries } from "../tools/forecast";
import type { ForecastClientSpec, ForecastSpec } from "../tools/forecast";
import type {
  ActivationFamily,
  KmsClientSummary,
  KmsHostSummary,
} from "pulumi-kms-activation-catalog";

const clients = (n: number, family: ActivationFamily, prefix = family): ForecastClientSpec[] =>
  Array.from({ length: n }, (_, i) => ({ name: `${prefix}-${i}`, family, host: "kms" }));

const one = (cs: ForecastClientSpec[], host: Partial<ForecastSpec["hosts"][0]> = {}) =>
  forecast({ hosts: [{ name: "kms", ...host }], clients: cs });

const family = (f: ReturnType<typeof forecast>, fam: ActivationFamily) =>
  f.hosts[0].families.find((x) => x.family === fam)!;

describe("thresholds", () => {
  test.each([
    [4, "windowsServer", false],
    [5, "windowsServer", true],
    [24, "windowsClient", false],
    [25, "windowsClient", true],
    [4, "office", false],
    [5, "office", true],
  ] as const)("%i %s clients reach the threshold: %s", (n, fam, reached) => {
    const f = family(one(clients(n, fam)), fam);
    expect(f.reached).toBe(reached);
    expect(f.finalCount).toBe(n);
    expect(f.allActivated.withBarrierMinutes).toBe(reached ? 0 : null);
  });

  test("4 servers never activate, and the reason says how many are missing", () => {
    const f = family(one(clients(4, "windowsServer")), "windowsServer");
    expect(f.reason).toBe(
      "the host's Windows count would reach 4 of the 5 needed for Windows Server: add 1 more distinct machine(s) active within 30 days, or declare the clients outside this stack in externalClients",
    );
    expect(f.perClient.map((c) => c.defaultMinutes)).toEqual([null, null, null, null]);
  });

  test("5 servers: the fifth activates on its first request, the first four wait", () => {
    const f = family(one(clients(5, "windowsServer")), "windowsServer");
    expect(f.perClient.map((c) => c.firstCount)).toEqual([1, 2, 3, 4, 5]);
    expect(f.perClient.map((c) => c.activatesOnFirstRequest)).toEqual([
      false,
      false,
      false,
      false,
      true,
    ]);
    expect(f.perClient.map((c) => c.withBarrierMinutes)).toEqual([0, 0, 0, 0, 0]);
    expect(f.perClient.map((c) => c.defaultMinutes)).toEqual([120, 120, 120, 120, 0]);
    expect(f.thresholdToAllActivated).toEqual({ withBarrierMinutes: 0, defaultMinutes: 120 });
    expect(f.pending).toBe(4);
  });

  test("20 client OS + 5 servers share the Windows count: everything activates", () => {
    const f = one([...clients(5, "windowsServer"), ...clients(20, "windowsClient")]);
    expect(family(f, "windowsClient").finalCount).toBe(25);
    expect(family(f, "windowsClient").reached).toBe(true);
    // Servers are declared first: they activate as the fifth machine registers.
    expect(family(f, "windowsServer").activatedOnFirstRequest).toBe(1);
    expect(family(f, "windowsClient").activatedOnFirstRequest).toBe(1);
    expect(family(f, "windowsClient").allActivated).toEqual({
      withBarrierMinutes: 0,
      defaultMinutes: 120,
    });
  });

  test("Office has its own count: 30 Windows clients do not help 4 Office clients", () => {
    const f = one([...clients(30, "windowsClient"), ...clients(4, "office")]);
    expect(family(f, "office").finalCount).toBe(4);
    expect(family(f, "office").reached).toBe(false);
    expect(family(f, "windowsClient").finalCount).toBe(30);
  });

  test("external clients count toward their count group", () => {
    const f = one(clients(20, "windowsClient"), { externalClients: { windowsServer: 5 } });
    expect(family(f, "windowsClient").finalCount).toBe(25);
    expect(family(f, "windowsClient").externalClients).toBe(5);
    expect(family(f, "windowsClient").reached).toBe(true);
  });

  test("the host remembers 50 Windows machines and 10 Office machines", () => {
    const f = one([...clients(60, "windowsClient"), ...clients(12, "office")]);
    expect(family(f, "windowsClient").finalCount).toBe(50);
    expect(family(f, "office").finalCount).toBe(10);
  });

  test("clients sharing a machine count once", () => {
    const cs = clients(5, "windowsServer").map((c, i) => ({
      ...c,
      machine: i < 2 ? "same" : c.name,
    }));
    const f = family(one(cs), "windowsServer");
    expect(f.finalCount).toBe(4);
    expect(f.reason).toContain("(1 client(s) share a machine and count once)");
  });

  test("VMs from one image that share a client machine ID count once, and the reason says to rearm", () => {
    const cs = clients(5, "windowsServer").map((c) => ({ ...c, sharedCmid: "image-a" }));
    const f = family(one(cs), "windowsServer");
    expect(f.finalCount).toBe(1);
    expect(f.reached).toBe(false);
    expect(f.distinctMachines).toBe(1);
    expect(f.reason).toContain(
      "(5 client(s) are VMs from one generalized image that share a client machine ID until rearmed, so the host counts them once: give their KmsClient rearm: true)",
    );
    expect(f.perClient.map((c) => c.withBarrierMinutes)).toEqual([null, null, null, null, null]);
  });

  test("the host's activation interval is the default retry time", () => {
    const f = family(
      one(clients(5, "windowsServer"), { activationIntervalMinutes: 15 }),
      "windowsServer",
    );
    expect(f.allActivated.defaultMinutes).toBe(15);
  });

  test("Office on a host without an Office host key never activates", () => {
    const f = family(one(clients(6, "office"), { officeHostKey: false }), "office");
    expect(f.reached).toBe(false);
    expect(f.reason).toBe("the host has no Office host key, so it cannot activate Office");
  });

  test("activate: false clients are configured only and do not count", () => {
    const cs = [
      ...clients(5, "windowsServer"),
      { name: "off", family: "windowsServer" as const, host: "kms", activate: false },
    ];
    const f = family(one(cs), "windowsServer");
    expect(f.clients).toBe(5);
    expect(f.perClient[5]).toMatchObject({
      name: "off",
      withBarrierMinutes: null,
      reason: "activate is false",
    });
  });
});

describe("placement", () => {
  test("clients of a host outside the stack, or with an unknown family, are not forecast", () => {
    const f = forecast({
      hosts: [{ name: "a" }, { name: "b" }],
      clients: [
        { name: "c1", family: "windowsServer", host: "zz" },
        { name: "c2" },
        { name: "c3", family: "windowsServer", kmsServer: "other.example.com:1688" },
        { name: "c4", family: "windowsServer" },
        { name: "c5", family: "windowsServer", kmsServer: "b:1688" },
      ],
    });
    expect(f.unplaced.map((u) => [u.name, u.reason])).toEqual([
      ["c1", 'its host "zz" is not in this stack'],
      ["c2", "its product is not in the catalog, so its family and threshold are unknown"],
      [
        "c3",
        'it activates against kmsServer "other.example.com:1688", which is not a host of this stack',
      ],
      ["c4", "it discovers its host through DNS and the stack has several hosts"],
    ]);
    expect(f.hosts[1].families[0].clients).toBe(1);
  });

  test("DNS discovery with one host goes to that host; a lookup domain picks the host with that zone", () => {
    const f = forecast({
      hosts: [
        { name: "a", dnsZone: "corp.example" },
        { name: "b", dnsZone: "branch.example" },
      ],
      clients: [{ name: "c", family: "windowsServer", lookupDomain: "branch.example" }],
    });
    expect(f.hosts[1].families[0].perClient[0].name).toBe("c");
    expect(f.hosts[0].families).toEqual([]);
  });
});

describe("summaries and text", () => {
  test("specFromSummaries maps the component summaries", () => {
    const host: KmsHostSummary = {
      name: "kms",
      createsVm: true,
      transport: "runCommand",
      dnsPublishing: false,
      lowPriority: false,
      activationIntervalMinutes: 60,
      externalClients: { windowsClient: 0, windowsServer: 2, office: 0 },
      dns: { zoneName: "corp.example", private: true, hostFqdn: "kms.corp.example" },
    };
    const client: KmsClientSummary = {
      name: "c1",
      transport: "ssh",
      machine: "ssh:10.0.0.5:22",
      family: "windowsServer",
      discovery: "host",
      hostName: "kms",
      activate: true,
    };
    expect(specFromSummaries([host], [client])).toEqual({
      hosts: [
        {
          name: "kms",
          activationIntervalMinutes: 60,
          renewalIntervalMinutes: undefined,
          externalClients: { windowsClient: 0, windowsServer: 2, office: 0 },
          officeHostKey: undefined,
          dnsZone: "corp.example",
          fqdn: "kms.corp.example",
        },
      ],
      clients: [
        {
          name: "c1",
          family: "windowsServer",
          host: "kms",
          barrier: true,
          kmsServer: undefined,
          lookupDomain: undefined,
          machine: "ssh:10.0.0.5:22",
          activate: true,
        },
      ],
    });
  });

  test("formatForecast says when clients activate and when they never will", () => {
    const text = formatForecast(
      forecast({
        hosts: [{ name: "kms" }],
        clients: [...clients(5, "windowsServer"), ...clients(3, "office")],
      }),
    );
    expect(text.split("\n")).toEqual([
      "Activation forecast (times after the deployment; the threshold barrier asks its pending clients again at its end: those given `host`, or its kmsServer or fqdn)",
      "  host kms: activation interval 120 min, renewal 10080 min, valid 180 days after each renewal",
      "    Windows Server: 5 client(s), count 5/5: 1 activates on the first request; 4 get 0xC004F038 and are pending until the count reaches 5; the threshold barrier asks them again at the deployment's end, so all are activated when it ends (without the barrier: 120 min after the deployment, at the next retry (the activation interval, 120 min))",
      "    Office: 3 client(s), count 3/5: NEVER activate: the host's Office count would reach 3 of the 5 needed for Office: add 2 more distinct machine(s) active within 30 days, or declare the clients outside this stack in externalClients",
    ]);
  });

  test("a renewal interval of 30 days gets a note", () => {
    const f = one(clients(5, "windowsServer"), { renewalIntervalMinutes: 43200 });
    expect(f.hosts[0].notes).toEqual([
      "renewal interval 43200 min is 30 days or more: the host forgets clients after 30 days, so its count can fall below the threshold between renewals",
    ]);
  });
});

describe("properties", () => {
  const famArb = fc.constantFrom<ActivationFamily>("windowsClient", "windowsServer", "office");
  const clientArb = fc.record({
    family: famArb,
    machine: fc.integer({ min: 0, max: 40 }),
    activate: fc.boolean(),
  });
  const specOf = (
    cs: { family: ActivationFamily; machine: number; activate: boolean }[],
  ): ForecastSpec => ({
    hosts: [{ name: "kms", activationIntervalMinutes: 120 }],
    clients: cs.map((c, i) => ({
      name: `c${i}`,
      family: c.family,
      host: "kms",
      machine: `m${c.machine}`,
      activate: c.activate,
    })),
  });
  const times = (f: ReturnType<typeof forecast>) => {
    const m = new Map<string, { b: number | null; d: number | null }>();
    for (const fam of f.hosts[0].families) {
      for (const c of fam.perClient)
        m.set(c.name, { b: c.withBarrierMinutes, d: c.defaultMinutes });
    }
    return m;
  };
  const later = (a: number | null, b: number | null) =>
    (a === null ? Infinity : a) > (b === null ? Infinity : b);

  test("more clients never make a client activate later, nor fewer clients activate", () => {
    fc.assert(
      fc.property(
        fc.array(clientArb, { maxLength: 60 }),
        fc.array(clientArb, { maxLength: 30 }),
        (base, extra) => {
          const before = times(forecast(specOf(base)));
          const after = times(forecast(specOf([...base, ...extra])));
          for (const [name, t] of before) {
            const u = after.get(name)!;
            if (later(u.b, t.b) || later(u.d, t.d)) return false;
          }
          const activated = (m: Map<string, { b: number | null }>) =>
            [...m.values()].filter((x) => x.b !== null).length;
          return activated(after) >= activated(before);
        },
      ),
    );
  });

  test("the barrier is never slower than the default behaviour", () => {
    fc.assert(
      fc.property(
        fc.array(clientArb, { maxLength: 80 }),
        fc.integer({ min: 15, max: 43200 }),
        (cs, ai) => {
          const spec = specOf(cs);
          spec.hosts[0].activationIntervalMinutes = ai;
          for (const fam of forecast(spec).hosts[0].families) {
            for (const c of fam.perClient)
              if (later(c.withBarrierMinutes, c.defaultMinutes)) return false;
            if (later(fam.allActivated.withBarrierMinutes, fam.allActivated.defaultMinutes))
              return false;
          }
          return true;
        },
      ),
    );
  });
});

describe("threshold barrier membership", () => {
  test("pending clients without `host` (DNS discovery, kmsServer) are not asked again at the deployment's end", () => {
    const f = forecast({
      hosts: [{ name: "kms", dnsZone: "corp.example" }],
      clients: Array.from({ length: 5 }, (_, i) => ({
        name: `s${i}`,
        family: "windowsServer" as const,
        host: "kms",
        barrier: i < 2,
      })),
    });
    const fam = f.hosts[0].families[0];
    expect(fam.perClient.map((c) => c.withBarrierMinutes)).toEqual([0, 0, 120, 120, 0]);
    expect(fam.allActivated).toEqual({ withBarrierMinutes: 120, defaultMinutes: 120 });
    expect(formatForecast(f)).toContain(
      "1 activates on the first request; 4 get 0xC004F038 and are pending until the count reaches 5; the threshold barrier asks 2 again at the deployment's end, and 2 are not in it (only clients given `host`, or its kmsServer or fqdn, are asked again), so they wait for the next retry (the activation interval, 120 min): all activated 120 min after the deployment",
    );
  });

  test("specFromSummaries: only clients given `host` join the barrier", () => {
    const base = { transport: "runCommand", activate: true, family: "windowsServer" } as const;
    const spec = specFromSummaries([{ name: "kms" } as KmsHostSummary], [
      { ...base, name: "a", discovery: "host", hostName: "kms" },
      { ...base, name: "b", discovery: "dns" },
      { ...base, name: "c", discovery: "kmsServer", kmsServer: "kms.x:1688", hostName: "kms" },
    ] as KmsClientSummary[]);
    expect(spec.clients.map((c) => c.barrier)).toEqual([true, false, false]);
  });
});

describe("the forecast's text adds up for a reader who has not read the code", () => {
  test("a count shared by Windows client OS and Windows Server, with external clients, says what it is made of", () => {
    const text = formatForecast(
      forecast({
        hosts: [{ name: "kms", externalClients: { windowsClient: 29 } }],
        clients: [
          { name: "w1", family: "windowsClient", host: "kms" },
          { name: "s1", family: "windowsServer", host: "kms" },
        ],
      }),
    );
    expect(text).toContain(
      "    Windows client OS: 1 client(s), count 31/25 (the host's Windows count: 2 machines in this stack + 29 outside it in externalClients; Windows client OS and Windows Server add to this one count): it activates on its first request, during the deployment",
    );
    expect(text).not.toContain("threshold → all");
  });

  test("pending clients none of which is in the barrier: never 'with the barrier'", () => {
    const text = formatForecast(
      forecast({
        hosts: [{ name: "kms-a" }],
        clients: Array.from({ length: 5 }, (_, i) => ({
          name: `s${i}`,
          family: "windowsServer" as const,
          host: "kms-a",
          barrier: false,
        })),
      }),
    );
    expect(text).toContain(
      "none of them is in the host's threshold barrier (only clients given `host`, or its kmsServer or fqdn, are asked again), so they wait for the next retry (the activation interval, 120 min): all activated 120 min after the deployment",
    );
    expect(text).not.toContain("with the barrier");
  });
});
