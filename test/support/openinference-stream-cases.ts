// The streamed `openai` calls traced by both OpenInference's openai instrumentation and genai-otel's, with the real
// packages against the local fake provider. OpenInference `tee()`s the stream its wrapper gets, hands one branch to the
// caller and reads the other itself: when its wrapper went around genai-otel's, it teed the stream before genai-otel's
// follower was set, genai-otel saw no chunk, and its span ended 5 minutes later (the idle timeout) without usage or
// cost. Run once per load order (openinference-streams-*.test.ts); the idle timeout is set far beyond the test's span.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { installMemorySdk, type MemorySdk } from './memory-sdk.ts';
import { startFakeProvider, type FakeProvider } from './fake-provider.ts';
import { LLMSpanProcessor } from '../../src/instrumentations/llm-span-processor.ts';
import { createOpenAIInstrumentation } from '../../src/instrumentations/openai.ts';

const GENAI_OTEL_SCOPE = '@opentelemetry/instrumentation-openai';
const OPENINFERENCE_SCOPE = '@arizeai/openinference-instrumentation-openai';

export type LoadOrder = 'openinference first' | 'genai-otel first';

interface Setup {
  sdk: MemorySdk;
  fake: FakeProvider;
  client: import('openai').OpenAI;
  stopOpenInference: () => void;
}

/** The SDK, then both instrumentations in `order`, then the client (its require patches it through both hooks). */
async function setUp(order: LoadOrder): Promise<Setup> {
  process.env.GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS = '60000';
  const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor()] });
  const require = createRequire(import.meta.url);
  const { OpenAIInstrumentation } =
    require('@arizeai/openinference-instrumentation-openai') as typeof import('@arizeai/openinference-instrumentation-openai');
  let openInference: InstanceType<typeof OpenAIInstrumentation>;
  if (order === 'openinference first') {
    openInference = new OpenAIInstrumentation();
    createOpenAIInstrumentation({ captureContent: 'none' });
  } else {
    createOpenAIInstrumentation({ captureContent: 'none' });
    openInference = new OpenAIInstrumentation();
  }
  const { OpenAI } = require('openai') as typeof import('openai');
  const fake = await startFakeProvider();
  const client = new OpenAI({ apiKey: 'test-key', baseURL: fake.openaiBaseURL, maxRetries: 0 });
  return { sdk, fake, client, stopOpenInference: () => openInference.disable() };
}

