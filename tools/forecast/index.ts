/**
 * Activation forecast: when the KMS clients of a planned stack activate, or why they never will.
 * A pure model of Microsoft's KMS rules ([PLAN], docs/sources.md; no Pulumi here), in files by concern:
 * - rules.ts: the numbers (thresholds, count groups, host memory, intervals) from the catalog;
 * - types.ts: the spec it takes and the forecast it returns;
 * - placement.ts: which host each client activates against;
 * - model.ts: `forecast(spec)`, the count simulation per host and family;
 * - spec.ts: `specFromSummaries`, the spec from the components' summaries;
 * - format.ts: `formatForecast`, the text kms-plan prints.
 */
export { FAMILY_NAMES, FORECAST_RULES } from "./rules";
export type { CountGroup } from "./rules";
export type * from "./types";
export { forecast } from "./model";
export { specFromSummaries, withSharedCmids } from "./spec";
export { formatForecast } from "./format";
