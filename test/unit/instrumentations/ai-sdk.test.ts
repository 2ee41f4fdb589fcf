// The real Vercel AI SDK with its real OpenAI provider against the local fake provider: ai 7 with the OpenTelemetry
// integration of @ai-sdk/otel (GenAI spans), and ai 6 with experimental_telemetry (legacy ai.* spans). The span
// processor must give their model-call spans the conventions' attributes, cost and genai-otel's metrics.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';

const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor({ openai: true, aiSdk: true })] });
const fake = await startFakeProvider();
after(() => fake.close());

const ai = await import('ai');
const { OpenTelemetry } = await import('@ai-sdk/otel');
const { createOpenAI } = await import('@ai-sdk/openai');
ai.registerTelemetry(new OpenTelemetry());
const provider = createOpenAI({ apiKey: 'test-key', baseURL: fake.openaiBaseURL });

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const spansNamed = (name: string) => sdk.spans().filter((span) => span.name === name);

test('ai 7 + @ai-sdk/otel, generateText: the chat span gets cost; the invoke_agent span (same usage, summed) does not', async () => {
  await sdk.reset();
  const result = await ai.generateText({ model: provider.chat('gpt-4o-mini'), prompt: 'Where is my order?' });
  assert.equal(result.text, 'The order has shipped.');
  await settle();
  const [chat] = spansNamed('chat gpt-4o-mini');
  assert.ok(chat);
  assert.equal(chat.instrumentationScope.name, 'gen_ai');
  assert.equal(chat.attributes['gen_ai.usage.cache_read.input_tokens'], 20);
  assert.ok(
    Math.abs((chat.attributes['genai_otel.cost.usd'] as number) - (100 * 0.15 + 20 * 0.075 + 40 * 0.6) / 1e6) < 1e-12,
  );
  const [agent] = spansNamed('invoke_agent gpt-4o-mini');
  assert.ok(agent);
  assert.equal(agent.attributes['genai_otel.cost.usd'], undefined);
});

test('ai 7 streamText: time to first chunk reaches genai-otel’s histogram', async () => {
  const stream = ai.streamText({ model: provider('gpt-4o-mini'), prompt: 'Where is my order?' });
  let text = '';
  for await (const delta of stream.textStream) text += delta;
  assert.equal(text, 'The order has shipped.');
  await settle();
  const points = sdk.points((await sdk.collect()).get('gen_ai.client.inference.time_to_first_chunk'));
  assert.ok(points.some((point) => point.attributes['gen_ai.provider.name'] === 'openai'));
});

test('ai 7 embed: only the provider call is priced and measured, not the operation span around it', async () => {
  await sdk.reset();
  await ai.embed({ model: provider.embedding('text-embedding-3-small'), value: 'sunny day' });
  await settle();
  const spans = spansNamed('embeddings text-embedding-3-small');
  assert.equal(spans.length, 2);
  assert.equal(spans.filter((span) => span.attributes['genai_otel.cost.usd'] !== undefined).length, 1);
});

test('ai 6 with experimental_telemetry: legacy doGenerate spans get operation, provider, usage and cost', async () => {
  const ai6 = await import('ai6');
  const { createOpenAI: createOpenAI3 } = await import('ai-sdk-openai3');
  const legacy = createOpenAI3({ apiKey: 'test-key', baseURL: fake.openaiBaseURL });
  await sdk.reset();
  await ai6.generateText({
    model: legacy.chat('gpt-4o-mini'),
    prompt: 'Where is my order?',
    experimental_telemetry: { isEnabled: true },
  });
  const stream = ai6.streamText({
    model: legacy.chat('gpt-4o-mini'),
    prompt: 'Where is my order?',
    experimental_telemetry: { isEnabled: true },
  });
  for await (const delta of stream.textStream) void delta;
  await settle();
  const [generate] = spansNamed('ai.generateText.doGenerate');
  assert.ok(generate);
  assert.equal(generate.attributes['gen_ai.operation.name'], 'chat');
  assert.equal(generate.attributes['gen_ai.provider.name'], 'openai', 'openai.chat → openai');
  assert.equal(generate.attributes['gen_ai.usage.cache_read.input_tokens'], 20);
  assert.ok((generate.attributes['genai_otel.cost.usd'] as number) > 0);
  const [outer] = spansNamed('ai.generateText');
  assert.equal(outer?.attributes['genai_otel.cost.usd'], undefined);
  const [doStream] = spansNamed('ai.streamText.doStream');
  assert.ok((doStream?.attributes['gen_ai.response.time_to_first_chunk'] as number) > 0);
  const cost = sdk.points((await sdk.collect()).get('genai_otel.client.cost'));
  assert.ok(cost.some((point) => point.attributes['gen_ai.request.model'] === 'gpt-4o-mini'));
});
