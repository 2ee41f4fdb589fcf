// An app that recorded nothing ends without a request to the collector and without writing anything to disk; an app
// that recorded something, however little, still has it delivered, or spooled and replayed by its next run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpReceiver } from '@genai-otel/mock-otlp-receiver';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';
import { closedPort } from '../support/ports.ts';
import { spoolStatus, spooledPayloads } from '../support/spool-files.ts';

/** A spool path whose folder does not exist yet. */
const unmadeSpool = () => join(mkdtempSync(join(tmpdir(), 'quiet-exit-')), 'spool');

for (const flag of ['--require', '--import']) {
  test(`${flag}: an app that recorded nothing sends no request at exit and creates no spool folder`, async () => {
    const receiver = await startOtlpReceiver();
    const spool = unmadeSpool();
    try {
      const result = await runFixture(fixture('idle-app.cjs'), {
        nodeArgs: [flag, 'genai-otel/register'],
        env: otelEnv(receiver.url, { GENAI_OTEL_SPOOL_DIR: spool }),
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim(), 'idle app finished');
      assert.deepEqual(
        receiver.requests().map((request) => request.path),
        [],
      );
      assert.equal(existsSync(spool), false, 'no spool folder, no status file');
    } finally {
      await receiver.close();
    }
  });
}

test('a single metric recorded by an app that ends at once reaches the collector (the quiet exit is not vacuous)', async () => {
  const receiver = await startOtlpReceiver();
  try {
    const result = await runFixture(fixture('metric-only-app.cjs'), {
      nodeArgs: ['--require', 'genai-otel/register'],
      env: otelEnv(receiver.url, { OTEL_SERVICE_NAME: 'metric-only' }),
    });
    assert.equal(result.code, 0, result.stderr);
    const metrics = await receiver.waitFor(
      'metrics',
      (all) => all.some((metric) => metric.name === 'app.orders'),
      5000,
    );
    const orders = metrics.find((metric) => metric.name === 'app.orders')!;
    assert.equal(orders.dataPoints[0]!.value, 3);
  } finally {
    await receiver.close();
  }
});

test('with the collector away that metric is spooled (with its status file), and the next run, idle, replays it', async () => {
  const spool = unmadeSpool();
  const port = await closedPort();
  const away = await runFixture(fixture('metric-only-app.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env: otelEnv(`http://127.0.0.1:${port}`, { OTEL_SERVICE_NAME: 'metric-spooled', GENAI_OTEL_SPOOL_DIR: spool }),
  });
  assert.equal(away.code, 0, away.stderr);
  assert.ok(
    spooledPayloads(spool).some((name) => name.includes('.metrics.')),
    readdirSync(spool).join(', '),
  );
  const status = spoolStatus(spool);
  assert.ok(status.signals.metrics.spooled! > 0, JSON.stringify(status.signals.metrics));
  assert.equal(status.collectorReachable, false);

  // The collector comes back at the same address: payloads are only ever replayed to the destination they were for.
  const receiver = await startOtlpReceiver({ port });
  try {
    const next = await runFixture(fixture('idle-app.cjs'), {
      nodeArgs: ['--import', 'genai-otel/register'],
      env: otelEnv(receiver.url, { OTEL_SERVICE_NAME: 'metric-spooled', GENAI_OTEL_SPOOL_DIR: spool }),
    });
    assert.equal(next.code, 0, next.stderr);
    const metrics = await receiver.waitFor(
      'metrics',
      (all) => all.some((metric) => metric.name === 'app.orders'),
      5000,
    );
    assert.equal(metrics.find((metric) => metric.name === 'app.orders')!.resource['service.name'], 'metric-spooled');
    assert.deepEqual(spooledPayloads(spool), [], 'the spool is empty after the replay');
  } finally {
    await receiver.close();
  }
});
