// A clock for tests that compare two timings of their own work (ratios, never absolute bounds).

/**
 * Milliseconds of this thread's CPU: time the scheduler gives other processes (a busy CI machine, parallel test
 * files) is not counted, so a ratio of two timings is the work's own. Wall time where Node has no per-thread CPU clock.
 * On many Linux kernels this clock advances in scheduler ticks (4 ms here): time work that lasts 25 ms or more.
 *
 * @example
 * const started = threadMillis();
 * scan(text);
 * const took = threadMillis() - started;
 */
export const threadMillis: () => number =
  typeof process.threadCpuUsage === 'function'
    ? () => {
        const usage = process.threadCpuUsage();
        return (usage.user + usage.system) / 1000;
      }
    : () => performance.now();
