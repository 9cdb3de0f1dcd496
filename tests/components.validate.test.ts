import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { KmsConfigError, requireProduct } from "pulumi-kms-activation-catalog";
import {
  PRODUCT_KEY_ALPHABET,
  formatHostPort,
  isInternetWidePrefix,
  plainValue,
  unsafeCharacter,
  validateCidr,
  validateClientAddressPrefixes,
  validateCount,
  validateDnsName,
  validateHostKey,
  validateHostPort,
  validateIntervalMinutes,
  validatePort,
  validateProductKeyFormat,
  validateRecordName,
  validateSetupKey,
  validateSrvPriority,
  validateSrvWeight,
  validateTtlSeconds,
  validateWindowsServerVersion,
  validateZoneName,
} from "../components/validate";

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof KmsConfigError) return e.message;
    throw e;
  }
  throw new Error("expected a KmsConfigError");
}

describe("plainValue", () => {
  test.each([
    ["a string", "kms01", "kms01"],
    ["a number", 1688, 1688],
    ["false", false, false],
    ["a plain array", ["10.0.0.0/16"], ["10.0.0.0/16"]],
    ["a plain object", { zoneName: "contoso.com" }, { zoneName: "contoso.com" }],
    ["undefined", undefined, undefined],
    ["a Promise", Promise.resolve(1), undefined],
    ["a thenable", { then: () => undefined }, undefined],
    ["an Output", pulumi.output("kms01"), undefined],
    ["an array holding an Output", ["10.0.0.0/16", pulumi.output("x")], undefined],
    ["an object holding a Promise", { zoneName: Promise.resolve("x") }, undefined],
  ])("%s", (_what, input, expected) => {
    expect(plainValue(input as pulumi.Input<unknown>)).toEqual(expected);
  });
});

describe("numbers", () => {
  test.each([
    [validatePort, 1, 1],
    [validatePort, 1688, 1688],
    [validatePort, 65535, 65535],
    [validateIntervalMinutes, 15, 15],
    [validateIntervalMinutes, 43200, 43200],
    [validateCount, 0, 0],
    [validateCount, 250, 250],
    [validateTtlSeconds, 1, 1],
    [validateTtlSeconds, 2147483647, 2147483647],
    [validateSrvPriority, 0, 0],
    [validateSrvPriority, 65535, 65535],
    [validateSrvWeight, 0, 0],
    [validateSrvWeight, 100, 100],
  ])("%p accepts %p", (fn, value, expected) => {
    expect(fn("x", value)).toBe(expected);
  });

  const PORT = "an integer from 1 to 65535 (the KMS default is 1688)";
  const INTERVAL = "a whole number of minutes from 15 to 43200 (30 days)";
  test.each([
    [validatePort, "port", 0, `port must be ${PORT}; received 0.`],
    [validatePort, "port", 65536, `port must be ${PORT}; received 65536.`],
    [validatePort, "port", 1688.5, `port must be ${PORT}; received 1688.5.`],
    [validatePort, "port", "1688", `port must be ${PORT}; received "1688".`],
    [validatePort, "port", Number.NaN, `port must be ${PORT}; received NaN.`],
    [validatePort, "port", undefined, `port must be ${PORT}; received undefined.`],
    [
      validateIntervalMinutes,
      "activationIntervalMinutes",
      14,
      `activationIntervalMinutes must be ${INTERVAL}; received 14.`,
    ],
    [
      validateIntervalMinutes,
      "renewalIntervalMinutes",
      43201,
      `renewalIntervalMinutes must be ${INTERVAL}; received 43201.`,
    ],
    [
      validateCount,
      "externalClients.windowsClient",
      -1,
      "externalClients.windowsClient must be a whole number, 0 or more; received -1.",
    ],
    [
      validateCount,
      "externalClients.office",
      2.5,
      "externalClients.office must be a whole number, 0 or more; received 2.5.",
    ],
    [
      validateTtlSeconds,
      "ttl",
      0,
      "ttl must be a whole number of seconds from 1 to 2147483647; received 0.",
    ],
    [
      validateTtlSeconds,
      "ttl",
      2147483648,
      "ttl must be a whole number of seconds from 1 to 2147483647; received 2147483648.",
    ],
    [
      validateSrvPriority,
      "hosts[0].priority",
      -1,
      "hosts[0].priority must be an integer from 0 to 65535 (lower is preferred); received -1.",
    ],
    [
      validateSrvWeight,
      "hosts[1].weight",
      65536,
      "hosts[1].weight must be an integer from 0 to 65535 (relative share among hosts of equal priority); received 65536.",
    ],
  ])("%p(%j, %p) is refused", (fn, argument, value, message) => {
    expect(messageOf(() => fn(argument, value))).toBe(message);
  });
});

