/**
 * The kms-guard policies as plain objects, so they can be run without constructing a `PolicyPack`
 * (whose constructor starts a gRPC server): the offline plan tool and the tests import this module;
 * `index.ts` builds the pack from it.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { disallowAzureEditionHost } from "./disallowAzureEditionHost";
import { disallowInternetKmsPort } from "./disallowInternetKmsPort";
import { enforceActivationThreshold } from "./enforceActivationThreshold";
import { enforceIntervalRange } from "./enforceIntervalRange";
import { requireCompatibleHostKey } from "./requireCompatibleHostKey";
import { requireSrvRecordForDiscovery } from "./requireSrvRecordForDiscovery";

export {
  disallowAzureEditionHost,
  disallowInternetKmsPort,
  enforceActivationThreshold,
  enforceIntervalRange,
  requireCompatibleHostKey,
  requireSrvRecordForDiscovery,
};

/** Name of the policy pack. */
export const POLICY_PACK_NAME = "kms-guard";

/** Every kms-guard policy, in the order the docs list them. */
export const policies: readonly (ResourceValidationPolicy | StackValidationPolicy)[] = [
  enforceActivationThreshold,
  requireCompatibleHostKey,
  disallowInternetKmsPort,
  requireSrvRecordForDiscovery,
  enforceIntervalRange,
  disallowAzureEditionHost,
];
