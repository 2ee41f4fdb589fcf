// Programmatic start in-process: idempotent, options over environment, never throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import { startOtlpReceiver } from '@genai-otel/mock-otlp-receiver';
import { forceFlush, getStatus, shutdown, start } from '../../../src/sdk/sdk.ts';
import { VERSION } from '../../../src/version.ts';
import packageJson from '../../../package.json' with { type: 'json' };

test('VERSION matches package.json', () => {
  assert.equal(VERSION, packageJson.version);
});

test('start() with options, forceFlush() delivers, a second start() keeps the first, shutdown() is safe twice', async () => {
  const receiver = await startOtlpReceiver();
  process.env.OTEL_SERVICE_NAME = 'from-env';
  assert.equal(getStatus(), undefined);
  const status = start({
    serviceName: 'programmatic',
    endpoint: receiver.url,
    installExitHandlers: false,
    metricsExporter: 'none',
    logsExporter: 'none',
    logLevel: 'none',
  });
  assert.equal(status.tracing, 'registered');
  assert.equal(status.metrics, 'off');
  assert.equal(start({ serviceName: 'ignored' }), status);
  trace.getTracer('t').startSpan('programmatic-span').end();
  await forceFlush();
  const spans = receiver.spans();
  assert.equal(spans.length, 1);
  assert.equal(spans[0]!.resource['service.name'], 'programmatic');
  await shutdown();
  await shutdown();
  await forceFlush();
  await receiver.close();
});
