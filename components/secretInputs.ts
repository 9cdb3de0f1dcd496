/**
 * The inputs that hold secrets: host keys, the Office pack location (a URI can carry a SAS token), the
 * created VM's administrator password, the SSH password and private key. The components wrap each in
 * `pulumi.secret`; the plugin schema marks each `secret: true` (plugin/schema.ts), so the generated
 * Python, Go, C#, Java and YAML SDKs treat them as secrets; errors never show their values
 * (`isSecretInput`); docs/components.md marks them. No Pulumi inside.
 */
export interface SecretInputs {
  /** The TypeScript interface that declares them (a component's args, or a nested input type). */
  args: string;
  /** The component whose args these are (its schema resource's inputs), or none for a nested type. */
  component?: string;
  properties: readonly string[];
}

export const SECRET_INPUTS: readonly SecretInputs[] = [
  { args: "KmsHostArgs", component: "KmsHost", properties: ["hostKey", "adminPassword"] },
  { args: "KmsOfficeHost", properties: ["hostKey", "volumeLicensePack"] },
  { args: "SshTarget", properties: ["password", "privateKey"] },
];

/** Whether `property` of interface `args` holds a secret (its value is never shown). */
export function isSecretInput(args: string, property: string): boolean {
  return SECRET_INPUTS.some((s) => s.args === args && s.properties.includes(property));
}
