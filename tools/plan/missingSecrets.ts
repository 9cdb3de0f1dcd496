/**
 * A required secret nobody gave: `cfg.requireSecret("hostKey")` in a new project, with no stack file and
 * no `--config-secret`. Pulumi would stop with "Missing required configuration variable … pulumi config
 * set --secret", advice a user without the Pulumi CLI cannot follow. kms-plan plans with the placeholder
 * secret instead (as it does for a `secure:` value it cannot decrypt) and says so in a notice.
 *
 * `Config.requireSecret` is wrapped in every copy of `@pulumi/pulumi` the program may load (its own
 * node_modules, and kms-plan's), for the time of one plan. Only `requireSecret` (a string): a missing
 * `require` (plain) still fails as in Pulumi, since no stand-in could be right for a plain value.
 */
import * as path from "path";

interface ConfigPrototype {
  requireSecret(this: ConfigLike, key: string, opts?: unknown): unknown;
  fullKey?(this: ConfigLike, key: string): string;
}
interface ConfigLike {
  name: string;
  fullKey?(key: string): string;
}

/** The `Config` prototypes of the copies of @pulumi/pulumi resolvable from these directories. */
function configPrototypes(dirs: readonly (string | undefined)[]): ConfigPrototype[] {
  const files = new Set<string>();
  for (const dir of dirs) {
    try {
      files.add(
        require.resolve("@pulumi/pulumi/config", dir === undefined ? undefined : { paths: [dir] }),
      );
    } catch {
      // No copy there: the program uses another one (kms-plan's own is always found).
    }
  }
  const protos: ConfigPrototype[] = [];
  for (const file of files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as { Config?: { prototype: ConfigPrototype } };
    if (mod.Config?.prototype) protos.push(mod.Config.prototype);
  }
  return protos;
}

/**
 * Until the returned function is called, a `requireSecret` of a key with no value asks `standIn` for
 * one (the caller records the placeholder as a secret config value and returns it), then reads it as
 * usual. `isSet` says whether a full key (`project:key`) has a value.
 */
export function standInForMissingSecrets(
  programDir: string | undefined,
  isSet: (fullKey: string) => boolean,
  standIn: (fullKey: string) => void,
): () => void {
  const protos = configPrototypes([programDir, path.dirname(__dirname)]);
  const saved = protos.map((p) => p.requireSecret);
  protos.forEach((proto, i) => {
    const original = saved[i];
    proto.requireSecret = function (this: ConfigLike, key: string, opts?: unknown) {
      const full = typeof this.fullKey === "function" ? this.fullKey(key) : `${this.name}:${key}`;
      if (!isSet(full)) standIn(full);
      return original.call(this, key, opts);
    };
  });
  return () => protos.forEach((proto, i) => (proto.requireSecret = saved[i]));
}
