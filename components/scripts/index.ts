/**
 * The PowerShell scripts that run on the Windows machines, and their TypeScript side: loading the
 * `.ps1` text, building the parameters their `param()` blocks expect, and reading the one JSON line
 * each script prints last. No Pulumi here: the transports (`components/remote`) turn a script into a
 * resource.
 *
 * Files: names.ts (script and parameter names, rules), load.ts (the `.ps1` text, common.ps1 inlined),
 * settings.ts and parameters.ts (settings → parameters), encoding.ts (values as transports pass them),
 * results.ts (result types, KmsScriptError), parse.ts (reading the output).
 */
export {
  HOST_KEY_PARAMETER,
  OFFICE_APPLICATION_ID,
  PARAMETER_RULES,
  SCRIPT_NAMES,
  SCRIPT_PARAMETERS,
  VOLUME_LICENSE_PACK_PARAMETER,
  WINDOWS_APPLICATION_ID,
} from "./names";
export type { ScriptName } from "./names";
export {
  assembleScript,
  COMMON_SCRIPT,
  loadScript,
  loadScriptFrom,
  normalizeScriptText,
  scriptPath,
} from "./load";
export { HOST_SETUP_DEFAULTS } from "./settings";
export type {
  ClientSetupSettings,
  HostSetupSettings,
  OfficeHostSetupSettings,
  ScriptParameters,
} from "./settings";
export { encodeParameterValue } from "./encoding";
export {
  clientActivateParameters,
  clientSetupParameters,
  hostSetupParameters,
  officeHostSetupParameters,
  statusParameters,
} from "./parameters";
export { isClientResult, isHostResult, KmsScriptError } from "./results";
export type {
  ClientResult,
  HostRequestCounters,
  HostResult,
  LicenseStatusName,
  OfficeHostLicense,
  ScriptResult,
  ScriptResultBase,
} from "./results";
export { describeFailure, parseScriptResult, scriptFailure } from "./parse";
