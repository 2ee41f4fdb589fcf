// The real `openai` client (7.x through the require hook, 6.x patched the same way) against the local fake provider,
// traced by the official instrumentation as genai-otel completes it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';
import { createOpenAIInstrumentation } from '../../../src/instrumentations/openai.ts';

process.env.GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS = '300';
const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor({ openai: true, aiSdk: false })] });
const instrumentation = createOpenAIInstrumentation({ captureContent: 'none' });
const require = createRequire(import.meta.url);
const { OpenAI } = require('openai') as typeof import('openai');
const fake = await startFakeProvider();
const versionOf = (name: string): string =>
  (
    JSON.parse(readFileSync(new URL(`../../../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
after(() => fake.close());

const client = new OpenAI({ apiKey: 'test-key', baseURL: fake.openaiBaseURL, maxRetries: 2 });
const messages = [{ role: 'user' as const, content: 'Where is my order A-1?' }];

function lastSpan() {
  const spans = sdk.spans();
  const span = spans[spans.length - 1];
  assert.ok(span, 'a span was exported');
  return span;
}

async function metricPoints(name: string) {
  const collected = await sdk.collect();
  return sdk.points(collected.get(name));
}

test('the official instrumentation patches openai 7 (its declared range stops at <7)', () => {
  assert.equal(typeof (OpenAI.Chat.Completions.prototype.create as { __wrapped?: boolean }).__wrapped, 'boolean');
  assert.match(versionOf('openai'), /^7\./);
});

test('a chat completion: official span completed with provider, cached tokens, cost and genai-otel metrics', async () => {
  const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
  assert.equal(completion.choices[0]?.message.content, 'The order has shipped.');
  const span = lastSpan();
  assert.equal(span.name, 'chat gpt-4o-mini');
  assert.equal(span.instrumentationScope.name, '@opentelemetry/instrumentation-openai');
  assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 120);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 40);
  assert.equal(span.attributes['gen_ai.usage.cache_read.input_tokens'], 20);
  assert.equal(span.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
  // gpt-4o-mini: 0.15 / 0.075 (cached) / 0.60 per 1M tokens
  assert.ok(
    Math.abs((span.attributes['genai_otel.cost.usd'] as number) - (100 * 0.15 + 20 * 0.075 + 40 * 0.6) / 1e6) < 1e-12,
  );
  assert.equal(span.attributes['gen_ai.input.messages'], undefined, 'no content without opt-in');

  const cost = await metricPoints('genai_otel.client.cost');
  assert.ok(
    cost.some((point) => point.attributes['gen_ai.request.model'] === 'gpt-4o-mini' && (point.value as number) > 0),
  );
});

test('the official instrumentation records no metrics of its own (genai-otel records them once, same attributes as withLLMCall)', async () => {
  assert.deepEqual(await sdk.metricScopes(), ['genai-otel']);
  const duration = (await sdk.collect()).get('gen_ai.client.inference.duration');
  assert.ok(sdk.points(duration).length > 0, 'duration recorded');
  for (const point of sdk.points(duration)) assert.equal(point.attributes['gen_ai.provider.name'], 'openai');
  assert.equal(instrumentation.instrumentationName, '@opentelemetry/instrumentation-openai');
});

test('a tool call: finish reason tool_calls', async () => {
  await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages,
    tools: [{ type: 'function', function: { name: 'lookup_order', parameters: { type: 'object', properties: {} } } }],
  });
  assert.deepEqual(lastSpan().attributes['gen_ai.response.finish_reasons'], ['tool_calls']);
});

test('a stream: the caller gets the client Stream (helpers work), usage from the final chunk, time to first chunk', async () => {
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  assert.equal(stream.constructor.name, 'Stream');
  assert.ok(stream.controller instanceof AbortController);
  const reader = stream.toReadableStream().getReader();
  let bytes = 0;
  for (let step = await reader.read(); !step.done; step = await reader.read()) bytes += step.value.length;
  assert.ok(bytes > 0);
  const span = lastSpan();
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 120);
  assert.equal(span.attributes['genai_otel.stream.chunk_count'], 8);
  assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) > 0);
  assert.equal(span.attributes['genai_otel.usage.reported'], undefined);
  const ttfc = await metricPoints('gen_ai.client.inference.time_to_first_chunk');
  assert.ok(ttfc.length > 0);
  assert.ok(ttfc.some((point) => point.attributes['gen_ai.response.model'] === 'gpt-4o-mini-2024-07-18'));
});

test('a stream without usage says so (genai_otel.usage.reported=false), no guessed count', async () => {
  const stream = await client.chat.completions.create(
    { model: 'gpt-4o-mini', messages, stream: true },
    { headers: { 'x-fake-scenario': 'no-usage' } },
  );
  for await (const chunk of stream) void chunk;
  const span = lastSpan();
  assert.equal(span.attributes['genai_otel.usage.reported'], false);
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], undefined);
  assert.equal(span.attributes['genai_otel.cost.usd'], undefined);
});

test('a stream stopped early ends its span as cancelled (the official one would stay open)', async () => {
  const before = sdk.spans().length;
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
  for await (const chunk of stream) {
    void chunk;
    break;
  }
  assert.equal(sdk.spans().length, before + 1);
  assert.equal(lastSpan().attributes['genai_otel.stream.end'], 'cancelled');
});

test('a stream nobody finishes reading ends as abandoned after the idle timeout', async () => {
  const before = sdk.spans().length;
  const stream = await client.chat.completions.create(
    { model: 'gpt-4o-mini', messages, stream: true },
    { headers: { 'x-fake-scenario': 'stall' } },
  );
  const iterator = stream[Symbol.asyncIterator]();
  await iterator.next();
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(sdk.spans().length, before + 1);
  assert.equal(lastSpan().attributes['genai_otel.stream.end'], 'abandoned');
  stream.controller.abort();
});

test('a stream failing midway marks the span ERROR', async () => {
  const stream = await client.chat.completions.create(
    { model: 'gpt-4o-mini', messages, stream: true },
    { headers: { 'x-fake-scenario': 'stream-error' } },
  );
  await assert.rejects(async () => {
    for await (const chunk of stream) void chunk;
  });
  const span = lastSpan();
  assert.equal(span.status.code, 2);
  assert.equal(span.attributes['error.type'], 'APIError');
  assert.ok(span.events.some((event) => event.name === 'exception'));
});

test('429 with Retry-After: the client retries by itself; the retry is counted on the span and the metric', async () => {
  await client.chat.completions.create(
    { model: 'gpt-4o-mini', messages },
    { headers: { 'x-fake-scenario': 'rate-limit-once:openai-chat' } },
  );
  const span = lastSpan();
  assert.equal(span.attributes['genai_otel.retry.count'], 1);
  assert.equal(span.attributes['genai_otel.retry.reason'], 'rate_limited');
  const retries = await metricPoints('genai_otel.client.retries');
  assert.ok(
    retries.some((point) => point.attributes['genai_otel.retry.reason'] === 'rate_limited' && point.value === 1),
  );
});

test('500 after the retries: error.type, exception and the errors metric', async () => {
  await assert.rejects(
    client.chat.completions.create(
      { model: 'gpt-4o-mini', messages },
      { headers: { 'x-fake-scenario': 'server-error' }, maxRetries: 1 },
    ),
  );
  const span = lastSpan();
  assert.equal(span.status.code, 2);
  assert.equal(span.attributes['error.type'], 'InternalServerError');
  assert.equal(span.attributes['genai_otel.retry.reason'], 'server_error');
  assert.ok(span.events.some((event) => event.name === 'exception'));
  const errors = await metricPoints('genai_otel.client.errors');
  assert.ok(errors.some((point) => point.attributes['error.type'] === 'InternalServerError'));
});

test('a timeout: APIConnectionTimeoutError on the span', async () => {
  await assert.rejects(
    client.chat.completions.create(
      { model: 'gpt-4o-mini', messages },
      { headers: { 'x-fake-scenario': 'hang' }, timeout: 150, maxRetries: 0 },
    ),
  );
  assert.equal(lastSpan().attributes['error.type'], 'APIConnectionTimeoutError');
});

test('Responses API, streamed: .withResponse() still works, usage with reasoning tokens, instructions kept out without opt-in', async () => {
  const { data: stream, response } = await client.responses
    .create({ model: 'gpt-4o-mini', input: 'Where is my order?', instructions: 'Be brief.', stream: true })
    .withResponse();
  assert.equal(response.status, 200);
  let text = '';
  for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
  assert.equal(text, 'The order has shipped.');
  const span = lastSpan();
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 30);
  assert.equal(span.attributes['gen_ai.usage.reasoning.output_tokens'], 10);
  assert.equal(span.attributes['gen_ai.response.id'], 'resp_fake123');
  assert.equal(span.attributes['gen_ai.system_instructions'], undefined);
  assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
});

test('Responses API, streamed, failing before the stream: the span still ends', async () => {
  const before = sdk.spans().length;
  await assert.rejects(
    client.responses.create(
      { model: 'gpt-4o-mini', input: 'x', stream: true },
      { headers: { 'x-fake-scenario': 'server-error' }, maxRetries: 0 },
    ),
  );
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(sdk.spans().length, before + 1);
  assert.equal(lastSpan().status.code, 2);
});

test('embeddings: input tokens and cost', async () => {
  await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
  const span = lastSpan();
  assert.equal(span.name, 'embeddings text-embedding-3-small');
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 16);
  assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
});

test('openai 6 (previous major) is patched by the same definition', async () => {
  const definition = (
    instrumentation as unknown as {
      getModuleDefinitions(): { patch(exports: unknown, version: string): unknown; supportedVersions: string[] }[];
    }
  ).getModuleDefinitions()[0]!;
  const previous = require('openai6') as typeof import('openai');
  assert.match(versionOf('openai6'), /^6\./);
  definition.patch(previous, versionOf('openai6'));
  const old = new previous.OpenAI({ apiKey: 'k', baseURL: fake.openaiBaseURL });
  const stream = await old.chat.completions.create({
    model: 'gpt-4o-mini',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const chunk of stream) void chunk;
  const span = lastSpan();
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 40);
  assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) > 0);
});

test('with content capture on spans: input and output messages and the Responses instructions, in the conventions’ shapes', async () => {
  const { resetGenAISettingsForTests } = await import('../../../src/config/genai-settings.ts');
  process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'SPAN_ONLY';
  resetGenAISettingsForTests();
  try {
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    const chat = lastSpan();
    assert.deepEqual(JSON.parse(chat.attributes['gen_ai.input.messages'] as string), [
      { role: 'user', parts: [{ type: 'text', content: 'Where is my order A-1?' }] },
    ]);
    assert.equal(
      JSON.parse(chat.attributes['gen_ai.output.messages'] as string)[0].parts[0].content,
      'The order has shipped.',
    );
    await client.responses.create({ model: 'gpt-4o-mini', input: 'Where is my order?', instructions: 'Be brief.' });
    assert.deepEqual(JSON.parse(lastSpan().attributes['gen_ai.system_instructions'] as string), [
      { type: 'text', content: 'Be brief.' },
    ]);
  } finally {
    delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
    resetGenAISettingsForTests();
  }
});

test('a call whose span is sampled out still records its metrics (as withLLMCall does)', async () => {
  const { context, trace, TraceFlags } = await import('@opentelemetry/api');
  const costBefore = (await metricPoints('genai_otel.client.cost')).reduce(
    (total, point) => total + (point.value as number),
    0,
  );
  const spansBefore = sdk.spans().length;
  const unsampled = trace.setSpanContext(context.active(), {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.NONE,
  });
  const stream = await context.with(unsampled, () =>
    client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    }),
  );
  for await (const chunk of stream) void chunk;
  assert.equal(sdk.spans().length, spansBefore, 'no span recorded');
  const costAfter = (await metricPoints('genai_otel.client.cost')).reduce(
    (total, point) => total + (point.value as number),
    0,
  );
  assert.ok(
    Math.abs(costAfter - costBefore - (120 * 0.15 + 40 * 0.6) / 1e6) < 1e-12,
    `cost grew by ${costAfter - costBefore}`,
  );
});
