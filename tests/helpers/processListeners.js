/**
 * Jest setup file (jest.config.js `setupFiles`): runs in each test file's environment before its tests.
 *
 * Tests that run a program again load it in a fresh module registry (`jest.isolateModules`), and each
 * fresh registry loads the Pulumi SDK again, and with it the SDK's `tmp` dependency, which adds one "exit"
 * listener to the process when it loads (its temp-file cleanup). A file that runs a program more than ten
 * times made Node warn of a possible EventEmitter memory leak. The listeners come from this harness, not
 * from the library or kms-plan, which load their modules once per process. Room for one per run, with a
 * limit low enough that a listener added per call in a loop still warns.
 */
process.setMaxListeners(Math.max(process.getMaxListeners(), 40));
