// instrument(client): one client instance traced, nothing patched globally, ES module builds of the clients.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';
import { instrument } from '../../../src/instrumentations/instrument-client.ts';

const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor({ openai: true, aiSdk: false })] });
const fake = await startFakeProvider();
after(() => fake.close());
// The ES module builds, as a bundled or ESM app without the preload loads them.
const { default: OpenAI } = await import('openai');
const { default: Anthropic } = await import('@anthropic-ai/sdk');
const messages = [{ role: 'user' as const, content: 'Where is my order?' }];

test('an instrumented OpenAI client is traced; another instance and the prototype are left alone', async () => {
  const traced = instrument(new OpenAI({ apiKey: 'k', baseURL: fake.openaiBaseURL }));
  const plain = new OpenAI({ apiKey: 'k', baseURL: fake.openaiBaseURL });
  assert.equal((OpenAI.Chat.Completions.prototype.create as { __wrapped?: boolean }).__wrapped, undefined);

  await plain.chat.completions.create({ model: 'gpt-4o-mini', messages });
  assert.equal(sdk.spans().length, 0);

  const stream = await traced.chat.completions.create({
    model: 'gpt-4o-mini',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const chunk of stream) void chunk;
  const span = sdk.span('chat gpt-4o-mini');
  assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 40);
  assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
  assert.equal(instrument(traced), traced, 'instrumenting twice is harmless');
});

test('an instrumented OpenAI client counts its retries', async () => {
  await sdk.reset();
  const traced = instrument(new OpenAI({ apiKey: 'k', baseURL: fake.openaiBaseURL }));
  await traced.responses.create(
    { model: 'gpt-4o-mini', input: 'hi' },
    { headers: { 'x-fake-scenario': 'rate-limit-once:instrument-openai' } },
  );
  const span = sdk.spans().at(-1)!;
  assert.equal(span.attributes['genai_otel.retry.count'], 1);
  assert.equal(span.attributes['gen_ai.usage.reasoning.output_tokens'], 10);
});

test('an instrumented OpenAI client: parse() returns its parsed value (contrib #3586), runTools() is one invoke_agent tree', async () => {
  await sdk.reset();
  const traced = instrument(new OpenAI({ apiKey: 'k', baseURL: fake.openaiBaseURL }));
  const schema = {
    type: 'object',
    properties: { order_id: { type: 'string' }, status: { type: 'string' } },
    required: ['order_id', 'status'],
    additionalProperties: false,
  };
  const completion = await traced.chat.completions.parse({
    model: 'gpt-4o-mini',
    messages,
    response_format: { type: 'json_schema', json_schema: { name: 'order', strict: true, schema } },
  });
  assert.deepEqual(completion.choices[0]?.message.parsed, { order_id: 'A-1', status: 'shipped' });
  assert.equal(sdk.spans().at(-1)?.attributes['gen_ai.usage.input_tokens'], 120);

  await sdk.reset();
  const tools = [
    {
      type: 'function' as const,
      function: { name: 'lookup_order', parameters: { type: 'object', properties: {} }, function: () => 'shipped' },
    },
  ];
  await traced.chat.completions.runTools({ model: 'gpt-4o-mini', messages, tools: tools as never }).done();
  const agent = sdk.span('invoke_agent');
  const children = sdk.spans().filter((span) => span.parentSpanContext?.spanId === agent.spanContext().spanId);
  assert.deepEqual(
    children.map((span) => span.name),
    ['chat gpt-4o-mini', 'execute_tool lookup_order', 'chat gpt-4o-mini'],
  );
});

test('an instrumented Anthropic client: messages.create and messages.stream are traced', async () => {
  await sdk.reset();
  const client = instrument(new Anthropic({ apiKey: 'k', baseURL: fake.anthropicBaseURL }));
  await client.messages.create({ model: 'claude-3-5-haiku-20241022', max_tokens: 64, messages });
  const final = await client.messages
    .stream({ model: 'claude-3-5-haiku-20241022', max_tokens: 64, messages })
    .finalMessage();
  assert.equal(final.stop_reason, 'end_turn');
  const spans = sdk.spans().filter((span) => span.name === 'chat claude-3-5-haiku-20241022');
  assert.equal(spans.length, 2);
  assert.ok(spans.every((span) => (span.attributes['genai_otel.cost.usd'] as number) > 0));
  assert.ok(!sdk.spans().some((span) => span.name === 'anthropic.messages.create'));
});

test('an instrumented Anthropic client: beta.messages too, so a toolRunner() run has genai-otel chat spans', async () => {
  await sdk.reset();
  const { betaTool } = await import('@anthropic-ai/sdk/helpers/beta/json-schema');
  const client = instrument(new Anthropic({ apiKey: 'k', baseURL: fake.anthropicBaseURL }));
  await client.beta.messages.toolRunner({
    model: 'claude-3-5-haiku-20241022',
    max_tokens: 64,
    messages,
    tools: [
      betaTool({
        name: 'lookup_order',
        description: 'Finds an order',
        inputSchema: { type: 'object', properties: { order_id: { type: 'string' } } },
        run: () => 'shipped',
      }),
    ],
  });
  const runner = sdk.span('anthropic.messages.tool_runner');
  const chats = sdk.spans().filter((span) => span.name === 'chat claude-3-5-haiku-20241022');
  assert.equal(chats.length, 2);
  assert.ok(chats.every((span) => span.parentSpanContext?.spanId === runner.spanContext().spanId));
  assert.ok(!sdk.spans().some((span) => span.name === 'anthropic.messages.create'));
});

test('anything else is returned unchanged', () => {
  const notAClient = { hello: 'world' };
  assert.equal(instrument(notAClient), notAClient);
  assert.equal(instrument(null), null);
});
