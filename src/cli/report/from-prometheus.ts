// The dashboard computed from Prometheus, from the metrics genai-otel exports through the bundled collector (names as
// its Prometheus exporter writes them; see "Metric names in Prometheus" in the README).
//
// Each process exports its own cumulative series (its `instance` label is the process's service.instance.id), and a
// short-lived process may be scraped only after its last increment, so `increase()` would miss it: it cannot know the
// first sample started from zero. What a window added is computed instead as the series' last value in the window
// minus its last value before the window, or minus nothing for a series that began inside it.
import type { PrometheusClient, Sample } from '../telemetry/prometheus.ts';
import {
  HOUR_MILLIS,
  ratio,
  type HourRow,
  type ModelRow,
  type OperationRow,
  type Percentiles,
  type ReportData,
} from './model.ts';
import { printableUrl } from '../../config/printable.ts';

/** A PromQL duration for a window in milliseconds (whole seconds). */
export function promDuration(millis: number): string {
  return `${Math.max(1, Math.round(millis / 1000))}s`;
}

/**
 * PromQL for what counter (or histogram bucket) `metric` added over the `window` ending at evaluation time, per series.
 *
 * @example
 * windowIncrease('genai_otel_client_cost_USD_total', 'service_name="bot"', '86400s')
 */
export function windowIncrease(metric: string, matchers: string, window: string): string {
  const selector = `${metric}{${matchers}}`;
  return `(last_over_time(${selector}[${window}]) - (last_over_time(${selector}[${window}] offset ${window}) or last_over_time(${selector}[${window}]) * 0))`;
}

function matchersFor(service: string | undefined, extra: string[] = []): string {
  const all = service === undefined ? [...extra] : [`service_name="${service.replace(/["\\]/g, '\\$&')}"`, ...extra];
  return all.join(',');
}

export interface PrometheusWindow {
  sinceMillis: number;
  untilMillis: number;
  service?: string;
}

/**
 * Queries Prometheus for every figure of the dashboard over the window.
 *
 * @example
 * const data = await reportFromPrometheus(new PrometheusClient('http://localhost:9090'), { sinceMillis: Date.now() - 86_400_000, untilMillis: Date.now() });
 */
