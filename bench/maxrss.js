// Preloaded by bench/scale.ts into the kms-plan process: prints its peak resident set size and the CPU
// time it used (user + system, all threads) at exit. CPU time is what the process would take on a quiet
// machine; wall time on a loaded one includes the time it waited for a core.
process.on("exit", () => {
  const u = process.resourceUsage();
  process.stderr.write(
    `\nKMS_BENCH_MAXRSS_KB ${u.maxRSS}\nKMS_BENCH_CPU_US ${u.userCPUTime + u.systemCPUTime}\n`,
  );
});
