/**
 * KmsClient's validation: everything known of the args is checked before anything registers, and the
 * plain summary the kms-guard policies read is built from the checked values.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
  findProductsBySetupKey,
  Product,
  requireProduct,
  KmsConfigError,
  showValue,
  type KmsClientSummary,
} from "pulumi-kms-activation-catalog";
import { hostOfOutput } from "../hostOutputs";
import { known, withContext } from "../inputs";
import { machineIdentity, resolveTarget, Target } from "../remote";
import {
  checkArgKeys,
  plainValue,
  validateDnsName,
  validateHostPort,
  validateSetupKey,
  validateTags,
} from "../validate";
import { validateLocation } from "../validate/azure";
import { warnOfPlainSecrets } from "../validate/plainSecrets";
import type { KmsClientArgs } from "./args";

/** Validates what is known of the args (before anything registers) and builds the policy summary. */
export function validateKmsClientArgs(
  name: string,
  args: KmsClientArgs,
): { summary: KmsClientSummary; target: Target; product: Product | undefined } {
  return withContext(`KmsClient "${name}"`, () => {
    if (args === undefined || args === null) {
      throw new KmsConfigError(
        "args",
        "nothing",
        "an object with azureVm or ssh, and product or setupKey",
      );
    }
    // The client intervals get a message of their own below.
    checkArgKeys("KmsClientArgs", "KmsClient", args, [
      "activationIntervalMinutes",
      "renewalIntervalMinutes",
    ]);
    const target = resolveTarget(args.azureVm, args.ssh, true)!;
    validateTags("tags", args.tags);
    if (target.kind === "runCommand") {
      known(target.azureVm.location, (v) => validateLocation("azureVm.location", v));
    }
    let product: Product | undefined;
    if (args.product !== undefined) {
      if (typeof args.product !== "string") {
        throw new KmsConfigError(
          "product",
          "a value that is not a plain string",
          'a catalog product name as a plain string, e.g. "Windows 11 Enterprise"',
        );
      }
      product = requireProduct(args.product, "product");
    }
    const setupKey = known(args.setupKey, (v) => validateSetupKey("setupKey", v, product));
    if (product === undefined) {
      if (args.setupKey === undefined) {
        throw new KmsConfigError(
          "product / setupKey",
          "neither",
          'a catalog product name (e.g. "Windows Server 2022 Datacenter") or a setupKey',
        );
      }
      if (setupKey !== undefined) {
        const products = findProductsBySetupKey(setupKey);
        if (products.length > 0) product = products[0];
      }
    }
    const given = (["host", "kmsServer", "lookupDomain"] as const).filter(
      (k) => args[k] !== undefined,
    );
    if (given.length > 1) {
      throw new KmsConfigError(
        given.join(" / "),
        `${given.length} of them`,
        "at most one of host, kmsServer or lookupDomain",
      );
    }
    if (args.host !== undefined && (typeof args.host !== "object" || !("barrier" in args.host))) {
      throw new KmsConfigError(
        "host",
        showValue(plainValue(args.host as never) ?? "a value"),
        "a KmsHost declared in this program (other languages: kmsServer)",
      );
    }
    const kmsServer = known(args.kmsServer, (v) => {
      validateHostPort("kmsServer", v);
      return v;
    });
    const lookupDomain = known(args.lookupDomain, (v) => validateDnsName("lookupDomain", v));
    // Client-side intervals are not settable: SetVLActivationInterval / SetVLRenewalInterval are host-only
    // methods ("An error is returned if the method is called and the machine is not a key management
    // service", Microsoft's SoftwareLicensingService docs; slmgr /sai and /sri are KMS host options). A
    // client takes both from its host's answer. Other languages and plain JavaScript can still pass them.
    for (const interval of ["activationIntervalMinutes", "renewalIntervalMinutes"] as const) {
      const given = (args as unknown as Record<string, unknown>)[interval];
      if (given !== undefined) {
        throw new KmsConfigError(
          interval,
          showValue(plainValue(given as pulumi.Input<unknown>) ?? "a value"),
          `left out: a KMS client takes its intervals from its host's answer, so the host's settings apply (set ${interval} on the KmsHost; slmgr /${interval === "activationIntervalMinutes" ? "sai" : "sri"} and its CIM method work only on a KMS host)`,
        );
      }
    }
    if (args.activate !== undefined && typeof args.activate !== "boolean") {
      throw new KmsConfigError("activate", showValue(args.activate), "a plain true or false");
    }
    if (args.rearm !== undefined && typeof args.rearm !== "boolean") {
      throw new KmsConfigError("rearm", showValue(args.rearm), "a plain true or false");
    }
    if (args.rearm === true && product?.family === "office") {
      throw new KmsConfigError(
        "rearm",
        "true",
        `false for an Office product (${product.name}): a rearm gives the machine a new client machine ID for Windows. Set rearm on the KmsClient of the machine's Windows product; its setup runs first, after the restart`,
      );
    }
    warnOfPlainSecrets(`KmsClient "${name}"`, [
      ["ssh.password", args.ssh?.password, "the SSH password", "sshPassword"],
      ["ssh.privateKey", args.ssh?.privateKey, "the SSH private key", "sshPrivateKey"],
    ]);
    const hostSummary = args.host?.summaryValue;
    const summary: KmsClientSummary = {
      name,
      transport: target.kind,
      machine: machineIdentity(target),
      product: product?.name,
      family: product?.family,
      discovery: args.host
        ? "host"
        : args.kmsServer !== undefined
          ? "kmsServer"
          : args.lookupDomain !== undefined
            ? "lookupDomain"
            : "dns",
      hostName: hostSummary?.name ?? hostOfOutput(args.kmsServer),
      kmsServer: args.host
        ? hostSummary?.fqdn !== undefined && hostSummary.port !== undefined
          ? `${hostSummary.fqdn}:${hostSummary.port}`
          : undefined
        : kmsServer,
      lookupDomain,
      activate: args.activate ?? true,
      rearm: args.rearm ?? false,
    };
    return { summary, target, product };
  });
}
