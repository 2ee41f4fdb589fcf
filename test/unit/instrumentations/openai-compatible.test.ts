// OpenAI-compatible services reached through the real `openai` client: the provider name comes from the base URL's
// host, GENAI_OTEL_PROVIDER_HOSTS or instrument(client, { provider }). The client keeps its public base URL; its
// `fetch` option sends the requests to the local fake provider instead (nothing leaves 127.0.0.1).
import { test, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';
import { createOpenAIInstrumentation } from '../../../src/instrumentations/openai.ts';
import { instrument } from '../../../src/instrumentations/instrument-client.ts';
import { providerOfServer } from '../../../src/genai/provider-hosts.ts';
import { resetGenAISettingsForTests } from '../../../src/config/genai-settings.ts';

const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor({ openai: true, aiSdk: false })] });
createOpenAIInstrumentation({ captureContent: 'none' });
const require = createRequire(import.meta.url);
const { OpenAI } = require('openai') as typeof import('openai');
const fake = await startFakeProvider();
after(() => fake.close());
beforeEach(() => {
  delete process.env.GENAI_OTEL_PROVIDER_HOSTS;
  resetGenAISettingsForTests();
});

/** A client of `baseURL` whose requests reach the fake provider. */
function clientOf(baseURL: string) {
  const local = new URL(fake.openaiBaseURL);
  return new OpenAI({
    apiKey: 'test-key',
    baseURL,
    maxRetries: 0,
    fetch: (url: string | URL | Request, init?: RequestInit) => {
      const target = new URL(url instanceof Request ? url.url : url);
      target.protocol = local.protocol;
      target.host = local.host;
      target.pathname = target.pathname.replace(/^.*?\/chat\//, '/v1/chat/');
      return fetch(target, init);
    },
  });
}

const messages = [{ role: 'user' as const, content: 'Where is my order A-1?' }];

async function providerOfCall(client: InstanceType<typeof OpenAI>, model: string) {
  await client.chat.completions.create({ model, messages });
  const span = sdk.spans().at(-1)!;
  return span;
}

const hosts: [string, string, string][] = [
  ['https://api.deepseek.com/v1', 'deepseek-chat', 'deepseek'],
  ['https://api.together.xyz/v1', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', 'together_ai'],
  ['https://openrouter.ai/api/v1', 'openai/gpt-4o-mini', 'openrouter'],
  ['https://api.groq.com/openai/v1', 'llama-3.3-70b-versatile', 'groq'],
  ['https://my-resource.openai.azure.com/openai/deployments/prod', 'gpt-4o-mini', 'azure.ai.openai'],
  ['https://api.openai.com/v1', 'gpt-4o-mini', 'openai'],
  ['http://localhost:11434/v1', 'llama3.2', 'ollama'],
  ['http://localhost:1234/v1', 'qwen3-8b', 'lm_studio'],
  ['https://gateway.internal.example/v1', 'gpt-4o-mini', 'openai'],
];

for (const [baseURL, model, provider] of hosts) {
  test(`${new URL(baseURL).host}: gen_ai.provider.name ${provider}`, async () => {
    const span = await providerOfCall(clientOf(baseURL), model);
    assert.equal(span.attributes['gen_ai.provider.name'], provider);
    assert.equal(span.attributes['server.address'], new URL(baseURL).hostname);
    const durations = sdk.points((await sdk.collect()).get('gen_ai.client.inference.duration'));
    assert.ok(
      durations.some((point) => point.attributes['gen_ai.provider.name'] === provider),
      'the metrics carry the same provider name',
    );
  });
}

test('DeepSeek through the openai client is priced with DeepSeek’s prices', async () => {
  const span = await providerOfCall(clientOf('https://api.deepseek.com/v1'), 'deepseek-chat');
  assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
  assert.equal(span.attributes['genai_otel.cost.unknown_model'], undefined);
});

test('GENAI_OTEL_PROVIDER_HOSTS names the provider of a host (with or without its port)', async () => {
  process.env.GENAI_OTEL_PROVIDER_HOSTS = 'vllm.internal:8000=vllm,gateway.internal.example=openrouter';
  resetGenAISettingsForTests();
  assert.equal(
    (await providerOfCall(clientOf('http://vllm.internal:8000/v1'), 'qwen3')).attributes['gen_ai.provider.name'],
    'vllm',
  );
  assert.equal(
    (await providerOfCall(clientOf('https://gateway.internal.example/v1'), 'gpt-4o-mini')).attributes[
      'gen_ai.provider.name'
    ],
    'openrouter',
  );
  assert.equal(providerOfServer('vllm.internal', 9000, 'openai'), 'openai', 'another port is another server');
});

test('instrument(client, { provider }) names the provider of that client only, also when the preload traces it', async () => {
  const named = instrument(clientOf('http://10.0.0.5:8000/v1'), { provider: 'vllm' });
  const other = clientOf('http://10.0.0.5:8000/v1');
  assert.equal((await providerOfCall(named, 'qwen3')).attributes['gen_ai.provider.name'], 'vllm');
  assert.equal((await providerOfCall(other, 'qwen3')).attributes['gen_ai.provider.name'], 'openai');
});

test('instrument(client, { provider }) with a bad provider keeps the host’s name and returns the client', () => {
  const client = clientOf('https://api.deepseek.com/v1');
  assert.equal(instrument(client, { provider: 42 as unknown as string }), client);
});
