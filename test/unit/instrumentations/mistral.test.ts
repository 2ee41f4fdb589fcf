// The real `@mistralai/mistralai` 2 (ES modules only, required through require(esm) and the require hook; installed
// beside the repository, see scratch-packages.ts) against the local fake Mistral API.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { MISTRAL_USAGE, startFakeProviderApis } from '../../support/fake-provider-apis.ts';
import { scratchRequire } from '../../support/scratch-packages.ts';
import { createMistralInstrumentation } from '../../../src/instrumentations/mistral.ts';

process.env.GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS = '300';
process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'SPAN_ONLY';
const sdk = installMemorySdk();
const instrumentation = createMistralInstrumentation();
const scratch = await scratchRequire('mistral', ['@mistralai/mistralai@^2']);
/** What the test uses of the client (its types are in the scratch folder, out of the type checker's reach). */
interface MistralClient {
  chat: {
    complete(request: object, options?: object): Promise<{ choices: { message: { content: unknown } }[] }>;
    stream(
      request: object,
      options?: object,
    ): Promise<AsyncIterable<{ data: { choices: { delta: { content?: unknown } }[] } }>>;
  };
  fim: { complete(request: object): Promise<unknown> };
  embeddings: { create(request: object): Promise<unknown> };
}
const { Mistral } = scratch('@mistralai/mistralai') as { Mistral: new (options: object) => MistralClient };
const version = (scratch('@mistralai/mistralai/package.json') as { version: string }).version;
const fake = await startFakeProviderApis();
after(() => fake.close());

const client = new Mistral({ apiKey: 'test-key', serverURL: fake.baseURL, retryConfig: { strategy: 'none' } });
const model = 'mistral-small-latest';
const messages = [
  { role: 'system', content: 'You answer order questions.' },
  { role: 'user', content: 'Where is my order A-1?' },
];
const scenario = (name: string) => ({ fetchOptions: { headers: { 'x-fake-scenario': name } } });

function lastSpan() {
  const spans = sdk.spans();
  return spans[spans.length - 1]!;
}

test('chat.complete: one chat span, mistral_ai, usage, finish reason, cost, content in the conventions’ shape', async () => {
  assert.match(version, /^2\./);
  const response = await client.chat.complete({ model, messages, temperature: 0.1, maxTokens: 100 });
  assert.equal(response.choices[0]?.message.content, 'The order has shipped.');
  const span = lastSpan();
  assert.equal(span.name, `chat ${model}`);
  assert.equal(span.attributes['gen_ai.provider.name'], 'mistral_ai');
  assert.equal(span.attributes['gen_ai.request.temperature'], 0.1);
  assert.equal(span.attributes['gen_ai.request.max_tokens'], 100);
  assert.equal(span.attributes['server.address'], '127.0.0.1');
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], MISTRAL_USAGE.prompt_tokens);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], MISTRAL_USAGE.completion_tokens);
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(span.attributes['gen_ai.response.id'], 'cmpl-mistral-1');
  assert.equal(span.attributes['gen_ai.response.model'], model);
  assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0, 'mistral-small-latest is in the price table');
  assert.deepEqual(JSON.parse(span.attributes['gen_ai.input.messages'] as string), [
    { role: 'system', parts: [{ type: 'text', content: 'You answer order questions.' }] },
    { role: 'user', parts: [{ type: 'text', content: 'Where is my order A-1?' }] },
  ]);
  assert.deepEqual(JSON.parse(span.attributes['gen_ai.output.messages'] as string), [
    { role: 'assistant', parts: [{ type: 'text', content: 'The order has shipped.' }], finish_reason: 'stop' },
  ]);
});

test('tool calls: finish reason tool_calls, the call in the output messages', async () => {
  await client.chat.complete({
    model,
    messages,
    tools: [{ type: 'function', function: { name: 'lookup_order', parameters: { type: 'object' } } }],
  });
  const span = lastSpan();
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['tool_calls']);
  const output = JSON.parse(span.attributes['gen_ai.output.messages'] as string) as {
    parts: { type: string; name?: string }[];
  }[];
  assert.deepEqual(
    output[0]?.parts.map((part) => [part.type, part.name]),
    [['tool_call', 'lookup_order']],
  );
});

test('chat.stream: the SDK’s EventStream reaches the caller, the span ends with it, with usage and time to first chunk', async () => {
  const before = sdk.spans().length;
  const stream = await client.chat.stream({ model, messages });
  let text = '';
  for await (const event of stream) text += (event.data.choices[0]?.delta.content as string | undefined) ?? '';
  assert.equal(text, 'The order has shipped.');
  assert.equal(sdk.spans().length, before + 1);
  const span = lastSpan();
  assert.equal(span.attributes['gen_ai.request.stream'], true);
  assert.equal(span.attributes['genai_otel.stream.chunk_count'], 2);
  assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) > 0);
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], MISTRAL_USAGE.prompt_tokens);
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
  const output = JSON.parse(span.attributes['gen_ai.output.messages'] as string) as { parts: { content: string }[] }[];
  assert.equal(output[0]?.parts[0]?.content, 'The order has shipped.');
});

test('a stream left unread ends as abandoned after the idle timeout', async () => {
  const stream = await client.chat.stream({ model, messages }, scenario('stall'));
  const iterator = stream[Symbol.asyncIterator]();
  await iterator.next();
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(lastSpan().attributes['genai_otel.stream.end'], 'abandoned');
  void iterator.return?.(undefined);
});

test('fim.complete: a text_completion span', async () => {
  await client.fim.complete({ model: 'codestral-latest', prompt: 'def add(a, b):' });
  const span = lastSpan();
  assert.equal(span.name, 'text_completion codestral-latest');
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], MISTRAL_USAGE.completion_tokens);
});

test('embeddings.create: an embeddings span with usage and the vector length', async () => {
  await client.embeddings.create({ model: 'mistral-embed', inputs: ['a', 'b'] });
  const span = lastSpan();
  assert.equal(span.name, 'embeddings mistral-embed');
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 9);
  assert.equal(span.attributes['gen_ai.embeddings.dimension.count'], 5);
});

test('a validation error: the caller gets the SDK’s error unchanged, the span has error.type', async () => {
  const error = await client.chat.complete({ model, messages }, scenario('bad-request')).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof Error);
  const span = lastSpan();
  assert.equal(span.status.code, 2);
  assert.equal(span.attributes['error.type'], error.constructor.name);
});

test('disabled: calls run untraced', async () => {
  instrumentation.disable();
  try {
    const before = sdk.spans().length;
    await client.chat.complete({ model, messages });
    assert.equal(sdk.spans().length, before);
  } finally {
    instrumentation.enable();
  }
});
