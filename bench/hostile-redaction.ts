// Row H: how long redaction takes over 1 MB of hostile text, for the texts that expose each rule's worst case
// (test/support/hostile-text.ts, the inputs of the linear-time test), with the default rules and their pre-filters as
// start() wires them. Measured in this process: redaction is synchronous, so the figure is event-loop time.
import { resolveConfig } from '../src/config/resolve.ts';
import { createRedactor } from '../src/privacy/redactor.ts';
import { HOSTILE_INPUTS } from '../test/support/hostile-text.ts';
import { median, ms, progress, times, type BenchRow } from './lib/common.ts';

const LENGTH = 1_000_000;
const TARGET_MS = 50;
/** The baseline: ordinary chat text of the same length, with a little personal data in it. */
const PROSE = 'Hi, I am Jane (jane.doe@example.com); my order ORD-2024-000123 arrived broken, call me on +44 20 7946 0958. Our returns policy allows exchanges within thirty days. ';

export function hostileRedactionRows(options: { rounds: number }): BenchRow[] {
  const redactor = createRedactor(resolveConfig({}).config.privacy);
  const scan = (text: string): number => {
    const started = performance.now();
    redactor.redactText(text);
    return performance.now() - started;
  };
  const timed = (text: string): number => {
    scan(text.slice(0, 10_000)); // warm-up: compile the patterns on this shape
    return median(Array.from({ length: options.rounds }, () => scan(text)));
  };
  const prose = timed(PROSE.repeat(Math.ceil(LENGTH / PROSE.length)).slice(0, LENGTH));
  let worst = { name: '', millis: 0 };
  for (const [rule, inputs] of Object.entries(HOSTILE_INPUTS)) {
    for (const [name, make] of Object.entries(inputs)) {
      const millis = timed(make(LENGTH));
      if (millis > worst.millis) worst = { name: `${rule}: ${name}`, millis };
    }
  }
  progress(`hostile redaction: worst ${ms(worst.millis)} (${worst.name}), prose ${ms(prose)}`);
  return [
    {
      figure: `H  redaction of 1 MB of hostile text, worst of ${Object.values(HOSTILE_INPUTS).reduce((count, inputs) => count + Object.keys(inputs).length, 0)} inputs (${worst.name})`,
      ours: ms(worst.millis),
      baseline: `${ms(prose)} (1 MB of chat text)`,
      ratio: times(worst.millis / prose),
      target: `< ${TARGET_MS} ms`,
      met: worst.millis < TARGET_MS,
    },
  ];
}
