// Preloaded by bench/scale.ts into the kms-plan process: prints its peak resident set size at exit.
process.on("exit", () => {
  process.stderr.write(`\nKMS_BENCH_MAXRSS_KB ${process.resourceUsage().maxRSS}\n`);
});
