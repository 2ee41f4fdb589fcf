// Preloaded into a bench child (`--import`): at exit it writes its own peak resident memory and
// CPU time (user + system: on a loaded machine a fairer figure than wall time) to BENCH_RSS_FILE.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.BENCH_RSS_FILE)
    writeFileSync(
      process.env.BENCH_RSS_FILE,
      JSON.stringify({
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        cpuMillis: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1000,
      }),
    );
});
