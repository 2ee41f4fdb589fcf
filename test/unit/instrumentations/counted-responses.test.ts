// The response ids of counted model calls are remembered in a bounded set that forgets the oldest: every model call
// adds one, so forgetting must cost the same whatever the bound (ratios on the thread CPU clock, never absolute times).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CountedResponses } from '../../../src/instrumentations/counted-responses.ts';
import { threadMillis } from '../../support/cpu-clock.ts';

const AT: [number, number] = [1_700_000_000, 0];
const MIN_MEASURED_MS = 30;

/** CPU ms per add of a new id to a full set of `limit` ids (each add forgets the oldest). */
function msPerAdd(limit: number, ids: string[]): number {
  let best = Infinity;
  for (let trial = 0; trial < 3; trial++) {
    const counted = new CountedResponses(limit);
    for (let index = 0; index < limit; index++) counted.add(ids[index]!, AT, AT);
    let adds = 0;
    const started = threadMillis();
    let elapsed = 0;
    do {
      for (let index = 0; index < 1000; index++) counted.add(ids[(adds + index) % ids.length]!, AT, AT);
      adds += 1000;
      elapsed = threadMillis() - started;
    } while (elapsed < MIN_MEASURED_MS);
    best = Math.min(best, elapsed / adds);
  }
  return best;
}

test('CountedResponses: the oldest id goes, the newest stay, a few spans per id', () => {
  const counted = new CountedResponses(3);
  for (const id of ['a', 'b', 'c', 'd']) counted.add(id, AT, AT);
  assert.equal(counted.size, 3);
  assert.equal(counted.overlaps('a', AT, AT), false, 'the oldest was forgotten');
  for (const id of ['b', 'c', 'd']) assert.equal(counted.overlaps(id, AT, AT), true);
  counted.add('d', [AT[0] + 10, 0], [AT[0] + 11, 0]);
  assert.equal(counted.size, 3, 'a second span of an id adds no id');
  counted.add('e', AT, AT);
  assert.equal(counted.overlaps('b', AT, AT), false);
  assert.equal(counted.overlaps('d', [AT[0] + 10, 0], [AT[0] + 10, 500_000_000]), true);
});

test(
  'CountedResponses: forgetting the oldest id costs the same at a bound of 16 as at 16,384',
  { timeout: 60_000 },
  () => {
    // Ids longer than the largest set, so that every add past the bound forgets one.
    const ids = Array.from({ length: 40_000 }, (_, index) => `chatcmpl-${index}`);
    let ratio = Infinity;
    for (let attempt = 0; attempt < 3 && ratio >= 3; attempt++)
      ratio = Math.min(ratio, msPerAdd(16_384, ids) / msPerAdd(16, ids));
    // Through the map's own order it was 20x and more (every deleted slot walked past); a ring keeps it near 1x.
    assert.ok(ratio < 3, `an add at a bound of 16,384 cost ${ratio.toFixed(1)}x one at 16`);
  },
);
