/** Tests are transpiled only (tsconfig `isolatedModules`); `npm run typecheck` type-checks once, apart. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  maxWorkers: 2,
  testTimeout: 30000,
  // The skip reporter names any tool whose tests were skipped, and how to install it.
  reporters: ["default", "<rootDir>/tests/helpers/skipReporter.js"],
};
