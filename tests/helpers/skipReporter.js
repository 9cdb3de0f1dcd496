// Jest reporter: after the run, says plainly which tests were skipped on this machine and how to run them:
// those that need a system tool (tests/helpers/tools.ts marks their blocks) and the install tests, which
// need the npm registry and minutes (KMS_TEST_INSTALL=1). Plain JS: jest loads reporters untransformed.
"use strict";

const MARKER = "[skipped: needs ";
/** One line per reason: what the skipped tests need, and how to run them. */
const HOW = {
  dnsmasq: (n) =>
    `${n} test(s) need dnsmasq: install it with \`apt-get install -y dnsmasq-base\` (Debian/Ubuntu), or set $DNSMASQ to its path`,
  "npm-registry": (n) =>
    `${n} test(s) install the package into new projects from the npm registry (several minutes): run them with \`KMS_TEST_INSTALL=1 npm test\``,
  pwsh: (n) =>
    `${n} test(s) need PowerShell 7: install it with \`dotnet tool install --global PowerShell --version 7.6.9\`, then add ~/.dotnet/tools to PATH (or set $PWSH)`,
};

/** The summary's lines for jest's aggregated results (none when nothing was skipped for a reason). */
function summaryLines(results) {
  const byReason = new Map();
  for (const file of results.testResults) {
    for (const t of file.testResults) {
      if (t.status !== "pending" && t.status !== "skipped") continue;
      const title = t.ancestorTitles.find((a) => a.includes(MARKER));
      if (!title) continue;
      const reason = title.slice(title.indexOf(MARKER) + MARKER.length).replace(/\].*$/, "");
      byReason.set(reason, (byReason.get(reason) || 0) + 1);
    }
  }
  if (byReason.size === 0) return [];
  const lines = ["", "Skipped on this machine (CI=true runs them all):"];
  for (const [reason, n] of [...byReason.entries()].sort()) {
    const how = HOW[reason];
    lines.push(`  ${how ? how(n) : `${n} test(s) need ${reason} (see tests/helpers/tools.ts)`}`);
  }
  return lines;
}

class SkipReporter {
  onRunComplete(_contexts, results) {
    const lines = summaryLines(results);
    if (lines.length > 0) process.stderr.write(lines.join("\n") + "\n");
  }
}

module.exports = SkipReporter;
module.exports.summaryLines = summaryLines;
