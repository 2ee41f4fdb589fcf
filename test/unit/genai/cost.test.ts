import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { costOfUsage } from '../../../src/genai/cost/calculate.ts';
import { normalizeModelName } from '../../../src/genai/cost/model-names.ts';
import { createPriceTable, loadPriceTable, parsePriceFile } from '../../../src/genai/cost/price-table.ts';
import bundled from '../../../src/genai/cost/prices.json' with { type: 'json' };

const close = (actual: number | undefined, expected: number) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

test('cost by hand: plain input and output', () => {
  // 1,000 input at $2.50/M + 500 output at $10/M = 0.0025 + 0.005
  close(costOfUsage({ inputTokens: 1000, outputTokens: 500 }, { input: 2.5, output: 10 }), 0.0075);
});

test('cost by hand: cached input is priced at the cache rates and taken out of input', () => {
  // input 10,000 of which 8,000 cache reads ($0.30/M) and 1,000 cache writes ($3.75/M); 1,000 uncached at $3/M; 200 output at $15/M
  const price = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
  close(
    costOfUsage(
      { inputTokens: 10_000, outputTokens: 200, cacheReadInputTokens: 8000, cacheWriteInputTokens: 1000 },
      price,
    ),
    (1000 * 3 + 8000 * 0.3 + 1000 * 3.75 + 200 * 15) / 1e6,
  );
});

test('cost by hand: reasoning tokens are output, priced apart only when the model has a reasoning price', () => {
  close(
    costOfUsage({ inputTokens: 0, outputTokens: 1000, reasoningOutputTokens: 800 }, { input: 1, output: 4 }),
    0.004,
  );
  close(
    costOfUsage(
      { inputTokens: 0, outputTokens: 1000, reasoningOutputTokens: 800 },
      { input: 1, output: 4, reasoning: 2 },
    ),
    (200 * 4 + 800 * 2) / 1e6,
  );
});

test('no token counts, no cost', () => {
  assert.equal(costOfUsage({}, { input: 1, output: 1 }), undefined);
});

test('dated, regional and resource-path model names reduce to the listed name', () => {
  const cases: Record<string, string> = {
    'gpt-4o-2024-08-06': 'gpt-4o',
    'gpt-4o-mini-2024-07-18': 'gpt-4o-mini',
    'claude-sonnet-4-20250514': 'claude-sonnet-4',
    'claude-3-5-sonnet@20240620': 'claude-3-5-sonnet',
    'us.anthropic.claude-3-5-haiku-20241022-v1:0': 'claude-3-5-haiku',
    'meta.llama3-1-70b-instruct-v1:0': 'llama3-1-70b-instruct',
    'models/gemini-2.0-flash': 'gemini-2.0-flash',
    'mistral-large-latest': 'mistral-large',
    'ft:gpt-4o-mini-2024-07-18:acme::abc123': 'gpt-4o-mini',
    'GPT-4o': 'gpt-4o',
  };
  for (const [given, expected] of Object.entries(cases)) assert.equal(normalizeModelName(given), expected, given);
});

test('lookups prefer the provider, fall back to the provider whose models it resells, and never guess across unrelated providers', () => {
  const table = createPriceTable(
    [
      { provider: 'openai', model: 'gpt-4o', input: 2.5, output: 10 },
      { provider: 'anthropic', model: 'claude-3-5-haiku', input: 0.8, output: 4 },
      { provider: 'mistral_ai', model: 'shared-name', input: 1, output: 1 },
    ],
    'test',
  );
  assert.equal(table.lookup('openai', 'gpt-4o-2024-08-06')?.input, 2.5);
  assert.equal(table.lookup('azure.ai.openai', 'gpt-4o')?.input, 2.5);
  assert.equal(table.lookup('aws.bedrock', 'us.anthropic.claude-3-5-haiku-20241022-v1:0')?.output, 4);
  assert.equal(table.lookup('openai', 'shared-name'), undefined);
  assert.equal(table.lookup('openai', 'gpt-4o-audio-preview'), undefined, 'no prefix guessing');
});

test('a price file (JSON map or YAML list) overrides the bundled table and adds models', () => {
  const directory = mkdtempSync(join(tmpdir(), 'prices-'));
  const jsonFile = join(directory, 'prices.json');
  writeFileSync(
    jsonFile,
    JSON.stringify({
      'gpt-4o': { provider: 'openai', input: 100, output: 200 },
      'house-model': { input: 1, output: 2 },
    }),
  );
  const fromJson = loadPriceTable(jsonFile);
  assert.equal(fromJson.lookup('openai', 'gpt-4o')?.input, 100);
  assert.equal(
    fromJson.lookup('openai', 'house-model')?.output,
    2,
    'an entry without provider prices the model for any provider',
  );

  const yamlFile = join(directory, 'prices.yaml');
  writeFileSync(
    yamlFile,
    'models:\n  - provider: anthropic\n    model: claude-house\n    input: 3\n    output: 15\n    cacheRead: 0.3\n',
  );
  assert.equal(loadPriceTable(yamlFile).lookup('anthropic', 'claude-house-20990101')?.cacheRead, 0.3);
});

test('bad price entries are skipped, a missing file falls back to the bundled table', () => {
  const entries = parsePriceFile(
    JSON.stringify({
      models: [
        { model: 'ok', input: 1, output: 2 },
        { model: 'bad', input: 'x', output: 1 },
        { input: 1, output: 1 },
      ],
    }),
    'p.json',
  );
  assert.deepEqual(
    entries.map((entry) => entry.model),
    ['ok'],
  );
  const table = loadPriceTable('/nonexistent/prices.json');
  assert.equal(table.lookup('openai', 'gpt-4o-mini')?.input, 0.15);
});

test('the bundled table is dated, sourced and covers every provider the issue names', () => {
  assert.match(bundled.version, /^\d{4}-\d{2}-\d{2}$/);
  const providers = new Set(bundled.models.map((model) => model.provider));
  for (const provider of [
    'openai',
    'anthropic',
    'gcp.gemini',
    'mistral_ai',
    'aws.bedrock',
    'deepseek',
    'x_ai',
    'cohere',
  ]) {
    assert.ok(providers.has(provider), `prices for ${provider}`);
  }
  for (const model of bundled.models as {
    model: string;
    input: number;
    output: number;
    source?: string;
    asOf?: string;
  }[]) {
    assert.ok(model.input >= 0 && model.output >= 0, model.model);
    assert.match(model.source ?? '', /^https:\/\//, `${model.model} has a source`);
    assert.match(model.asOf ?? '', /^\d{4}-\d{2}(-\d{2})?$/, `${model.model} has a date`);
  }
});
