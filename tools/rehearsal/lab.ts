/** Opening the lab of tools/lab for a rehearsal, and the files it is given. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { LabLike, MaybePromise } from "./types";

/** Opens the lab of tools/lab (loaded on first use: `kms-plan` without `--lab` never loads it). */
export async function openLab(options: { stateDir?: string; pwsh?: string }): Promise<LabLike> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require("../lab") as {
    Lab: {
      open(o: { stateDir?: string; pwsh?: string }): MaybePromise<LabLike & { stateDir: string }>;
    };
    labHostKey: (group: string) => string;
  };
  const lab = await mod.Lab.open(options);
  return Object.assign(lab, {
    hostKey: (group: string) => mod.labHostKey(group),
    officeHostKey: (version: string) => mod.labHostKey(`Office ${version}`),
    volumeLicensePack: (version: string) => labVolumeLicensePack(lab.stateDir, version),
  });
}

/**
 * A Volume License Pack folder the lab's hosts accept for an Office version (docs/lab.md: a folder of
 * `.xrm-ms` files holding `<kmslab:officeHostLicense version="…"/>`), made in the lab's state directory.
 */
export function labVolumeLicensePack(stateDir: string, version: string): string {
  const dir = path.join(stateDir, "packs", `office-${version.toLowerCase().replace(/\s+/g, "-")}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "kms-lab-office-host.xrm-ms"),
    `<kmslab:officeHostLicense version="${version}"/>\n`,
  );
  return dir;
}

/** The lab could not start (no pwsh, a broken install): nothing was rehearsed. */
export class LabStartError extends Error {
  constructor(message: string) {
    super(`the lab could not start: ${message}`);
    this.name = "LabStartError";
  }
}

/** A temporary directory for a lab that keeps nothing (removed by the caller). */
export function temporaryStateDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "kms-lab-"));
}