describe("characters a script could run", () => {
  test.each([
    ["kms;calc", 'a semicolon (";")'],
    ["$env:x", 'a dollar sign ("$")'],
    ["a`b", 'a backtick ("`")'],
    ["a'b", `a single quote ("'")`],
    ['a"b', 'a double quote ("\\"")'],
    ["a\u2019b", 'a typographic quote ("\u2019")'],
    ["a b", "a space"],
    ["a\tb", "a tab"],
    ["a\nb", "a newline"],
    ["a\rb", "a carriage return"],
    ["a|b", 'a pipe ("|")'],
    ["a&b", 'an ampersand ("&")'],
    ["a(b", 'a parenthesis ("(")'],
    ["a)b", 'a parenthesis (")")'],
    ["a<b", 'an angle bracket ("<")'],
    ["a>b", 'an angle bracket (">")'],
    ["a{b", 'a brace ("{")'],
    ["a\u0007b", "a control character (U+0007)"],
    ["kms01.contoso.com", undefined],
  ])("unsafeCharacter(%j) is %j", (value, description) => {
    expect(unsafeCharacter(value)).toBe(description);
  });
});

describe("DNS names", () => {
  test.each([
    ["kms01", "kms01"],
    ["kms01.contoso.com", "kms01.contoso.com"],
    ["kms01.contoso.com.", "kms01.contoso.com"],
    ["KMS-01.Contoso.COM", "KMS-01.Contoso.COM"],
    [`${"a".repeat(63)}.com`, `${"a".repeat(63)}.com`],
    [
      `${"a".repeat(61)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}`,
      `${"a".repeat(61)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}`,
    ],
  ])("validateDnsName accepts %j", (value, expected) => {
    expect(validateDnsName("target", value)).toBe(expected);
  });

  const DNS =
    'target must be a DNS name such as "kms01.contoso.com": dot-separated labels of 1 to 63 letters, digits and hyphens (not starting or ending with a hyphen), 253 characters in all, but';
  test.each([
    [
      "-kms.contoso.com",
      `${DNS} label "-kms" is not letters, digits and inner hyphens; received "-kms.contoso.com".`,
    ],
    [
      "kms-.contoso.com",
      `${DNS} label "kms-" is not letters, digits and inner hyphens; received "kms-.contoso.com".`,
    ],
    [
      "kms_01.contoso.com",
      `${DNS} label "kms_01" is not letters, digits and inner hyphens; received "kms_01.contoso.com".`,
    ],
    [
      "kms..contoso.com",
      `${DNS} it has an empty label (two dots in a row, or a leading dot); received "kms..contoso.com".`,
    ],
    [".", `${DNS} it is empty; received ".".`],
    [
      `${"a".repeat(64)}.com`,
      `${DNS} label "aaaaaaaaaaaa…" is 64 characters long; received "${"a".repeat(64)}.com".`,
    ],
    [
      `${"a".repeat(62)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}`,
      `${DNS} it is 254 characters long; received "${"a".repeat(62)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}".`,
    ],
    [
      "kms;calc.exe",
      'target must be a DNS name such as "kms01.contoso.com" without a semicolon (";"), which PowerShell or a shell could read as code; received "kms;calc.exe".',
    ],
    [
      "kms01 .contoso.com",
      'target must be a DNS name such as "kms01.contoso.com" without a space, which PowerShell or a shell could read as code; received "kms01 .contoso.com".',
    ],
    [
      "kms\n01",
      'target must be a DNS name such as "kms01.contoso.com" without a newline, which PowerShell or a shell could read as code; received "kms\\n01".',
    ],
    ["", 'target must be a DNS name such as "kms01.contoso.com"; received "".'],
    [42, 'target must be a DNS name such as "kms01.contoso.com"; received 42.'],
  ])("validateDnsName refuses %j", (value, message) => {
    expect(messageOf(() => validateDnsName("target", value))).toBe(message);
  });

  test.each([
    ["contoso.com", "contoso.com"],
    ["corp.contoso.internal.", "corp.contoso.internal"],
    ["privatelink.contoso.com", "privatelink.contoso.com"],
  ])("validateZoneName accepts %j", (value, expected) => {
    expect(validateZoneName("dns.zoneName", value)).toBe(expected);
  });

  const ZONE =
    'dns.zoneName must be a DNS zone name with at least two labels, such as "contoso.com" or "corp.contoso.internal"';
  test.each([
    [
      "contoso",
      `${ZONE}: dot-separated labels of 1 to 63 letters, digits and hyphens (not starting or ending with a hyphen), 253 characters in all, but it has one label; received "contoso".`,
    ],
    [
      "contoso..com",
      `${ZONE}: dot-separated labels of 1 to 63 letters, digits and hyphens (not starting or ending with a hyphen), 253 characters in all, but it has an empty label (two dots in a row, or a leading dot); received "contoso..com".`,
    ],
    [
      "contoso.com|x",
      `${ZONE} without a pipe ("|"), which PowerShell or a shell could read as code; received "contoso.com|x".`,
    ],
    [undefined, `${ZONE}; received undefined.`],
  ])("validateZoneName refuses %j", (value, message) => {
    expect(messageOf(() => validateZoneName("dns.zoneName", value))).toBe(message);
  });

  test.each([["branch1"], ["kms01"], ["a.b-c"], ["_vlmcs._tcp"], ["_vlmcs._tcp.branch1"]])(
    "validateRecordName accepts %j",
    (value) => {
      expect(validateRecordName("recordName", value)).toBe(value);
    },
  );

  const RECORD =
    'recordName must be a record name relative to the zone, such as "branch1" (labels of letters, digits and hyphens; only leading labels of the SRV form "_service._proto" may start with "_")';
  test.each([
    ["@", `${RECORD}, but "@" (the zone apex) cannot hold the record; received "@".`],
    [
      "branch1.",
      `${RECORD}, but it ends with a dot, which makes it absolute; received "branch1.".`,
    ],
    [
      "branch1._tcp",
      `${RECORD}, but label "_tcp" starts with "_" after an ordinary label; received "branch1._tcp".`,
    ],
    [
      "_vlmcs-._tcp",
      `${RECORD}, but label "_vlmcs-" is not a valid service label; received "_vlmcs-._tcp".`,
    ],
    ["_", `${RECORD}, but label "_" is not a valid service label; received "_".`],
    [
      "a..b",
      `${RECORD}, but it has an empty label (two dots in a row, or a leading dot); received "a..b".`,
    ],
    [
      "bad_name",
      `${RECORD}, but label "bad_name" is not letters, digits and inner hyphens; received "bad_name".`,
    ],
    [
      "x$(y)",
      `${RECORD} without a dollar sign ("$"), which PowerShell or a shell could read as code; received "x$(y)".`,
    ],
  ])("validateRecordName refuses %j", (value, message) => {
    expect(messageOf(() => validateRecordName("recordName", value))).toBe(message);
  });
});

