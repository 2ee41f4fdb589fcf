// The real `@google/genai` (through the require hook) against the local fake Gemini API: generateContent, its stream,
// embeddings, in Gemini API and Vertex AI modes; the spans and metrics must be those of withLLMCall.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { GEMINI_USAGE, startFakeProviderApis } from '../../support/fake-provider-apis.ts';
import { createGoogleGenAIInstrumentation } from '../../../src/instrumentations/google-genai.ts';

process.env.GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS = '300';
process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'SPAN_ONLY';
const sdk = installMemorySdk();
const instrumentation = createGoogleGenAIInstrumentation();
const require = createRequire(import.meta.url);
const { GoogleGenAI, ApiError } = require('@google/genai') as typeof import('@google/genai');
const fake = await startFakeProviderApis();
after(() => fake.close());

const version = (
  JSON.parse(readFileSync(new URL('../../../node_modules/@google/genai/package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
const httpOptions = { baseUrl: fake.baseURL };
const ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions });
const vertex = new GoogleGenAI({ vertexai: true, apiKey: 'test-key', httpOptions });
const model = 'gemini-2.5-flash';
const contents = 'Where is my order A-1?';

function lastSpan() {
  const spans = sdk.spans();
  return spans[spans.length - 1]!;
}

test('generateContent: one generate_content span with usage, thinking and cached tokens, finish reason and cost', async () => {
  assert.match(version, /^3\./);
  const response = await ai.models.generateContent({
    model,
    contents,
    config: { temperature: 0.2, maxOutputTokens: 300, systemInstruction: 'You answer order questions.' },
  });
  assert.equal(response.text, 'The order has shipped.');
  const span = lastSpan();
  assert.equal(span.name, `generate_content ${model}`);
  assert.equal(span.kind, 2, 'CLIENT');
  assert.equal(span.attributes['gen_ai.operation.name'], 'generate_content');
  assert.equal(span.attributes['gen_ai.provider.name'], 'gcp.gemini');
  assert.equal(span.attributes['gen_ai.request.temperature'], 0.2);
  assert.equal(span.attributes['gen_ai.request.max_tokens'], 300);
  assert.equal(span.attributes['server.address'], '127.0.0.1');
  assert.equal(span.attributes['server.port'], fake.port);
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], GEMINI_USAGE.promptTokenCount);
  assert.equal(
    span.attributes['gen_ai.usage.output_tokens'],
    GEMINI_USAGE.candidatesTokenCount + GEMINI_USAGE.thoughtsTokenCount,
    'thinking tokens are output tokens, billed as such',
  );
  assert.equal(span.attributes['gen_ai.usage.reasoning.output_tokens'], GEMINI_USAGE.thoughtsTokenCount);
  assert.equal(span.attributes['gen_ai.usage.cache_read.input_tokens'], GEMINI_USAGE.cachedContentTokenCount);
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['STOP']);
  assert.equal(span.attributes['gen_ai.response.id'], 'resp-gemini-1');
  assert.equal(span.attributes['gen_ai.response.model'], model);
  assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0, 'gemini-2.5-flash is in the price table');
  const input = JSON.parse(span.attributes['gen_ai.input.messages'] as string) as unknown;
  assert.deepEqual(input, [{ role: 'user', parts: [{ type: 'text', content: contents }] }]);
  const output = JSON.parse(span.attributes['gen_ai.output.messages'] as string) as unknown;
  assert.deepEqual(output, [
    { role: 'assistant', parts: [{ type: 'text', content: 'The order has shipped.' }], finish_reason: 'STOP' },
  ]);
  assert.deepEqual(JSON.parse(span.attributes['gen_ai.system_instructions'] as string), [
    { type: 'text', content: 'You answer order questions.' },
  ]);
});

test('Vertex AI mode: gen_ai.provider.name is gcp.vertex_ai and Gemini prices apply', async () => {
  await vertex.models.generateContent({ model, contents });
  const span = lastSpan();
  assert.equal(span.attributes['gen_ai.provider.name'], 'gcp.vertex_ai');
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], GEMINI_USAGE.promptTokenCount);
  assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
});

