import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { currentLLMCall, traceLLM, withLLMCall } from '../../../src/genai/llm.ts';
import { withAgent, withToolCall } from '../../../src/genai/operations.ts';
import { DURATION_BUCKETS_SECONDS, TOKEN_BUCKETS } from '../../../src/genai/genai-instruments.ts';

const sdk = installMemorySdk();

function histogramPoints(metric: unknown) {
  return sdk.points(metric as never) as {
    attributes: Record<string, unknown>;
    value: { count: number; sum: number; buckets: { boundaries: number[] } };
  }[];
}

test('withLLMCall makes a CLIENT span named "{operation} {model}" with the request attributes of the conventions', async () => {
  const result = await withLLMCall(
    {
      provider: 'openai',
      model: 'gpt-4o-mini',
      temperature: 0.2,
      maxTokens: 300,
      topP: 0.9,
      stopSequences: ['END'],
      seed: 7,
      stream: false,
      choiceCount: 2,
      conversationId: 'conv-1',
      serverAddress: 'https://api.openai.com/v1',
    },
    async (call) => {
      call.setUsage({ inputTokens: 120, outputTokens: 40 });
      call.setResponse({ id: 'chatcmpl-1', model: 'gpt-4o-mini-2024-07-18', finishReasons: ['stop'] });
      return 'the answer';
    },
  );
  assert.equal(result, 'the answer');
  const span = sdk.span('chat gpt-4o-mini');
  assert.equal(span.kind, SpanKind.CLIENT);
  assert.equal(span.instrumentationScope.name, 'genai-otel');
  assert.deepEqual(
    { ...span.attributes },
    {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.max_tokens': 300,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.seed': 7,
      'gen_ai.request.stream': false,
      'gen_ai.request.choice.count': 2,
      'gen_ai.conversation.id': 'conv-1',
      'server.address': 'api.openai.com',
      'server.port': 443,
      'gen_ai.response.id': 'chatcmpl-1',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 40,
      // gpt-4o-mini: $0.15 / $0.60 per 1M tokens in the bundled table
      'genai_otel.cost.usd': (120 * 0.15 + 40 * 0.6) / 1e6,
    },
  );
  assert.equal(span.status.code, SpanStatusCode.UNSET);
});

test('duration, token usage and cost metrics carry bounded attributes and the advised buckets', async () => {
  const metrics = await sdk.collect();
  // The pinned conventions: inference calls are timed by gen_ai.client.inference.duration.
  assert.equal(metrics.get('gen_ai.client.operation.duration'), undefined, 'not for inference calls');
  const duration = histogramPoints(metrics.get('gen_ai.client.inference.duration'));
  const point = duration.find((candidate) => candidate.attributes['gen_ai.request.model'] === 'gpt-4o-mini');
  assert.ok(point, 'a duration point for gpt-4o-mini');
  assert.deepEqual(point.attributes, {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'server.address': 'api.openai.com',
    'server.port': 443,
  });
  assert.deepEqual(point.value.buckets.boundaries, DURATION_BUCKETS_SECONDS);
  assert.equal(DURATION_BUCKETS_SECONDS.at(-1), 81.92);
  assert.equal(metrics.get('gen_ai.client.inference.duration')?.descriptor.unit, 's');

  // Token counters by modality (the provider's totals: unknown modality), per-call histograms with the advised buckets.
  assert.equal(metrics.get('gen_ai.client.token.usage'), undefined, 'the previous histogram is opt-in');
  for (const [name, expected] of [
    ['gen_ai.client.inference.usage.input_tokens', 120],
    ['gen_ai.client.inference.usage.output_tokens', 40],
  ] as const) {
    const counter = sdk
      .points(metrics.get(name))
      .find((candidate) => candidate.attributes['gen_ai.request.model'] === 'gpt-4o-mini');
    assert.equal(counter?.value, expected, name);
    assert.equal(counter?.attributes['gen_ai.token.modality'], 'unknown');
    assert.equal(metrics.get(name)?.descriptor.unit, '{token}');
  }
  const inputTokens = histogramPoints(metrics.get('gen_ai.client.inference.operation.input_tokens')).find(
    (candidate) => candidate.attributes['gen_ai.request.model'] === 'gpt-4o-mini',
  );
  assert.equal(inputTokens?.value.sum, 120);
  assert.deepEqual(inputTokens?.value.buckets.boundaries, TOKEN_BUCKETS);
  assert.equal(TOKEN_BUCKETS.at(-1), 67108864);

  const cost = sdk
    .points(metrics.get('genai_otel.client.cost'))
    .find((candidate) => candidate.attributes['gen_ai.request.model'] === 'gpt-4o-mini');
  assert.ok(cost);
  assert.ok(Math.abs((cost.value as number) - 0.000042) < 1e-12);
  assert.equal(metrics.get('genai_otel.client.cost')?.descriptor.unit, 'USD');
});

