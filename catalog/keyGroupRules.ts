/**
 * What a row of Microsoft's "Activation versions" tables names, as predicates over catalog products:
 * a Windows Server release, the Semi-Annual Channel, a Windows client release, the Windows 10/11 editions
 * of the general availability channel. keyGroupData.ts builds each key group's `activates` from them.
 */
import type { Product } from "./productData";

export type Rule = (p: Product) => boolean;

export const serverRelease =
  (...versions: string[]): Rule =>
  (p) =>
    p.family === "windowsServer" && !p.azureEdition && versions.includes(p.version);
export const serverSac: Rule = (p) =>
  p.family === "windowsServer" && p.version.startsWith("Windows Server, version ");
export const SERVERS_2008_TO_2016 = [
  "Windows Server 2016",
  "Windows Server 2012 R2",
  "Windows Server 2012",
  "Windows Server 2008 R2",
  "Windows Server 2008",
];

/** The editions the tables list for Windows 10/11 GA channel (Pro Education treated like Education). */
export const GA_EDITIONS = /^(Enterprise|Pro|Pro for Workstations|Education|Pro Education)( N)?$/;
export const clientGa =
  (version: string): Rule =>
  (p) =>
    p.family === "windowsClient" && p.version === version && GA_EDITIONS.test(p.edition);
export const clientRelease =
  (...versions: string[]): Rule =>
  (p) =>
    p.family === "windowsClient" && versions.includes(p.version);
export const WIN10_LTSC_ALL = [
  "Windows 10 LTSC 2021",
  "Windows 10 LTSC 2019",
  "Windows 10 LTSB 2016",
  "Windows 10 LTSB 2015",
];
export const win81And7 = clientRelease("Windows 8.1", "Windows 7");

export const any =
  (...rules: Rule[]): Rule =>
  (p) =>
    rules.some((r) => r(p));
