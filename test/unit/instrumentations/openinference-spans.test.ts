// OpenInference's model-call spans (`openinference.span.kind` LLM or EMBEDDING, `llm.*` attributes) read by the span
// processor: provider names mapped to the conventions', usage priced with the price table, the GenAI attributes the
// report reads set, metrics recorded once; hostile values left out and reported once; a span of the same response
// beside a counted one (the OpenAI Agents SDK bridge's) is the duplicate; the memory this takes stays bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diag, DiagLogLevel, trace, type Attributes } from '@opentelemetry/api';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';
import { ModelCallNesting } from '../../../src/instrumentations/model-call-nesting.ts';
import { COUNTED_RESPONSES_LIMIT } from '../../../src/instrumentations/counted-responses.ts';
import { withLLMCall } from '../../../src/genai/llm.ts';
import { loadPriceTable } from '../../../src/genai/cost/price-table.ts';
import { costOfUsage } from '../../../src/genai/cost/calculate.ts';

const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor()] });
const warnings: string[] = [];
diag.setLogger(
  { error: (m) => warnings.push(m), warn: (m) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
  DiagLogLevel.WARN,
);

const SCOPE = '@arizeai/openinference-instrumentation-openai';
const tracer = trace.getTracer(SCOPE);

/** One OpenInference span, ended at once (attributes as its instrumentations set them), as exported. */
function openInferenceSpan(attributes: Attributes, name = 'OpenAI Chat Completions'): ReadableSpan {
  const span = tracer.startSpan(name, { attributes });
  span.end();
  const spanId = span.spanContext().spanId;
  return sdk.spans().find((exported) => exported.spanContext().spanId === spanId)!;
}

async function counted(metric = 'gen_ai.client.inference.duration'): Promise<{ calls: number; cost: number }> {
  const metrics = await sdk.collect();
  const duration = metrics.get(metric) as HistogramMetricData | undefined;
  const cost = metrics.get('genai_otel.client.cost');
  return {
    calls: (duration?.dataPoints ?? []).reduce((sum, point) => sum + point.value.count, 0),
    cost: (cost?.dataPoints ?? []).reduce((sum, point) => sum + (point.value as number), 0),
  };
}

const pause = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));
const priceOf = (provider: string, model: string) => loadPriceTable(undefined).lookup(provider, model)!;

test('an LLM span: the conventions’ attributes, cost from the price table with cache reads, metrics once', async () => {
  await sdk.reset();
  const before = await counted();
  const span = openInferenceSpan({
    'openinference.span.kind': 'LLM',
    'llm.system': 'openai',
    'llm.model_name': 'gpt-4o-mini-2024-07-18',
    'llm.invocation_parameters': JSON.stringify({ model: 'gpt-4o-mini', temperature: 0.2 }),
    'llm.token_count.prompt': 1000,
    'llm.token_count.completion': 200,
    'llm.token_count.total': 1200,
    'llm.token_count.prompt_details.cache_read': 400,
    'llm.token_count.completion_details.reasoning': 50,
    'llm.finish_reason': 'stop',
  });
  const expected = costOfUsage(
    { inputTokens: 1000, outputTokens: 200, cacheReadInputTokens: 400 },
    priceOf('openai', 'gpt-4o-mini'),
  )!;
  assert.equal(span.attributes['gen_ai.operation.name'], 'chat');
  assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
  assert.equal(span.attributes['gen_ai.request.model'], 'gpt-4o-mini', 'the requested model, from the parameters');
  assert.equal(span.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 1000);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 200);
  assert.equal(span.attributes['gen_ai.usage.cache_read.input_tokens'], 400);
  assert.equal(span.attributes['gen_ai.usage.reasoning.output_tokens'], 50);
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.ok(expected > 0 && Math.abs((span.attributes['genai_otel.cost.usd'] as number) - expected) < 1e-12);
  assert.equal(span.attributes['genai_otel.call.duplicate'], undefined);
  const after = await counted();
  assert.equal(after.calls - before.calls, 1);
  assert.ok(Math.abs(after.cost - before.cost - expected) < 1e-12);
});