/** What the fake provider sends for `body`, read without any client: the chunks a caller must get, in order. */
async function rawEvents(fake: FakeProvider, path: string, body: object): Promise<unknown[]> {
  const response = await fetch(`${fake.openaiBaseURL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
    .map((line) => JSON.parse(line.slice('data: '.length)) as unknown);
}

/** Calls counted so far (the metrics are cumulative: a test compares with the count before it). */
async function counted(sdk: MemorySdk, name: string): Promise<number> {
  const metric = (await sdk.collect()).get(name) as HistogramMetricData | undefined;
  return (metric?.dataPoints ?? []).reduce((sum, point) => sum + point.value.count, 0);
}

/** A turn of the event loop: what the span processor and the follower do after the caller's loop has ended. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

const messages = [{ role: 'user' as const, content: 'Where is my order A-1?' }];

export async function openInferenceStreamCases(order: LoadOrder): Promise<void> {
  const { sdk, fake, client, stopOpenInference } = await setUp(order);
  const spansOf = (scope: string) => sdk.spans().filter((span) => span.instrumentationScope.name === scope);

  test.after(async () => {
    stopOpenInference();
    await fake.close();
  });

  test(`${order}: a streamed chat completion ends genai-otel's span with the caller's loop, with usage and cost`, async () => {
    await sdk.reset();
    const countedBefore = await counted(sdk, 'gen_ai.client.inference.duration');
    const body = { model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } };
    const expected = await rawEvents(fake, '/chat/completions', body);
    const stream = await client.chat.completions.create({ ...body, stream: true });
    const received: unknown[] = [];
    for await (const chunk of stream) received.push(chunk);
    assert.deepEqual(received, expected, 'the caller gets every chunk, unchanged and in order');
    await settle();
    const [ours, ...moreOfOurs] = spansOf(GENAI_OTEL_SCOPE);
    assert.equal(moreOfOurs.length, 0);
    assert.ok(ours, 'genai-otel’s span ended with the loop, not at the idle timeout');
    assert.equal(ours.attributes['gen_ai.usage.input_tokens'], 120);
    assert.equal(ours.attributes['gen_ai.usage.output_tokens'], 40);
    assert.equal(ours.attributes['genai_otel.stream.chunk_count'], expected.length);
    assert.equal(ours.attributes['genai_otel.stream.end'], undefined);
    assert.ok((ours.attributes['genai_otel.cost.usd'] as number) > 0);
    // OpenInference's span ends when its own branch is read: by now, or a moment later.
    for (let turn = 0; turn < 50 && spansOf(OPENINFERENCE_SCOPE).length === 0; turn++) await settle();
    const [theirs] = spansOf(OPENINFERENCE_SCOPE);
    assert.equal(theirs?.attributes['genai_otel.call.duplicate'], true, 'OpenInference’s span is not counted again');
    assert.equal(theirs?.attributes['genai_otel.cost.usd'], undefined);
    assert.equal((await counted(sdk, 'gen_ai.client.inference.duration')) - countedBefore, 1);
  });

  test(`${order}: a streamed Responses call ends genai-otel's span with the caller's loop, with usage and cost`, async () => {
    await sdk.reset();
    const countedBefore = await counted(sdk, 'gen_ai.client.inference.duration');
    const body = { model: 'gpt-4o-mini', input: 'Where is my order A-1?', stream: true };
    const expected = await rawEvents(fake, '/responses', body);
    const stream = await client.responses.create({ ...body, stream: true });
    const received: unknown[] = [];
    for await (const event of stream) received.push(event);
    assert.deepEqual(received, expected);
    await settle();
    const [ours, ...moreOfOurs] = spansOf(GENAI_OTEL_SCOPE);
    assert.equal(moreOfOurs.length, 0);
    assert.ok(ours, 'genai-otel’s span ended with the loop');
    assert.ok((ours.attributes['gen_ai.usage.input_tokens'] as number) > 0);
    assert.ok((ours.attributes['genai_otel.cost.usd'] as number) > 0);
    assert.equal(ours.attributes['genai_otel.stream.chunk_count'], expected.length);
    for (let turn = 0; turn < 50 && spansOf(OPENINFERENCE_SCOPE).length === 0; turn++) await settle();
    assert.equal(spansOf(OPENINFERENCE_SCOPE)[0]?.attributes['genai_otel.call.duplicate'], true);
    assert.equal((await counted(sdk, 'gen_ai.client.inference.duration')) - countedBefore, 1);
  });

  test(`${order}: a loop that breaks early still ends the span, counted once; the caller's loop is unharmed`, async () => {
    await sdk.reset();
    const countedBefore = await counted(sdk, 'gen_ai.client.inference.duration');
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let read = 0;
    for await (const chunk of stream) {
      void chunk;
      if (++read === 2) break;
    }
    // The branch OpenInference keeps may read the response to its end: genai-otel's span ends then, at the latest.
    for (let turn = 0; turn < 50 && spansOf(GENAI_OTEL_SCOPE).length === 0; turn++) await settle();
    const [ours] = spansOf(GENAI_OTEL_SCOPE);
    assert.ok(ours, 'genai-otel’s span ended');
    assert.ok((ours.attributes['genai_otel.stream.chunk_count'] as number) >= 2);
    assert.equal((await counted(sdk, 'gen_ai.client.inference.duration')) - countedBefore, 1);
  });

  test(`${order}: controller.abort() stops the caller's loop and ends the span as cancelled`, async () => {
    await sdk.reset();
    const countedBefore = await counted(sdk, 'gen_ai.client.inference.duration');
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages, stream: true },
      { headers: { 'x-fake-scenario': 'stall' } },
    );
    let read = 0;
    for await (const chunk of stream) {
      void chunk;
      read++;
      stream.controller.abort();
    }
    assert.equal(read, 1);
    for (let turn = 0; turn < 50 && spansOf(GENAI_OTEL_SCOPE).length === 0; turn++) await settle();
    const [ours] = spansOf(GENAI_OTEL_SCOPE);
    assert.ok(ours, 'genai-otel’s span ended with the abort, not at the idle timeout');
    assert.equal(ours.attributes['genai_otel.stream.end'], 'cancelled');
    assert.equal((await counted(sdk, 'gen_ai.client.inference.duration')) - countedBefore, 1);
  });
}
