/**
 * Packages that only some commands need and that this package does not install by itself (they are not
 * in its dependencies, to keep a user's install small): loaded on first use, with a message that says
 * what to install when one is missing.
 */

/** What `kms-plan --chart` needs (about 35 MB with their dependencies): vega-lite compiles the chart, vega renders it. */
export const CHART_PACKAGES = ["vega@^5.33.1", "vega-lite@^5.23.0"] as const;

export class MissingOptionalPackageError extends Error {
  constructor(
    readonly packageName: string,
    readonly feature: string,
    readonly install: readonly string[],
  ) {
    super(
      `${feature} needs the package "${packageName}", which pulumi-kms-activation does not install by ` +
        `itself. Install it in your project: npm install --save-dev ${install.join(" ")}`,
    );
    this.name = "MissingOptionalPackageError";
  }
}

/**
 * `require(name)`, or a `MissingOptionalPackageError` naming the feature and the install command when
 * the package is not installed. Errors from inside an installed package propagate unchanged.
 */
export function requireOptional<T>(
  name: string,
  feature: string,
  install: readonly string[],
  load: (id: string) => unknown = require,
): T {
  try {
    return load(name) as T;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err?.code === "MODULE_NOT_FOUND" && String(err.message).includes(`'${name}'`)) {
      throw new MissingOptionalPackageError(name, feature, install);
    }
    throw e;
  }
}

/** The message for the first of `install`'s packages that does not resolve, or undefined when all do. */
export function missingOptional(
  feature: string,
  install: readonly string[],
  resolve: (id: string) => string = require.resolve,
): string | undefined {
  for (const spec of install) {
    const name = spec.replace(/(.)@.*$/, "$1");
    try {
      resolve(name);
    } catch {
      return new MissingOptionalPackageError(name, feature, install).message;
    }
  }
  return undefined;
}
