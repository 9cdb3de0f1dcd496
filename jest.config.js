/** Tests are transpiled only (tsconfig `isolatedModules`); `npm run typecheck` type-checks once, apart. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  maxWorkers: 2,
  testTimeout: 30000,
};
