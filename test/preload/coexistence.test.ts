// Another SDK (Sentry, @vercel/otel, a hand-made NodeSDK) registered its tracer provider first.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOtlpReceiver, type OtlpReceiver } from '@genai-otel/mock-otlp-receiver';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';

let receiver: OtlpReceiver;
before(async () => {
  receiver = await startOtlpReceiver();
});
after(async () => {
  await receiver.close();
});

test('genai-otel attaches its exporters to the existing provider: spans reach both, and it says so once', async () => {
  const result = await runFixture(fixture('llm-call.cjs'), {
    nodeArgs: ['--require', fixture('other-sdk-first.cjs'), '--require', 'genai-otel/register'],
    env: otelEnv(receiver.url, { OTEL_SERVICE_NAME: 'coexist' }),
  });
  assert.equal(result.code, 0);
  assert.match(result.stdout, /their exporter saw: .*chat gpt-4o-mini/);
  const warnings = result.stderr.trim().split('\n');
  assert.deepEqual(warnings, [
    'genai-otel: a global TracerProvider is already registered by another library; genai-otel added its exporters to it instead of registering a second provider',
  ]);
  const spans = await receiver.waitFor(
    'spans',
    (all) => all.some((span) => span.name === 'execute_tool lookup_order' && span.scope.name === 'genai-otel'),
    5000,
  );
  assert.ok(spans.some((span) => span.name === 'chat gpt-4o-mini'));
  // Metrics had no other provider: genai-otel's own is registered.
  await receiver.waitFor('metrics', (all) => all.some((metric) => metric.resource['service.name'] === 'coexist'), 5000);
});
