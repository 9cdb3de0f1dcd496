"use strict";
/**
 * The package's entry point (package.json `main`), plain JavaScript so that it exists without a build.
 *
 * - Installed from npm, git or a tarball: the compiled library, `bin/components/plugin/index.js`.
 * - A checkout without `bin/` (`pulumi package add <repository or path>` runs the plugin from its
 *   source): the TypeScript sources, transpiled on load with the `typescript` dependency (no type-check,
 *   no tsconfig, whatever ts-node the plugin runner registered).
 * - Loaded by Pulumi's plugin runner (`@pulumi/pulumi/cmd/run-plugin`): starts the `kms` component
 *   provider and exports nothing, so that the runner does not host the library's classes a second time
 *   under the npm package's name.
 */
const fs = require("fs");
const path = require("path");

const built = path.join(__dirname, "bin", "components", "plugin", "index.js");
const byPluginRunner = /[\\/]@pulumi[\\/]pulumi[\\/]cmd[\\/]run-plugin[\\/]/.test(
  (module.parent && module.parent.filename) || "",
);

/** Transpiles this package's own .ts files (not node_modules); other .ts files keep any earlier hook. */
function registerSources() {
  const ts = require("typescript");
  const previous = require.extensions[".ts"];
  const own = __dirname + path.sep;
  const modules = `${path.sep}node_modules${path.sep}`;
  require.extensions[".ts"] = (mod, filename) => {
    if (!filename.startsWith(own) || filename.includes(modules)) {
      if (previous) return previous(mod, filename);
      throw new Error(`pulumi-kms-activation: no TypeScript hook for ${filename}`);
    }
    const { outputText } = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        inlineSourceMap: true,
        inlineSources: true,
      },
    });
    mod._compile(outputText, filename);
  };
}

let provider;
if (fs.existsSync(built)) {
  provider = require(built);
} else {
  registerSources();
  provider = require("./components/plugin/index.ts");
}

if (byPluginRunner) {
  provider.startPluginHost();
  module.exports = {};
} else {
  module.exports = provider;
}
