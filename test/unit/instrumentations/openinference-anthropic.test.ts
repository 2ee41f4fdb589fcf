// Two other libraries describing one model call, neither of them genai-otel: OpenInference's
// `@arizeai/openinference-instrumentation-anthropic` (its `llm.*` conventions) around the real Anthropic SDK 1.x that
// traces itself (GenAI spans), genai-otel's own anthropic instrumentation off, against the local fake provider. The
// call is counted once: cost on one span, one point in genai-otel's metrics, one request in `genai-otel report`; the
// other span of it is marked genai_otel.call.duplicate.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';
import { reportFromSpans } from '../../../src/cli/report/from-spans.ts';
import type { CliSpan } from '../../../src/cli/telemetry/otlp-json.ts';

const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor()] });
const fake = await startFakeProvider();
after(() => fake.close());

const require = createRequire(import.meta.url);
const { AnthropicInstrumentation } =
  require('@arizeai/openinference-instrumentation-anthropic') as typeof import('@arizeai/openinference-instrumentation-anthropic');
// As its README registers it: before the SDK is loaded.
const openInference = new AnthropicInstrumentation();
const { Anthropic } = require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk');
after(() => openInference.disable());
// Made after the SDK is registered: the client takes its tracer when it is constructed.
const client = new Anthropic({ apiKey: 'test-key', baseURL: fake.anthropicBaseURL, maxRetries: 0 });
const model = 'claude-sonnet-4-20250514';
// The fake's usage: 200 input and 50 cache reads (both libraries add them up, as the conventions say), 60 output.
const expectedCost = (200 * 3 + 50 * 0.3 + 60 * 15) / 1e6;

function toCliSpan(span: ReadableSpan): CliSpan {
  const [seconds, nanos] = span.startTime;
  const startMillis = seconds * 1000 + nanos / 1e6;
  const durationMillis = span.duration[0] * 1000 + span.duration[1] / 1e6;
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    serviceName: 'bot',
    kind: 'CLIENT',
    error: false,
    startTimeUnixNano: BigInt(Math.round(startMillis)) * 1_000_000n,
    endTimeUnixNano: BigInt(Math.round(startMillis + durationMillis)) * 1_000_000n,
    startMillis,
    durationMillis,
    attributes: { ...span.attributes },
  };
}

test('OpenInference’s span and the Anthropic SDK’s own span of one call: counted once', async () => {
  await client.messages.create({ model, max_tokens: 256, messages: [{ role: 'user', content: 'Where is A-1?' }] });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const spans = sdk.spans();
  const theirs = spans.find((span) => span.attributes['openinference.span.kind'] === 'LLM');
  const sdks = spans.find((span) => span.instrumentationScope.name === 'com.anthropic.sdk.typescript');
  assert.ok(theirs && sdks, spans.map((span) => `${span.instrumentationScope.name} ${span.name}`).join(', '));
  const priced = spans.filter((span) => typeof span.attributes['genai_otel.cost.usd'] === 'number');
  assert.equal(priced.length, 1, 'cost on one span');
  assert.ok(Math.abs((priced[0]!.attributes['genai_otel.cost.usd'] as number) - expectedCost) < 1e-12);
  const duplicates = [theirs, sdks].filter((span) => span.attributes['genai_otel.call.duplicate'] === true);
  assert.equal(duplicates.length, 1, 'the other one is the duplicate');

  const metrics = await sdk.collect();
  const duration = metrics.get('gen_ai.client.inference.duration') as HistogramMetricData | undefined;
  assert.equal(
    (duration?.dataPoints ?? []).reduce((sum, point) => sum + point.value.count, 0),
    1,
  );
  const cost = (metrics.get('genai_otel.client.cost')?.dataPoints ?? []).reduce(
    (sum, point) => sum + (point.value as number),
    0,
  );
  assert.ok(Math.abs(cost - expectedCost) < 1e-12);
  const report = reportFromSpans(spans.map(toCliSpan), [], {
    source: 'test',
    sinceMillis: 0,
    untilMillis: Date.now() + 60_000,
  });
  assert.equal(report.requests, 1);
  assert.ok(Math.abs(report.costUsd - expectedCost) < 1e-12);
});