describe("host[:port]", () => {
  test.each([
    ["kms01", { host: "kms01" }],
    ["kms01.contoso.com", { host: "kms01.contoso.com" }],
    ["kms01.contoso.com.", { host: "kms01.contoso.com" }],
    ["kms01.contoso.com:1688", { host: "kms01.contoso.com", port: 1688 }],
    ["10.0.0.4", { host: "10.0.0.4" }],
    ["10.0.0.4:1800", { host: "10.0.0.4", port: 1800 }],
    ["fd00::4", { host: "fd00::4" }],
    ["[fd00::4]", { host: "fd00::4" }],
    ["[fd00::4]:1688", { host: "fd00::4", port: 1688 }],
    ["[::1]:65535", { host: "::1", port: 65535 }],
  ])("validateHostPort accepts %j", (value, expected) => {
    expect(validateHostPort("kmsServer", value)).toEqual(expected);
  });

  const HP =
    'kmsServer must be a host name or address with an optional port: "kms01.contoso.com", "kms01:1688", "10.0.0.4:1688" or "[fd00::4]:1688"';
  test.each([
    [
      "kms01:0",
      `${HP}, but the port after ":" must be an integer from 1 to 65535; received "kms01:0".`,
    ],
    [
      "kms01:65536",
      `${HP}, but the port after ":" must be an integer from 1 to 65535; received "kms01:65536".`,
    ],
    [
      "kms01:",
      `${HP}, but the port after ":" must be an integer from 1 to 65535; received "kms01:".`,
    ],
    [
      "kms01:port",
      `${HP}, but the port after ":" must be an integer from 1 to 65535; received "kms01:port".`,
    ],
    ["999.1.1.1", `${HP}, but "999.1.1.1" is not an IPv4 address; received "999.1.1.1".`],
    [
      "[fd00::4",
      `${HP}, but "[" starts an IPv6 address that must be closed by "]" and may be followed by ":port"; received "[fd00::4".`,
    ],
    ["[kms01]:1688", `${HP}, but "kms01" is not an IPv6 address; received "[kms01]:1688".`],
    [
      "fd00::4:1688x",
      `${HP}, but it is not an IPv6 address (write an IPv6 address with a port as [address]:port); received "fd00::4:1688x".`,
    ],
    [
      "kms_01:1688",
      `${HP}, but label "kms_01" is not letters, digits and inner hyphens; received "kms_01:1688".`,
    ],
    [
      "kms01;calc",
      `${HP} without a semicolon (";"), which PowerShell or a shell could read as code; received "kms01;calc".`,
    ],
    [
      "kms01 & calc",
      `${HP} without a space, which PowerShell or a shell could read as code; received "kms01 & calc".`,
    ],
    [
      "`calc`",
      `${HP} without a backtick ("\`"), which PowerShell or a shell could read as code; received "\`calc\`".`,
    ],
    ["", `${HP}; received "".`],
  ])("validateHostPort refuses %j", (value, message) => {
    expect(messageOf(() => validateHostPort("kmsServer", value))).toBe(message);
  });

  test.each([
    [{ host: "kms01" }, "kms01"],
    [{ host: "kms01", port: 1688 }, "kms01:1688"],
    [{ host: "fd00::4" }, "fd00::4"],
    [{ host: "fd00::4", port: 1688 }, "[fd00::4]:1688"],
  ])("formatHostPort(%j) is %j and parses back", (hp, text) => {
    expect(formatHostPort(hp)).toBe(text);
    expect(validateHostPort("kmsServer", text)).toEqual(hp);
  });
});

