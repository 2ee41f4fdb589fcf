// service.instance.id without node:crypto: a well-formed UUID v4, a new one in every process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomInstanceId, serviceInstanceDetector } from '../../../src/sdk/service-instance.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('randomInstanceId gives RFC 9562 version-4 UUIDs, and 20,000 draws never repeat', () => {
  const seen = new Set<string>();
  for (let index = 0; index < 20_000; index++) {
    const id = randomInstanceId();
    assert.match(id, UUID_V4);
    seen.add(id);
  }
  assert.equal(seen.size, 20_000);
});

test('every hex digit position outside version and variant takes many values (no stuck byte)', () => {
  const ids = Array.from({ length: 2000 }, () => randomInstanceId().replaceAll('-', ''));
  for (let position = 0; position < 32; position++) {
    if (position === 12) continue; // the version digit
    const digits = new Set(ids.map((id) => id[position]));
    assert.ok(digits.size >= (position === 16 ? 4 : 16), `position ${position}: ${digits.size} distinct digits`);
  }
});

test('the detector reports one id per process, and two processes get different ids', () => {
  const first = serviceInstanceDetector.detect().attributes?.['service.instance.id'];
  assert.match(String(first), UUID_V4);
  assert.equal(serviceInstanceDetector.detect().attributes?.['service.instance.id'], first);
  const script =
    "import('./src/sdk/service-instance.ts').then((m) => console.log(m.serviceInstanceDetector.detect().attributes['service.instance.id']))";
  const others = [0, 1, 2].map(() => spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' }).stdout.trim());
  for (const other of others) assert.match(other, UUID_V4);
  assert.equal(new Set([String(first), ...others]).size, 4);
});
