// An absent collector is said once per collector, whichever signals fail and in whatever order their failures come
// back: two signals in flight at once to one closed port made two lines before (the demo test saw it under load).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { OtlpDelivery } from '../../../src/export/delivery.ts';
import { closedPort } from '../../support/ports.ts';

test('signals failing at once to one absent collector make one line; another collector gets its own', async () => {
  const warnings: string[] = [];
  const record = (message: string) => warnings.push(message);
  diag.setLogger(
    { error: record, warn: record, info: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  const shared = `http://127.0.0.1:${await closedPort()}`;
  const other = `http://127.0.0.1:${await closedPort()}`;
  const target = (url: string) => ({ url, headers: {}, compression: 'none' as const, timeoutMillis: 1000 });
  const delivery = new OtlpDelivery({
    targets: {
      traces: target(`${shared}/v1/traces`),
      metrics: target(`${shared}/v1/metrics`),
      logs: target(`${other}/v1/logs`),
    },
    spool: { directory: join(mkdtempSync(join(tmpdir(), 'unreachable-once-')), 'spool'), maxBytes: 1_000_000 },
  });
  const payload = new Uint8Array([1, 2, 3]);
  // All three in flight before any failure is known: no backoff can hide the second signal's failure.
  const results = await Promise.all([
    delivery.deliver('traces', 'protobuf', 1, payload),
    delivery.deliver('metrics', 'protobuf', 1, payload),
    delivery.deliver('logs', 'protobuf', 1, payload),
  ]);
  assert.deepEqual(results, ['spooled', 'spooled', 'spooled']);
  const lines = warnings.filter((line) => line.includes('cannot take'));
  assert.equal(lines.filter((line) => line.includes(shared)).length, 1, lines.join('\n'));
  assert.equal(lines.filter((line) => line.includes(other)).length, 1, lines.join('\n'));
  delivery.beginShutdown(Date.now() + 2000);
  await delivery.shutdown();
  diag.disable();
});