describe("address prefixes", () => {
  test.each([
    ["10.0.0.0/16", "10.0.0.0/16"],
    [" 10.0.0.0/16 ", "10.0.0.0/16"],
    ["10.0.0.4", "10.0.0.4"],
    ["10.0.0.4/32", "10.0.0.4/32"],
    ["fd00::/64", "fd00::/64"],
    ["fd00::4", "fd00::4"],
    ["VirtualNetwork", "VirtualNetwork"],
    ["virtualnetwork", "VirtualNetwork"],
    ["0.0.0.0/0", "0.0.0.0/0"],
  ])("validateCidr accepts %j", (value, expected) => {
    expect(validateCidr("p", value)).toBe(expected);
  });

  const PREFIX =
    'p must be an address prefix: IPv4 or IPv6 CIDR such as "10.0.0.0/16" or "fd00::/64", a single address, or the Azure service tag "VirtualNetwork"';
  test.each([
    ["10.0.0.0/33", `${PREFIX}; received "10.0.0.0/33".`],
    ["fd00::/129", `${PREFIX}; received "fd00::/129".`],
    ["10.0.0/16", `${PREFIX}; received "10.0.0/16".`],
    ["10.0.0.0/16/1", `${PREFIX}; received "10.0.0.0/16/1".`],
    ["10.0.0.0/", `${PREFIX}; received "10.0.0.0/".`],
    ["*", `${PREFIX}; received "*".`],
    ["AzureCloud", `${PREFIX}; received "AzureCloud".`],
    [["10.0.0.0/16"], `${PREFIX}; received ["10.0.0.0/16"].`],
  ])("validateCidr refuses %j", (value, message) => {
    expect(messageOf(() => validateCidr("p", value))).toBe(message);
  });

  test.each([
    ["*", true],
    ["Internet", true],
    ["INTERNET", true],
    ["any", true],
    ["0.0.0.0/0", true],
    ["0.0.0.0/0 ", true],
    [" 0.0.0.0/00", true],
    ["10.1.2.3/0", true],
    ["::/0", true],
    ["0::/0", true],
    ["0.0.0.0", false],
    ["0.0.0.0/1", false],
    ["10.0.0.0/8", false],
    ["VirtualNetwork", false],
    [undefined, false],
  ])("isInternetWidePrefix(%j) is %s", (value, expected) => {
    expect(isInternetWidePrefix(value)).toBe(expected);
  });

  test("validateClientAddressPrefixes returns the validated list", () => {
    expect(
      validateClientAddressPrefixes("clientAddressPrefixes", [" 10.0.0.0/16", "VirtualNetwork"]),
    ).toEqual(["10.0.0.0/16", "VirtualNetwork"]);
  });

  const LIST =
    'clientAddressPrefixes must be a non-empty list of your KMS clients\' address prefixes, each an address prefix: IPv4 or IPv6 CIDR such as "10.0.0.0/16" or "fd00::/64", a single address, or the Azure service tag "VirtualNetwork"';
  const WIDE =
    'must be the address range of your KMS clients, not one that opens the KMS port to the whole internet (an address prefix: IPv4 or IPv6 CIDR such as "10.0.0.0/16" or "fd00::/64", a single address, or the Azure service tag "VirtualNetwork")';
  test.each([
    [[], `${LIST}; received [].`],
    ["10.0.0.0/16", `${LIST}; received "10.0.0.0/16".`],
    [["*"], `clientAddressPrefixes[0] ${WIDE}; received "*".`],
    [["10.0.0.0/16", "Internet"], `clientAddressPrefixes[1] ${WIDE}; received "Internet".`],
    [["0.0.0.0/0 "], `clientAddressPrefixes[0] ${WIDE}; received "0.0.0.0/0 ".`],
    [["::/0"], `clientAddressPrefixes[0] ${WIDE}; received "::/0".`],
    [
      ["10.0.0.0/16", "10.0.0.0/40"],
      'clientAddressPrefixes[1] must be an address prefix: IPv4 or IPv6 CIDR such as "10.0.0.0/16" or "fd00::/64", a single address, or the Azure service tag "VirtualNetwork"; received "10.0.0.0/40".',
    ],
  ])("validateClientAddressPrefixes refuses %j", (value, message) => {
    expect(messageOf(() => validateClientAddressPrefixes("clientAddressPrefixes", value))).toBe(
      message,
    );
  });
});

