// Row H: how long redaction takes over 1 MB of hostile text, for the texts that expose each rule's worst case
// (test/support/hostile-text.ts, the inputs of the linear-time test), with the default rules and their pre-filters as
// start() wires them. Measured in this process: redaction is synchronous and single-threaded, so the CPU time of this
// thread during a scan is the event-loop time it takes on an idle machine. CPU time is the row's figure because on a
// shared machine wall time also counts the time other processes held the core (it is shown beside it).
import { resolveConfig } from '../src/config/resolve.ts';
import { createRedactor } from '../src/privacy/redactor.ts';
import { HOSTILE_INPUTS } from '../test/support/hostile-text.ts';
import { median, ms, progress, times, type BenchRow } from './lib/common.ts';

const LENGTH = 1_000_000;
const TARGET_MS = 50;
/** The baseline: ordinary chat text of the same length, with a little personal data in it. */
const PROSE =
  'Hi, I am Jane (jane.doe@example.com); my order ORD-2024-000123 arrived broken, call me on +44 20 7946 0958. Our returns policy allows exchanges within thirty days. ';

/**
 * CPU time (user + system) of this thread, in microseconds: `process.threadCpuUsage` where Node has it (22.19+), so
 * that the runtime's helper threads (concurrent GC marking, compilers) are not counted; the process's otherwise.
 */
const cpuUsage: () => NodeJS.CpuUsage =
  typeof process.threadCpuUsage === 'function' ? () => process.threadCpuUsage() : () => process.cpuUsage();

interface Scan {
  cpu: number;
  wall: number;
}

export function hostileRedactionRows(options: { rounds: number }): BenchRow[] {
  const redactor = createRedactor(resolveConfig({}).config.privacy);
  const scan = (text: string): Scan => {
    const cpuBefore = cpuUsage();
    const started = performance.now();
    redactor.redactText(text);
    const wall = performance.now() - started;
    const cpuAfter = cpuUsage();
    return { cpu: (cpuAfter.user - cpuBefore.user + cpuAfter.system - cpuBefore.system) / 1000, wall };
  };
  const timed = (text: string): Scan => {
    scan(text.slice(0, 10_000)); // warm-up: compile the patterns on this shape
    const scans = Array.from({ length: options.rounds }, () => scan(text));
    return { cpu: median(scans.map((each) => each.cpu)), wall: median(scans.map((each) => each.wall)) };
  };
  const prose = timed(PROSE.repeat(Math.ceil(LENGTH / PROSE.length)).slice(0, LENGTH));
  let worst = { name: '', cpu: 0, wall: 0 };
  for (const [rule, inputs] of Object.entries(HOSTILE_INPUTS)) {
    for (const [name, make] of Object.entries(inputs)) {
      const measured = timed(make(LENGTH));
      if (measured.cpu > worst.cpu) worst = { name: `${rule}: ${name}`, ...measured };
    }
  }
  progress(
    `hostile redaction: worst ${ms(worst.cpu)} CPU, ${ms(worst.wall)} wall (${worst.name}); prose ${ms(prose.cpu)} CPU, ${ms(prose.wall)} wall`,
  );
  return [
    {
      figure: `H  redaction of 1 MB of hostile text, CPU time, worst of ${Object.values(HOSTILE_INPUTS).reduce((count, inputs) => count + Object.keys(inputs).length, 0)} inputs (${worst.name})`,
      ours: `${ms(worst.cpu)} (wall ${ms(worst.wall)})`,
      baseline: `${ms(prose.cpu)} (wall ${ms(prose.wall)}; 1 MB of chat text)`,
      ratio: times(worst.cpu / prose.cpu),
      target: `< ${TARGET_MS} ms`,
      met: worst.cpu < TARGET_MS,
    },
  ];
}
