// The real `@anthropic-ai/sdk` (1.x through the require hook, 0.x patched the same way) against the local fake
// provider: the spans and metrics must be those of withLLMCall.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { createAnthropicInstrumentation } from '../../../src/instrumentations/anthropic.ts';
import { withLLMCall } from '../../../src/genai/llm.ts';

process.env.GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS = '300';
const sdk = installMemorySdk();
const instrumentation = createAnthropicInstrumentation();
const require = createRequire(import.meta.url);
const { Anthropic } = require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk');
const fake = await startFakeProvider();
after(() => fake.close());
const versionOf = (name: string): string =>
  (
    JSON.parse(readFileSync(new URL(`../../../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;

const client = new Anthropic({ apiKey: 'test-key', baseURL: fake.anthropicBaseURL, maxRetries: 2 });
const model = 'claude-sonnet-4-20250514';
const request = {
  model,
  max_tokens: 256,
  system: 'You answer order questions.',
  messages: [{ role: 'user' as const, content: 'Where is my order A-1?' }],
};
const tools = [
  {
    name: 'lookup_order',
    description: 'Finds an order',
    input_schema: { type: 'object' as const, properties: { order_id: { type: 'string' } } },
  },
];

function llmSpans() {
  return sdk.spans().filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
}
function lastSpan() {
  const spans = sdk.spans();
  return spans[spans.length - 1]!;
}

test('a message: one chat span with the same attributes and cost withLLMCall gives the same response', async () => {
  assert.match(versionOf('@anthropic-ai/sdk'), /^1\./);
  const message = await client.messages.create(request);
  assert.equal(message.content[0]?.type, 'text');
  const span = lastSpan();
  assert.equal(span.name, `chat ${model}`);
  assert.equal(span.instrumentationScope.name, 'genai-otel');
  assert.equal(span.attributes['gen_ai.provider.name'], 'anthropic');
  assert.equal(span.attributes['gen_ai.request.max_tokens'], 256);
  assert.equal(
    span.attributes['gen_ai.usage.input_tokens'],
    250,
    'cached tokens count as input, as the conventions say',
  );
  assert.equal(span.attributes['gen_ai.usage.cache_read.input_tokens'], 50);
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['end_turn']);

  // The very same response through withLLMCall must give the very same attributes (apart from the server).
  const manual = await withLLMCall({ provider: 'anthropic', model, maxTokens: 256 }, () => Promise.resolve(message));
  void manual;
  const helperSpan = lastSpan();
  for (const key of [
    'gen_ai.usage.input_tokens',
    'gen_ai.usage.output_tokens',
    'gen_ai.usage.cache_read.input_tokens',
    'genai_otel.cost.usd',
    'gen_ai.response.id',
  ]) {
    assert.equal(span.attributes[key], helperSpan.attributes[key], key);
  }
});

test('the SDK’s own span (1.x traces itself) is not added on top of ours; its other calls keep theirs', async () => {
  const before = sdk.spans().length;
  await client.messages.create(request);
  assert.equal(sdk.spans().length, before + 1);
  assert.ok(!sdk.spans().some((span) => span.name === 'anthropic.messages.create'));
  await client.messages.countTokens({ model, messages: request.messages }).catch(() => undefined);
  assert.ok(
    sdk.spans().some((span) => span.name === 'anthropic.messages.count_tokens'),
    'the SDK tracing is on in this test',
  );
});

test('tool use: finish reason tool_use', async () => {
  await client.messages.create({ ...request, tools });
  assert.deepEqual(lastSpan().attributes['gen_ai.response.finish_reasons'], ['tool_use']);
});

test('messages.stream(): MessageStream helpers work (on text, finalMessage) and the span has usage and time to first chunk', async () => {
  const stream = client.messages.stream({ ...request, tools });
  let text = '';
  stream.on('text', (delta) => (text += delta));
  const final = await stream.finalMessage();
  assert.equal(text, 'Let me look that up.');
  assert.equal(final.content[1]?.type, 'tool_use');
  const span = llmSpans().at(-1)!;
  assert.equal(span.attributes['gen_ai.request.stream'], true);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 60);
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 250);
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['tool_use']);
  assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) > 0);
  assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
});

test('create({ stream: true }) returns the SDK Stream (tee, controller) and ends the span when read', async () => {
  const stream = await client.messages.create({ ...request, stream: true });
  assert.equal(stream.constructor.name, 'Stream');
  assert.ok(stream.controller instanceof AbortController);
  const events: string[] = [];
  for await (const event of stream) events.push(event.type);
  assert.equal(events.at(-1), 'message_stop');
  assert.equal(lastSpan().attributes['genai_otel.stream.chunk_count'], events.length);
});

test('an abandoned stream ends as abandoned after the idle timeout', async () => {
  const before = sdk.spans().length;
  const stream = await client.messages.create(
    { ...request, stream: true },
    { headers: { 'x-fake-scenario': 'stall' } },
  );
  const iterator = stream[Symbol.asyncIterator]();
  await iterator.next();
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(sdk.spans().length, before + 1);
  assert.equal(lastSpan().attributes['genai_otel.stream.end'], 'abandoned');
  assert.equal(
    lastSpan().attributes['genai_otel.usage.reported'],
    undefined,
    'message_start already reported the input',
  );
  stream.controller.abort();
});

test('429 then success: one span, one retry counted as rate_limited', async () => {
  await client.messages.create(request, { headers: { 'x-fake-scenario': 'rate-limit-once:anthropic' } });
  const span = lastSpan();
  assert.equal(span.attributes['genai_otel.retry.count'], 1);
  assert.equal(span.attributes['genai_otel.retry.reason'], 'rate_limited');
  const retries = sdk.points((await sdk.collect()).get('genai_otel.client.retries'));
  assert.ok(
    retries.some(
      (point) =>
        point.attributes['gen_ai.provider.name'] === 'anthropic' &&
        point.attributes['genai_otel.retry.reason'] === 'rate_limited',
    ),
  );
});

test('500: InternalServerError on the span and in genai_otel.client.errors', async () => {
  await assert.rejects(
    client.messages.create(request, { headers: { 'x-fake-scenario': 'server-error' }, maxRetries: 0 }),
  );
  const span = lastSpan();
  assert.equal(span.status.code, 2);
  assert.equal(span.attributes['error.type'], 'InternalServerError');
  const errors = sdk.points((await sdk.collect()).get('genai_otel.client.errors'));
  assert.ok(errors.some((point) => point.attributes['gen_ai.provider.name'] === 'anthropic'));
});

test('a timeout: APIConnectionTimeoutError', async () => {
  await assert.rejects(
    client.messages.create(request, { headers: { 'x-fake-scenario': 'hang' }, timeout: 150, maxRetries: 0 }),
  );
  assert.equal(lastSpan().attributes['error.type'], 'APIConnectionTimeoutError');
});

test('@anthropic-ai/sdk 0.x (previous line) is patched by the same definition', async () => {
  const version = versionOf('anthropic0');
  assert.match(version, /^0\./);
  const definition = (
    instrumentation as unknown as { getModuleDefinitions(): { patch(exports: unknown, version: string): unknown }[] }
  ).getModuleDefinitions()[0]!;
  const previous = require('anthropic0') as typeof import('@anthropic-ai/sdk');
  definition.patch(previous, version);
  const old = new previous.Anthropic({ apiKey: 'k', baseURL: fake.anthropicBaseURL });
  const stream = old.messages.stream(request);
  await stream.finalMessage();
  const span = lastSpan();
  assert.equal(span.name, `chat ${model}`);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 60);
});
