// Jest reporter: after the run, says plainly which tests were skipped because a system tool was missing,
// and how to install it (tests/helpers/tools.ts marks those blocks). Plain JS: jest loads reporters untransformed.
"use strict";

const MARKER = "[skipped: needs ";
const HINTS = {
  dnsmasq: "apt-get install -y dnsmasq-base (Debian/Ubuntu), or set $DNSMASQ",
  "npm-registry":
    "set KMS_TEST_INSTALL=1 (CI=true runs them): they pack the package and npm-install it with the @pulumi packages into a fresh project (1-2 minutes)",
  pwsh: "dotnet tool install --global PowerShell --version 7.6.9, then add ~/.dotnet/tools to PATH (or set $PWSH)",
};

class SkipReporter {
  onRunComplete(_contexts, results) {
    const byTool = new Map();
    for (const file of results.testResults) {
      for (const t of file.testResults) {
        if (t.status !== "pending" && t.status !== "skipped") continue;
        const title = t.ancestorTitles.find((a) => a.includes(MARKER));
        if (!title) continue;
        const tool = title.slice(title.indexOf(MARKER) + MARKER.length).replace(/\].*$/, "");
        byTool.set(tool, (byTool.get(tool) || 0) + 1);
      }
    }
    if (byTool.size === 0) return;
    const lines = ["", "Skipped because a tool is missing on this machine (they run in CI):"];
    for (const [tool, n] of [...byTool.entries()].sort()) {
      lines.push(
        `  ${n} test(s) need ${tool}: install with ${HINTS[tool] || "(see tests/helpers/tools.ts)"}`,
      );
    }
    process.stderr.write(lines.join("\n") + "\n");
  }
}

module.exports = SkipReporter;