describe("product keys", () => {
  const UNPUBLISHED = "BCDFG-HJKMN-PQRTV-WXY23-46789";
  test.each([
    [UNPUBLISHED, UNPUBLISHED],
    ["bcdfg-hjkmn-pqrtv-wxy23-46789", UNPUBLISHED],
    ["  BCDFG-HJKMN-PQRTV-WXY23-46789\n", UNPUBLISHED],
    ["BCDFG HJKMN PQRTV WXY23 46789".replace(/ /g, "-"), UNPUBLISHED],
    ["BCDFGHJKMNPQRTVWXY2346789", UNPUBLISHED],
  ])("validateProductKeyFormat accepts %j", (value, expected) => {
    expect(validateProductKeyFormat("hostKey", value)).toBe(expected);
  });

  const RULE =
    "hostKey must be a product key of five groups of five characters separated by hyphens (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX)";
  test.each([
    [
      "BCDFG\u2013HJKMN-PQRTV-WXY23-46789",
      `${RULE}, typed with hyphens ("-"): it contains an en dash ("\u2013"), typical of a key copied from a document, which Windows rejects with 0xC004F050; received a key ending in "46789".`,
    ],
    [
      "BCDFG\u2014HJKMN\u2014PQRTV\u2014WXY23\u201446789",
      `${RULE}, typed with hyphens ("-"): it contains an em dash ("\u2014"), typical of a key copied from a document, which Windows rejects with 0xC004F050; received a key ending in "46789".`,
    ],
    [
      "BCDFG-HJKMN-PQRTV-WXY23-4678O",
      `${RULE} using only BCDFGHJKMNPQRTVWXY2346789 (product keys have no vowels and no 0, 1 or 5: check O/0 and I/1); received a key ending in "4678O".`,
    ],
    ["BCDFG-HJKMN-PQRTV-WXY23", `${RULE}; received a key ending in "WXY23".`],
    ["abc", `${RULE}; received a 3-character value.`],
    [undefined, `${RULE}; received undefined.`],
  ])("validateProductKeyFormat refuses %j", (value, message) => {
    expect(messageOf(() => validateProductKeyFormat("hostKey", value))).toBe(message);
  });

  test("any key built from the alphabet passes the format check, in any case", () => {
    const group = fc.string({
      unit: fc.constantFrom(...PRODUCT_KEY_ALPHABET.split("")),
      minLength: 5,
      maxLength: 5,
    });
    fc.assert(
      fc.property(
        fc.array(group, { minLength: 5, maxLength: 5 }),
        fc.boolean(),
        (groups, lower) => {
          const key = groups.join("-");
          expect(validateProductKeyFormat("k", lower ? key.toLowerCase() : key)).toBe(key);
        },
      ),
    );
  });

  test("a key with one character outside the alphabet is refused without revealing it", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 24 }),
        fc.constantFrom(..."AEIOLSUZ015".split("")),
        (position, bad) => {
          const chars = "BCDFGHJKMNPQRTVWXY2346789".split("");
          chars[position] = bad;
          const key = chars.join("").match(/.{5}/g)!.join("-");
          const message = messageOf(() => validateProductKeyFormat("hostKey", key));
          expect(message).not.toContain(key.slice(0, 23));
          expect(message).toContain(`received a key ending in "${key.slice(-5)}"`);
        },
      ),
    );
  });

  test("validateHostKey accepts an unpublished key and refuses a published setup key", () => {
    expect(validateHostKey("hostKey", UNPUBLISHED.toLowerCase())).toBe(UNPUBLISHED);
    expect(messageOf(() => validateHostKey("hostKey", "WX4NM-KYWYW-QJJR4-XV3QB-6VM33"))).toBe(
      'hostKey must be your KMS host key (CSVLK) from the Microsoft 365 admin center or VLSC; that is the published KMS client setup key of "Windows Server 2022 Datacenter", which clients install and a KMS host cannot be activated with; received a key ending in "6VM33".',
    );
    expect(messageOf(() => validateHostKey("hostKey", "NPPR9-FWDCX-D2C8J-H872K-2YT43"))).toBe(
      'hostKey must be your KMS host key (CSVLK) from the Microsoft 365 admin center or VLSC; that is the published KMS client setup key of "Windows 11 Enterprise" and "Windows 10 Enterprise", which clients install and a KMS host cannot be activated with; received a key ending in "2YT43".',
    );
  });

  test.each([
    ["W269N-WFGWX-YVC9B-4J6C9-T83GX", "Windows 11 Pro"],
    ["w269n-wfgwx-yvc9b-4j6c9-t83gx", "Windows 10 Pro"],
    ["M7XTQ-FN8P6-TTKYV-9D4CC-J462D", "Windows 10 Enterprise LTSC 2019"],
    [UNPUBLISHED, "Windows 11 Pro"],
    ["WX4NM-KYWYW-QJJR4-XV3QB-6VM33", undefined],
  ])("validateSetupKey accepts %j for %j", (key, product) => {
    expect(validateSetupKey("setupKey", key, product)).toBe(key.toUpperCase());
  });

  test("validateSetupKey refuses the published key of another product, naming both", () => {
    expect(
      messageOf(() =>
        validateSetupKey(
          "setupKey",
          "WX4NM-KYWYW-QJJR4-XV3QB-6VM33",
          requireProduct("Windows 11 Pro", "product"),
        ),
      ),
    ).toBe(
      'setupKey must be the KMS client setup key of "Windows 11 Pro", not the published setup key of "Windows Server 2022 Datacenter"; received a key ending in "6VM33".',
    );
    expect(
      messageOf(() =>
        validateSetupKey("setupKey", "NPPR9-FWDCX-D2C8J-H872K-2YT43", "Windows 11 Pro"),
      ),
    ).toBe(
      'setupKey must be the KMS client setup key of "Windows 11 Pro", not the published setup key of "Windows 11 Enterprise" and "Windows 10 Enterprise"; received a key ending in "2YT43".',
    );
  });
});

