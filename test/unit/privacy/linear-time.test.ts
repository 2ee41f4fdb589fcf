// Every scan has a linear worst case: for each rule, the texts that would make its pattern or its pre-filter
// backtrack (test/support/hostile-text.ts) are scanned at one length and at ten times that length, in the same run,
// and the longer scan must cost about ten times as much, never the hundred times a quadratic scan costs. Ratios, not
// absolute times, so that a busy machine slows both sides alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redactor, createRedactor } from '../../../src/privacy/redactor.ts';
import { BUILT_IN_RULES, type DetectionRule } from '../../../src/privacy/rules/index.ts';
import { threadMillis } from '../../support/cpu-clock.ts';
import { HOSTILE_INPUTS, type HostileText } from '../../support/hostile-text.ts';

const settings = { redact: true, disabledRules: [], patterns: [], identity: { mode: 'keep' as const } };
const SHORT = 10_000;
/** Linear gives about 10, quadratic about 100; the margin absorbs timer resolution and a busy machine. */
const MAX_RATIO = 30;
/**
 * Scans are repeated until they take this long together, so that the clock's resolution (a 4 ms scheduler tick for
 * thread CPU time on many kernels) moves a measurement by 16 % at most.
 */
const MIN_MEASURED_MS = 25;

/** Milliseconds per scan, the best of three measurements (noise only ever adds time). */
function msPerScan(redactor: Redactor, text: string): number {
  let best = Infinity;
  for (let trial = 0; trial < 3; trial++) {
    let scans = 0;
    const started = threadMillis();
    let elapsed = 0;
    do {
      redactor.redactText(text);
      scans++;
      elapsed = threadMillis() - started;
    } while (elapsed < MIN_MEASURED_MS);
    best = Math.min(best, elapsed / scans);
  }
  return best;
}

/** Measured again when it looks too high: a pause of the machine inflates one measurement, never all three. */
function ratio(redactor: Redactor, make: HostileText): number {
  const short = make(SHORT);
  const long = make(SHORT * 10);
  let best = Infinity;
  for (let attempt = 0; attempt < 3 && best >= MAX_RATIO; attempt++)
    best = Math.min(best, msPerScan(redactor, long) / msPerScan(redactor, short));
  return best;
}

/** The rule alone and with its pre-filter off: the guarantee is the pattern's, whatever the filter lets through. */
const unfiltered = (rule: DetectionRule): Redactor => new Redactor(settings, [{ ...rule, mayMatch: () => true }]);

test('each rule scans the texts that expose its worst case in linear time', { timeout: 120_000 }, () => {
  const failures: string[] = [];
  for (const rule of BUILT_IN_RULES) {
    const inputs = { ...HOSTILE_INPUTS[rule.name], ...HOSTILE_INPUTS['*'] };
    assert.ok(HOSTILE_INPUTS[rule.name] !== undefined, `no hostile input for ${rule.name}`);
    for (const [name, make] of Object.entries(inputs)) {
      const measured = ratio(unfiltered(rule), make);
      if (measured >= MAX_RATIO)
        failures.push(`${rule.name}, ${name}: 10x the length took ${measured.toFixed(0)}x the time`);
    }
  }
  assert.deepEqual(failures, []);
});

test(
  'every rule together, behind the pre-filters, scans every hostile text in linear time',
  { timeout: 120_000 },
  () => {
    const redactor = createRedactor(settings);
    const failures: string[] = [];
    for (const [rule, inputs] of Object.entries(HOSTILE_INPUTS)) {
      for (const [name, make] of Object.entries(inputs)) {
        const measured = ratio(redactor, make);
        if (measured >= MAX_RATIO)
          failures.push(`${rule}, ${name}: 10x the length took ${measured.toFixed(0)}x the time`);
      }
    }
    assert.deepEqual(failures, []);
  },
);
