// GenAI spans that other libraries make (here the real Anthropic SDK 1.x tracing itself, with genai-otel's anthropic
// instrumentation off, and the real AI SDK 6 around it) get cost and genai-otel's metrics from the span processor,
// exactly once per model call: the span nearest the provider counts, genai-otel's own always does, and the other
// span of the same call is marked genai_otel.call.duplicate. `genai-otel report` counts the same calls.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';
import { withLLMCall } from '../../../src/genai/llm.ts';
import { reportFromSpans } from '../../../src/cli/report/from-spans.ts';
import type { CliSpan } from '../../../src/cli/telemetry/otlp-json.ts';

const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor()] });
const fake = await startFakeProvider();
after(() => fake.close());

const require = createRequire(import.meta.url);
const { Anthropic } = require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk');
const ai6 = await import('ai6');
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
// Made after the SDK is registered: the client takes its tracer when it is constructed.
const client = new Anthropic({ apiKey: 'test-key', baseURL: fake.anthropicBaseURL, maxRetries: 0 });
const model = 'claude-sonnet-4-20250514';
const request = { model, max_tokens: 256, messages: [{ role: 'user' as const, content: 'Where is my order A-1?' }] };
// The fake's usage: 200 input and 50 cache reads (the SDK adds them up, as the conventions say), 60 output.
const expectedCost = (200 * 3 + 50 * 0.3 + 60 * 15) / 1e6;

const SDK_SCOPE = 'com.anthropic.sdk.typescript';
const modelCalls = (spans: ReadableSpan[]) =>
  spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');

/** How many calls genai-otel's duration histogram and cost counter have counted so far (cumulative). */
async function counted(): Promise<{ calls: number; cost: number }> {
  const metrics = await sdk.collect();
  const duration = metrics.get('gen_ai.client.inference.duration') as HistogramMetricData | undefined;
  const cost = metrics.get('genai_otel.client.cost');
  return {
    calls: (duration?.dataPoints ?? []).reduce((sum, point) => sum + point.value.count, 0),
    cost: (cost?.dataPoints ?? []).reduce((sum, point) => sum + (point.value as number), 0),
  };
}

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

const reportOf = (spans: ReadableSpan[]) =>
  reportFromSpans(spans.map(toCliSpan), [], { source: 'test', sinceMillis: 0, untilMillis: Date.now() + 60_000 });

test('the Anthropic SDK’s own span of a call gets cost and genai-otel’s metrics, once', async () => {
  await sdk.reset();
  const before = await counted();
  await client.messages.create(request);
  const [span, ...others] = modelCalls(sdk.spans());
  assert.equal(others.length, 0);
  assert.equal(span?.name, 'anthropic.messages.create');
  assert.equal(span.instrumentationScope.name, SDK_SCOPE);
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 250);
  assert.ok(Math.abs((span.attributes['genai_otel.cost.usd'] as number) - expectedCost) < 1e-12);
  assert.equal(span.attributes['genai_otel.call.duplicate'], undefined);
  const after = await counted();
  assert.equal(after.calls - before.calls, 1);
  assert.ok(Math.abs(after.cost - before.cost - expectedCost) < 1e-12);
});

test('withLLMCall around a self-traced client: genai-otel’s span counts, the SDK’s inside it is the duplicate', async () => {
  await sdk.reset();
  const before = await counted();
  await withLLMCall({ provider: 'anthropic', model }, () => client.messages.create(request));
  const ours = sdk.spans().find((span) => span.instrumentationScope.name === 'genai-otel')!;
  const theirs = sdk.spans().find((span) => span.instrumentationScope.name === SDK_SCOPE)!;
  assert.equal(theirs.parentSpanContext?.spanId, ours.spanContext().spanId);
  assert.equal(theirs.attributes['genai_otel.call.duplicate'], true);
  assert.equal(theirs.attributes['genai_otel.cost.usd'], undefined);
  assert.equal(typeof ours.attributes['genai_otel.cost.usd'], 'number');
  assert.equal((await counted()).calls - before.calls, 1);
  assert.equal(reportOf(sdk.spans()).requests, 1);
});

/** An AI SDK model in the documented custom-provider style whose calls go through the (self-traced) Anthropic client. */
function anthropicThroughClient() {
  return {
    specificationVersion: 'v2' as const,
    provider: 'anthropic.messages',
    modelId: model,
    supportedUrls: {},
    async doGenerate() {
      const message = await client.messages.create(request);
      const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      return {
        content: [{ type: 'text' as const, text }],
        finishReason: 'stop' as const,
        usage: {
          inputTokens: message.usage.input_tokens,
          outputTokens: message.usage.output_tokens,
          totalTokens: message.usage.input_tokens + message.usage.output_tokens,
        },
        warnings: [],
      };
    },
    doStream(): never {
      throw new Error('not used');
    },
  };
}

test('AI SDK 6 doGenerate around a self-traced client: the provider-level span counts, doGenerate is the duplicate', async () => {
  await sdk.reset();
  const before = await counted();
  const result = await ai6.generateText({
    model: anthropicThroughClient() as never,
    prompt: 'Where is my order A-1?',
    experimental_telemetry: { isEnabled: true },
  });
  assert.equal(result.text, 'The order has shipped.');
  await new Promise((resolve) => setTimeout(resolve, 20));
  const doGenerate = sdk.span('ai.generateText.doGenerate');
  const provider = sdk.span('anthropic.messages.create');
  assert.equal(provider.parentSpanContext?.spanId, doGenerate.spanContext().spanId);
  assert.equal(doGenerate.attributes['genai_otel.call.duplicate'], true);
  assert.equal(doGenerate.attributes['genai_otel.cost.usd'], undefined);
  assert.ok(Math.abs((provider.attributes['genai_otel.cost.usd'] as number) - expectedCost) < 1e-12);
  const after = await counted();
  assert.equal(after.calls - before.calls, 1, 'one call, counted once');
  assert.ok(Math.abs(after.cost - before.cost - expectedCost) < 1e-12);

  const report = reportOf(sdk.spans());
  assert.equal(report.requests, 1, 'the report counts it once');
  assert.ok(Math.abs(report.costUsd - expectedCost) < 1e-12, 'with the cost of the span that counts');
});

test('a span with only the deprecated gen_ai.system and prompt/completion tokens (older instrumentations) is priced', async () => {
  await sdk.reset();
  const before = await counted();
  const { trace } = await import('@opentelemetry/api');
  trace
    .getTracer('opentelemetry.instrumentation.openai')
    .startSpan('openai.chat', {
      attributes: {
        'gen_ai.system': 'OpenAI',
        'llm.request.type': 'chat',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.usage.prompt_tokens': 1000,
        'gen_ai.usage.completion_tokens': 100,
      },
    })
    .end();
  const span = sdk.span('openai.chat');
  assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
  assert.ok(Math.abs((span.attributes['genai_otel.cost.usd'] as number) - (1000 * 0.15 + 100 * 0.6) / 1e6) < 1e-12);
  assert.equal((await counted()).calls - before.calls, 1);
});
