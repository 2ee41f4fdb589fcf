// The pgvector instrumentation reads every SQL text the app sends through pg: its scan must stay linear. Texts made
// to make its patterns backtrack are read at one length and at ten times that length in the same run; the longer
// must cost about ten times as much, never the hundred times a quadratic scan costs (ratios on the thread CPU clock).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vectorSearchOf } from '../../../src/instrumentations/pgvector.ts';
import { threadMillis } from '../../support/cpu-clock.ts';

const SHORT = 20_000;
const MAX_RATIO = 30;
const MIN_MEASURED_MS = 25;

const HOSTILE: Record<string, (length: number) => string> = {
  'FROM followed by blanks, again and again': (length) =>
    `SELECT e <-> $1 ${'from                '.repeat(length / 20)}`,
  'an unclosed quoted table name': (length) => `SELECT e <-> $1 FROM "${'a'.repeat(length)}`,
  'LIMIT without a number, again and again': (length) => `SELECT e <-> $1 FROM t ${'limit $ '.repeat(length / 8)}`,
  'operators without a statement': (length) => `${'<-<=<#<+'.repeat(length / 8)} <->`,
  'one long identifier': (length) => `SELECT e <-> $1 FROM ${'t'.repeat(length)} LIMIT 3`,
};

function msPerScan(text: string): number {
  let best = Infinity;
  for (let trial = 0; trial < 3; trial++) {
    let scans = 0;
    const started = threadMillis();
    let elapsed = 0;
    do {
      vectorSearchOf(text, []);
      scans++;
      elapsed = threadMillis() - started;
    } while (elapsed < MIN_MEASURED_MS);
    best = Math.min(best, elapsed / scans);
  }
  return best;
}

test('reading a SQL text is linear in its length, whatever it holds', { timeout: 60_000 }, () => {
  const failures: string[] = [];
  for (const [name, make] of Object.entries(HOSTILE)) {
    const short = make(SHORT);
    const long = make(SHORT * 10);
    let ratio = Infinity;
    for (let attempt = 0; attempt < 3 && ratio >= MAX_RATIO; attempt++)
      ratio = Math.min(ratio, msPerScan(long) / msPerScan(short));
    if (ratio >= MAX_RATIO) failures.push(`${name}: 10x the length took ${ratio.toFixed(0)}x the time`);
  }
  assert.deepEqual(failures, []);
});
