// OpenInference's openai instrumentation registered BEFORE genai-otel's (an app that sets up Arize Phoenix, then
// calls start()), with the real `openai` client against the local fake provider. The Node.js InstrumentationBase
// removes a wrapper it finds on a method before wrapping it: OpenInference's spans vanished. genai-otel's wrapper now
// goes around OpenInference's: both trace each call, the call is counted once (genai-otel's span), and turning
// genai-otel's instrumentation off leaves OpenInference's in place.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';
import { createOpenAIInstrumentation } from '../../../src/instrumentations/openai.ts';

const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor()] });
const fake = await startFakeProvider();
after(() => fake.close());

const require = createRequire(import.meta.url);
const { OpenAIInstrumentation } =
  require('@arizeai/openinference-instrumentation-openai') as typeof import('@arizeai/openinference-instrumentation-openai');
const openInference = new OpenAIInstrumentation();
const genaiOtel = createOpenAIInstrumentation({ captureContent: 'none' });
after(() => openInference.disable());
const { OpenAI } = require('openai') as typeof import('openai');
const client = new OpenAI({ apiKey: 'test-key', baseURL: fake.openaiBaseURL, maxRetries: 0 });
const GENAI_OTEL_SCOPE = '@opentelemetry/instrumentation-openai';
const isOpenInference = (attributes: Record<string, unknown>) => attributes['openinference.span.kind'] !== undefined;

async function counted(name: string): Promise<number> {
  const metric = (await sdk.collect()).get(name) as HistogramMetricData | undefined;
  return (metric?.dataPoints ?? []).reduce((sum, point) => sum + point.value.count, 0);
}

test('registered first, OpenInference still traces every call, and each is counted once', async () => {
  await sdk.reset();
  const messages = [{ role: 'user' as const, content: 'Where is A-1?' }];
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
  await client.responses.create({ model: 'gpt-4o-mini', input: 'Where is A-1?' });
  await client.embeddings.create({ model: 'text-embedding-3-small', input: 'Where is A-1?' });
  const spans = sdk.spans();
  const theirs = spans.filter((span) => isOpenInference(span.attributes));
  const ours = spans.filter((span) => span.instrumentationScope.name === GENAI_OTEL_SCOPE);
  assert.deepEqual(
    theirs.map((span) => span.name),
    ['OpenAI Chat Completions', 'OpenAI Responses', 'OpenAI Embeddings'],
  );
  assert.equal(ours.length, 3);
  for (const span of theirs) {
    const parent = ours.find((own) => own.spanContext().spanId === span.parentSpanContext?.spanId);
    assert.ok(parent, `${span.name} runs inside genai-otel's span of the call`);
    assert.equal(span.attributes['genai_otel.call.duplicate'], true);
    assert.equal(span.attributes['genai_otel.cost.usd'], undefined);
  }
  for (const span of ours) assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
  assert.equal(await counted('gen_ai.client.inference.duration'), 2);
  assert.equal(await counted('gen_ai.client.operation.duration'), 1);
});

test('genai-otel’s instrumentation turned off: OpenInference’s stays, and its calls are counted', async () => {
  await sdk.reset();
  genaiOtel.disable();
  await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Where is A-1?' }],
  });
  const spans = sdk.spans();
  assert.equal(spans.filter((span) => span.instrumentationScope.name === GENAI_OTEL_SCOPE).length, 0);
  const [theirs, ...others] = spans.filter((span) => isOpenInference(span.attributes));
  assert.equal(others.length, 0);
  assert.equal(theirs?.attributes['genai_otel.call.duplicate'], undefined);
  assert.ok((theirs?.attributes['genai_otel.cost.usd'] as number) > 0);
});
