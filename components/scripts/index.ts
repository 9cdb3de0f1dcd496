/**
 * The PowerShell scripts that run on the Windows machines, and their TypeScript side: loading the
 * `.ps1` text, building the parameters their `param()` blocks expect, and reading the one JSON line
 * each script prints last. No Pulumi here: the transports (`components/remote`) turn a script into a
 * resource.
 *
 * Files: names.ts (script and parameter names, rules), load.ts (the `.ps1` text, its helper files inlined),
 * settings.ts and parameters.ts (settings → parameters), encoding.ts (values as transports pass them),
 * results.ts (result types, KmsScriptError), parse.ts (reading the output). Everything those files
 * export is exported here, except encoding.ts's integer and boolean checks.
 */
export * from "./names";
export * from "./load";
export * from "./settings";
export { encodeParameterValue } from "./encoding";
export * from "./parameters";
export * from "./results";
export * from "./parse";
