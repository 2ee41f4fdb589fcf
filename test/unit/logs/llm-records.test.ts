// GENAI_OTEL_LLM_LOGS=true: one request/response record per LLM call, in the OpenAI chat shape whatever the
// provider, carrying the call's trace and span ids, marked with an event name a collector can route on.
process.env.GENAI_OTEL_LLM_LOGS = 'true';
process.env.GENAI_OTEL_CLIENT_ID = 'support-bot';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { ContextSpanProcessor } from '../../../src/context/processors.ts';
import { withContext } from '../../../src/context/with-context.ts';
import { withLLMCall } from '../../../src/genai/llm.ts';
import { resetGenAISettingsForTests } from '../../../src/config/genai-settings.ts';

const sdk = installMemorySdk({ spanProcessors: [new ContextSpanProcessor()] });
const tools = [
  {
    type: 'function',
    function: { name: 'lookup_order', parameters: { type: 'object', properties: { id: { type: 'string' } } } },
  },
];
const messages = [{ role: 'user', content: 'Where is order 42?' }];

function records() {
  return sdk.logs().filter((record) => record.eventName === 'genai_otel.llm.request_response');
}

test('an OpenAI chat call: the record body is { request, response, timestamp, client_id, workload_id }', async () => {
  const before = Math.floor(Date.now() / 1000);
  await withContext({ sessionId: 'sess-fw', workloadId: 'order-status' }, () =>
    withLLMCall(
      { provider: 'openai', model: 'gpt-4o-mini', temperature: 0.2, maxTokens: 300, messages, tools },
      async () => ({
        id: 'chatcmpl-42',
        object: 'chat.completion',
        model: 'gpt-4o-mini-2024-07-18',
        choices: [
          {
            index: 0,
            finish_reason: 'tool_calls',
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [
                { id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"id":"42"}' } },
              ],
            },
          },
        ],
        usage: { prompt_tokens: 31, completion_tokens: 12, total_tokens: 43 },
      }),
    ),
  );
  const [record] = records();
  assert.ok(record, 'one record');
  const span = sdk.span('chat gpt-4o-mini');
  assert.equal(record.spanContext?.traceId, span.spanContext().traceId);
  assert.equal(record.spanContext?.spanId, span.spanContext().spanId);
  assert.equal(record.attributes['gen_ai.provider.name'], 'openai');
  const body = record.body as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['client_id', 'request', 'response', 'timestamp', 'workload_id']);
  assert.deepEqual(body.request, { model: 'gpt-4o-mini', messages, temperature: 0.2, max_tokens: 300, tools });
  assert.deepEqual(body.response, {
    id: 'chatcmpl-42',
    model: 'gpt-4o-mini-2024-07-18',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"id":"42"}' } },
          ],
        },
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 31, completion_tokens: 12, total_tokens: 43 },
  });
  assert.equal(body.client_id, 'support-bot');
  assert.equal(body.workload_id, 'order-status');
  assert.ok(
    Number.isInteger(body.timestamp) &&
      (body.timestamp as number) >= before &&
      (body.timestamp as number) <= before + 5,
  );
});

test('an Anthropic response and separate system instructions come out in the same OpenAI shape; the session is the workload', async () => {
  await withContext({ sessionId: 'sess-anthropic' }, () =>
    withLLMCall(
      { provider: 'anthropic', model: 'claude-sonnet-4', systemInstructions: 'Be brief.', messages },
      async () => ({
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-20250514',
        content: [{ type: 'text', text: 'It ships tomorrow.' }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 20, output_tokens: 6 },
      }),
    ),
  );
  const body = records().at(-1)!.body as {
    request: { messages: unknown[] };
    response: Record<string, unknown>;
    workload_id: string;
  };
  assert.deepEqual(body.request.messages, [{ role: 'system', content: 'Be brief.' }, ...messages]);
  assert.deepEqual(body.response.choices, [
    { index: 0, message: { role: 'assistant', content: 'It ships tomorrow.' }, finish_reason: 'end_turn' },
  ]);
  assert.deepEqual(body.response.usage, { prompt_tokens: 20, completion_tokens: 6, total_tokens: 26 });
  assert.equal(body.workload_id, 'sess-anthropic');
});

test('a streamed answer is recorded once the stream ends, with its text, although spans capture no content', async () => {
  async function* chunks() {
    yield {
      object: 'chat.completion.chunk',
      id: 'chatcmpl-s',
      model: 'gpt-4o',
      choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' } }],
    };
    yield {
      object: 'chat.completion.chunk',
      id: 'chatcmpl-s',
      model: 'gpt-4o',
      choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: 'stop' }],
    };
    yield {
      object: 'chat.completion.chunk',
      id: 'chatcmpl-s',
      model: 'gpt-4o',
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 2 },
    };
  }
  const stream = await withLLMCall({ provider: 'openai', model: 'gpt-4o', stream: true, messages }, async () =>
    chunks(),
  );
  const count = records().length;
  for await (const _chunk of stream);
  assert.equal(records().length, count + 1);
  const body = records().at(-1)!.body as { response: { choices: { message: { content: string } }[]; id: string } };
  assert.equal(body.response.id, 'chatcmpl-s');
  assert.equal(body.response.choices[0]!.message.content, 'Hello');
  assert.equal(
    sdk.span('chat gpt-4o').attributes['gen_ai.output.messages'],
    undefined,
    'the span stays free of content',
  );
});

test('failed calls and embeddings make no record; with the setting off nothing is recorded', async () => {
  const count = records().length;
  await assert.rejects(
    withLLMCall({ provider: 'openai', model: 'gpt-4o', messages }, async () => {
      throw new Error('429');
    }),
  );
  await withLLMCall({ provider: 'openai', model: 'text-embedding-3-small', operation: 'embeddings' }, async () => ({
    object: 'list',
    data: [{ embedding: [0.1] }],
  }));
  assert.equal(records().length, count);

  process.env.GENAI_OTEL_LLM_LOGS = 'false';
  resetGenAISettingsForTests();
  await withLLMCall({ provider: 'openai', model: 'gpt-4o', messages }, async () => ({
    id: 'x',
    object: 'chat.completion',
    model: 'gpt-4o',
    choices: [],
  }));
  assert.equal(records().length, count);
});