export async function reportFromPrometheus(
  client: PrometheusClient,
  window: PrometheusWindow,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<ReportData> {
  const range = promDuration(window.untilMillis - window.sinceMillis);
  const at = window.untilMillis;
  const inc = (metric: string, extra: string[] = []) =>
    windowIncrease(metric, matchersFor(window.service, extra), range);
  const sumBy = (labels: string, expr: string) => `sum by (${labels}) (${expr})`;
  const total = (expr: string) => `sum(${expr})`;
  const quantiles = (bucket: string, by = 'le') =>
    [0.5, 0.95, 0.99].map((q) => `histogram_quantile(${q}, sum by (${by}) (${inc(bucket)}))`);

  // Calls by model: inference calls (gen_ai.client.inference.duration), `or` the other operations (embeddings) by
  // gen_ai.client.operation.duration: a model found in the first is not counted again from the second, which
  // OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental/dup also fills for inference calls.
  const calls = (extra: string[] = []) =>
    `${sumBy('gen_ai_request_model', inc('gen_ai_client_inference_duration_seconds_count', extra))} or ${sumBy('gen_ai_request_model', inc('gen_ai_client_operation_duration_seconds_count', extra))}`;
  // The token counters, one per token type: labelled as the report reads them.
  const tokens = (metric: string, type: string) =>
    `label_replace(${sumBy('gen_ai_request_model', inc(metric))}, "gen_ai_token_type", "${type}", "", "")`;
  const queries = {
    requestsByModel: calls(),
    errorsByModel: calls(['error_type!=""']),
    tokensByModel: `${tokens('gen_ai_client_inference_usage_input_tokens_total', 'input')} or ${tokens('gen_ai_client_inference_usage_output_tokens_total', 'output')}`,
    costByModel: sumBy('gen_ai_request_model', inc('genai_otel_client_cost_USD_total')),
    latency: quantiles('gen_ai_client_inference_duration_seconds_bucket'),
    firstChunk: quantiles('gen_ai_client_inference_time_to_first_chunk_seconds_bucket'),
    toolCalls: sumBy('gen_ai_tool_name', inc('gen_ai_execute_tool_duration_seconds_count')),
    toolFailures: sumBy('gen_ai_tool_name', inc('gen_ai_execute_tool_duration_seconds_count', ['error_type!=""'])),
    retries: sumBy('genai_otel_retry_reason', inc('genai_otel_client_retries_total')),
    likes: total(inc('genai_otel_feedback_likes_total')),
    dislikes: total(inc('genai_otel_feedback_dislikes_total')),
    operationCalls: sumBy('span_name, span_kind', inc('traces_span_metrics_calls_total')),
    operationErrors: sumBy(
      'span_name, span_kind',
      inc('traces_span_metrics_calls_total', ['status_code="STATUS_CODE_ERROR"']),
    ),
    operationP95: `histogram_quantile(0.95, sum by (le, span_name, span_kind) (${inc('traces_span_metrics_duration_milliseconds_bucket')}))`,
  };
  const expressions = Object.values(queries).flat();
  let done = 0;
  const run = async (expr: string) => {
    const result = await client.query(expr, at);
    onProgress(++done, expressions.length + 1);
    return result;
  };
  const [
    requestsByModel,
    errorsByModel,
    tokensByModel,
    costByModel,
    latency,
    firstChunk,
    toolCalls,
    toolFailures,
    retries,
    likes,
    dislikes,
    operationCalls,
    operationErrors,
    operationP95,
  ] = await Promise.all([
    run(queries.requestsByModel),
    run(queries.errorsByModel),
    run(queries.tokensByModel),
    run(queries.costByModel),
    Promise.all(queries.latency.map(run)),
    Promise.all(queries.firstChunk.map(run)),
    run(queries.toolCalls),
    run(queries.toolFailures),
    run(queries.retries),
    run(queries.likes),
    run(queries.dislikes),
    run(queries.operationCalls),
    run(queries.operationErrors),
    run(queries.operationP95),
  ]);
  const byHour = await costByHour(client, window, matchersFor(window.service));
  onProgress(expressions.length + 1, expressions.length + 1);

  const models = new Map<string, ModelRow>();
  const modelRow = (model: string) => {
    let row = models.get(model);
    if (row === undefined)
      models.set(model, (row = { model, requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 }));
    return row;
  };
  for (const sample of requestsByModel) modelRow(modelOf(sample)).requests += rounded(sample.value);
  for (const sample of errorsByModel) modelRow(modelOf(sample)).errors += rounded(sample.value);
  for (const sample of costByModel) modelRow(modelOf(sample)).costUsd += finite(sample.value);
  for (const sample of tokensByModel) {
    const row = modelRow(modelOf(sample));
    if (sample.labels.gen_ai_token_type === 'input') row.inputTokens += rounded(sample.value);
    if (sample.labels.gen_ai_token_type === 'output') row.outputTokens += rounded(sample.value);
  }
  const byModel = [...models.values()]
    .filter((row) => row.requests > 0 || row.costUsd > 0)
    .sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests);
  const requests = byModel.reduce((sum, row) => sum + row.requests, 0);
  const errors = byModel.reduce((sum, row) => sum + row.errors, 0);
  const failuresByTool = new Map(
    toolFailures.map((sample) => [sample.labels.gen_ai_tool_name ?? '', rounded(sample.value)]),
  );
  const byTool = toolCalls
    .map((sample) => ({
      tool: sample.labels.gen_ai_tool_name ?? 'unknown',
      calls: rounded(sample.value),
      failures: failuresByTool.get(sample.labels.gen_ai_tool_name ?? '') ?? 0,
    }))
    .filter((row) => row.calls > 0)
    .sort((a, b) => b.calls - a.calls);
  const toolCallCount = byTool.reduce((sum, row) => sum + row.calls, 0);
  const toolFailureCount = byTool.reduce((sum, row) => sum + row.failures, 0);
  const retryRows = retries
    .map((sample) => ({ reason: sample.labels.genai_otel_retry_reason ?? 'unknown', count: rounded(sample.value) }))
    .filter((row) => row.count > 0);

  return {
    source: `Prometheus at ${printableUrl(client.baseUrl)}`,
    exactPercentiles: false,
    ...window,
    requests,
    errors,
    errorRate: ratio(errors, requests),
    latency: percentilesOf(latency),
    timeToFirstChunk: percentilesOf(firstChunk),
    tokens: {
      input: byModel.reduce((sum, row) => sum + row.inputTokens, 0),
      output: byModel.reduce((sum, row) => sum + row.outputTokens, 0),
      cacheRead: null,
    },
    costUsd: byModel.reduce((sum, row) => sum + row.costUsd, 0),
    byModel,
    byHour,
    tools: {
      calls: toolCallCount,
      failures: toolFailureCount,
      failureRate: ratio(toolFailureCount, toolCallCount),
      byTool,
    },
    retries: {
      total: retryRows.reduce((sum, row) => sum + row.count, 0),
      byReason: retryRows.sort((a, b) => b.count - a.count),
    },
    feedback: { likes: rounded(likes[0]?.value ?? 0), dislikes: rounded(dislikes[0]?.value ?? 0) },
    operations: operationsOf(operationCalls, operationErrors, operationP95),
  };
}