test('provider names: llm.provider first, then llm.system, in the conventions’ names', () => {
  const cases: [Attributes, string][] = [
    [{ 'llm.provider': 'azure', 'llm.system': 'openai' }, 'azure.ai.openai'],
    [{ 'llm.provider': 'aws', 'llm.system': 'anthropic' }, 'aws.bedrock'],
    [{ 'llm.provider': 'google', 'llm.system': 'vertexai' }, 'gcp.vertex_ai'],
    [{ 'llm.provider': 'google' }, 'gcp.gemini'],
    [{ 'llm.provider': 'mistralai' }, 'mistral_ai'],
    [{ 'llm.provider': 'xai' }, 'x_ai'],
    [{ 'llm.provider': 'Groq' }, 'groq'],
    [{ 'llm.system': 'vertexai' }, 'gcp.vertex_ai'],
    [{ 'llm.system': 'amazon' }, 'aws.bedrock'],
    [{ 'llm.system': 'anthropic' }, 'anthropic'],
    [{ 'llm.provider': 'not a provider!' }, '_OTHER'],
    [{}, '_OTHER'],
  ];
  for (const [attributes, provider] of cases) {
    const span = openInferenceSpan({ 'openinference.span.kind': 'LLM', 'llm.model_name': 'some-model', ...attributes });
    assert.equal(span.attributes['gen_ai.provider.name'], provider, JSON.stringify(attributes));
  }
});

test('an EMBEDDING span is an embeddings call with its model; CHAIN, TOOL and AGENT spans are no model call', async () => {
  await sdk.reset();
  const before = await counted('gen_ai.client.operation.duration');
  const embedding = openInferenceSpan(
    {
      'openinference.span.kind': 'EMBEDDING',
      'llm.system': 'openai',
      'embedding.model_name': 'text-embedding-3-small',
      'llm.token_count.prompt': 10_000,
    },
    'OpenAI Embeddings',
  );
  assert.equal(embedding.attributes['gen_ai.operation.name'], 'embeddings');
  assert.equal(embedding.attributes['gen_ai.request.model'], 'text-embedding-3-small');
  const expected = costOfUsage({ inputTokens: 10_000 }, priceOf('openai', 'text-embedding-3-small'))!;
  assert.ok(Math.abs((embedding.attributes['genai_otel.cost.usd'] as number) - expected) < 1e-12);
  for (const kind of ['CHAIN', 'TOOL', 'AGENT', 'RETRIEVER']) {
    const span = openInferenceSpan({ 'openinference.span.kind': kind, 'llm.model_name': 'gpt-4o' }, kind);
    // A TOOL span is a tool execution (see the tests below), never a model call.
    assert.equal(span.attributes['gen_ai.operation.name'], kind === 'TOOL' ? 'execute_tool' : undefined, kind);
    assert.equal(span.attributes['genai_otel.cost.usd'], undefined, kind);
  }
  assert.equal((await counted('gen_ai.client.operation.duration')).calls - before.calls, 1);
});

