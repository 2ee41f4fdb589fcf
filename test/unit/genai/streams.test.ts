import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { withLLMCall } from '../../../src/genai/llm.ts';

process.env.GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS = '200';
const sdk = installMemorySdk();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** OpenAI chat-completion chunks as the API streams them with stream_options.include_usage. */
async function* openAIChunks(delayMs: number) {
  await sleep(delayMs);
  yield {
    object: 'chat.completion.chunk',
    id: 'chatcmpl-s',
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }],
  };
  await sleep(delayMs);
  yield {
    object: 'chat.completion.chunk',
    id: 'chatcmpl-s',
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: null }],
  };
  yield {
    object: 'chat.completion.chunk',
    id: 'chatcmpl-s',
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
  };
  yield {
    object: 'chat.completion.chunk',
    id: 'chatcmpl-s',
    model: 'gpt-4o-mini-2024-07-18',
    choices: [],
    usage: { prompt_tokens: 11, completion_tokens: 2 },
  };
}

test('a returned stream keeps the span open until it is read to the end; usage comes from the final chunk', async () => {
  const stream = await withLLMCall({ provider: 'openai', model: 'gpt-4o-mini', stream: true }, async () =>
    openAIChunks(20),
  );
  assert.equal(
    sdk.spans().filter((span) => span.name === 'chat gpt-4o-mini').length,
    0,
    'span still open before reading',
  );
  const text: string[] = [];
  for await (const chunk of stream)
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it: one member of the union is {}
    text.push((chunk.choices[0]?.delta as { content?: string } | undefined)?.content ?? '');
  assert.equal(text.join(''), 'Hello');
  const span = sdk.span('chat gpt-4o-mini');
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 11);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 2);
  assert.equal(span.attributes['gen_ai.response.id'], 'chatcmpl-s');
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(span.attributes['genai_otel.stream.chunk_count'], 4);
  const ttfc = span.attributes['gen_ai.response.time_to_first_chunk'] as number;
  assert.ok(ttfc >= 0.015 && ttfc < 5, `time to first chunk ${ttfc}`);

  const metrics = await sdk.collect();
  const first = sdk.points(metrics.get('gen_ai.client.inference.time_to_first_chunk'));
  assert.equal((first[0]?.value as { count: number }).count, 1);
  const perChunk = sdk.points(metrics.get('gen_ai.client.inference.time_per_output_chunk'));
  assert.equal((perChunk[0]?.value as { count: number }).count, 3, 'one interval per chunk after the first');
  // The conventions' metric attributes include the response model, which the first chunk announces.
  assert.equal(first[0]?.attributes['gen_ai.response.model'], span.attributes['gen_ai.response.model']);
  assert.ok(perChunk.every((point) => point.attributes['gen_ai.response.model'] !== undefined));
});

test('a stream without usage says the counts are missing instead of guessing', async () => {
  async function* noUsage() {
    yield {
      object: 'chat.completion.chunk',
      id: 'n',
      model: 'm',
      choices: [{ delta: { content: 'x' }, finish_reason: 'stop' }],
    };
  }
  const stream = await withLLMCall({ provider: 'openai', model: 'no-usage-model' }, async () => noUsage());
  for await (const _ of stream) {
    /* drain */
  }
  const span = sdk.span('chat no-usage-model');
  assert.equal(span.attributes['genai_otel.usage.reported'], false);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], undefined);
});

test('a consumer that stops early ends the span as cancelled', async () => {
  const stream = await withLLMCall({ provider: 'openai', model: 'early-stop' }, async () => openAIChunks(1));
  for await (const _ of stream) break;
  const span = sdk.span('chat early-stop');
  assert.equal(span.attributes['genai_otel.stream.end'], 'cancelled');
  assert.equal(span.attributes['genai_otel.stream.chunk_count'], 1);
});

test('a stream nobody reads ends as abandoned after the idle timeout', async () => {
  await withLLMCall({ provider: 'openai', model: 'abandoned-model' }, async () => openAIChunks(1));
  await sleep(400);
  assert.equal(sdk.span('chat abandoned-model').attributes['genai_otel.stream.end'], 'abandoned');
});

test('a stream that fails marks the span ERROR and the consumer sees the same error', async () => {
  const failure = new Error('connection reset');
  async function* failing() {
    yield { object: 'chat.completion.chunk', choices: [] };
    throw failure;
  }
  const stream = withLLMCall({ provider: 'openai', model: 'failing-stream' }, () => failing());
  await assert.rejects(
    async () => {
      for await (const _ of stream) {
        /* drain */
      }
    },
    (error) => error === failure,
  );
  assert.equal(sdk.span('chat failing-stream').status.code, 2);
});

test('Anthropic message events give id, model, usage (cache tokens counted in input) and stop reason', async () => {
  async function* anthropicEvents() {
    yield {
      type: 'message_start',
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-20250514',
        content: [],
        usage: { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 5, output_tokens: 1 },
      },
    };
    yield { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } };
    yield { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 25 } };
    yield { type: 'message_stop' };
  }
  const stream = await withLLMCall({ provider: 'anthropic', model: 'claude-sonnet-4' }, async () => anthropicEvents());
  for await (const _ of stream) {
    /* drain */
  }
  const span = sdk.span('chat claude-sonnet-4');
  assert.equal(span.attributes['gen_ai.response.id'], 'msg_1');
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 115);
  assert.equal(span.attributes['gen_ai.usage.cache_read.input_tokens'], 100);
  assert.equal(span.attributes['gen_ai.usage.cache_write.input_tokens'], 5);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 25);
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['end_turn']);
});

test('a Node readable stream consumed through events still ends its span', async () => {
  const readable = Readable.from(['a', 'b']);
  const returned = withLLMCall({ provider: 'openai', model: 'node-stream' }, () => readable);
  assert.equal(returned, readable);
  const data: string[] = [];
  readable.on('data', (chunk: string) => data.push(chunk));
  await new Promise((resolve) => readable.on('end', resolve));
  await sleep(5);
  assert.deepEqual(data, ['a', 'b']);
  assert.ok(sdk.span('chat node-stream').ended);
});

test('recordChunk() times a stream the function consumes itself', async () => {
  await withLLMCall({ provider: 'openai', model: 'manual-chunks' }, async (call) => {
    await sleep(10);
    call.recordChunk();
    await sleep(5);
    call.recordChunk();
    call.setUsage({ inputTokens: 1, outputTokens: 2 });
  });
  const span = sdk.span('chat manual-chunks');
  assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) >= 0.008);
});