const finite = (value: number) => (Number.isFinite(value) ? value : 0);
// Counters of whole things read back through floating point.
const rounded = (value: number) => Math.round(finite(value));
const modelOf = (sample: Sample) => sample.labels.gen_ai_request_model ?? 'unknown';

function percentilesOf(results: Sample[][]): Percentiles | null {
  const [p50, p95, p99] = results.map((result) => result[0]?.value);
  if (p50 === undefined || p95 === undefined || p99 === undefined || !Number.isFinite(p50)) return null;
  return { p50, p95, p99 };
}

/** Cost and requests per clock hour: a range query at each full hour, and an instant query for the hour in progress. */
async function costByHour(client: PrometheusClient, window: PrometheusWindow, matchers: string): Promise<HourRow[]> {
  const firstEnd = Math.floor(window.sinceMillis / HOUR_MILLIS) * HOUR_MILLIS + HOUR_MILLIS;
  const lastEnd = Math.floor(window.untilMillis / HOUR_MILLIS) * HOUR_MILLIS;
  const total = (metric: string, range: string) => `sum(${windowIncrease(metric, matchers, range)})`;
  const rows = new Map<number, HourRow>();
  const row = (hourStartMillis: number) => {
    let found = rows.get(hourStartMillis);
    if (found === undefined) rows.set(hourStartMillis, (found = { hourStartMillis, requests: 0, costUsd: 0 }));
    return found;
  };
  const metrics = [
    ['genai_otel_client_cost_USD_total', 'costUsd'],
    ['gen_ai_client_inference_duration_seconds_count', 'requests'],
  ] as const;
  await Promise.all(
    metrics.flatMap(([metric, field]) => {
      const work: Promise<void>[] = [];
      if (lastEnd >= firstEnd) {
        work.push(
          client.queryRange(total(metric, '3600s'), firstEnd, lastEnd, 3600).then((series) => {
            for (const point of series[0]?.points ?? [])
              row(point.timeMillis - HOUR_MILLIS)[field] +=
                field === 'requests' ? rounded(point.value) : finite(point.value);
          }),
        );
      }
      const inProgress = window.untilMillis - Math.max(lastEnd, window.sinceMillis);
      if (inProgress >= 1000) {
        work.push(
          client.query(total(metric, promDuration(inProgress)), window.untilMillis).then((samples) => {
            row(lastEnd)[field] +=
              field === 'requests' ? rounded(samples[0]?.value ?? 0) : finite(samples[0]?.value ?? 0);
          }),
        );
      }
      return work;
    }),
  );
  return [...rows.values()]
    .filter((item) => item.costUsd > 0 || item.requests > 0)
    .sort((a, b) => a.hourStartMillis - b.hourStartMillis);
}

function operationsOf(calls: Sample[], errors: Sample[], p95: Sample[]): OperationRow[] {
  const key = (sample: Sample) => `${sample.labels.span_name}\u0000${sample.labels.span_kind}`;
  const errorsBy = new Map(errors.map((sample) => [key(sample), rounded(sample.value)]));
  const p95By = new Map(p95.map((sample) => [key(sample), sample.value]));
  return calls
    .map((sample) => ({
      name: sample.labels.span_name ?? '',
      kind: (sample.labels.span_kind ?? '').replace(/^SPAN_KIND_/, ''),
      calls: rounded(sample.value),
      errors: errorsBy.get(key(sample)) ?? 0,
      p95Millis: Number.isFinite(p95By.get(key(sample))) ? p95By.get(key(sample))! : null,
    }))
    .filter((row) => row.calls > 0)
    .sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
}
