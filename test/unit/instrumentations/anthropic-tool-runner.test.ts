// The real Anthropic SDK's beta tool runner (`client.beta.messages.toolRunner()`, 1.x and 0.x) against the local
// fake provider: one run is one trace, the SDK's `invoke_agent` runner span the parent of genai-otel's chat spans
// (cost, usage, metrics) and of the SDK's `execute_tool` spans (genai-otel's tool duration metric), once each.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { createAnthropicInstrumentation } from '../../../src/instrumentations/anthropic.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';

const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor()] });
const instrumentation = createAnthropicInstrumentation();
const require = createRequire(import.meta.url);
const current = require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk');
const { betaTool } =
  require('@anthropic-ai/sdk/helpers/beta/json-schema') as typeof import('@anthropic-ai/sdk/helpers/beta/json-schema');
const fake = await startFakeProvider();
after(() => fake.close());

const model = 'claude-sonnet-4-20250514';
// Per model call of the fake: 200 input + 50 cache reads, 60 output.
const costPerCall = (200 * 3 + 50 * 0.3 + 60 * 15) / 1e6;

function lookupOrder(calls: string[]) {
  return betaTool({
    name: 'lookup_order',
    description: 'Finds an order',
    inputSchema: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
    run: ({ order_id }) => {
      calls.push(order_id);
      return `order ${order_id}: shipped`;
    },
  });
}

async function histogramCount(name: string): Promise<number> {
  const metric = (await sdk.collect()).get(name) as HistogramMetricData | undefined;
  return (metric?.dataPoints ?? []).reduce((sum, point) => sum + point.value.count, 0);
}

function assertOneRun(spans: ReadableSpan[], calls: string[]): void {
  assert.deepEqual(calls, ['A-1'], 'the tool ran once, as the model asked');
  const runner = spans.find((span) => span.attributes['gen_ai.operation.name'] === 'invoke_agent');
  assert.ok(runner, `a runner span; have ${spans.map((span) => span.name).join(', ')}`);
  const traceId = runner.spanContext().traceId;
  assert.ok(
    spans.every((span) => span.spanContext().traceId === traceId),
    'one trace',
  );
  const chats = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
  assert.deepEqual(
    chats.map((span) => [span.name, span.instrumentationScope.name, span.parentSpanContext?.spanId]),
    [
      [`chat ${model}`, 'genai-otel', runner.spanContext().spanId],
      [`chat ${model}`, 'genai-otel', runner.spanContext().spanId],
    ],
    'each model call is one genai-otel chat span under the runner (the SDK’s own call span is not made)',
  );
  for (const chat of chats)
    assert.ok(Math.abs((chat.attributes['genai_otel.cost.usd'] as number) - costPerCall) < 1e-12);
  const tools = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'execute_tool');
  assert.equal(tools.length, 1);
  assert.equal(tools[0]!.parentSpanContext?.spanId, runner.spanContext().spanId);
  assert.equal(tools[0]!.attributes['gen_ai.tool.name'], 'lookup_order');
  assert.equal(tools[0]!.attributes['gen_ai.tool.call.id'], 'toolu_01A09q90qw90lq917835lq9');
}

test('toolRunner (SDK 1.x): runner → chat, execute_tool, chat in one trace; cost and metrics once', async () => {
  await sdk.reset();
  const [callsBefore, toolsBefore, agentsBefore] = [
    await histogramCount('gen_ai.client.inference.duration'),
    await histogramCount('gen_ai.execute_tool.duration'),
    await histogramCount('gen_ai.invoke_agent.duration'),
  ];
  const client = new current.Anthropic({ apiKey: 'test-key', baseURL: fake.anthropicBaseURL, maxRetries: 0 });
  const calls: string[] = [];
  const final = await client.beta.messages.toolRunner({
    model,
    max_tokens: 256,
    messages: [{ role: 'user', content: 'Where is my order A-1?' }],
    tools: [lookupOrder(calls)],
  });
  assert.equal(final.stop_reason, 'end_turn');
  assertOneRun(sdk.spans(), calls);
  assert.equal((await histogramCount('gen_ai.client.inference.duration')) - callsBefore, 2);
  assert.equal((await histogramCount('gen_ai.execute_tool.duration')) - toolsBefore, 1);
  assert.equal((await histogramCount('gen_ai.invoke_agent.duration')) - agentsBefore, 1);
});

test('toolRunner (SDK 0.x, patched by the same definition): the same trace', async () => {
  await sdk.reset();
  const definition = (
    instrumentation as unknown as { getModuleDefinitions(): { patch(exports: unknown, version: string): unknown }[] }
  ).getModuleDefinitions()[0]!;
  const previous = require('anthropic0') as typeof import('@anthropic-ai/sdk');
  definition.patch(previous, '0.137.0');
  const { betaTool: previousBetaTool } = require('anthropic0/helpers/beta/json-schema') as {
    betaTool: typeof betaTool;
  };
  const client = new previous.Anthropic({ apiKey: 'test-key', baseURL: fake.anthropicBaseURL, maxRetries: 0 });
  const calls: string[] = [];
  const tool = previousBetaTool({
    name: 'lookup_order',
    description: 'Finds an order',
    inputSchema: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
    run: ({ order_id }) => {
      calls.push(order_id);
      return `order ${order_id}: shipped`;
    },
  });
  await client.beta.messages.toolRunner({
    model,
    max_tokens: 256,
    messages: [{ role: 'user', content: 'Where is my order A-1?' }],
    tools: [tool],
  });
  assertOneRun(sdk.spans(), calls);
});
