/**
 * Jest setup file (jest.config.js `setupFiles`): the component tests write host keys and passwords as
 * plain strings on purpose (test values), and the components warn of each ("… written as a plain
 * string …", components/validate/plainSecrets.ts). Those expected warnings would fill `npm test`'s output
 * and look like failures, so they are not printed here. Tests that check the warning spy on
 * `pulumi.log.warn` itself, which this does not touch; every other warning is printed as before.
 */
const EXPECTED =
  / written as a plain string\. It travels as a secret, but it is in your program's source/;
const warn = console.warn.bind(console);
console.warn = (...args) => {
  if (args.length > 0 && typeof args[0] === "string" && EXPECTED.test(args[0])) return;
  warn(...args);
};
