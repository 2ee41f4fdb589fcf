// The dashboard's arithmetic from spans and log records, and the PromQL it asks Prometheus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { llmCalls, reportFromSpans } from '../../../src/cli/report/from-spans.ts';
import { promDuration, windowIncrease } from '../../../src/cli/report/from-prometheus.ts';
import { percentile } from '../../../src/cli/report/model.ts';
import type { CliLog, CliSpan } from '../../../src/cli/telemetry/otlp-json.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
let next = 0;

function span(fields: Partial<CliSpan> & { attributes?: Record<string, unknown> }): CliSpan {
  const spanId = (++next).toString(16).padStart(16, '0');
  const startMillis = fields.startMillis ?? T0;
  const durationMillis = fields.durationMillis ?? 100;
  return {
    traceId: 'a'.repeat(32),
    spanId,
    name: 'x',
    serviceName: 'bot',
    kind: 'INTERNAL',
    error: false,
    startTimeUnixNano: BigInt(startMillis) * 1_000_000n,
    endTimeUnixNano: BigInt(startMillis + durationMillis) * 1_000_000n,
    ...fields,
    startMillis,
    durationMillis,
    attributes: fields.attributes ?? {},
  };
}

const chat = (model: string, fields: Partial<CliSpan> & { attributes?: Record<string, unknown> } = {}) =>
  span({
    name: `chat ${model}`,
    kind: 'CLIENT',
    ...fields,
    attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model, ...fields.attributes },
  });

test('nearest-rank percentiles', () => {
  const values = Array.from({ length: 100 }, (_, index) => index + 1);
  assert.deepEqual(
    [percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99), percentile([7], 0.99)],
    [50, 95, 99, 7],
  );
  assert.ok(Number.isNaN(percentile([], 0.5)));
});

test('requests, errors, latency, tokens, cost by model and by hour, retries, tools, feedback', () => {
  const spans = [
    chat('gpt-4o', {
      durationMillis: 1000,
      attributes: {
        'gen_ai.usage.input_tokens': 100,
        'gen_ai.usage.output_tokens': 10,
        'genai_otel.cost.usd': 0.5,
        'gen_ai.usage.cache_read.input_tokens': 64,
        'gen_ai.response.time_to_first_chunk': 0.2,
      },
    }),
    chat('gpt-4o', {
      durationMillis: 3000,
      startMillis: T0 + HOUR + 5,
      error: true,
      attributes: { 'genai_otel.retry.count': 2, 'genai_otel.retry.reason': 'rate_limited' },
    }),
    chat('gpt-4o-mini', {
      durationMillis: 2000,
      attributes: {
        'gen_ai.usage.input_tokens': 50,
        'gen_ai.usage.output_tokens': 5,
        'genai_otel.cost.usd': 0.25,
        'genai_otel.retry.count': 1,
        'genai_otel.retry.reason': 'server_error',
      },
    }),
    span({
      name: 'execute_tool lookup',
      attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup' },
      error: true,
    }),
    span({
      name: 'execute_tool lookup',
      attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup' },
    }),
    span({
      name: 'execute_tool search',
      attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' },
    }),
  ];
  const feedback = (label: string): CliLog => ({
    eventName: 'gen_ai.evaluation.result',
    timeUnixNano: 0n,
    timeMillis: T0,
    serviceName: 'bot',
    attributes: { 'gen_ai.evaluation.score.label': label },
  });
  const data = reportFromSpans(
    spans,
    [feedback('liked'), feedback('liked'), feedback('disliked'), { ...feedback('liked'), eventName: 'other' }],
    { source: 'test', sinceMillis: T0 - HOUR, untilMillis: T0 + 2 * HOUR },
  );
  assert.deepEqual([data.requests, data.errors, data.errorRate], [3, 1, 1 / 3]);
  assert.deepEqual(data.latency, { p50: 2, p95: 3, p99: 3 });
  assert.deepEqual(data.timeToFirstChunk, { p50: 0.2, p95: 0.2, p99: 0.2 });
  assert.deepEqual(data.tokens, { input: 150, output: 15, cacheRead: 64 });
  assert.equal(data.costUsd, 0.75);
  assert.deepEqual(
    data.byModel.map((row) => [row.model, row.requests, row.errors, row.costUsd]),
    [
      ['gpt-4o', 2, 1, 0.5],
      ['gpt-4o-mini', 1, 0, 0.25],
    ],
  );
  assert.deepEqual(data.byHour, [
    { hourStartMillis: T0, requests: 2, costUsd: 0.75 },
    { hourStartMillis: T0 + HOUR, requests: 1, costUsd: 0 },
  ]);
  assert.deepEqual(data.retries, {
    total: 3,
    byReason: [
      { reason: 'rate_limited', count: 2 },
      { reason: 'server_error', count: 1 },
    ],
  });
  assert.deepEqual(
    [data.tools.calls, data.tools.failures, data.tools.byTool],
    [
      3,
      1,
      [
        { tool: 'lookup', calls: 2, failures: 1 },
        { tool: 'search', calls: 1, failures: 0 },
      ],
    ],
  );
  assert.deepEqual(data.feedback, { likes: 2, dislikes: 1 });
  assert.deepEqual(data.operations[0], { name: 'chat gpt-4o', kind: 'CLIENT', calls: 2, errors: 1, p95Millis: 3000 });
});

test('an LLM span inside another (a helper around an instrumented client) is one request, not two', () => {
  const outer = chat('gpt-4o');
  const inner = chat('gpt-4o', { parentSpanId: outer.spanId });
  const tool = span({ attributes: { 'gen_ai.operation.name': 'execute_tool' }, parentSpanId: outer.spanId });
  const nested = chat('gpt-4o-mini', { parentSpanId: tool.spanId });
  assert.deepEqual(
    llmCalls([outer, inner, tool, nested]).map((call) => call.spanId),
    [outer.spanId],
  );
  assert.equal(reportFromSpans([], [], { source: 'none', sinceMillis: 0, untilMillis: 1 }).errorRate, null);
});

test('a framework span marked genai_otel.call.duplicate is left out: the provider-level span inside it is the call', () => {
  const framework = chat('gpt-4o', { attributes: { 'genai_otel.call.duplicate': true } });
  const provider = chat('gpt-4o', { parentSpanId: framework.spanId });
  assert.deepEqual(
    llmCalls([framework, provider]).map((call) => call.spanId),
    [provider.spanId],
  );
});

test('PromQL: what a window added, per series, counting series that began inside it from zero', () => {
  assert.equal(promDuration(86_400_000), '86400s');
  assert.equal(promDuration(10), '1s');
  assert.equal(
    windowIncrease('genai_otel_client_cost_USD_total', 'service_name="bot"', '3600s'),
    '(last_over_time(genai_otel_client_cost_USD_total{service_name="bot"}[3600s]) - (last_over_time(genai_otel_client_cost_USD_total{service_name="bot"}[3600s] offset 3600s) or last_over_time(genai_otel_client_cost_USD_total{service_name="bot"}[3600s]) * 0))',
  );
});
