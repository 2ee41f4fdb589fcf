// The dashboard computed by the local store: the database finds the LLM calls of the window (leaving out those nested
// in another LLM call, as reportFromSpans does, by what was stored with each span) and groups tools and feedback; only the few numbers percentiles need
// come out, one row at a time. Same figures as reportFromSpans over the same spans.
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { ATTR_GEN_AI_EVALUATION_SCORE_LABEL, EVENT_GEN_AI_EVALUATION_RESULT } from '../../attributes/names.ts';
import type { Progress } from '../render/progress.ts';
import { windowFilter, windowNanos } from '../telemetry/store-source.ts';
import { LLM_OPERATIONS, NumberList, Sum, type ReportWindow } from './from-spans.ts';
import {
  HOUR_MILLIS,
  percentile,
  ratio,
  type HourRow,
  type ModelRow,
  type Percentiles,
  type ReportData,
} from './model.ts';

const LLM_LIST = [...LLM_OPERATIONS].map((operation) => `'${operation}'`).join(', ');
/**
 * A statement's rows as arrays of its columns: a million rows as objects cost twice the time. Node lines before
 * 22.16 have no setReturnArrays; their objects are taken apart here.
 */
function* arrays(statement: StatementSync, parameters: readonly SQLInputValue[]): Generator<unknown[]> {
  const withArrays = statement as StatementSync & { setReturnArrays?: (enabled: boolean) => void };
  if (typeof withArrays.setReturnArrays === 'function') {
    withArrays.setReturnArrays(true);
    yield* statement.iterate(...parameters) as Iterable<unknown[]>;
    return;
  }
  for (const row of statement.iterate(...parameters)) yield Object.values(row);
}

function sortedPercentiles(values: Float64Array): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = values as unknown as number[];
  return { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99) };
}

/**
 * The dashboard of a window, computed by the store.
 *
 * @example
 * const data = reportFromStore(store.db, { source: store.description, sinceMillis, untilMillis: Date.now() });
 */
