// Provider-side faults seen through the real clients (a stream cut mid-way, a body that is not JSON): the app gets
// exactly what it gets untraced (the SDK's own error, the raw body), and the span ends with what could be known.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProviderApis } from '../../support/fake-provider-apis.ts';
import { createGoogleGenAIInstrumentation } from '../../../src/instrumentations/google-genai.ts';
import { createBedrockInstrumentation } from '../../../src/instrumentations/bedrock.ts';
import { createOllamaInstrumentation } from '../../../src/instrumentations/ollama.ts';

const sdk = installMemorySdk();
const instrumentations = [
  createGoogleGenAIInstrumentation(),
  createBedrockInstrumentation(),
  createOllamaInstrumentation(),
];
const require = createRequire(import.meta.url);
const { GoogleGenAI } = require('@google/genai') as typeof import('@google/genai');
const bedrock = require('@aws-sdk/client-bedrock-runtime') as typeof import('@aws-sdk/client-bedrock-runtime');
const { Ollama } = require('ollama') as typeof import('ollama');
const fake = await startFakeProviderApis();
after(() => fake.close());

const lastSpan = () => sdk.spans().at(-1)!;

/** What a consumer of `run` sees: the chunks it read and the error it caught. */
async function consume(run: () => Promise<AsyncIterable<unknown>>): Promise<{ chunks: number; error: unknown }> {
  let chunks = 0;
  try {
    for await (const chunk of await run()) {
      void chunk;
      chunks++;
    }
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

/** The same consumption with the instrumentations off, then on: what the app sees must not change. */
async function untracedThenTraced<T>(run: () => Promise<T>): Promise<[T, T]> {
  for (const instrumentation of instrumentations) instrumentation.disable();
  let untraced: T;
  try {
    untraced = await run();
  } finally {
    for (const instrumentation of instrumentations) instrumentation.enable();
  }
  return [untraced, await run()];
}

const errorShape = (error: unknown) => [
  (error as Error | undefined)?.constructor.name,
  (error as Error | undefined)?.message,
];

test('a Gemini stream cut after its first chunk: the SDK’s error reaches the app as untraced; the span failed', async () => {
  const ai = new GoogleGenAI({
    apiKey: 'k',
    httpOptions: { baseUrl: fake.baseURL, headers: { 'x-fake-scenario': 'cut' } },
  });
  const [untraced, traced] = await untracedThenTraced(() =>
    consume(() => ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'x' })),
  );
  assert.ok(traced.error !== undefined, 'the cut is an error for the app');
  assert.deepEqual(errorShape(traced.error), errorShape(untraced.error));
  assert.equal(traced.chunks, untraced.chunks);
  const span = lastSpan();
  assert.equal(span.status.code, 2);
  assert.equal(typeof span.attributes['error.type'], 'string');
  assert.equal(span.attributes['genai_otel.stream.chunk_count'], undefined, 'a failed stream is not a finished one');
});

test('an Ollama stream cut mid-way: the same error as untraced; the span failed with the chunks read so far', async () => {
  const ollama = new Ollama({ host: fake.baseURL, headers: { 'x-fake-scenario': 'cut' } });
  const [untraced, traced] = await untracedThenTraced(() =>
    consume(() => ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }], stream: true })),
  );
  assert.ok(traced.error !== undefined);
  assert.deepEqual(errorShape(traced.error), errorShape(untraced.error));
  assert.equal(traced.chunks, 1);
  assert.equal(lastSpan().status.code, 2);
  assert.ok((lastSpan().attributes['gen_ai.response.time_to_first_chunk'] as number) > 0);
});

test('an InvokeModel body that is not JSON: the app reads it as untraced; the span ends without usage, no error', async () => {
  const client = new bedrock.BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: fake.bedrockURL,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  });
  client.middlewareStack.add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-fake-scenario'] = 'not-json';
      return next(args);
    },
    { step: 'build' },
  );
  const [untraced, traced] = await untracedThenTraced(async () => {
    const output = await client.send(
      new bedrock.InvokeModelCommand({ modelId: 'meta.llama3-1-8b-instruct-v1:0', body: '{"prompt":"x"}' }),
    );
    return output.body.transformToString();
  });
  assert.equal(traced, untraced);
  assert.equal(traced, '<html>gateway</html>');
  const span = lastSpan();
  assert.equal(span.status.code, 0);
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], undefined);
  assert.equal(span.attributes['genai_otel.cost.unknown_model'], undefined);
});
