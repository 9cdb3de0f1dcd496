/**
 * Which KmsHost an Output came from. `kmsServer: host.kmsServer` (and `target: host.fqdn` in a
 * KmsSrvRecord) is the natural wiring, but its value is not known when the client is constructed, so
 * the client's plain summary could not say which host it uses. A KmsHost marks its own `fqdn` and
 * `kmsServer` Output objects here; a component given one of those very objects records the host's name
 * in its summary, where the kms-guard policies read it (also in a real `pulumi preview`).
 *
 * Only the objects themselves are recognised (an Output derived from them with `apply` is another
 * object); the policies also follow the engine's property dependencies for those.
 */
const owners = new WeakMap<object, string>();

/** Marks `output` as an output of the KmsHost named `hostName`. */
export function markHostOutput(output: object, hostName: string): void {
  owners.set(output, hostName);
}

/** The name of the KmsHost whose `fqdn` or `kmsServer` output `value` is, if it is one. */
export function hostOfOutput(value: unknown): string | undefined {
  return value !== null && typeof value === "object" ? owners.get(value) : undefined;
}
