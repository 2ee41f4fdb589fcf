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
import { LLM_CALL_OPERATIONS } from '../../export/store-schema.ts';
import type { CliLog, CliSpan } from '../telemetry/otlp-json.ts';
import { releaseNow } from '../telemetry/release-memory.ts';
import { HOUR_MILLIS, ratio, type ModelRow, type Percentiles, type ReportData } from './model.ts';

/** Operations that are one request to a model (the store decides nesting with the same list). */
export const LLM_OPERATIONS: ReadonlySet<string> = new Set(LLM_CALL_OPERATIONS);

const numberAttr = (span: CliSpan, key: string): number => {
  const value = span.attributes[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
};

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

/** The largest chunk a NumberList adds: 512 KB, so a list's unused room stays under that. */
const MAX_CHUNK_VALUES = 1 << 16;
const EMPTY = new Float64Array(0);

/**
 * Numbers in typed-array chunks: 8 bytes each, where a plain array of numbers costs two to three times that. Chunks are
 * added, never copied while the list grows: one array doubled when full held up to twice its values, and three times
 * while it was copied (10M spans, the whole window: 200 MB of a 371 MB peak). sorted() copies them into one array of
 * the exact length, freeing each chunk as it goes (at once, not at the next collection).
 *
 * @example
 * const list = new NumberList();
 * list.push(2); list.push(1);
 * list.sorted(); // Float64Array [1, 2]
 */
export class NumberList {
  private chunks: Float64Array[] = [new Float64Array(64)];
  private last: Float64Array = this.chunks[0]!;
  private filled = 0;
  length = 0;

  push(value: number): void {
    if (this.filled === this.last.length) {
      this.last = new Float64Array(Math.min(MAX_CHUNK_VALUES, this.length));
      this.chunks.push(this.last);
      this.filled = 0;
    }
    this.last[this.filled++] = value;
    this.length++;
  }

  /** The values in ascending order (the list keeps them so, as one chunk, for later pushes and calls). */
  sorted(): Float64Array {
    const all = this.chunks.length === 1 ? this.last.subarray(0, this.length) : new Float64Array(this.length);
    if (this.chunks.length > 1) {
      let at = 0;
      const chunks = this.chunks;
      this.chunks = [];
      for (let index = 0; index < chunks.length; index++) {
        const chunk = chunks[index]!;
        const count = index === chunks.length - 1 ? this.filled : chunk.length;
        all.set(chunk.subarray(0, count), at);
        at += count;
        releaseNow(chunk);
        chunks[index] = EMPTY;
      }
      this.chunks = [all];
      this.last = all;
      this.filled = all.length;
    }
    return all.sort();
  }

  /**
   * What percentile() gives on the sorted values for each fraction, without one array of them all: each chunk is
   * sorted where it is and the chunks are merged, from whichever end is nearer, up to the rank. A copy for sorting
   * took memory the allocator did not give back (10M spans, the whole window: 86 MB of RSS at the very end).
   *
   * @example
   * list.percentiles([0.5, 0.95]); // [p50, p95]
   */
  percentiles(fractions: readonly number[]): number[] {
    const count = this.length;
    const runs = this.chunks.map((chunk) => (chunk === this.last ? chunk.subarray(0, this.filled) : chunk).sort());
    return fractions.map((fraction) => {
      if (count === 0) return Number.NaN;
      const rank = Math.min(Math.max(1, Math.ceil(fraction * count)), count);
      return rank * 2 <= count ? nthOf(runs, rank, true) : nthOf(runs, count - rank + 1, false);
    });
  }
}

/** Float64Array.sort's order: -0 before +0, NaN last. */
function precedes(a: number, b: number): boolean {
  if (a < b) return true;
  if (a === b) return a === 0 && Object.is(a, -0) && !Object.is(b, -0);
  return Number.isNaN(b) && !Number.isNaN(a);
}

/**
 * The `nth` (from 1) value of the sorted runs taken together, counted from the smallest (`ascending`) or the largest:
 * a k-way merge over a binary heap of the runs' next values.
 */
function nthOf(runs: readonly Float64Array[], nth: number, ascending: boolean): number {
  const next = runs.map((run) => (ascending ? 0 : run.length - 1));
  const valueOf = (run: number): number => runs[run]![next[run]!]!;
  const first = (a: number, b: number): boolean =>
    ascending ? precedes(valueOf(a), valueOf(b)) : precedes(valueOf(b), valueOf(a));
  const heap: number[] = [];
  const siftDown = (from: number): void => {
    for (let at = from; ;) {
      const left = 2 * at + 1;
      if (left >= heap.length) return;
      const child = left + 1 < heap.length && first(heap[left + 1]!, heap[left]!) ? left + 1 : left;
      if (!first(heap[child]!, heap[at]!)) return;
      [heap[at], heap[child]] = [heap[child]!, heap[at]!];
      at = child;
    }
  };
  for (let run = 0; run < runs.length; run++) if (runs[run]!.length > 0) heap.push(run);
  for (let at = (heap.length >> 1) - 1; at >= 0; at--) siftDown(at);
  for (let taken = 1; ; taken++) {
    const run = heap[0]!;
    if (taken === nth) return valueOf(run);
    next[run] = next[run]! + (ascending ? 1 : -1);
    if (next[run] < 0 || next[run] >= runs[run]!.length) {
      heap[0] = heap[heap.length - 1]!;
      heap.pop();
    }
    siftDown(0);
  }
}

/**
 * A sum that does not depend on the order of its terms in practice (Neumaier's compensated summation): the same
 * figures whichever order a source hands the spans in, and the error of a naive sum of a million costs kept out.
 */
export class Sum {
  private total = 0;
  private compensation = 0;

  add(value: number): void {
    const next = this.total + value;
    this.compensation +=
      Math.abs(this.total) >= Math.abs(value) ? this.total - next + value : value - next + this.total;
    this.total = next;
  }

  get value(): number {
    return this.total + this.compensation;
  }
}

function percentilesOf(values: NumberList): Percentiles | null {
  if (values.length === 0) return null;
  const [p50, p95, p99] = values.percentiles([0.5, 0.95, 0.99]);
  return { p50: p50!, p95: p95!, p99: p99! };
}

/**
 * The dashboard computed incrementally: give it spans in batches of whole traces (TelemetrySource.spanBatches) and log
 * records in any batches, then ask for the result. It keeps running sums and, for the exact percentiles, one number per
 * LLM call and per span (8 bytes each): 10 M spans cost about 100 MB, whatever their attributes.
 *
 * @example
 * const report = new ReportAccumulator();
 * for await (const batch of source.spanBatches(query, progress)) report.addSpans(batch);
 * const data = report.result({ source: source.description, sinceMillis, untilMillis });
 */
export class ReportAccumulator {
  private readonly models = new Map<string, ModelRow>();
  private readonly hours = new Map<number, { hourStartMillis: number; requests: number; cost: Sum }>();
  private readonly modelCosts = new Map<string, Sum>();
  private readonly retryReasons = new Map<string, number>();
  private readonly tools = new Map<string, { tool: string; calls: number; failures: number }>();
  private readonly operations = new Map<
    string,
    { name: string; kind: string; durations: NumberList; errors: number }
  >();
  private readonly latencies = new NumberList();
  private readonly firstChunks = new NumberList();
  private retries = 0;
  private requests = 0;
  private errors = 0;
  private toolCalls = 0;
  private toolFailures = 0;
  private likes = 0;
  private dislikes = 0;
  private readonly tokens = { input: 0, output: 0, cacheRead: 0 };
  private readonly costUsd = new Sum();

  /** Spans of whole traces (a trace split across two calls could count a nested LLM call twice). */
  addSpans(spans: readonly CliSpan[]): void {
    for (const call of llmCalls(spans)) this.addCall(call);
    for (const span of spans) {
      if (span.attributes[ATTR_GEN_AI_OPERATION_NAME] === 'execute_tool') {
        const tool = String(span.attributes[ATTR_GEN_AI_TOOL_NAME] ?? span.name);
        const row = this.tools.get(tool) ?? { tool, calls: 0, failures: 0 };
        row.calls++;
        this.toolCalls++;
        if (span.error) {
          row.failures++;
          this.toolFailures++;
        }
        this.tools.set(tool, row);
      }
      const key = `${span.name}\u0000${span.kind}`;
      let group = this.operations.get(key);
      if (group === undefined)
        this.operations.set(
          key,
          (group = { name: span.name, kind: span.kind, durations: new NumberList(), errors: 0 }),
        );
      group.durations.push(span.durationMillis);
      if (span.error) group.errors++;
    }
  }

  addLogs(logs: readonly CliLog[]): void {
    for (const log of logs) {
      if (log.eventName !== EVENT_GEN_AI_EVALUATION_RESULT) continue;
      const label = log.attributes[ATTR_GEN_AI_EVALUATION_SCORE_LABEL];
      if (label === 'liked') this.likes++;
      else if (label === 'disliked') this.dislikes++;
    }
  }

  private addCall(call: CliSpan): void {
    const model = String(
      call.attributes[ATTR_GEN_AI_REQUEST_MODEL] ?? call.attributes[ATTR_GEN_AI_RESPONSE_MODEL] ?? 'unknown',
    );
    const row = this.models.get(model) ?? {
      model,
      requests: 0,
      errors: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
    };
    const input = numberAttr(call, ATTR_GEN_AI_USAGE_INPUT_TOKENS);
    const output = numberAttr(call, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS);
    const cost = numberAttr(call, ATTR_GENAI_OTEL_COST_USD);
    this.requests++;
    row.requests++;
    if (call.error) {
      row.errors++;
      this.errors++;
    }
    row.inputTokens += input;
    row.outputTokens += output;
    let modelCost = this.modelCosts.get(model);
    if (modelCost === undefined) this.modelCosts.set(model, (modelCost = new Sum()));
    modelCost.add(cost);
    row.costUsd = modelCost.value;
    this.models.set(model, row);
    this.tokens.input += input;
    this.tokens.output += output;
    this.tokens.cacheRead += numberAttr(call, ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS);
    this.costUsd.add(cost);
    const hourStartMillis = Math.floor(call.startMillis / HOUR_MILLIS) * HOUR_MILLIS;
    const hour = this.hours.get(hourStartMillis) ?? { hourStartMillis, requests: 0, cost: new Sum() };
    hour.requests++;
    hour.cost.add(cost);
    this.hours.set(hourStartMillis, hour);
    const count = numberAttr(call, ATTR_GENAI_OTEL_RETRY_COUNT);
    if (count > 0) {
      this.retries += count;
      const reason = String(call.attributes[ATTR_GENAI_OTEL_RETRY_REASON] ?? 'unknown');
      this.retryReasons.set(reason, (this.retryReasons.get(reason) ?? 0) + count);
    }
    this.latencies.push(call.durationMillis / 1000);
    const firstChunk = call.attributes[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK];
    if (typeof firstChunk === 'number') this.firstChunks.push(firstChunk);
  }

  /** The dashboard of everything added so far. */
  result(window: ReportWindow): ReportData {
    return {
      ...window,
      exactPercentiles: true,
      requests: this.requests,
      errors: this.errors,
      errorRate: ratio(this.errors, this.requests),
      latency: percentilesOf(this.latencies),
      timeToFirstChunk: percentilesOf(this.firstChunks),
      tokens: { ...this.tokens },
      costUsd: this.costUsd.value,
      byModel: [...this.models.values()].sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests),
      byHour: [...this.hours.values()]
        .map((hour) => ({ hourStartMillis: hour.hourStartMillis, requests: hour.requests, costUsd: hour.cost.value }))
        .sort((a, b) => a.hourStartMillis - b.hourStartMillis),
      tools: {
        calls: this.toolCalls,
        failures: this.toolFailures,
        failureRate: ratio(this.toolFailures, this.toolCalls),
        byTool: [...this.tools.values()].sort((a, b) => b.calls - a.calls),
      },
      retries: {
        total: this.retries,
        byReason: [...this.retryReasons]
          .map(([reason, count]) => ({ reason, count }))
          .sort((a, b) => b.count - a.count),
      },
      feedback: { likes: this.likes, dislikes: this.dislikes },
      operations: [...this.operations.values()]
        .map((group) => ({
          name: group.name,
          kind: group.kind,
          calls: group.durations.length,
          errors: group.errors,
          p95Millis: group.durations.percentiles([0.95])[0]!,
        }))
        .sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name)),
    };
  }
}

/**
 * Computes the dashboard from spans and logs already limited to the window and service.
 *
 * @example
 * const data = reportFromSpans(spans, logs, { source: 'files in .genai-otel', sinceMillis, untilMillis: Date.now() });
 */
export function reportFromSpans(spans: readonly CliSpan[], logs: readonly CliLog[], window: ReportWindow): ReportData {
  const report = new ReportAccumulator();
  report.addSpans(spans);
  report.addLogs(logs);
  return report.result(window);
}
