// The dashboard computed from spans and log records (local files, or a Jaeger export): exact counts and percentiles.
import {
  ATTR_GEN_AI_EVALUATION_SCORE_LABEL,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GENAI_OTEL_CALL_DUPLICATE,
  ATTR_GENAI_OTEL_COST_USD,
  ATTR_GENAI_OTEL_RETRY_COUNT,
  ATTR_GENAI_OTEL_RETRY_REASON,
  EVENT_GEN_AI_EVALUATION_RESULT,
} from '../../attributes/names.ts';
import type { CliLog, CliSpan } from '../telemetry/otlp-json.ts';
import {
  HOUR_MILLIS,
  percentile,
  ratio,
  type HourRow,
  type ModelRow,
  type OperationRow,
  type Percentiles,
  type ReportData,
} from './model.ts';

/** Operations that are one request to a model. */
export const LLM_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);

const numberAttr = (span: CliSpan, key: string): number => {
  const value = span.attributes[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
};

function percentiles(values: number[]): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99) };
}

/**
 * LLM call spans, leaving out those nested in another LLM call span (a helper around an instrumented client) and
 * those genai-otel marked as describing a call another span counts (`genai_otel.call.duplicate`: a framework's span
 * around the provider client's).
 */
export function llmCalls(spans: readonly CliSpan[]): CliSpan[] {
  const byId = new Map(spans.map((span) => [`${span.traceId}/${span.spanId}`, span]));
  const isLLM = (span: CliSpan) =>
    LLM_OPERATIONS.has(String(span.attributes[ATTR_GEN_AI_OPERATION_NAME])) &&
    span.attributes[ATTR_GENAI_OTEL_CALL_DUPLICATE] !== true;
  return spans.filter((span) => {
    if (!isLLM(span)) return false;
    for (
      let parent = byId.get(`${span.traceId}/${span.parentSpanId}`);
      parent !== undefined;
      parent = byId.get(`${parent.traceId}/${parent.parentSpanId}`)
    ) {
      if (isLLM(parent)) return false;
    }
    return true;
  });
}

export interface ReportWindow {
  source: string;
  sinceMillis: number;
  untilMillis: number;
  service?: string;
}

/**
 * Computes the dashboard from spans and logs already limited to the window and service.
 *
 * @example
 * const data = reportFromSpans(spans, logs, { source: 'files in .genai-otel', sinceMillis, untilMillis: Date.now() });
 */
export function reportFromSpans(spans: readonly CliSpan[], logs: readonly CliLog[], window: ReportWindow): ReportData {
  const calls = llmCalls(spans);
  const models = new Map<string, ModelRow>();
  const hours = new Map<number, HourRow>();
  const retryReasons = new Map<string, number>();
  let retries = 0;
  for (const call of calls) {
    const model = String(
      call.attributes[ATTR_GEN_AI_REQUEST_MODEL] ?? call.attributes[ATTR_GEN_AI_RESPONSE_MODEL] ?? 'unknown',
    );
    const row = models.get(model) ?? { model, requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
    row.requests++;
    if (call.error) row.errors++;
    row.inputTokens += numberAttr(call, ATTR_GEN_AI_USAGE_INPUT_TOKENS);
    row.outputTokens += numberAttr(call, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS);
    row.costUsd += numberAttr(call, ATTR_GENAI_OTEL_COST_USD);
    models.set(model, row);
    const hourStartMillis = Math.floor(call.startMillis / HOUR_MILLIS) * HOUR_MILLIS;
    const hour = hours.get(hourStartMillis) ?? { hourStartMillis, requests: 0, costUsd: 0 };
    hour.requests++;
    hour.costUsd += numberAttr(call, ATTR_GENAI_OTEL_COST_USD);
    hours.set(hourStartMillis, hour);
    const count = numberAttr(call, ATTR_GENAI_OTEL_RETRY_COUNT);
    if (count > 0) {
      retries += count;
      const reason = String(call.attributes[ATTR_GENAI_OTEL_RETRY_REASON] ?? 'unknown');
      retryReasons.set(reason, (retryReasons.get(reason) ?? 0) + count);
    }
  }

  const toolSpans = spans.filter((span) => span.attributes[ATTR_GEN_AI_OPERATION_NAME] === 'execute_tool');
  const tools = new Map<string, { tool: string; calls: number; failures: number }>();
  for (const span of toolSpans) {
    const tool = String(span.attributes[ATTR_GEN_AI_TOOL_NAME] ?? span.name);
    const row = tools.get(tool) ?? { tool, calls: 0, failures: 0 };
    row.calls++;
    if (span.error) row.failures++;
    tools.set(tool, row);
  }
  const toolFailures = toolSpans.filter((span) => span.error).length;

  let likes = 0;
  let dislikes = 0;
  for (const log of logs) {
    if (log.eventName !== EVENT_GEN_AI_EVALUATION_RESULT) continue;
    const label = log.attributes[ATTR_GEN_AI_EVALUATION_SCORE_LABEL];
    if (label === 'liked') likes++;
    else if (label === 'disliked') dislikes++;
  }

  const errors = calls.filter((call) => call.error).length;
  const firstChunks = calls
    .map((call) => call.attributes[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK])
    .filter((value): value is number => typeof value === 'number');
  return {
    ...window,
    exactPercentiles: true,
    requests: calls.length,
    errors,
    errorRate: ratio(errors, calls.length),
    latency: percentiles(calls.map((call) => call.durationMillis / 1000)),
    timeToFirstChunk: percentiles(firstChunks),
    tokens: {
      input: calls.reduce((sum, call) => sum + numberAttr(call, ATTR_GEN_AI_USAGE_INPUT_TOKENS), 0),
      output: calls.reduce((sum, call) => sum + numberAttr(call, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS), 0),
      cacheRead: calls.reduce((sum, call) => sum + numberAttr(call, ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS), 0),
    },
    costUsd: calls.reduce((sum, call) => sum + numberAttr(call, ATTR_GENAI_OTEL_COST_USD), 0),
    byModel: [...models.values()].sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests),
    byHour: [...hours.values()].sort((a, b) => a.hourStartMillis - b.hourStartMillis),
    tools: {
      calls: toolSpans.length,
      failures: toolFailures,
      failureRate: ratio(toolFailures, toolSpans.length),
      byTool: [...tools.values()].sort((a, b) => b.calls - a.calls),
    },
    retries: {
      total: retries,
      byReason: [...retryReasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
    },
    feedback: { likes, dislikes },
    operations: operationsOf(spans),
  };
}

function operationsOf(spans: readonly CliSpan[]): OperationRow[] {
  const groups = new Map<string, { name: string; kind: string; durations: number[]; errors: number }>();
  for (const span of spans) {
    const key = `${span.name}\u0000${span.kind}`;
    const group = groups.get(key) ?? { name: span.name, kind: span.kind, durations: [], errors: 0 };
    group.durations.push(span.durationMillis);
    if (span.error) group.errors++;
    groups.set(key, group);
  }
  return [...groups.values()]
    .map((group) => ({
      name: group.name,
      kind: group.kind,
      calls: group.durations.length,
      errors: group.errors,
      p95Millis: percentile(
        [...group.durations].sort((a, b) => a - b),
        0.95,
      ),
    }))
    .sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
}