test('a function call: its tool call is in the output messages', async () => {
  await ai.models.generateContent({
    model,
    contents,
    config: {
      tools: [{ functionDeclarations: [{ name: 'lookup_order', description: 'Finds an order' }] }],
    },
  });
  const output = JSON.parse(lastSpan().attributes['gen_ai.output.messages'] as string) as {
    parts: { type: string; name?: string }[];
  }[];
  assert.equal(output[0]?.parts[0]?.type, 'tool_call');
  assert.equal(output[0]?.parts[0]?.name, 'lookup_order');
});

test('generateContentStream: the generator is the SDK’s, the span ends with the stream, with time to first chunk', async () => {
  const before = sdk.spans().length;
  const stream = await ai.models.generateContentStream({ model, contents });
  let text = '';
  let chunks = 0;
  for await (const chunk of stream) {
    text += chunk.text ?? '';
    chunks++;
  }
  assert.equal(text, 'The order has shipped.');
  assert.equal(sdk.spans().length, before + 1);
  const span = lastSpan();
  assert.equal(span.attributes['gen_ai.request.stream'], true);
  assert.equal(span.attributes['genai_otel.stream.chunk_count'], chunks);
  assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) > 0);
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], GEMINI_USAGE.promptTokenCount);
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['STOP']);
  assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
  const output = JSON.parse(span.attributes['gen_ai.output.messages'] as string) as { parts: { content: string }[] }[];
  assert.equal(output[0]?.parts[0]?.content, 'The order has shipped.');
  const ttfc = sdk.points((await sdk.collect()).get('gen_ai.client.inference.time_to_first_chunk'));
  assert.ok(ttfc.some((point) => point.attributes['gen_ai.provider.name'] === 'gcp.gemini'));
});

test('a stream left unread ends as abandoned after the idle timeout', async () => {
  const before = sdk.spans().length;
  const stream = await ai.models.generateContentStream({
    model,
    contents,
    config: { httpOptions: { ...httpOptions, headers: { 'x-fake-scenario': 'stall' } } },
  });
  const iterator = stream[Symbol.asyncIterator]();
  await iterator.next();
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(sdk.spans().length, before + 1);
  assert.equal(lastSpan().attributes['genai_otel.stream.end'], 'abandoned');
  void iterator.return?.(undefined);
});

test('embedContent: an embeddings span with the vector length', async () => {
  const response = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: ['a', 'b'] });
  assert.equal(response.embeddings?.length, 2);
  const span = lastSpan();
  assert.equal(span.name, 'embeddings gemini-embedding-001');
  assert.equal(span.attributes['gen_ai.operation.name'], 'embeddings');
  assert.equal(span.attributes['gen_ai.embeddings.dimension.count'], 8);
});

test('Vertex AI embeddings: token counts from the statistics of each embedding', async () => {
  await vertex.models.embedContent({ model: 'text-embedding-005', contents: ['a', 'b'] });
  const span = lastSpan();
  assert.equal(span.attributes['gen_ai.provider.name'], 'gcp.vertex_ai');
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 14);
});

test('an API error: the caller gets the SDK’s ApiError unchanged, the span has error.type and the error metric', async () => {
  const error = await ai.models
    .generateContent({
      model,
      contents,
      config: { httpOptions: { ...httpOptions, headers: { 'x-fake-scenario': 'bad-request' } } },
    })
    .then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
  assert.ok(error instanceof ApiError);
  assert.equal(error.status, 400);
  const span = lastSpan();
  assert.equal(span.status.code, 2);
  assert.equal(span.attributes['error.type'], 'ApiError');
  const errors = sdk.points((await sdk.collect()).get('genai_otel.client.errors'));
  assert.ok(errors.some((point) => point.attributes['gen_ai.provider.name'] === 'gcp.gemini'));
});

test('disabled: calls run untraced', async () => {
  instrumentation.disable();
  try {
    const before = sdk.spans().length;
    await ai.models.generateContent({ model, contents });
    assert.equal(sdk.spans().length, before);
  } finally {
    instrumentation.enable();
  }
});
