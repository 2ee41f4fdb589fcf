// Streamed openai calls (a chat completion and a Responses call) under the real preload with OpenInference's openai
// instrumentation beside it, registered before or after genai-otel, in CommonJS and ES modules: genai-otel's span of
// each call ends with the app's loop, with usage and cost, and each call is counted once (OpenInference's span of it is
// the duplicate). Before, when OpenInference's wrapper went around genai-otel's, it teed the stream before genai-otel
// followed it, and genai-otel's span waited for the idle timeout (set out of reach here) with no usage.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ReceivedMetric, type ReceivedSpan } from '@genai-otel/mock-otlp-receiver';
import { inferenceMetrics, useFakeServices } from '../support/fake-services.ts';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';

const services = useFakeServices();

const GENAI_OTEL_SCOPE = '@opentelemetry/instrumentation-openai';
const OPENINFERENCE_SCOPE = '@arizeai/openinference-instrumentation-openai';
const register = fixture('openinference-register.cjs');

const cases = [
  {
    mode: 'CommonJS, OpenInference registered after the preload',
    service: 'oi-stream-cjs-after',
    app: 'openinference-stream-app.cjs',
    nodeArgs: ['--require', 'genai-otel/register', '--require', register],
  },
  {
    mode: 'CommonJS, OpenInference registered before the preload',
    service: 'oi-stream-cjs-before',
    app: 'openinference-stream-app.cjs',
    nodeArgs: ['--require', register, '--require', 'genai-otel/register'],
  },
  {
    mode: 'ES modules, OpenInference applied by manuallyInstrument after the preload',
    service: 'oi-stream-esm-after',
    app: 'openinference-stream-app.mjs',
    nodeArgs: ['--import', 'genai-otel/register'],
  },
];

for (const { mode, service, app, nodeArgs } of cases) {
  describe(`streamed openai calls, ${mode}`, () => {
    let result: Awaited<ReturnType<typeof runFixture>>;
    let spans: ReceivedSpan[];
    let metrics: ReceivedMetric[];
    const mine = <T extends { resource: Record<string, unknown> }>(received: T[]) =>
      received.filter((item) => item.resource['service.name'] === service);

    before(async () => {
      result = await runFixture(fixture(app), {
        nodeArgs,
        env: otelEnv(services.receiver.url, {
          OTEL_SERVICE_NAME: service,
          FAKE_PROVIDER_URL: services.provider.anthropicBaseURL,
          GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS: '600000',
        }),
      });
      const both = (received: ReceivedSpan[]) =>
        mine(received).filter((span) => span.scope.name === GENAI_OTEL_SCOPE).length >= 2 &&
        mine(received).filter((span) => span.scope.name === OPENINFERENCE_SCOPE).length >= 2;
      spans = mine(await services.receiver.waitFor('spans', both, 8000).catch(() => services.receiver.spans()));
      metrics = await inferenceMetrics(services.receiver, mine, 2);
    });

    test('the app gets every chunk', () => {
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        result.stdout.trim(),
        ['chat stream: 8 chunks, The order has shipped.', 'responses stream: 13 events, The order has shipped.'].join(
          '\n',
        ),
      );
    });

    test('genai-otel’s span of each call ended with the loop, with usage and cost; OpenInference’s is the duplicate', () => {
      const ours = spans.filter((span) => span.scope.name === GENAI_OTEL_SCOPE);
      assert.equal(ours.length, 2, spans.map((span) => `${span.scope.name} ${span.name}`).join(', '));
      for (const span of ours) {
        assert.ok((span.attributes['gen_ai.usage.input_tokens'] as number) > 0, JSON.stringify(span.attributes));
        assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
        assert.equal(span.attributes['genai_otel.stream.end'], undefined);
        assert.equal(span.attributes['genai_otel.call.duplicate'], undefined);
      }
      const theirs = spans.filter((span) => span.scope.name === OPENINFERENCE_SCOPE);
      assert.equal(theirs.length, 2);
      for (const span of theirs) {
        assert.equal(span.attributes['genai_otel.call.duplicate'], true, span.name);
        assert.equal(span.attributes['genai_otel.cost.usd'], undefined);
      }
    });

    test('genai-otel’s metrics count each call once', () => {
      const duration = metrics
        .filter((metric) => metric.name === 'gen_ai.client.inference.duration' && metric.scope.name === 'genai-otel')
        .at(-1);
      assert.equal(
        (duration?.dataPoints ?? []).reduce((sum, point) => sum + (point.count ?? 0), 0),
        2,
      );
    });
  });
}
