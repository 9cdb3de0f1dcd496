import fc from "fast-check";
import { KmsConfigError } from "pulumi-kms-activation-catalog";
import {
  orderSrvRecords,
  parseDnsServer,
  parseDomain,
  parseHostPort,
  parseStackOutputs,
  parseTimeoutMs,
  stackDomain,
} from "../tools/doctor";

type Rec = { name: string; priority: number; weight: number };
const rec = (name: string, priority: number, weight: number): Rec => ({ name, priority, weight });
const names = (rs: Rec[]) => rs.map((r) => r.name);

/** Returns the given numbers in turn, as a stand-in for Math.random. */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length];
};

describe("orderSrvRecords (RFC 2782)", () => {
  test("lower priority number first, whatever the answer order", () => {
    const records = [rec("b", 10, 0), rec("c", 20, 0), rec("a", 0, 0)];
    expect(names(orderSrvRecords(records, () => 0))).toEqual(["a", "b", "c"]);
  });

  test.each([
    // weights 1 and 3: the draw is a whole number from 0 to 4; running sums are a=1, b=4
    { draws: [0, 0], expected: ["a", "b"] },
    { draws: [0.39, 0], expected: ["a", "b"] }, // floor(0.39 * 5) = 1 <= 1
    { draws: [0.4, 0], expected: ["b", "a"] }, // floor(0.4 * 5) = 2 > 1
    { draws: [0.999, 0], expected: ["b", "a"] },
  ])("weighted pick within one priority: draws $draws → $expected", ({ draws, expected }) => {
    expect(names(orderSrvRecords([rec("a", 0, 1), rec("b", 0, 3)], sequence(...draws)))).toEqual(
      expected,
    );
  });

  test("a weight-0 record is picked only on a draw of 0", () => {
    const records = [rec("heavy", 0, 4), rec("zero", 0, 0)];
    expect(names(orderSrvRecords(records, sequence(0)))).toEqual(["zero", "heavy"]);
    expect(names(orderSrvRecords(records, sequence(0.2)))).toEqual(["heavy", "zero"]);
  });

  test("a random source returning 1 stays within the records", () => {
    expect(names(orderSrvRecords([rec("a", 0, 1), rec("b", 0, 1)], () => 1))).toEqual(["b", "a"]);
  });

  test("property: a permutation of the input with non-decreasing priorities", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            priority: fc.integer({ min: 0, max: 3 }),
            weight: fc.integer({ min: 0, max: 5 }),
          }),
          {
            maxLength: 8,
          },
        ),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 1,
          maxLength: 8,
        }),
        (raw, draws) => {
          const records = raw.map((r, i) => ({ ...r, name: `h${i}` }));
          const ordered = orderSrvRecords(records, sequence(...draws));
          expect([...names(ordered)].sort()).toEqual([...names(records)].sort());
          for (let i = 1; i < ordered.length; i++) {
            expect(ordered[i].priority).toBeGreaterThanOrEqual(ordered[i - 1].priority);
          }
        },
      ),
    );
  });
});

describe("argument parsing", () => {
  test.each([
    ["kms.corp.test", { host: "kms.corp.test", port: 1688 }],
    ["kms.corp.test:1689", { host: "kms.corp.test", port: 1689 }],
    ["kms.corp.test.:1689", { host: "kms.corp.test", port: 1689 }],
    ["10.0.0.4:1688", { host: "10.0.0.4", port: 1688 }],
    ["[fd00::4]:1690", { host: "fd00::4", port: 1690 }],
    ["fd00::4", { host: "fd00::4", port: 1688 }],
  ])("parseHostPort(%j)", (input, expected) => {
    expect(parseHostPort(input)).toEqual(expected);
  });

  test.each([
    "",
    "kms.corp.test:0",
    "kms.corp.test:70000",
    "kms.corp.test:abc",
    "bad host:1688",
    "[nothex]:1688",
  ])("parseHostPort(%j) is a usage error", (input) => {
    expect(() => parseHostPort(input)).toThrow(KmsConfigError);
  });

  test("a bad port is reported with the argument, the value and what is allowed", () => {
    expect(() => parseHostPort("kms:70000")).toThrow(
      'kms-doctor: --host must be a host name or address with an optional port: "kms01.contoso.com", "kms01:1688", "10.0.0.4:1688" or "[fd00::4]:1688", but the port after ":" must be an integer from 1 to 65535; received "kms:70000".',
    );
  });

  test.each([
    ["127.0.0.1", "127.0.0.1"],
    ["127.0.0.1:5353", "127.0.0.1:5353"],
    ["::1", "::1"],
    ["[::1]:5353", "[::1]:5353"],
  ])("parseDnsServer(%j)", (input, expected) => {
    expect(parseDnsServer(input)).toBe(expected);
  });

  test.each(["dns.corp.test", "127.0.0.1:99999", "1.2.3", "[::1]:x"])(
    "parseDnsServer(%j) is a usage error",
    (input) => {
      expect(() => parseDnsServer(input)).toThrow(KmsConfigError);
    },
  );

  test.each([
    ["corp.contoso.com", "corp.contoso.com"],
    ["corp.contoso.com.", "corp.contoso.com"],
    ["_vlmcs._tcp.corp.contoso.com", "corp.contoso.com"],
  ])("parseDomain(%j)", (input, expected) => {
    expect(parseDomain(input)).toBe(expected);
  });

  test.each(["", "corp..test", "-corp.test", "corp test"])(
    "parseDomain(%j) is a usage error",
    (input) => {
      expect(() => parseDomain(input)).toThrow(KmsConfigError);
    },
  );

  test.each([
    ["3000", 3000],
    [250, 250],
  ])("parseTimeoutMs(%j)", (input, expected) => {
    expect(parseTimeoutMs(input)).toBe(expected);
  });

  test.each(["0", "-1", "1.5", "abc", "600001"])("parseTimeoutMs(%j) is a usage error", (input) => {
    expect(() => parseTimeoutMs(input)).toThrow(
      "kms-doctor: --timeout must be a whole number of milliseconds from 1 to 600000",
    );
  });
});

describe("stack outputs", () => {
  const outputs = {
    kmsServer: "kms-host.kms.internal:1688",
    srvRecordName: "_vlmcs._tcp.kms.internal",
    hostPrivateIp: "10.0.1.4",
    dnsZoneName: "kms.internal",
    vmId: "/subscriptions/…",
  };

  test("keeps the four fields the doctor reads", () => {
    expect(parseStackOutputs(outputs)).toEqual({
      kmsServer: "kms-host.kms.internal:1688",
      srvRecordName: "_vlmcs._tcp.kms.internal",
      hostPrivateIp: "10.0.1.4",
      dnsZoneName: "kms.internal",
    });
  });

  test.each([
    [{ srvRecordName: "_vlmcs._tcp.kms.internal", dnsZoneName: "kms.internal" }, "kms.internal"],
    [
      { srvRecordName: "_vlmcs._tcp.branch1.kms.internal", dnsZoneName: "kms.internal" },
      "branch1.kms.internal",
    ],
    [{ dnsZoneName: "kms.internal." }, "kms.internal"],
  ])("stackDomain(%j) = %j", (input, expected) => {
    expect(stackDomain(input)).toBe(expected);
  });

  test.each([[[]], [null], ["text"], [{ other: 1 }], [{ kmsServer: 1688 }]])(
    "rejects %j",
    (input) => {
      expect(() => parseStackOutputs(input)).toThrow(KmsConfigError);
    },
  );
});