test('a rejected call marks the span ERROR with error.type and the exception, counts the error and rethrows the same error', async () => {
  class RateLimitError extends Error {
    status = 429;
  }
  const thrown = new RateLimitError('slow down');
  await assert.rejects(
    withLLMCall({ provider: 'anthropic', model: 'claude-sonnet-4' }, async () => {
      throw thrown;
    }),
    (error) => error === thrown,
  );
  const span = sdk.span('chat claude-sonnet-4');
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.status.message, 'slow down');
  assert.equal(span.attributes['error.type'], 'RateLimitError');
  assert.equal(span.events[0]?.name, 'exception');
  assert.equal(span.events[0]?.attributes?.['exception.message'], 'slow down');
  // The conventions' log event of a failed client operation, at WARN, correlated to the span.
  const exception = sdk.logs().find((record) => record.eventName === 'gen_ai.client.operation.exception');
  assert.ok(exception, 'a gen_ai.client.operation.exception record');
  assert.equal(exception.severityNumber, 13);
  assert.equal(exception.attributes['exception.type'], 'RateLimitError');
  assert.equal(exception.attributes['exception.message'], 'slow down');
  assert.equal(exception.spanContext?.spanId, span.spanContext().spanId);
  const metrics = await sdk.collect();
  const errors = sdk
    .points(metrics.get('genai_otel.client.errors'))
    .find((point) => point.attributes['gen_ai.request.model'] === 'claude-sonnet-4');
  assert.equal(errors?.value, 1);
  assert.equal(errors?.attributes['error.type'], 'RateLimitError');
  const duration = histogramPoints(metrics.get('gen_ai.client.inference.duration')).find(
    (point) => point.attributes['gen_ai.request.model'] === 'claude-sonnet-4',
  );
  assert.equal(duration?.attributes['error.type'], 'RateLimitError');
});

test('sync functions: the value and the thrown error are unchanged, the span ends at once', () => {
  const value = withLLMCall({ provider: 'openai', model: 'sync-model' }, () => 42);
  assert.equal(value, 42);
  assert.ok(sdk.span('chat sync-model').ended);
  const thrown = new TypeError('bad');
  assert.throws(
    () =>
      withLLMCall({ provider: 'openai', model: 'sync-throw' }, () => {
        throw thrown;
      }),
    (error) => error === thrown,
  );
  assert.equal(sdk.span('chat sync-throw').attributes['error.type'], 'TypeError');
});

test('the caller gets the very same thenable back, so client helpers like .withResponse() keep working', async () => {
  const apiPromise = Object.assign(
    Promise.resolve({
      object: 'chat.completion',
      id: 'x',
      model: 'm',
      choices: [],
      usage: { prompt_tokens: 1, completion_tokens: 2 },
    }),
    {
      withResponse: () => 'raw response',
    },
  );
  const returned = withLLMCall({ provider: 'openai', model: 'thenable-model' }, () => apiPromise);
  assert.equal(returned, apiPromise);
  assert.equal(returned.withResponse(), 'raw response');
  await returned;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(sdk.span('chat thenable-model').attributes['gen_ai.usage.output_tokens'], 2);
});

test('retries are counted by reason on the span and in genai_otel.client.retries', async () => {
  await withLLMCall({ provider: 'openai', model: 'retry-model' }, async (call) => {
    call.recordRetry('rate_limited');
    call.recordRetry('rate_limited');
    return null;
  });
  const span = sdk.span('chat retry-model');
  assert.equal(span.attributes['genai_otel.retry.count'], 2);
  const metrics = await sdk.collect();
  const retries = sdk
    .points(metrics.get('genai_otel.client.retries'))
    .find((point) => point.attributes['gen_ai.request.model'] === 'retry-model');
  assert.equal(retries?.value, 2);
  assert.equal(retries?.attributes['genai_otel.retry.reason'], 'rate_limited');
});

test('nesting gives agent → LLM call → tool call', async () => {
  await withAgent({ name: 'planner' }, async () => {
    await withLLMCall({ provider: 'openai', model: 'nest-model' }, async () => {
      await withToolCall({ name: 'search' }, async () => 'found');
    });
  });
  const agent = sdk.span('invoke_agent planner');
  const llm = sdk.span('chat nest-model');
  const tool = sdk.span('execute_tool search');
  assert.equal(llm.parentSpanContext?.spanId, agent.spanContext().spanId);
  assert.equal(tool.parentSpanContext?.spanId, llm.spanContext().spanId);
  assert.equal(tool.spanContext().traceId, agent.spanContext().traceId);
});