describe("validateWindowsServerVersion", () => {
  test.each([
    ["2022", "2022"],
    ["2025", "2025"],
    [2022, "2022"],
    ["Windows Server 2022", "2022"],
    ["windows server 2025", "2025"],
    ["WS2025", "2025"],
    [" 2022 ", "2022"],
  ])("accepts %j as %j", (value, expected) => {
    expect(validateWindowsServerVersion("windowsServerVersion", value)).toBe(expected);
  });

  const ALLOWED =
    'windowsServerVersion must be "2022" or "2025" (Windows Server Standard or Datacenter)';
  const AZURE = `${ALLOWED}, not Azure Edition: Azure activates Azure Edition itself, and it cannot be a KMS host`;
  test.each([
    ["2022 Datacenter: Azure Edition", `${AZURE}; received "2022 Datacenter: Azure Edition".`],
    ["2022-datacenter-azure-edition", `${AZURE}; received "2022-datacenter-azure-edition".`],
    [
      "Windows Server 2025 Azure Edition",
      `${AZURE}; received "Windows Server 2025 Azure Edition".`,
    ],
    ["2019", `${ALLOWED}; received "2019".`],
    ["Windows Server 2022 Datacenter", `${ALLOWED}; received "Windows Server 2022 Datacenter".`],
    [undefined, `${ALLOWED}; received undefined.`],
  ])("refuses %j", (value, message) => {
    expect(messageOf(() => validateWindowsServerVersion("windowsServerVersion", value))).toBe(
      message,
    );
  });
});
