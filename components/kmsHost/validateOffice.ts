/**
 * KmsHost validation of `office`: versions known to the catalog, one entry per version, Office host keys
 * well formed and distinct, pack locations, and the host OS each version requires.
 */
import { KmsConfigError, showKey, showValue } from "pulumi-kms-activation-catalog";
import { known } from "../inputs";
import {
  hostMeetsOffice,
  officeHostRequirementText,
  requireOfficeVersion,
  validateVolumeLicensePack,
} from "../office";
import { plainValue, validateHostKey } from "../validate";
import type { KmsHostArgs } from "./args";

/**
 * Checks `office` (versions known to the catalog, one entry per version, Office host keys well formed and
 * not a published setup key nor the Windows host key, pack locations, host OS requirement) and returns
 * the Office versions in catalog form ("LTSC 2024"), in the order given.
 */
export function validateOffice(
  args: KmsHostArgs,
  windowsServerVersion: string | undefined,
  existingMachine: boolean,
): string[] {
  if (args.office === undefined) return [];
  if (!Array.isArray(args.office)) {
    throw new KmsConfigError(
      "office",
      // Never the value itself: it may hold an Office host key.
      typeof args.office === "object" && args.office !== null
        ? "an object"
        : showValue(args.office),
      "a list of { version, hostKey, volumeLicensePack }, one per Office version",
    );
  }
  const versions: string[] = [];
  const keys = new Map<string, string>();
  const windowsKey = known(args.hostKey, (v) => String(v).replace(/\s+/g, "").toUpperCase());
  args.office.forEach((office, i) => {
    const arg = `office[${i}]`;
    if (office === null || typeof office !== "object") {
      throw new KmsConfigError(
        arg,
        office === null || office === undefined ? "nothing" : `a ${typeof office}`,
        "an object { version, hostKey, volumeLicensePack }",
      );
    }
    const info = requireOfficeVersion(office.version, `${arg}.version`);
    const earlier = versions.indexOf(info.version);
    if (earlier >= 0) {
      throw new KmsConfigError(
        `${arg}.version`,
        showValue(office.version),
        `an Office version not given before (office[${earlier}] is Office ${info.version} already): one Office KMS host key per version`,
      );
    }
    if (
      office.hostKey === undefined ||
      office.hostKey === null ||
      plainValue(office.hostKey) === ""
    ) {
      throw new KmsConfigError(
        `${arg}.hostKey`,
        "nothing",
        `the Office ${info.version} KMS host key, as a secret`,
      );
    }
    const key = known(office.hostKey, (v) => validateHostKey(`${arg}.hostKey`, v));
    if (key !== undefined) {
      if (windowsKey !== undefined && key.replace(/-/g, "") === windowsKey.replace(/-/g, "")) {
        throw new KmsConfigError(
          `${arg}.hostKey`,
          showKey(key),
          `the Office ${info.version} KMS host key, a different key from hostKey (the Windows KMS host key)`,
        );
      }
      const other = keys.get(key);
      if (other !== undefined) {
        throw new KmsConfigError(
          `${arg}.hostKey`,
          showKey(key),
          `the Office ${info.version} KMS host key; the same key is given for Office ${other}, and each Office version has its own`,
        );
      }
      keys.set(key, info.version);
    }
    if (office.volumeLicensePack === undefined || office.volumeLicensePack === null) {
      throw new KmsConfigError(
        `${arg}.volumeLicensePack`,
        "nothing",
        `where the host finds the Office ${info.version} Volume License Pack files (${info.requirement.volumeLicensePackUrl}): a folder or .zip of the extracted .xrm-ms files, or "" when the pack is already installed`,
      );
    }
    known(office.volumeLicensePack, (v) =>
      validateVolumeLicensePack(`${arg}.volumeLicensePack`, v),
    );
    if (
      windowsServerVersion !== undefined &&
      hostMeetsOffice(info, windowsServerVersion) === false
    ) {
      throw new KmsConfigError(
        `${arg}.version`,
        showValue(office.version),
        `an Office version Windows Server ${windowsServerVersion} can host: ${officeHostRequirementText(info.requirement)}` +
          (existingMachine ? "" : '; set windowsServerVersion to "2022" or later'),
      );
    }
    versions.push(info.version);
  });
  return versions;
}
