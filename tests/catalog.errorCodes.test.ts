import { readFileSync } from "node:fs";
import fc from "fast-check";
import {
  ERROR_CODES,
  describeErrorCode,
  lookupErrorCode,
  normalizeHresult,
} from "pulumi-kms-activation-catalog";
import { ERROR_CODES_DOC_PATH, renderErrorCodesDoc } from "../scripts/gen-error-codes-doc";

/**
 * Every code of Microsoft's activation error table ([ERR]), combined rows split, plus two from support articles and the DNS notes, and the
 * WinHTTP codes of a KMS host that cannot reach Microsoft's activation service, and the
 * rearm limit a client rearmed by the components can hit (0xC004D307), and a key of another
 * edition (0xC004F069).
 */
const EXPECTED_CODES = [
  "0xC004F038",
  "0xC004F039",
  "0xC004F041",
  "0xC004F042",
  "0xC004F050",
  "0xC004F069",
  "0xC004F051",
  "0xC004F06C",
  "0xC004F074",
  "0xC004F035",
  "0xC004F015",
  "0xC004F014",
  "0xC004F00F",
  "0xC004D307",
  "0xC004C008",
  "0xC004C003",
  "0xC004C001",
  "0xC004C020",
  "0xC004C021",
  "0xC004B100",
  "0x8007232B",
  "0x8007232A",
  "0x8007251D",
  "0x8007007B",
  "0x800706BA",
  "0x80072EE7",
  "0x80072EFD",
  "0x80072EE2",
];

describe("error codes", () => {
  test("every code of the table is there, once, in canonical spelling", () => {
    expect(ERROR_CODES.map((e) => e.code)).toEqual(EXPECTED_CODES);
  });

  test.each(ERROR_CODES.map((e) => [e.code, e]))(
    "%s has a meaning (no final period), a fix (sentences), and a source",
    (code, e) => {
      expect(normalizeHresult(code)).toBe(code);
      expect(e.meaning).toMatch(/^[A-Z].*[^.]$/);
      expect(e.fix).toMatch(/^[A-Z].*\.$/);
      expect(e.source).toMatch(/^(https:\/\/|MicrosoftDocs\/)/);
    },
  );

  test.each([
    ["0xC004F038", "0xC004F038"],
    ["C004F038", "0xC004F038"],
    ["c004f038", "0xC004F038"],
    ["0XC004F038", "0xC004F038"],
    ["0xc004f038", "0xC004F038"],
    [" 0xC004F038 ", "0xC004F038"],
    [-1073418184, "0xC004F038"],
    [3221549112, "0xC004F038"],
    ["-1073418184", "0xC004F038"],
    ["3221549112", "0xC004F038"],
    ["80070005", "0x80070005"],
    [-2147024891, "0x80070005"],
    ["0x8007232b", "0x8007232B"],
    [0xffffffff, "0xFFFFFFFF"],
    [0x80000000, "0x80000000"],
    // Not failure HRESULTs:
    [0, undefined],
    ["0x0", undefined],
    [1688, undefined],
    ["12345678", undefined],
    ["0xC004F03", undefined],
    ["0xC004F0380", undefined],
    [2 ** 32, undefined],
    [-(2 ** 31) - 1, undefined],
    [1.5, undefined],
    [Number.NaN, undefined],
    ["C004F038h", undefined],
    ["", undefined],
    ["error", undefined],
  ])("normalizeHresult(%j) is %j", (input, expected) => {
    expect(normalizeHresult(input)).toBe(expected);
  });

  test("every failure HRESULT round-trips through its signed, unsigned and hex spellings", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0x80000000, max: 0xffffffff }), (unsigned) => {
        const canonical = normalizeHresult(unsigned);
        expect(canonical).toMatch(/^0x[89A-F][0-9A-F]{7}$/);
        expect(parseInt(canonical!.slice(2), 16)).toBe(unsigned);
        expect(normalizeHresult(unsigned - 2 ** 32)).toBe(canonical);
        expect(normalizeHresult(String(unsigned - 2 ** 32))).toBe(canonical);
        expect(normalizeHresult(canonical!.slice(2).toLowerCase())).toBe(canonical);
        expect(normalizeHresult(canonical!.toUpperCase())).toBe(canonical);
      }),
    );
  });

  test.each([["0xC004F038"], [-1073418184], ["c004f042"]])(
    "lookupErrorCode(%j) finds the entry",
    (input) => {
      expect(lookupErrorCode(input)?.code).toBe(normalizeHresult(input));
    },
  );

  test("lookupErrorCode is undefined for unknown codes and non-codes", () => {
    expect([lookupErrorCode("0x80070005"), lookupErrorCode("nope")]).toEqual([
      undefined,
      undefined,
    ]);
  });

  test.each([
    [
      -1073418184,
      "0xC004F038: The KMS host's count is too low: it has seen fewer distinct machines in the last 30 days than this product needs (25 for Windows client, 5 for Windows Server and Office). Fix: Wait until enough distinct clients have asked the host, or add clients. If the count stays below the number of machines, they share a client machine ID (images sysprepped with SkipRearm=1, Azure Marketplace images): run slmgr /rearm and restart each clone. For a small Azure lab, Azure's own KMS or a MAK avoids the threshold.",
    ],
    [
      "c004f06c",
      "0xC004F06C: The request's timestamp is not valid: client and KMS host clocks differ by more than 4 hours. Fix: Synchronise time on the client and the host (w32tm /resync) and check their time zones, then retry.",
    ],
    [
      "0x80070005",
      "0x80070005: not a known KMS activation error. Run slui.exe 0x2a 0x80070005 on the machine for Windows' own description.",
    ],
    ["banana", '"banana" is not an HRESULT error code.'],
  ])("describeErrorCode(%j)", (input, text) => {
    expect(describeErrorCode(input)).toBe(text);
  });

  test("docs/error-codes.md is the generator's output (run scripts/gen-error-codes-doc.ts)", () => {
    expect(readFileSync(ERROR_CODES_DOC_PATH, "utf8")).toBe(renderErrorCodesDoc());
  });

  test("the generated page has one section per code", () => {
    const headings = renderErrorCodesDoc()
      .split("\n")
      .filter((l) => l.startsWith("## "))
      .map((l) => l.slice(3));
    expect(headings).toEqual(EXPECTED_CODES);
  });
});
