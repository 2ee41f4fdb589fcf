// Two copies of @opentelemetry/api in one process: another library registered the globals with another version.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describeApiCopies, findApiCopies } from '../../../src/sdk/api-copies.ts';

const API_KEY = Symbol.for('opentelemetry.js.api.1');
const slots = globalThis as Record<symbol, unknown>;
const saved = slots[API_KEY];
const ours = (
  JSON.parse(
    readFileSync(new URL('../../../node_modules/@opentelemetry/api/package.json', import.meta.url), 'utf8'),
  ) as { version: string }
).version;
afterEach(() => {
  slots[API_KEY] = saved;
});

test('nothing registered, or registered by the same version: no second copy', () => {
  delete slots[API_KEY];
  assert.equal(findApiCopies(), undefined);
  slots[API_KEY] = { version: ours };
  assert.equal(findApiCopies(), undefined);
});

test("an older minor registered the globals: found, and genai-otel's newer copy cannot use them", () => {
  slots[API_KEY] = { version: '1.9.1' };
  const copies = findApiCopies();
  assert.deepEqual(
    { ...copies, oursAt: undefined },
    { registered: '1.9.1', ours, oursAt: undefined, canUseRegistered: false },
  );
  const line = describeApiCopies(copies!);
  assert.doesNotMatch(line, /\n/);
  assert.match(line, new RegExp(`1\\.9\\.1 .* and ${ours.replaceAll('.', '\\.')} `));
  assert.match(
    line,
    /not recorded\. Fix: .*"overrides": \{ "@opentelemetry\/api": "1\.9\.1" \}.*or start genai-otel first/,
  );
});

test("a newer minor registered the globals: found, and genai-otel's older copy can read them but not register", () => {
  slots[API_KEY] = { version: '1.99.0' };
  const copies = findApiCopies()!;
  assert.equal(copies.canUseRegistered, true);
  assert.doesNotMatch(describeApiCopies(copies), /start genai-otel first/);
});

test('another major, or a version that is not one, is never usable', () => {
  slots[API_KEY] = { version: '2.0.0' };
  assert.equal(findApiCopies()!.canUseRegistered, false);
  slots[API_KEY] = { version: 'next' };
  assert.equal(findApiCopies()!.canUseRegistered, false);
});
