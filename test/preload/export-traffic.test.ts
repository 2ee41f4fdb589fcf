// genai-otel's own export traffic, seen from the app: it never shows up as spans of the app's HTTP instrumentation, and
// when it fails the app's stderr gets one clear line, not the SDK's JSON-encoded stacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOtlpReceiver } from '@genai-otel/mock-otlp-receiver';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';
import { closedPort } from '../support/ports.ts';

const preload = ['--require', 'genai-otel/register'];

test("the replay of an earlier run's spool, and every export, make no span of the app's HTTP instrumentation", async () => {
  const port = await closedPort();
  const env = otelEnv(`http://127.0.0.1:${port}`, {
    OTEL_SERVICE_NAME: 'export-traffic',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
  });
  // The collector is away: the first run's spans wait in the spool.
  const first = await runFixture(fixture('span-producer.cjs'), {
    nodeArgs: preload,
    env: { ...env, PRODUCER_SPANS: '5' },
  });
  assert.equal(first.code, 0, first.stderr);
  const receiver = await startOtlpReceiver({ port });
  const second = await runFixture(fixture('http-instrumented-app.cjs'), {
    nodeArgs: preload,
    env: { ...env, APP_HOLD_MS: '1500', APP_GET_URL: `${receiver.url}/app-request` },
  });
  assert.equal(second.code, 0, second.stderr);
  const spans = receiver.spans();
  await receiver.close();
  const names = spans.map(
    (span) =>
      `${span.scope.name}:${span.name}:${String(span.attributes['url.full'] ?? span.attributes['http.url'] ?? '')}`,
  );
  assert.equal(spans.filter((span) => span.name === 'work').length, 5, `replayed: ${names.join(', ')}`);
  assert.ok(
    spans.some((span) => span.name === 'app-work'),
    names.join(', '),
  );
  const httpSpans = spans.filter((span) => span.scope.name.includes('http'));
  // The instrumentation works: the app's own request is traced ...
  assert.ok(
    httpSpans.some((span) =>
      String(
        span.attributes['url.full'] ?? span.attributes['http.url'] ?? span.attributes['http.target'] ?? '',
      ).includes('app-request'),
    ),
    names.join(', '),
  );
  // ... and nothing genai-otel sent is.
  assert.deepEqual(
    httpSpans.filter((span) => /\/v1\/(traces|metrics|logs)/.test(JSON.stringify(span.attributes))),
    [],
    names.join(', '),
  );
  assert.equal(httpSpans.length, 1, names.join(', '));
});

test('with the spool off, exports that fail print one line naming the cause, and no stack', async () => {
  const port = await closedPort();
  const env = otelEnv(`http://127.0.0.1:${port}`, {
    OTEL_SERVICE_NAME: 'no-spool',
    GENAI_OTEL_SPOOL: 'false',
    PRODUCER_SPANS: '2000',
    PRODUCER_RATE: '4000',
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_LOGS_EXPORTER: 'none',
  });
  const result = await runFixture(fixture('span-producer.cjs'), { nodeArgs: preload, env });
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  assert.ok(!/"stack"|export failed|^\s+at /m.test(result.stderr), result.stderr);
  const traces = lines.filter((line) => line.includes('traces'));
  assert.equal(traces.length, 1, result.stderr);
  assert.match(
    traces[0]!,
    /^genai-otel: the collector at http:\/\/127\.0\.0\.1:\d+\/v1\/traces cannot take traces now \(ECONNREFUSED\); they are dropped \(no spool\)$/,
  );
});

test('an export in flight when the app ends (a collector that never answers) does not hold the exit until its own timeout', async () => {
  const hanging = await startOtlpReceiver();
  hanging.setBehaviour({ hang: true });
  const exportTimeoutMillis = 10_000;
  // Metrics every 20 ms: one is surely waiting for the collector when the script ends.
  const env = otelEnv(hanging.url, {
    OTEL_METRIC_EXPORT_INTERVAL: '20',
    OTEL_EXPORTER_OTLP_TIMEOUT: String(exportTimeoutMillis),
    GENAI_OTEL_SHUTDOWN_TIMEOUT_MS: '600',
  });
  const result = await runFixture(fixture('llm-call.cjs'), { nodeArgs: preload, env });
  await hanging.close();
  assert.equal(result.code, 0, result.stderr);
  // It held the exit for the export's whole timeout (10 s), not the shutdown's bound.
  assert.ok(result.elapsedMillis < exportTimeoutMillis / 2, `took ${result.elapsedMillis} ms`);
  assert.match(result.stderr, /no answer before the shutdown deadline\); they wait in the spool/);
});