export function reportFromStore(db: DatabaseSync, window: ReportWindow, progress?: Progress): ReportData {
  const filter = windowFilter(window);
  const { since, until } = windowNanos(window);
  // Calls nested in another call were found when the spans were written (store-lineage.ts): a call is left out when
  // an LLM call is among its ancestors and the window holds every ancestor up to that call (the window's spans are all
  // the in-memory computation sees). The rest is one pass over the window's calls by the time index.
  const callsSql = `SELECT s.model, s.status_code, s.input_tokens, s.output_tokens, s.cost_usd, s.duration_ms,
      CAST(s.start_ns / 1000000 AS INTEGER) AS start_ms,
      s.cache_read_tokens AS cache_read, s.first_chunk_s AS first_chunk, s.retries, s.retry_reason
    FROM spans s
    WHERE ${filter.sql} AND s.operation IN (${LLM_LIST}) AND s.call_duplicate IS NULL
      AND (s.llm_above IS NOT 1 OR s.above_first_ns < ? OR s.above_last_ns > ?)`;
  const models = new Map<string, ModelRow>();
  const hours = new Map<number, HourRow>();
  const retryReasons = new Map<string, number>();
  const latencies = new NumberList();
  const firstChunks = new NumberList();
  let requests = 0;
  let errors = 0;
  let retries = 0;
  const cost = new Sum();
  const modelCosts = new Map<string, Sum>();
  const hourCosts = new Map<number, Sum>();
  let input = 0;
  let output = 0;
  let cacheRead = 0;
  const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  for (const [
    rowModel,
    statusCode,
    inputTokens,
    outputTokens,
    costUsd,
    durationMillis,
    startMillis,
    cacheReadTokens,
    firstChunk,
    rowRetries,
    retryReason,
  ] of arrays(db.prepare(callsSql), [...filter.parameters, since, until])) {
    requests++;
    if (requests % 10_000 === 0)
      progress?.update('aggregating', undefined, `${requests.toLocaleString('en-US')} LLM calls`);
    const model = typeof rowModel === 'string' ? rowModel : 'unknown';
    const entry = models.get(model) ?? { model, requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
    const failed = statusCode === 2;
    entry.requests++;
    if (failed) {
      entry.errors++;
      errors++;
    }
    entry.inputTokens += number(inputTokens);
    entry.outputTokens += number(outputTokens);
    let modelCost = modelCosts.get(model);
    if (modelCost === undefined) modelCosts.set(model, (modelCost = new Sum()));
    modelCost.add(number(costUsd));
    entry.costUsd = modelCost.value;
    models.set(model, entry);
    input += number(inputTokens);
    output += number(outputTokens);
    cost.add(number(costUsd));
    cacheRead += number(cacheReadTokens);
    const hourStartMillis = Math.floor(Number(startMillis) / HOUR_MILLIS) * HOUR_MILLIS;
    const hour = hours.get(hourStartMillis) ?? { hourStartMillis, requests: 0, costUsd: 0 };
    hour.requests++;
    let hourCost = hourCosts.get(hourStartMillis);
    if (hourCost === undefined) hourCosts.set(hourStartMillis, (hourCost = new Sum()));
    hourCost.add(number(costUsd));
    hour.costUsd = hourCost.value;
    hours.set(hourStartMillis, hour);
    latencies.push(Number(durationMillis) / 1000);
    if (typeof firstChunk === 'number') firstChunks.push(firstChunk);
    const count = number(rowRetries);
    if (count > 0) {
      retries += count;
      const reason = retryReason === null || retryReason === undefined ? 'unknown' : String(retryReason);
      retryReasons.set(reason, (retryReasons.get(reason) ?? 0) + count);
    }
  }

  const tools = db
    .prepare(
      `SELECT coalesce(s.tool_name, s.name) AS tool, count(*) AS calls,
         sum(s.status_code = 2) AS failures
       FROM spans s WHERE ${filter.sql} AND s.operation = 'execute_tool' GROUP BY tool`,
    )
    .all(...filter.parameters)
    .map((row) => ({ tool: String(row.tool), calls: Number(row.calls), failures: Number(row.failures) }))
    .sort((a, b) => b.calls - a.calls);
  const toolCalls = tools.reduce((sum, tool) => sum + tool.calls, 0);
  const toolFailures = tools.reduce((sum, tool) => sum + tool.failures, 0);

  const service = window.service === undefined ? '' : ' AND l.service = ?';
  const feedback = db
    .prepare(
      `SELECT l.attributes ->> '$."${ATTR_GEN_AI_EVALUATION_SCORE_LABEL}"' AS label, count(*) AS n FROM logs l
       WHERE l.time_ns BETWEEN ? AND ?${service} AND l.event_name = ? GROUP BY label`,
    )
    .all(
      ...(window.service === undefined
        ? [since, until, EVENT_GEN_AI_EVALUATION_RESULT]
        : [since, until, window.service, EVENT_GEN_AI_EVALUATION_RESULT]),
    );
  const labelCount = (label: string) => Number(feedback.find((row) => row.label === label)?.n ?? 0);

  // Operations: the durations of each (name, kind) in typed arrays (8 bytes a span), no sort of the window's rows.
  type Group = { name: string; kind: number; durations: NumberList; errors: number };
  const groups: Group[] = [];
  const byName = new Map<string, Group[]>();
  for (const [name, kind, durationMillis, statusCode] of arrays(
    db.prepare(`SELECT s.name, s.kind, s.duration_ms, s.status_code FROM spans s WHERE ${filter.sql}`),
    filter.parameters,
  )) {
    let kinds = byName.get(name as string);
    if (kinds === undefined) byName.set(name as string, (kinds = []));
    let group = kinds[kind as number];
    if (group === undefined) {
      group = { name: name as string, kind: kind as number, durations: new NumberList(), errors: 0 };
      kinds[kind as number] = group;
      groups.push(group);
    }
    group.durations.push(durationMillis as number);
    if (statusCode === 2) group.errors++;
  }
  const operations: ReportData['operations'] = groups.map((group) => {
    const sorted = group.durations.sorted();
    return {
      name: group.name,
      kind: KIND_NAMES[group.kind] ?? 'UNSPECIFIED',
      calls: sorted.length,
      errors: group.errors,
      p95Millis: percentile(sorted, 0.95),
    };
  });
  operations.sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
  progress?.done();

  return {
    ...window,
    exactPercentiles: true,
    requests,
    errors,
    errorRate: ratio(errors, requests),
    latency: sortedPercentiles(latencies.sorted()),
    timeToFirstChunk: sortedPercentiles(firstChunks.sorted()),
    tokens: { input, output, cacheRead },
    costUsd: cost.value,
    byModel: [...models.values()].sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests),
    byHour: [...hours.values()].sort((a, b) => a.hourStartMillis - b.hourStartMillis),
    tools: {
      calls: toolCalls,
      failures: toolFailures,
      failureRate: ratio(toolFailures, toolCalls),
      byTool: tools,
    },
    retries: {
      total: retries,
      byReason: [...retryReasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
    },
    feedback: { likes: labelCount('liked'), dislikes: labelCount('disliked') },
    operations,
  };
}

const KIND_NAMES = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
