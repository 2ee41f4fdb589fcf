// The previous major versions of the provider clients, installed from npm into scratch folders (scratch-packages.ts)
// and loaded through the require hook, making the same calls as the current-major tests against the local fake APIs:
// @google/genai 2.x and 1.x, @mistralai/mistralai 1.x, cohere-ai 7.x, groq-sdk 0.x. Users upgrade slowly; the
// supported ranges claim these versions, so they are tested for real.
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import {
  COHERE_TOKENS,
  GEMINI_USAGE,
  GROQ_USAGE,
  MISTRAL_USAGE,
  startFakeProviderApis,
} from '../../support/fake-provider-apis.ts';
import { scratchFolder, scratchRequire } from '../../support/scratch-packages.ts';
import { createGoogleGenAIInstrumentation } from '../../../src/instrumentations/google-genai.ts';
import { createMistralInstrumentation } from '../../../src/instrumentations/mistral.ts';
import { createCohereInstrumentation } from '../../../src/instrumentations/cohere.ts';
import { createGroqInstrumentation } from '../../../src/instrumentations/groq.ts';

process.env.GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS = '300';
process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'SPAN_ONLY';
const sdk = installMemorySdk();
createGoogleGenAIInstrumentation();
createMistralInstrumentation();
createCohereInstrumentation();
createGroqInstrumentation();
const fake = await startFakeProviderApis();
after(() => fake.close());

const messages = [{ role: 'user', content: 'Where is my order A-1?' }];
const answer = 'The order has shipped.';

function lastSpan() {
  const spans = sdk.spans();
  return spans[spans.length - 1]!;
}
const outputText = () =>
  (JSON.parse(lastSpan().attributes['gen_ai.output.messages'] as string) as { parts: { content: string }[] }[])[0]
    ?.parts[0]?.content;

/** Loads `name` from a scratch folder holding `spec`, and checks the version is the major wanted. */
async function previous<T>(folder: string, spec: string, name: string, major: RegExp): Promise<T> {
  const scratch = await scratchRequire(folder, [spec]);
  // Read from the file: some of these packages' export maps do not list `./package.json`.
  const { version } = JSON.parse(
    readFileSync(join(scratchFolder(folder), 'node_modules', name, 'package.json'), 'utf8'),
  ) as { version: string };
  assert.match(version, major, `${spec} resolved to ${version}`);
  return scratch(name) as T;
}

/** What the tests use of `@google/genai` (its types are in the scratch folder, out of the type checker's reach). */
interface GoogleGenAIModule {
  GoogleGenAI: new (options: object) => {
    models: {
      generateContent(request: object): Promise<{ text?: string }>;
      generateContentStream(request: object): Promise<AsyncIterable<{ text?: string }>>;
      embedContent(request: object): Promise<{ embeddings?: unknown[] }>;
    };
  };
}

