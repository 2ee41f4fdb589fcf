// The real `groq-sdk`, `ollama` and `cohere-ai` (v2 API) clients, through the require hook, against the local fake
// APIs: JSON and streamed calls, embeddings, errors; the spans and metrics must be those of withLLMCall.
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { COHERE_TOKENS, GROQ_USAGE, startFakeProviderApis } from '../../support/fake-provider-apis.ts';
import { createGroqInstrumentation } from '../../../src/instrumentations/groq.ts';
import { createOllamaInstrumentation } from '../../../src/instrumentations/ollama.ts';
import { createCohereInstrumentation } from '../../../src/instrumentations/cohere.ts';

process.env.GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS = '300';
process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'SPAN_ONLY';
const sdk = installMemorySdk();
const instrumentations = [createGroqInstrumentation(), createOllamaInstrumentation(), createCohereInstrumentation()];
const require = createRequire(import.meta.url);
const Groq = (require('groq-sdk') as typeof import('groq-sdk')).default;
const { Ollama } = require('ollama') as typeof import('ollama');
const { CohereClientV2 } = require('cohere-ai') as typeof import('cohere-ai');
const fake = await startFakeProviderApis();
after(() => fake.close());

const messages = [{ role: 'user' as const, content: 'Where is my order A-1?' }];
function lastSpan() {
  const spans = sdk.spans();
  return spans[spans.length - 1]!;
}
const outputText = () =>
  (JSON.parse(lastSpan().attributes['gen_ai.output.messages'] as string) as { parts: { content: string }[] }[])[0]
    ?.parts[0]?.content;

describe('groq-sdk', () => {
  const groq = new Groq({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0 });
  const model = 'llama-3.3-70b-versatile';

  test('chat.completions.create: a groq chat span with usage, cached tokens, finish reason and cost', async () => {
    const completion = await groq.chat.completions.create({ model, messages, temperature: 0.5, max_tokens: 64 });
    assert.equal(completion.choices[0]?.message.content, 'The order has shipped.');
    const span = lastSpan();
    assert.equal(span.name, `chat ${model}`);
    assert.equal(span.attributes['gen_ai.provider.name'], 'groq');
    assert.equal(span.attributes['gen_ai.request.max_tokens'], 64);
    assert.equal(span.attributes['server.address'], '127.0.0.1');
    assert.equal(span.attributes['gen_ai.usage.input_tokens'], GROQ_USAGE.prompt_tokens);
    assert.equal(span.attributes['gen_ai.usage.output_tokens'], GROQ_USAGE.completion_tokens);
    assert.equal(span.attributes['gen_ai.usage.cache_read.input_tokens'], 32);
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(span.attributes['gen_ai.response.id'], 'chatcmpl-groq-1');
    assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0, `${model} is in the price table`);
  });

  test('a stream: usage from x_groq in the last chunk, time to first chunk', async () => {
    const stream = await groq.chat.completions.create({ model, messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'The order has shipped.');
    const span = lastSpan();
    assert.equal(span.attributes['gen_ai.request.stream'], true);
    assert.equal(span.attributes['gen_ai.usage.input_tokens'], GROQ_USAGE.prompt_tokens);
    assert.equal(span.attributes['genai_otel.usage.reported'], undefined);
    assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) > 0);
    assert.equal(outputText(), 'The order has shipped.');
  });

  test('embeddings.create: an embeddings span', async () => {
    await groq.embeddings.create({ model: 'nomic-embed-text-v1_5', input: 'a' });
    assert.equal(lastSpan().attributes['gen_ai.operation.name'], 'embeddings');
    assert.equal(lastSpan().attributes['gen_ai.embeddings.dimension.count'], 3);
  });

  test('an API error keeps its class; error.type names it', async () => {
    const error = await groq.chat.completions
      .create({ model, messages }, { headers: { 'x-fake-scenario': 'bad-request' } })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    assert.ok(error instanceof Groq.BadRequestError);
    assert.equal(lastSpan().attributes['error.type'], 'BadRequestError');
  });
});

