// The real `openai` client against the local fake provider: what the conventions ask of an OpenAI span and its content
// that the official instrumentation leaves out or names the old way (issue 20).
import { test, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';
import { createOpenAIInstrumentation } from '../../../src/instrumentations/openai.ts';
import { resetGenAISettingsForTests } from '../../../src/config/genai-settings.ts';

const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor({ openai: true, aiSdk: false })] });
createOpenAIInstrumentation({ captureContent: 'none' });
const require = createRequire(import.meta.url);
const { OpenAI } = require('openai') as typeof import('openai');
const fake = await startFakeProvider();
after(() => fake.close());
const client = new OpenAI({ apiKey: 'test-key', baseURL: fake.openaiBaseURL, maxRetries: 0 });
const EVENT = 'gen_ai.client.inference.operation.details';

function settings(env: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetGenAISettingsForTests();
}

beforeEach(async () => {
  settings({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: undefined, OTEL_SEMCONV_STABILITY_OPT_IN: undefined });
  await sdk.reset();
});

const tools = [
  {
    type: 'function' as const,
    function: { name: 'lookup_order', description: 'Find an order', parameters: { type: 'object', properties: {} } },
  },
];

function lastSpan() {
  const span = sdk.spans().at(-1);
  assert.ok(span, 'a span was exported');
  return span;
}

test('a chat span carries seed, service tier and system fingerprint, and no deprecated gen_ai.system', async () => {
  await client.chat.completions.create({
    model: 'gpt-4o-mini',
    seed: 42,
    service_tier: 'default',
    messages: [{ role: 'user', content: 'Hi' }],
  });
  const span = lastSpan();
  assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
  assert.equal(span.attributes['gen_ai.system'], undefined);
  assert.equal(span.attributes['gen_ai.request.seed'], 42);
  assert.equal(span.attributes['gen_ai.request.stream'], undefined, 'unset on a request that does not stream');
  assert.equal(span.attributes['openai.request.service_tier'], 'default');
  assert.equal(span.attributes['openai.response.service_tier'], 'default');
  assert.equal(span.attributes['openai.response.system_fingerprint'], 'fp_fake');
});

test('a streamed chat span says it streamed and carries the fingerprint of its chunks', async () => {
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'Hi' }],
  });
  for await (const chunk of stream) void chunk;
  const span = lastSpan();
  assert.equal(span.attributes['gen_ai.request.stream'], true);
  assert.equal(span.attributes['openai.response.system_fingerprint'], 'fp_fake');
  assert.equal(span.attributes['gen_ai.system'], undefined);
});

test('gen_ai_latest_experimental/dup keeps gen_ai.system next to gen_ai.provider.name', async () => {
  settings({ OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_latest_experimental/dup' });
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
  const span = lastSpan();
  assert.equal(span.attributes['gen_ai.system'], 'openai');
  assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
});

test('content on the span: tool definitions in the conventions shape, tool-call arguments as objects', async () => {
  settings({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'SPAN_ONLY' });
  await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Where is A-1?' }],
    tools,
  });
  const span = lastSpan();
  assert.deepEqual(JSON.parse(String(span.attributes['gen_ai.tool.definitions'])), [
    {
      type: 'function',
      name: 'lookup_order',
      description: 'Find an order',
      parameters: { type: 'object', properties: {} },
    },
  ]);
  const output = JSON.parse(String(span.attributes['gen_ai.output.messages'])) as {
    parts: { type: string; arguments?: unknown }[];
  }[];
  const toolCall = output[0]?.parts.find((part) => part.type === 'tool_call');
  assert.ok(toolCall, 'the tool call is in the output messages');
  assert.equal(typeof toolCall.arguments, 'object', 'arguments deserialized from the JSON string');
  assert.equal(sdk.logs().length, 0, 'no event in SPAN_ONLY mode');
});

test('content as events: one gen_ai.client.inference.operation.details record, not the deprecated per-message events', async () => {
  settings({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'EVENT_ONLY' });
  await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ],
    tools,
  });
  const span = lastSpan();
  const records = sdk.logs();
  assert.deepEqual(
    records.map((record) => record.eventName),
    [EVENT],
  );
  const record = records[0]!;
  assert.equal(record.attributes['event.name'], undefined);
  assert.equal(record.attributes['gen_ai.system'], undefined);
  assert.equal(record.attributes['gen_ai.provider.name'], 'openai');
  assert.equal(record.attributes['gen_ai.operation.name'], 'chat');
  assert.equal(record.spanContext?.spanId, span.spanContext().spanId);
  assert.ok(Array.isArray(record.attributes['gen_ai.input.messages']), 'structured, not a JSON string');
  assert.deepEqual(record.attributes['gen_ai.tool.definitions'], [
    {
      type: 'function',
      name: 'lookup_order',
      description: 'Find an order',
      parameters: { type: 'object', properties: {} },
    },
  ]);
  assert.equal(span.attributes['gen_ai.input.messages'], undefined, 'EVENT_ONLY keeps content off the span');
});

test("a failed call: the exception span event and the conventions' gen_ai.client.operation.exception log event", async () => {
  await assert.rejects(
    client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] },
      { headers: { 'x-fake-scenario': 'server-error' } },
    ),
  );
  const span = lastSpan();
  assert.equal(span.status.code, 2);
  assert.ok(span.events.some((event) => event.name === 'exception'));
  const records = sdk.logs().filter((record) => record.eventName === 'gen_ai.client.operation.exception');
  assert.equal(records.length, 1);
  assert.equal(records[0]!.severityNumber, 13);
  assert.equal(records[0]!.attributes['exception.type'], span.attributes['error.type']);
  assert.equal(records[0]!.spanContext?.spanId, span.spanContext().spanId);
});
