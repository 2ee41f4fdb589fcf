// GENAI_OTEL_LLM_LOGS with the automatic OpenAI instrumentation: each call also yields its request/response record.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';
import { createOpenAIInstrumentation } from '../../../src/instrumentations/openai.ts';

process.env.GENAI_OTEL_LLM_LOGS = 'true';
const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor({ openai: true, aiSdk: false })] });
createOpenAIInstrumentation({ captureContent: 'none' });
const require = createRequire(import.meta.url);
const { OpenAI } = require('openai') as typeof import('openai');
const fake = await startFakeProvider();
after(() => fake.close());

test('an auto-instrumented OpenAI chat completion emits one request/response record on its span', async () => {
  const client = new OpenAI({ apiKey: 'test-key', baseURL: fake.openaiBaseURL, maxRetries: 0 });
  await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Where is my order A-1?' }],
    temperature: 0.1,
  });
  const span = sdk.spans().at(-1)!;
  const records = sdk.logs().filter((record) => record.eventName === 'genai_otel.llm.request_response');
  assert.equal(records.length, 1);
  const record = records[0]!;
  assert.equal(record.spanContext?.spanId, span.spanContext().spanId);
  const body = record.body as {
    request: { model: string; messages: { content: string }[]; temperature: number };
    response: { id: string; usage: { prompt_tokens: number } };
  };
  assert.equal(body.request.model, 'gpt-4o-mini');
  assert.equal(body.request.messages[0]?.content, 'Where is my order A-1?');
  assert.equal(body.request.temperature, 0.1);
  assert.equal(body.response.id, span.attributes['gen_ai.response.id']);
  assert.equal(body.response.usage.prompt_tokens, 120);
});
