/**
 * The kms-guard policy pack: `pulumi preview --policy-pack ./policy`.
 *
 * Only this file constructs the `PolicyPack` (its constructor starts the gRPC server the Pulumi engine
 * talks to); the policies themselves live in `policies.ts`, one file each.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICY_PACK_NAME, policies } from "./policies";

new PolicyPack(POLICY_PACK_NAME, {
  description:
    "Stops a stack whose Windows KMS volume activation could never work: clients below the activation " +
    "threshold, host keys that cannot activate the clients' products, missing _vlmcs._tcp SRV records, the " +
    "KMS port open to the internet, intervals Windows rejects, and Azure Edition hosts.",
  policies: [...policies],
});
