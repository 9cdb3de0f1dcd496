/** The numbers and names the forecast model uses: the catalog's (Microsoft's, [PLAN] in docs/sources.md). */
import { ACTIVATION, type ActivationFamily } from "pulumi-kms-activation-catalog";

/** The numbers the model uses: the catalog's (Microsoft's, [PLAN] and [VA-TIMING]: docs/sources.md). */
export const FORECAST_RULES = {
  thresholds: ACTIVATION.thresholds,
  countGroup: ACTIVATION.countGroup,
  hostMemory: { windows: ACTIVATION.hostMemory, office: ACTIVATION.officeHostMemory } as Record<
    CountGroup,
    number
  >,
  countWindowDays: ACTIVATION.countWindowDays,
  defaultActivationIntervalMinutes: ACTIVATION.defaultActivationIntervalMinutes,
  defaultRenewalIntervalMinutes: ACTIVATION.defaultRenewalIntervalMinutes,
  validityDays: ACTIVATION.validityDays,
};

export type CountGroup = "windows" | "office";

export const FAMILY_NAMES: Record<ActivationFamily, string> = {
  windowsClient: "Windows client OS",
  windowsServer: "Windows Server",
  office: "Office",
};

export const FAMILIES: ActivationFamily[] = ["windowsClient", "windowsServer", "office"];