describe('ollama', () => {
  const ollama = new Ollama({ host: fake.baseURL });
  const model = 'llama3.2';

  test('chat: an ollama chat span with the counts Ollama reports', async () => {
    const response = await ollama.chat({ model, messages, options: { temperature: 0, num_predict: 50 } });
    assert.equal(response.message.content, 'The order has shipped.');
    const span = lastSpan();
    assert.equal(span.name, `chat ${model}`);
    assert.equal(span.attributes['gen_ai.provider.name'], 'ollama');
    assert.equal(span.attributes['gen_ai.request.max_tokens'], 50);
    assert.equal(span.attributes['server.address'], '127.0.0.1');
    assert.equal(span.attributes['gen_ai.usage.input_tokens'], 26);
    assert.equal(span.attributes['gen_ai.usage.output_tokens'], 9);
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(span.attributes['gen_ai.response.model'], model);
    assert.equal(outputText(), 'The order has shipped.');
  });

  test('a streamed chat: the span ends with the stream, counts from the last part', async () => {
    const stream = await ollama.chat({ model, messages, stream: true });
    let text = '';
    for await (const part of stream) text += part.message.content;
    assert.equal(text, 'The order has shipped.');
    const span = lastSpan();
    assert.equal(span.attributes['gen_ai.request.stream'], true);
    assert.equal(span.attributes['genai_otel.stream.chunk_count'], 2);
    assert.equal(span.attributes['gen_ai.usage.output_tokens'], 9);
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(outputText(), 'The order has shipped.');
  });

  test('generate: a text_completion span; embed: an embeddings span', async () => {
    await ollama.generate({ model, prompt: 'Say hi' });
    assert.equal(lastSpan().name, `text_completion ${model}`);
    assert.equal(lastSpan().attributes['gen_ai.usage.input_tokens'], 26);
    await ollama.embed({ model: 'nomic-embed-text', input: ['a', 'b'] });
    assert.equal(lastSpan().name, 'embeddings nomic-embed-text');
    assert.equal(lastSpan().attributes['gen_ai.embeddings.dimension.count'], 6);
    assert.equal(lastSpan().attributes['gen_ai.usage.input_tokens'], 5);
  });

  test('a missing model: the caller gets ResponseError unchanged, error.type names it', async () => {
    const error = await ollama.chat({ model: 'missing-model', messages }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    assert.equal((error as Error).name, 'ResponseError');
    assert.equal(lastSpan().attributes['error.type'], 'ResponseError');
  });
});

describe('cohere-ai (v2)', () => {
  const cohere = new CohereClientV2({ token: 'test-key', environment: fake.baseURL });
  const model = 'command-a-03-2025';

  test('chat: a cohere chat span with token counts, cached tokens, finish reason and cost', async () => {
    const response = await cohere.chat({ model, messages, temperature: 0.3, maxTokens: 100 });
    assert.equal(response.finishReason, 'COMPLETE');
    const span = lastSpan();
    assert.equal(span.name, `chat ${model}`);
    assert.equal(span.attributes['gen_ai.provider.name'], 'cohere');
    assert.equal(span.attributes['gen_ai.request.max_tokens'], 100);
    assert.equal(span.attributes['gen_ai.usage.input_tokens'], 130, 'the tokens the model read, cached ones included');
    assert.equal(span.attributes['gen_ai.usage.cache_read.input_tokens'], 100);
    assert.equal(span.attributes['gen_ai.usage.output_tokens'], COHERE_TOKENS.output_tokens);
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['COMPLETE']);
    assert.equal(span.attributes['gen_ai.response.id'], 'chat-cohere-1');
    assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
    assert.equal(outputText(), 'The order has shipped.');
  });

  test('chatStream: the span ends with the stream, with usage from message-end', async () => {
    const stream = await cohere.chatStream({ model, messages });
    let text = '';
    for await (const event of stream)
      if (event.type === 'content-delta') text += event.delta?.message?.content?.text ?? '';
    assert.equal(text, 'The order has shipped.');
    const span = lastSpan();
    assert.equal(span.attributes['gen_ai.request.stream'], true);
    assert.equal(span.attributes['gen_ai.usage.output_tokens'], 8);
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['COMPLETE']);
    assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) > 0);
    assert.equal(outputText(), 'The order has shipped.');
  });

  test('embed: an embeddings span with billed tokens and the vector length', async () => {
    await cohere.embed({ model: 'embed-v4.0', texts: ['a'], inputType: 'search_query', embeddingTypes: ['float'] });
    const span = lastSpan();
    assert.equal(span.name, 'embeddings embed-v4.0');
    assert.equal(span.attributes['gen_ai.usage.input_tokens'], 3);
    assert.equal(span.attributes['gen_ai.embeddings.dimension.count'], 4);
  });

  test('an API error keeps its class; error.type names it', async () => {
    const error = await cohere
      .chat({ model, messages }, { headers: { 'x-fake-scenario': 'bad-request' }, maxRetries: 0 })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    assert.ok(error instanceof Error);
    assert.equal(lastSpan().attributes['error.type'], error.constructor.name);
  });
});

test('disabled: calls run untraced', async () => {
  for (const instrumentation of instrumentations) instrumentation.disable();
  try {
    const before = sdk.spans().length;
    await new Ollama({ host: fake.baseURL }).chat({ model: 'llama3.2', messages });
    await new CohereClientV2({ token: 'k', environment: fake.baseURL }).chat({ model: 'command-a', messages });
    await new Groq({ apiKey: 'k', baseURL: fake.baseURL }).chat.completions.create({ model: 'x', messages });
    assert.equal(sdk.spans().length, before);
  } finally {
    for (const instrumentation of instrumentations) instrumentation.enable();
  }
});