test('traceLLM wraps a function once: this, arguments and result kept; request computed from the arguments; currentLLMCall works inside', async () => {
  const client = {
    prefix: 'answer:',
    async complete(this: { prefix: string }, prompt: string) {
      currentLLMCall()?.setUsage({ inputTokens: prompt.length, outputTokens: 3 });
      return `${this.prefix}${prompt}`;
    },
  };
  const complete = traceLLM(client.complete, (prompt: string) => ({
    provider: 'openai',
    model: `wrapped-${prompt.length}`,
  }));
  assert.equal(await complete.call(client, 'hello'), 'answer:hello');
  assert.equal(await complete.call(client, 'hi'), 'answer:hi');
  assert.equal(sdk.span('chat wrapped-5').attributes['gen_ai.usage.input_tokens'], 5);
  assert.equal(sdk.span('chat wrapped-2').attributes['gen_ai.usage.input_tokens'], 2);
  assert.equal(currentLLMCall(), undefined);
});

test('content is not captured unless asked: messages, instructions and tool definitions stay out by default', async () => {
  await withLLMCall(
    {
      provider: 'openai',
      model: 'private-model',
      messages: [{ role: 'user', content: 'my card is 4111 1111 1111 1111' }],
      systemInstructions: 'be nice',
      tools: [{ name: 'x' }],
    },
    async () => ({
      object: 'chat.completion',
      choices: [{ finish_reason: 'stop', message: { role: 'assistant', content: 'secret answer' } }],
    }),
  );
  const span = sdk.span('chat private-model');
  for (const key of Object.keys(span.attributes))
    assert.ok(!/messages|instructions|definitions/.test(key), `unexpected ${key}`);
  assert.ok(!JSON.stringify(span.attributes).includes('4111'));
});

test('with captureContent the messages use the conventions shape', async () => {
  await withLLMCall(
    {
      provider: 'openai',
      model: 'capture-model',
      captureContent: true,
      messages: [{ role: 'user', content: 'hi' }],
      systemInstructions: 'be brief',
    },
    async () => ({
      object: 'chat.completion',
      id: 'c',
      model: 'capture-model',
      choices: [{ finish_reason: 'stop', message: { role: 'assistant', content: 'hello' } }],
      usage: { prompt_tokens: 3, completion_tokens: 1 },
    }),
  );
  const span = sdk.span('chat capture-model');
  assert.deepEqual(JSON.parse(span.attributes['gen_ai.input.messages'] as string), [
    { role: 'user', parts: [{ type: 'text', content: 'hi' }] },
  ]);
  assert.deepEqual(JSON.parse(span.attributes['gen_ai.system_instructions'] as string), [
    { type: 'text', content: 'be brief' },
  ]);
  assert.deepEqual(JSON.parse(span.attributes['gen_ai.output.messages'] as string), [
    { role: 'assistant', parts: [{ type: 'text', content: 'hello' }], finish_reason: 'stop' },
  ]);
});

test('an unknown model records no cost, marks the span and counts the call; never a silent 0', async () => {
  await withLLMCall({ provider: 'openai', model: 'my-private-finetune-xyz' }, async (call) => {
    call.setUsage({ inputTokens: 10, outputTokens: 10 });
  });
  const span = sdk.span('chat my-private-finetune-xyz');
  assert.equal(span.attributes['genai_otel.cost.unknown_model'], true);
  assert.equal(span.attributes['genai_otel.cost.usd'], undefined);
  const metrics = await sdk.collect();
  const unpriced = sdk
    .points(metrics.get('genai_otel.client.unpriced_calls'))
    .find((point) => point.attributes['gen_ai.request.model'] === 'my-private-finetune-xyz');
  assert.equal(unpriced?.value, 1);
  const cost = sdk
    .points(metrics.get('genai_otel.client.cost'))
    .find((point) => point.attributes['gen_ai.request.model'] === 'my-private-finetune-xyz');
  assert.equal(cost, undefined);
});

test('a per-call price overrides the table', async () => {
  await withLLMCall({ provider: 'openai', model: 'gpt-4o', price: { input: 1, output: 2 } }, async (call) => {
    call.setUsage({ inputTokens: 1_000_000, outputTokens: 500_000 });
  });
  assert.equal(sdk.span('chat gpt-4o').attributes['genai_otel.cost.usd'], 2);
});

test('the active span inside withLLMCall is the call span', async () => {
  await withLLMCall({ provider: 'openai', model: 'active-model' }, async (call) => {
    assert.equal(trace.getActiveSpan(), call.span);
  });
});
