/**
 * The stack reading and client attribution that kms-plan's forecast shares with the policies (it loads
 * this path), so that the forecast places each client where the policies do.
 */
export { readStack } from "./stack";
export { attributeAll } from "./attribution";
