/** Tests are transpiled only (tsconfig `isolatedModules`); `npm run typecheck` type-checks once, apart. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  maxWorkers: 2,
  testTimeout: 30000,
  // Room for the exit listener each fresh load of the Pulumi SDK adds (see the file).
  // … and no printing of the plain-secret warnings the test values cause (see the file).
  setupFiles: [
    "<rootDir>/tests/helpers/processListeners.js",
    "<rootDir>/tests/helpers/expectedWarnings.js",
  ],
  // The skip reporter names any tool whose tests were skipped, and how to install it.
  reporters: ["default", "<rootDir>/tests/helpers/skipReporter.js"],
};
