/**
 * Office volume activation on a KMS host: the Office versions a host can take, what each needs (host OS,
 * Volume License Pack), how an Office step is named, and how a pack location is checked. No Pulumi here.
 *
 * Office versions are written as in the catalog's `OFFICE_HOST_REQUIREMENTS` ("2016", "2019", "LTSC 2021",
 * "LTSC 2024"); that is also the form of `KmsHostSummary.officeVersions`, which the
 * require-compatible-host-key policy reads.
 */
import {
  canHost,
  findKeyGroup,
  normalizeHostOs,
  OFFICE_HOST_REQUIREMENTS,
  type KeyGroup,
  type OfficeHostRequirement,
  KmsConfigError,
  showValue,
  quoteList,
} from "pulumi-kms-activation-catalog";

/** Office versions a KMS host can activate, newest first: "LTSC 2024", "LTSC 2021", "2019", "2016". */
export const OFFICE_VERSIONS: readonly string[] = OFFICE_HOST_REQUIREMENTS.map(
  (r) => r.officeVersion,
);

/** An Office version of a host, resolved against the catalog. */
export interface OfficeVersionInfo {
  /** As in the catalog: "LTSC 2024". */
  version: string;
  /** Key group id: "Office LTSC 2024". */
  keyGroup: string;
  requirement: OfficeHostRequirement;
}

/**
 * The catalog Office version for what a user may write: "LTSC 2024", "Office LTSC 2024", "2024",
 * "Office 2024", "2019", "Office 2019". Undefined for anything else (2013 and 2010 have no key group).
 */
export function findOfficeVersion(value: unknown): OfficeVersionInfo | undefined {
  if (typeof value !== "string") return undefined;
  const bare = value.trim().replace(/^office\s*/i, "");
  if (bare === "") return undefined;
  const candidates: (KeyGroup | undefined)[] = [
    findKeyGroup(`Office ${bare}`),
    /^\d{4}$/.test(bare) ? findKeyGroup(`Office LTSC ${bare}`) : undefined,
  ];
  const group = candidates.find((g) => g !== undefined && g.kind === "office");
  if (!group) return undefined;
  const requirement = OFFICE_HOST_REQUIREMENTS.find(
    (r) => `Office ${r.officeVersion}` === group.id,
  );
  if (!requirement) return undefined;
  return { version: requirement.officeVersion, keyGroup: group.id, requirement };
}

/** The Office version, or a KmsConfigError for `argument` that lists the versions there are. */
export function requireOfficeVersion(value: unknown, argument: string): OfficeVersionInfo {
  const found = findOfficeVersion(value);
  if (found) return found;
  throw new KmsConfigError(
    argument,
    showValue(value),
    `an Office version a KMS host can activate: ${quoteList([...OFFICE_VERSIONS])} (Microsoft 365 Apps ` +
      "cannot use KMS; Office 2013 and 2010 are out of support)",
  );
}

/** The part of a step name for a version: "LTSC 2024" → "ltsc2024". */
export function officeVersionSlug(version: string): string {
  return version.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** The Run Command step that installs and activates one Office host key: `<host>-office-ltsc2024`. */
export function officeStepName(hostName: string, version: string): string {
  return `${hostName}-office-${officeVersionSlug(version)}`;
}

/**
 * Whether a Windows Server version (as users write it: "2022", "Windows Server 2016") can host the Office
 * version's KMS host key. Undefined when the OS is not one the catalog knows.
 */
export function hostMeetsOffice(info: OfficeVersionInfo, hostOs: string): boolean | undefined {
  if (normalizeHostOs(hostOs) === undefined) return undefined;
  return canHost(info.keyGroup, hostOs);
}

/** "Office LTSC 2024 needs Windows Server 2022 or later (or Windows 10 or later, volume editions)". */
export function officeHostRequirementText(r: OfficeHostRequirement): string {
  return (
    `Office ${r.officeVersion} needs ${r.minWindowsServer} or later as KMS host OS ` +
    `(or ${r.minWindowsClient} or later, volume editions)`
  );
}

const PACK_RULE =
  "where the Office Volume License Pack's license files are: a folder on the host with the extracted " +
  ".xrm-ms files, a .zip of them (a path on the host or an http(s) URI), or an empty string when the pack " +
  "is already installed";

/**
 * Checks a plain `volumeLicensePack` value: a folder or .zip path on the host, an http(s) URI of a .zip, or
 * "" (already installed). The pack's .exe installer is refused: Microsoft documents it only as an
 * interactive installer that opens the Volume Activation Tools wizard, so it cannot run unattended.
 */
export function validateVolumeLicensePack(argument: string, value: unknown): string {
  if (typeof value !== "string") throw new KmsConfigError(argument, showValue(value), PACK_RULE);
  // A URI's query string can hold a credential (a SAS token): error messages show it redacted.
  const shown = showValue(value.replace(/\?[^#]*/, "?…"));
  const v = value.trim();
  if (v === "") return v;
  if (/\.(exe|msi|img|iso)$/i.test(v.replace(/[?#].*$/, ""))) {
    throw new KmsConfigError(
      argument,
      shown,
      `${PACK_RULE}. The pack's installer cannot run unattended (Microsoft documents it only as an ` +
        "interactive installer that opens the Volume Activation Tools wizard): extract its license files " +
        "once (see docs/office.md) and give the folder or a .zip of them",
    );
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) && !/^https?:\/\//i.test(v)) {
    throw new KmsConfigError(argument, shown, PACK_RULE);
  }
  return v;
}

/** Markdown table of the Office host requirements (docs/office.md holds it; a test keeps them equal). */
export function officeRequirementsTable(): string {
  const rows = OFFICE_HOST_REQUIREMENTS.map(
    (r) =>
      `| Office ${r.officeVersion} | ${r.minWindowsServer} | ${r.minWindowsClient} (volume) | ` +
      `[${r.volumeLicensePackDownloadId}](${r.volumeLicensePackUrl}) |`,
  );
  return [
    "| Office version | Host OS, at least (server) | Host OS, at least (client) | Volume License Pack download |",
    "|---|---|---|---|",
    ...rows,
  ].join("\n");
}
