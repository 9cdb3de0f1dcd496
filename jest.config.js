/** Tests are transpiled only (tsconfig `isolatedModules`); `npm run typecheck` type-checks once, apart. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  // The catalog workspace from its sources, as tsconfig.json's `paths` maps it for the type-check.
  moduleNameMapper: { "^pulumi-kms-activation-catalog$": "<rootDir>/catalog/index.ts" },
  maxWorkers: 2,
  testTimeout: 30000,
  // Room for the exit listener each fresh load of the Pulumi SDK adds (see the file).
  // … and no printing of the plain-secret warnings the test values cause (see the file).
  setupFiles: [
    "<rootDir>/tests/helpers/processListeners.js",
    "<rootDir>/tests/helpers/expectedWarnings.js",
  ],
  // catalog/dist up to date for the processes the tests start (see the file).
  globalSetup: "<rootDir>/tests/helpers/globalSetup.js",
  // The skip reporter names any tool whose tests were skipped, and how to install it.
  reporters: ["default", "<rootDir>/tests/helpers/skipReporter.js"],
};
