// Generated: copied from components/catalog/index.ts by scripts/sync-policy-lib.ts for the standalone policy pack; do not edit.
/**
 * The KMS catalog: products and their setup keys, activation numbers, host key groups, Office host
 * requirements and activation error codes. Plain data and small lookups, no Pulumi inside.
 */
export { ACTIVATION, FAMILY_LABELS } from "./activation";
export {
  type Product,
  type ProductSource,
  PRODUCTS,
  findProduct,
  requireProduct,
  findProductsBySetupKey,
  isPublishedSetupKey,
} from "./products";
export {
  type KeyGroup,
  type OfficeHostRequirement,
  KEY_GROUPS,
  OFFICE_HOST_REQUIREMENTS,
  findKeyGroup,
  requireKeyGroup,
  defaultKeyGroupForHost,
  normalizeHostOs,
  canActivate,
  keyGroupsActivating,
  canHost,
} from "./keyGroups";
export {
  type ErrorCode,
  ERROR_CODES,
  normalizeHresult,
  lookupErrorCode,
  describeErrorCode,
} from "./errorCodes";
export {
  type CreatedVm,
  type CloneCandidate,
  createdVmOf,
  marketplaceImageKey,
  sharedCmidClients,
} from "./clones";
