/** Files under a folder, recursively, whose name matches; node_modules and build output (dist) left out. */
import * as fs from "fs";
import * as path from "path";

export function filesUnder(dir: string, name: RegExp = /./): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory())
      return ["node_modules", "dist"].includes(e.name) ? [] : filesUnder(p, name);
    return name.test(e.name) ? [p] : [];
  });
}

/** TypeScript sources (declaration files left out). */
export const TS_SOURCE = /^(?!.*\.d\.ts$).*\.ts$/;
