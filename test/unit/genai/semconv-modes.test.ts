// OTEL_SEMCONV_STABILITY_OPT_IN selects the metric names of the pinned GenAI conventions, of the model before them, or
// both (issue 20): one process, the mode changed between calls as a restart would.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { withLLMCall } from '../../../src/genai/llm.ts';
import { resetGenAISettingsForTests } from '../../../src/config/genai-settings.ts';

const sdk = installMemorySdk();

const completion = {
  object: 'chat.completion',
  id: 'chatcmpl-m',
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ message: { role: 'assistant', content: 'Paris.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 9, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 4 } },
};

/** Sum of every point's count (histograms) or value (counters) of each gen_ai.* metric. */
async function totals(): Promise<Map<string, number>> {
  const metrics = await sdk.collect();
  const result = new Map<string, number>();
  for (const [name, metric] of metrics) {
    if (!name.startsWith('gen_ai.')) continue;
    let total = 0;
    for (const point of sdk.points(metric)) {
      const value = point.value as number | { count: number };
      total += typeof value === 'number' ? value : value.count;
    }
    result.set(name, total);
  }
  return result;
}

/** The metric names one call records into under `optIn` (instruments of earlier modes stay registered, unchanged). */
async function namesRecordedWith(optIn: string | undefined): Promise<string[]> {
  if (optIn === undefined) delete process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
  else process.env.OTEL_SEMCONV_STABILITY_OPT_IN = optIn;
  resetGenAISettingsForTests();
  const before = await totals();
  await withLLMCall({ provider: 'openai', model: 'gpt-4o-mini' }, async () => completion);
  const after = await totals();
  return [...after.keys()].filter((name) => after.get(name) !== (before.get(name) ?? 0)).sort();
}

beforeEach(() => {
  delete process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
  resetGenAISettingsForTests();
});

const LATEST = [
  'gen_ai.client.inference.duration',
  'gen_ai.client.inference.operation.input_tokens',
  'gen_ai.client.inference.operation.output_tokens',
  'gen_ai.client.inference.usage.cache_read.input_tokens',
  'gen_ai.client.inference.usage.input_tokens',
  'gen_ai.client.inference.usage.output_tokens',
];
const PREVIOUS = ['gen_ai.client.operation.duration', 'gen_ai.client.token.usage'];

test('by default only the pinned conventions’ names', async () => {
  assert.deepEqual(await namesRecordedWith(undefined), LATEST);
  assert.deepEqual(await namesRecordedWith('http,gen_ai_latest_experimental'), LATEST);
});

test('gen_ai_previous: only the previous names, so existing dashboards keep working', async () => {
  assert.deepEqual(await namesRecordedWith('gen_ai_previous'), PREVIOUS);
});

test('gen_ai_latest_experimental/dup: both, each call counted once under each name', async () => {
  process.env.OTEL_SEMCONV_STABILITY_OPT_IN = 'gen_ai_latest_experimental/dup';
  resetGenAISettingsForTests();
  const before = await totals();
  assert.deepEqual(await namesRecordedWith('gen_ai_latest_experimental/dup'), [...LATEST, ...PREVIOUS].sort());
  const after = await totals();
  for (const name of ['gen_ai.client.inference.duration', 'gen_ai.client.operation.duration'])
    assert.equal((after.get(name) ?? 0) - (before.get(name) ?? 0), 1, `${name}: one call, one measurement`);
});