// 1.30 stands for the 1.x releases before 1.45, where `embedContent` was still a method of `Models` itself.
for (const [label, spec, pattern] of [
  ['2.x', '@google/genai@^2', /^2\./],
  ['1.x', '@google/genai@^1', /^1\./],
  ['1.30', '@google/genai@1.30.0', /^1\.30\./],
] as const) {
  describe(`@google/genai ${label}`, async () => {
    const { GoogleGenAI } = await previous<GoogleGenAIModule>(`google-genai-${label}`, spec, '@google/genai', pattern);
    const httpOptions = { baseUrl: fake.baseURL };
    const ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions });
    const model = 'gemini-2.5-flash';
    const contents = 'Where is my order A-1?';

    test('generateContent: a gcp.gemini generate_content span with usage, finish reason and cost', async () => {
      const response = await ai.models.generateContent({ model, contents, config: { maxOutputTokens: 300 } });
      assert.equal(response.text, answer);
      const span = lastSpan();
      assert.equal(span.name, `generate_content ${model}`);
      assert.equal(span.attributes['gen_ai.provider.name'], 'gcp.gemini');
      assert.equal(span.attributes['gen_ai.request.max_tokens'], 300);
      assert.equal(span.attributes['server.port'], fake.port);
      assert.equal(span.attributes['gen_ai.usage.input_tokens'], GEMINI_USAGE.promptTokenCount);
      assert.equal(span.attributes['gen_ai.usage.reasoning.output_tokens'], GEMINI_USAGE.thoughtsTokenCount);
      assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['STOP']);
      assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
      assert.equal(outputText(), answer);
    });

    test('Vertex AI mode: gcp.vertex_ai', async () => {
      await new GoogleGenAI({ vertexai: true, apiKey: 'test-key', httpOptions }).models.generateContent({
        model,
        contents,
      });
      assert.equal(lastSpan().attributes['gen_ai.provider.name'], 'gcp.vertex_ai');
      assert.equal(lastSpan().attributes['gen_ai.usage.input_tokens'], GEMINI_USAGE.promptTokenCount);
    });

    test('generateContentStream: one span ending with the stream, time to first chunk', async () => {
      const before = sdk.spans().length;
      let text = '';
      for await (const chunk of await ai.models.generateContentStream({ model, contents })) text += chunk.text ?? '';
      assert.equal(text, answer);
      assert.equal(sdk.spans().length, before + 1);
      const span = lastSpan();
      assert.equal(span.attributes['gen_ai.request.stream'], true);
      assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) > 0);
      assert.equal(span.attributes['gen_ai.usage.input_tokens'], GEMINI_USAGE.promptTokenCount);
    });

    test('embedContent: an embeddings span', async () => {
      const before = sdk.spans().length;
      const response = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: ['a', 'b'] });
      assert.equal(response.embeddings?.length, 2);
      assert.equal(sdk.spans().length, before + 1);
      assert.equal(lastSpan().name, 'embeddings gemini-embedding-001');
      assert.equal(lastSpan().attributes['gen_ai.embeddings.dimension.count'], 8);
    });
  });
}

interface MistralModule {
  Mistral: new (options: object) => {
    chat: {
      complete(request: object): Promise<{ choices: { message: { content: unknown } }[] }>;
      stream(request: object): Promise<AsyncIterable<{ data: { choices: { delta: { content?: unknown } }[] } }>>;
    };
    embeddings: { create(request: object): Promise<unknown> };
  };
}

describe('@mistralai/mistralai 1.x', async () => {
  const { Mistral } = await previous<MistralModule>(
    'mistral-1',
    '@mistralai/mistralai@^1',
    '@mistralai/mistralai',
    /^1\./,
  );
  const client = new Mistral({ apiKey: 'test-key', serverURL: fake.baseURL, retryConfig: { strategy: 'none' } });
  const model = 'mistral-small-latest';

  test('chat.complete: a mistral_ai chat span with usage, finish reason and cost', async () => {
    const response = await client.chat.complete({ model, messages, maxTokens: 100 });
    assert.equal(response.choices[0]?.message.content, answer);
    const span = lastSpan();
    assert.equal(span.name, `chat ${model}`);
    assert.equal(span.attributes['gen_ai.provider.name'], 'mistral_ai');
    assert.equal(span.attributes['gen_ai.request.max_tokens'], 100);
    assert.equal(span.attributes['gen_ai.usage.input_tokens'], MISTRAL_USAGE.prompt_tokens);
    assert.equal(span.attributes['gen_ai.usage.output_tokens'], MISTRAL_USAGE.completion_tokens);
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
    assert.equal(outputText(), answer);
  });

  test('chat.stream: the span ends with the stream, usage from the last chunk', async () => {
    let text = '';
    for await (const event of await client.chat.stream({ model, messages }))
      text += String(event.data.choices[0]?.delta.content ?? '');
    assert.equal(text, answer);
    const span = lastSpan();
    assert.equal(span.attributes['gen_ai.request.stream'], true);
    assert.equal(span.attributes['gen_ai.usage.input_tokens'], MISTRAL_USAGE.prompt_tokens);
    assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) > 0);
  });

  test('embeddings.create: an embeddings span', async () => {
    await client.embeddings.create({ model: 'mistral-embed', inputs: ['a'] });
    assert.equal(lastSpan().name, 'embeddings mistral-embed');
  });
});

