// @ts-check
const js = require("@eslint/js");
const tseslint = require("typescript-eslint");
const prettier = require("eslint-config-prettier");

module.exports = tseslint.config(
  {
    ignores: ["node_modules/**", "bin/**", "catalog/dist/**", "coverage/**", "**/node_modules/**"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ["**/*.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        require: "readonly",
        module: "writable",
        process: "readonly",
        __dirname: "readonly",
        console: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // ESM program fixtures ("type": "module"): kms-plan loads them as Pulumi does.
    files: ["tests/fixtures/programs/forms/esm-*/**/*.js"],
    languageOptions: { sourceType: "module" },
  },
  {
    // Component tests require() the components after installing the mocks, as Pulumi's docs advise.
    files: ["tests/**/*.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@pulumi/azure-native",
              message: "Import azure-native by sub-path, e.g. @pulumi/azure-native/compute.",
            },
          ],
        },
      ],
    },
  },
);
