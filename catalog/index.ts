/**
 * `pulumi-kms-activation-catalog`: what Microsoft publishes about KMS volume activation, as data and small
 * lookups, with no Pulumi inside. Products and their setup keys (GVLKs), activation numbers (thresholds,
 * intervals, ports), host key groups and what each activates, Office host requirements, activation error
 * codes, Marketplace images; the summaries the components register for the policies; the SRV naming; and
 * the configuration error every part throws. The components, the policy pack (by version, like any
 * package) and the CLIs depend on it; it depends on nothing. Sources: docs/sources.md.
 */
export * from "./activation";
export * from "./clones";
export * from "./errorCodes";
export * from "./errors";
export * from "./images";
export * from "./keyGroupData";
export * from "./keyGroupRules";
export * from "./keyGroups";
export * from "./names";
export * from "./productData";
export * from "./productRows";
export * from "./products";
export * from "./srv";
export * from "./summary";