interface CohereModule {
  CohereClientV2: new (options: object) => {
    chat(request: object): Promise<{ finishReason?: string }>;
    chatStream(
      request: object,
    ): Promise<AsyncIterable<{ type: string; delta?: { message?: { content?: { text?: string } } } }>>;
    embed(request: object): Promise<unknown>;
  };
}

describe('cohere-ai 7.x (v2 API)', async () => {
  const { CohereClientV2 } = await previous<CohereModule>('cohere-7', 'cohere-ai@^7', 'cohere-ai', /^7\./);
  const cohere = new CohereClientV2({ token: 'test-key', environment: fake.baseURL });
  const model = 'command-a-03-2025';

  test('chat: a cohere chat span with token counts, finish reason and cost', async () => {
    const response = await cohere.chat({ model, messages, maxTokens: 100 });
    assert.equal(response.finishReason, 'COMPLETE');
    const span = lastSpan();
    assert.equal(span.name, `chat ${model}`);
    assert.equal(span.attributes['gen_ai.provider.name'], 'cohere');
    assert.equal(span.attributes['gen_ai.request.max_tokens'], 100);
    assert.equal(span.attributes['gen_ai.usage.output_tokens'], COHERE_TOKENS.output_tokens);
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['COMPLETE']);
    assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
    assert.equal(outputText(), answer);
  });

  test('chatStream: the span ends with the stream, usage from message-end', async () => {
    let text = '';
    for await (const event of await cohere.chatStream({ model, messages }))
      if (event.type === 'content-delta') text += event.delta?.message?.content?.text ?? '';
    assert.equal(text, answer);
    const span = lastSpan();
    assert.equal(span.attributes['gen_ai.request.stream'], true);
    assert.equal(span.attributes['gen_ai.usage.output_tokens'], 8);
    assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) > 0);
  });

  test('embed: an embeddings span', async () => {
    await cohere.embed({ model: 'embed-v4.0', texts: ['a'], inputType: 'search_query', embeddingTypes: ['float'] });
    assert.equal(lastSpan().name, 'embeddings embed-v4.0');
    assert.equal(lastSpan().attributes['gen_ai.embeddings.dimension.count'], 4);
  });
});

interface GroqModule {
  default: new (options: object) => {
    chat: {
      completions: {
        create(request: object): Promise<unknown>;
      };
    };
  };
}

describe('groq-sdk 0.x', async () => {
  const Groq = (await previous<GroqModule>('groq-0', 'groq-sdk@^0', 'groq-sdk', /^0\./)).default;
  const groq = new Groq({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0 });
  const model = 'llama-3.3-70b-versatile';

  test('chat.completions.create: a groq chat span with usage, finish reason and cost', async () => {
    const completion = (await groq.chat.completions.create({ model, messages, max_tokens: 64 })) as {
      choices: { message: { content: string } }[];
    };
    assert.equal(completion.choices[0]?.message.content, answer);
    const span = lastSpan();
    assert.equal(span.name, `chat ${model}`);
    assert.equal(span.attributes['gen_ai.provider.name'], 'groq');
    assert.equal(span.attributes['gen_ai.usage.input_tokens'], GROQ_USAGE.prompt_tokens);
    assert.equal(span.attributes['gen_ai.usage.output_tokens'], GROQ_USAGE.completion_tokens);
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
  });

  test('a stream: usage from x_groq in the last chunk, time to first chunk', async () => {
    const stream = (await groq.chat.completions.create({ model, messages, stream: true })) as AsyncIterable<{
      choices: { delta: { content?: string } }[];
    }>;
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, answer);
    const span = lastSpan();
    assert.equal(span.attributes['gen_ai.request.stream'], true);
    assert.equal(span.attributes['gen_ai.usage.input_tokens'], GROQ_USAGE.prompt_tokens);
    assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) > 0);
    assert.equal(outputText(), answer);
  });
});
