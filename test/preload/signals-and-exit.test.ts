// Flushing at the end of a process without taking the ending away from the application.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOtlpReceiver, type OtlpReceiver } from '@genai-otel/mock-otlp-receiver';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';
import { spooledPayloads } from '../support/spool-files.ts';

let receiver: OtlpReceiver;
before(async () => {
  receiver = await startOtlpReceiver();
});
after(async () => {
  await receiver.close();
});

const hasServiceSpan = (service: string) => (all: { resource: Record<string, unknown> }[]) =>
  all.some((span) => span.resource['service.name'] === service);

test('SIGTERM to a server with no handler of its own: telemetry is flushed, then the process dies of SIGTERM as it would have', async () => {
  // A long batch delay proves the span arrives because of the signal, not the timer.
  const result = await runFixture(fixture('server.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env: otelEnv(receiver.url, {
      OTEL_SERVICE_NAME: 'sigterm-default',
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      OTEL_METRIC_EXPORT_INTERVAL: '60000',
    }),
    onLine: { line: 'ready', then: (child) => child.kill('SIGTERM') },
  });
  assert.equal(result.signal, 'SIGTERM');
  assert.equal(result.code, null);
  const spans = await receiver.waitFor('spans', hasServiceSpan('sigterm-default'), 5000);
  assert.ok(spans.some((span) => span.name === 'chat claude-sonnet-4'));
  await receiver.waitFor('metrics', hasServiceSpan('sigterm-default'), 5000);
});

test('SIGINT behaves the same way', async () => {
  const result = await runFixture(fixture('server.cjs'), {
    nodeArgs: ['--import', 'genai-otel/register'],
    env: otelEnv(receiver.url, { OTEL_SERVICE_NAME: 'sigint-default', OTEL_BSP_SCHEDULE_DELAY: '60000' }),
    onLine: { line: 'ready', then: (child) => child.kill('SIGINT') },
  });
  assert.equal(result.signal, 'SIGINT');
  await receiver.waitFor('spans', hasServiceSpan('sigint-default'), 5000);
});

test('SIGTERM to a server with its own handler: the app decides how to exit, telemetry is still flushed', async () => {
  const result = await runFixture(fixture('server.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env: otelEnv(receiver.url, {
      OTEL_SERVICE_NAME: 'sigterm-own',
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      FIXTURE_OWN_SIGTERM: '1',
    }),
    onLine: { line: 'ready', then: (child) => child.kill('SIGTERM') },
  });
  assert.equal(result.code, 0);
  assert.equal(result.signal, null);
  assert.match(result.stdout, /app handler ran/);
  await receiver.waitFor('spans', hasServiceSpan('sigterm-own'), 5000);
});

test('SIGTERM to a server whose earlier handler calls process.exit(143) at once (next start): the exit waits for the flush', async () => {
  const result = await runFixture(fixture('exit-on-sigterm.cjs'), {
    env: otelEnv(receiver.url, { OTEL_SERVICE_NAME: 'sigterm-exit-at-once', OTEL_BSP_SCHEDULE_DELAY: '60000' }),
    onLine: { line: 'ready', then: (child) => child.kill('SIGTERM') },
  });
  assert.equal(result.code, 143, result.stderr);
  const spans = await receiver.waitFor('spans', hasServiceSpan('sigterm-exit-at-once'), 5000);
  assert.ok(spans.some((span) => span.name === 'chat gpt-exit-at-once'));
});

test('with no collector listening, a short script still ends at once with its exit code; its telemetry waits in the spool', async () => {
  const spoolDirectory = mkdtempSync(join(tmpdir(), 'spool-'));
  const result = await runFixture(fixture('llm-call.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    // Port 9 (discard) has no listener here. Metrics go at exit only: a periodic export first (a slow start on a busy
    // machine) would spool them, and the spans would then queue behind them without a try, and without a diagnostic.
    env: otelEnv('http://127.0.0.1:9', {
      GENAI_OTEL_SHUTDOWN_TIMEOUT_MS: '20000',
      GENAI_OTEL_SPOOL_DIR: spoolDirectory,
      FIXTURE_EXIT_CODE: '3',
      OTEL_METRIC_EXPORT_INTERVAL: '60000',
    }),
  });
  assert.equal(result.code, 3);
  // A refused connection goes to disk at once, and the last drain at exit does not retry a collector that is not there
  // (it used to, until the shutdown deadline). The deadline is long so that waiting for it cannot pass for a slow start
  // on a busy machine: the script must end in well under half of it.
  assert.ok(result.elapsedMillis < 10_000, `took ${result.elapsedMillis} ms of a 20 s shutdown deadline`);
  assert.match(result.stderr, /cannot take traces now \(ECONNREFUSED\); they wait in the spool/);
  assert.ok(
    spooledPayloads(spoolDirectory).some((name) => name.includes('.traces.')),
    readdirSync(spoolDirectory).join(', '),
  );
});

test('a collector that accepts the connection but never answers cannot hold the exit past GENAI_OTEL_SHUTDOWN_TIMEOUT_MS', async () => {
  const hanging = await startOtlpReceiver();
  hanging.setBehaviour({ hang: true });
  const spoolDirectory = mkdtempSync(join(tmpdir(), 'spool-'));
  const result = await runFixture(fixture('llm-call.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env: otelEnv(hanging.url, {
      GENAI_OTEL_SHUTDOWN_TIMEOUT_MS: '600',
      GENAI_OTEL_SPOOL_DIR: spoolDirectory,
      OTEL_BSP_SCHEDULE_DELAY: '60000',
    }),
  });
  await hanging.close();
  assert.equal(result.code, 0);
  assert.ok(result.elapsedMillis < 6000, `took ${result.elapsedMillis} ms`);
  assert.ok(
    spooledPayloads(spoolDirectory).some((name) => name.includes('.traces.')),
    'the unanswered batch was spooled',
  );
});

test('GENAI_OTEL_EXIT_HANDLERS=false leaves SIGTERM alone: the process dies at once, unflushed', async () => {
  const result = await runFixture(fixture('server.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env: otelEnv(receiver.url, {
      OTEL_SERVICE_NAME: 'no-handlers',
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      GENAI_OTEL_EXIT_HANDLERS: 'false',
    }),
    onLine: { line: 'ready', then: (child) => child.kill('SIGTERM') },
  });
  assert.equal(result.signal, 'SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(receiver.spans().filter((span) => span.resource['service.name'] === 'no-handlers').length, 0);
});