test('hostile values are left out and said once; the call is still counted, the span still exported', async () => {
  await sdk.reset();
  warnings.length = 0;
  const before = await counted();
  const huge = 'x'.repeat(1_000_000);
  const hostile: Attributes = {
    'openinference.span.kind': 'LLM',
    'llm.system': 'openai',
    'llm.model_name': huge,
    'llm.invocation_parameters': `{"model":"${huge}"`,
    'output.value': `{"id":"${huge}`,
    'llm.token_count.prompt': '1000',
    'llm.token_count.completion': Number.NaN,
    'llm.token_count.prompt_details.cache_read': -5,
    'llm.token_count.prompt_details.cache_write': Number.POSITIVE_INFINITY,
    'llm.token_count.completion_details.reasoning': [1, 2] as unknown,
    'llm.finish_reason': huge,
  };
  const started = process.hrtime.bigint();
  for (let i = 0; i < 3; i++) {
    const span = openInferenceSpan(hostile);
    assert.equal(span.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(span.attributes['gen_ai.request.model'], undefined);
    assert.equal(span.attributes['gen_ai.response.model'], undefined);
    assert.equal(span.attributes['gen_ai.response.id'], undefined);
    assert.equal(span.attributes['gen_ai.usage.input_tokens'], undefined);
    assert.equal(span.attributes['gen_ai.usage.output_tokens'], undefined);
    assert.equal(span.attributes['gen_ai.usage.cache_read.input_tokens'], undefined);
    assert.equal(span.attributes['genai_otel.cost.usd'], undefined);
    assert.equal(span.attributes['llm.model_name'], huge, 'their attributes are theirs: left as they were');
  }
  assert.ok(process.hrtime.bigint() - started < 5_000_000_000n, 'no scan worse than linear');
  assert.equal((await counted()).calls - before.calls, 3, 'counted (duration), unpriced');
  const keys = [
    'llm.model_name',
    'llm.token_count.prompt',
    'llm.token_count.completion',
    'llm.token_count.prompt_details.cache_read',
    'llm.token_count.prompt_details.cache_write',
    'llm.token_count.completion_details.reasoning',
    'llm.finish_reason',
  ];
  for (const key of keys) {
    const said = warnings.filter((warning) => warning.includes(`span's ${key} is not`));
    assert.equal(said.length, 1, `${key}: ${warnings.join('\n')}`);
  }
  assert.ok(
    warnings.every((warning) => warning.length < 300),
    'the values themselves are not printed',
  );
});

test('a span of the same response beside a counted call, at the same time, is the duplicate; a later one counts', async () => {
  await sdk.reset();
  const before = await counted();
  // The OpenAI Agents SDK bridge's span runs beside the client's (not around it) and names the response in its
  // invocation parameters.
  const bridge = tracer.startSpan('response', {
    attributes: {
      'openinference.span.kind': 'LLM',
      'llm.provider': 'openai',
      'llm.model_name': 'gpt-4o-mini',
      'llm.invocation_parameters': JSON.stringify({ id: 'resp_123', model: 'gpt-4o-mini' }),
      'llm.token_count.prompt': 100,
      'llm.token_count.completion': 10,
    },
  });
  await pause(5);
  await withLLMCall({ provider: 'openai', model: 'gpt-4o-mini' }, async (call) => {
    call.setResponse({ id: 'resp_123' });
    call.setUsage({ inputTokens: 100, outputTokens: 10 });
  });
  await pause(5);
  bridge.end();
  const duplicate = sdk.spans().find((span) => span.name === 'response')!;
  assert.equal(duplicate.attributes['genai_otel.call.duplicate'], true);
  assert.equal(duplicate.attributes['genai_otel.cost.usd'], undefined);
  assert.equal((await counted()).calls - before.calls, 1, 'one call, counted once');

  // The same id later (a fake server's repeated id): another call, counted.
  await pause(20);
  const later = openInferenceSpan({
    'openinference.span.kind': 'LLM',
    'llm.provider': 'openai',
    'llm.model_name': 'gpt-4o-mini',
    'llm.invocation_parameters': JSON.stringify({ id: 'resp_123' }),
  });
  assert.equal(later.attributes['genai_otel.call.duplicate'], undefined);
  assert.equal((await counted()).calls - before.calls, 2);

  // The client instrumentations' response id: the start of the output's JSON.
  const clientSpan = tracer.startSpan('OpenAI Chat Completions', {
    attributes: {
      'openinference.span.kind': 'LLM',
      'llm.system': 'openai',
      'llm.model_name': 'gpt-4o-mini',
      'output.value': JSON.stringify({ id: 'chatcmpl-9', object: 'chat.completion', choices: [] }),
    },
  });
  await pause(5);
  await withLLMCall({ provider: 'openai', model: 'gpt-4o-mini' }, async (call) => {
    call.setResponse({ id: 'chatcmpl-9' });
    call.setUsage({ inputTokens: 1, outputTokens: 1 });
  });
  await pause(5);
  clientSpan.end();
  assert.equal(
    sdk.spans().find((span) => span.spanContext().spanId === clientSpan.spanContext().spanId)?.attributes[
      'genai_otel.call.duplicate'
    ],
    true,
  );
});

test('the response ids remembered stay bounded however many calls end', () => {
  const nesting = new ModelCallNesting();
  const span = { startTime: [1, 0], endTime: [2, 0] } as unknown as Parameters<
    ModelCallNesting['noteCountedResponse']
  >[0];
  for (let i = 0; i < 200_000; i++) nesting.noteCountedResponse(span, `resp_${i}_${'r'.repeat(40)}`);
  assert.equal(nesting.rememberedResponses, COUNTED_RESPONSES_LIMIT);
  assert.ok(nesting.countedElsewhere({ ...span }, `resp_199999_${'r'.repeat(40)}`));
  assert.ok(!nesting.countedElsewhere({ ...span }, `resp_0_${'r'.repeat(40)}`), 'the oldest are forgotten');
});
