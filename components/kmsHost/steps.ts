/**
 * KmsHost's remote steps: host-setup.ps1 for Windows (`<name>-setup`), then once per Office version in
 * Office mode (`<name>-office-<version>`), one after the other (Run Command runs one script at a time on
 * a VM). Values travel as script parameters; keys and pack locations as protected parameters.
 */
import * as pulumi from "@pulumi/pulumi";
import { ACTIVATION, type KmsHostSummary } from "pulumi-kms-activation-catalog";
import { officeStepName } from "../office";
import { runScript, Target } from "../remote";
import {
  HOST_KEY_PARAMETER,
  HostResult,
  hostSetupParameters,
  officeHostSetupParameters,
  VOLUME_LICENSE_PACK_PARAMETER,
  encodeParameterValue,
} from "../scripts";
import { plainValue } from "../validate";
import { plainSecretWarning } from "../validate/plainSecrets";
import type { KmsHostArgs } from "./args";

export interface HostSteps {
  /** The Windows setup's result. */
  setup: pulumi.Output<HostResult>;
  /** Each Office version's result, in the order of `office`. */
  office: { version: string; result: pulumi.Output<HostResult> }[];
  /** The last step: clients and the count step wait for it. */
  last: pulumi.Resource;
  /** The Windows setup step's resource (a Managed Run Command, or a remote command over SSH). */
  setupResource: pulumi.CustomResource;
  /** Each Office version's step resource, in the order of `office`. */
  officeResources: pulumi.CustomResource[];
}

export function hostSteps(
  name: string,
  args: KmsHostArgs,
  summary: KmsHostSummary,
  target: Target,
  port: pulumi.Input<number>,
  opts: { parent: pulumi.Resource; dependsOn: pulumi.Resource[] },
): HostSteps {
  const setup = runScript(
    `${name}-setup`,
    {
      target,
      script: "host-setup",
      parameters: pulumi
        .all([
          pulumi.output(port),
          pulumi.output(
            args.activationIntervalMinutes ?? ACTIVATION.defaultActivationIntervalMinutes,
          ),
          pulumi.output(args.renewalIntervalMinutes ?? ACTIVATION.defaultRenewalIntervalMinutes),
        ])
        .apply(
          ([p, ai, ri]) =>
            hostSetupParameters({
              port: p,
              activationIntervalMinutes: ai,
              renewalIntervalMinutes: ri,
              dnsPublishing: summary.dnsPublishing,
              lowPriority: summary.lowPriority,
            }).parameters,
        ),
      secretParameters: { [HOST_KEY_PARAMETER]: pulumi.secret(args.hostKey) },
      tags: args.tags,
    },
    opts,
  );

  // Office: after the Windows setup, one version after the other.
  const office: HostSteps["office"] = [];
  const officeResources: pulumi.CustomResource[] = [];
  let last: pulumi.Resource = setup.resource;
  (args.office ?? []).forEach((o, i) => {
    const version = summary.officeVersions![i];
    warnOfPlainPackUrl(`KmsHost "${name}": office[${i}]`, o.volumeLicensePack, opts.parent);
    const run = runScript(
      officeStepName(name, version),
      {
        target,
        script: "host-setup",
        parameters: officeHostSetupParameters({ officeVersion: version, volumeLicensePack: "" })
          .parameters,
        // The pack location always travels as a protected parameter: a URI can carry a credential (a
        // SAS token in its query string). "none" stands for "" (already installed): Run Command may
        // drop a parameter with an empty value.
        secretParameters: {
          [HOST_KEY_PARAMETER]: pulumi.secret(o.hostKey),
          [VOLUME_LICENSE_PACK_PARAMETER]: pulumi
            .secret(o.volumeLicensePack)
            // Encoded where Run Command would cut or mangle it (spaces in a path, `?`/`&` in a URI).
            .apply((p) => encodeParameterValue((p ?? "").trim() || "none")),
        },
        tags: args.tags,
      },
      { parent: opts.parent, dependsOn: [last] },
    );
    office.push({ version, result: run.result as pulumi.Output<HostResult> });
    officeResources.push(run.resource);
    last = run.resource;
  });
  return {
    setup: setup.result as pulumi.Output<HostResult>,
    office,
    last,
    setupResource: setup.resource,
    officeResources,
  };
}

/**
 * A plain-string pack URL with a query string (a SAS token?) is in the program's source: say so.
 * `office` names the entry (`KmsHost "kms": office[0]`).
 */
function warnOfPlainPackUrl(
  office: string,
  pack: pulumi.Input<string>,
  resource: pulumi.Resource,
): void {
  const plainPack = plainValue(pack);
  if (typeof plainPack === "string" && /^https?:\/\/[^?#]*\?./i.test(plainPack.trim())) {
    pulumi.log.warn(
      `${office}.${plainSecretWarning("volumeLicensePack", "a URL with a query string (a SAS token?)", "volumeLicensePack")}`,
      resource,
    );
  }
}
