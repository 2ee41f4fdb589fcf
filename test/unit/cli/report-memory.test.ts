// What report's exact percentiles hold: 8 bytes a value, not an array doubled when full (up to twice the values held,
// three times while copying; 10M spans in the window: 200 MB of a 371 MB peak). Measured as the typed arrays'
// bytes after a garbage collection, against the values added in the same run: a ratio, no time, no absolute size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { NumberList, ReportAccumulator } from '../../../src/cli/report/from-spans.ts';
import type { CliSpan } from '../../../src/cli/telemetry/otlp-json.ts';
import { percentile } from '../../../src/cli/report/model.ts';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

function heldBytes(): number {
  collect();
  collect();
  return process.memoryUsage().arrayBuffers;
}

/** `count` LLM call spans of distinct traces, durations in a seeded order. */
function calls(count: number, offset: number): CliSpan[] {
  return Array.from({ length: count }, (_, index) => {
    const id = offset + index;
    const durationMillis = (id * 7919) % 100_003;
    return {
      traceId: id.toString(16).padStart(32, '0'),
      spanId: '1'.padStart(16, '0'),
      name: 'chat gpt-4o',
      serviceName: 'bot',
      kind: 'CLIENT',
      error: false,
      startTimeUnixNano: 1_800_000_000_000_000_000n,
      endTimeUnixNano: 1_800_000_000_000_000_000n + BigInt(durationMillis) * 1_000_000n,
      startMillis: 1_800_000_000_000,
      durationMillis,
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' },
    };
  });
}

test("report's percentile lists hold about 8 bytes a value, just past a power of two too", () => {
  // 2^19 + 1 calls: each lands in two lists (the latencies and its operation's durations).
  const spans = (1 << 19) + 1;
  const report = new ReportAccumulator();
  const before = heldBytes();
  for (let offset = 0; offset < spans; offset += 4096) report.addSpans(calls(Math.min(4096, spans - offset), offset));
  const held = heldBytes() - before;
  const ratio = held / (8 * 2 * spans);
  assert.ok(ratio < 1.3, `${held} bytes held for ${2 * spans} values: ${ratio.toFixed(2)} × 8 bytes`);
  assert.ok(ratio > 0.9, `the lists are counted (${ratio.toFixed(2)})`);
  const data = report.result({ source: 'test', sinceMillis: 0, untilMillis: Infinity });
  assert.equal(data.requests, spans);
  assert.equal(data.operations[0]!.calls, spans);
});

test('a NumberList sorts exactly what was pushed, across chunks, and keeps growing after sorting', () => {
  const list = new NumberList();
  const pushed: number[] = [];
  for (let index = 0; index < 200_000; index++) {
    const value = ((index * 48_271) % 65_521) / 7 - 4000;
    list.push(value);
    pushed.push(value);
  }
  assert.deepEqual(
    [...list.sorted()],
    pushed.toSorted((a, b) => a - b),
  );
  for (const value of [-1e9, 0.5, 1e9]) {
    list.push(value);
    pushed.push(value);
  }
  assert.equal(list.length, pushed.length);
  const expected = pushed.toSorted((a, b) => a - b);
  const fractions = [0, 0.001, 0.25, 0.5, 0.5000001, 0.95, 0.99, 1];
  assert.deepEqual(
    list.percentiles(fractions),
    fractions.map((fraction) => percentile(expected, fraction)),
  );
  assert.deepEqual([...list.sorted()], expected);
});

test('NumberList percentiles match percentile() on the sorted values, for every size up to a few chunks', () => {
  for (const size of [0, 1, 2, 3, 63, 64, 65, 129, 1000, 70_000]) {
    const list = new NumberList();
    const values: number[] = [];
    for (let index = 0; index < size; index++) {
      // Ties, negative zeros and repeated values: the order Float64Array.sort gives them.
      const value = index % 5 === 0 ? -0 : index % 7 === 0 ? 0 : ((index * 2_654_435_761) % 1000) - 500;
      list.push(value);
      values.push(value);
    }
    const sorted = Float64Array.from(values).sort();
    for (const fraction of [0.5, 0.95, 0.99, 0.01, 1 / 3]) {
      const [got] = list.percentiles([fraction]);
      assert.ok(Object.is(got, percentile(sorted, fraction)), `size ${size}, fraction ${fraction}: ${got}`);
    }
  }
});
