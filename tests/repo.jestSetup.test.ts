/**
 * The end-of-run summary of skipped tests (tests/helpers/skipReporter.js) reads as plain instructions
 * (it said "install with set KMS_TEST_INSTALL=1").
 */
const { summaryLines } = require("./helpers/skipReporter") as {
  summaryLines(results: unknown): string[];
};

function results(titles: string[][]) {
  return {
    testResults: [
      {
        testResults: titles.map((ancestorTitles) => ({ status: "pending", ancestorTitles })),
      },
    ],
  };
}

test("each reason says what the skipped tests need and how to run them", () => {
  const lines = summaryLines(
    results([
      ["installed from a packed tarball [skipped: needs npm-registry]", "npm 11"],
      ["installed from a git URL [skipped: needs npm-registry]"],
      ["kms-doctor [skipped: needs dnsmasq]"],
    ]),
  );
  expect(lines).toEqual([
    "",
    "Skipped on this machine (CI=true runs them all):",
    "  1 test(s) need dnsmasq: install it with `apt-get install -y dnsmasq-base` (Debian/Ubuntu), or set $DNSMASQ to its path",
    "  2 test(s) install the package into new projects from the npm registry (several minutes): run them with `KMS_TEST_INSTALL=1 npm test`",
  ]);
  expect(lines.join("\n")).not.toMatch(/install with set|needs? npm-registry/);
});

test("nothing skipped for a reason: no summary", () => {
  expect(summaryLines(results([["plain describe"]]))).toEqual([]);
});
