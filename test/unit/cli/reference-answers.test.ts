// The streaming CLI against a slow, obviously correct computation on the same data: ~100,000 spans of agent turns made
// by bench/telemetry-generator.ts, read whole into plain arrays here and added up with plain loops. Checks what
// report, sessions, traces and export answer from the local files (grouped by trace in two passes, in batches).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTelemetry, type GeneratedTelemetry } from '../../../bench/telemetry-generator.ts';
import { runExport } from '../../../src/cli/commands/export.ts';
import { sessionsOf } from '../../../src/cli/commands/sessions.ts';
import { ReportAccumulator } from '../../../src/cli/report/from-spans.ts';
import { SpillingSessions } from '../../../src/cli/telemetry/session-spill.ts';
import { latestTraces, openSource, type Query, type TelemetrySource } from '../../../src/cli/telemetry/source.ts';

const silent = { update: () => undefined, done: () => undefined };

interface PlainSpan {
  traceId: string;
  spanId: string;
  start: number;
  end: number;
  error: boolean;
  attributes: Map<string, unknown>;
}

interface PlainLog {
  traceId: string;
  spanId: string;
  time: number;
  attributes: Map<string, unknown>;
}

type Json = Record<string, any>;

function plainAttributes(list: Json[]): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (const item of list) {
    const value = item.value as Json;
    map.set(item.key as string, value.stringValue ?? value.doubleValue ?? Number(value.intValue));
  }
  return map;
}

let folder: string;
let made: GeneratedTelemetry;
let spans: PlainSpan[] = [];
let logs: PlainLog[] = [];
let source: TelemetrySource;
let query: Query;

before(async () => {
  folder = mkdtempSync(join(tmpdir(), 'genai-otel-reference-'));
  const now = Date.now();
  made = await generateTelemetry({ directory: folder, spans: 100_000, days: 0.5, endMillis: now - 60_000, seed: 7 });
  for (const line of readFileSync(join(folder, 'traces.jsonl'), 'utf8').split('\n')) {
    if (line === '') continue;
    for (const resource of (JSON.parse(line) as Json).resourceSpans as Json[])
      for (const scope of resource.scopeSpans as Json[])
        for (const span of scope.spans as Json[])
          spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            start: Number(BigInt(span.startTimeUnixNano) / 1000n) / 1000,
            end: Number(BigInt(span.endTimeUnixNano) / 1000n) / 1000,
            error: span.status.code === 2,
            attributes: plainAttributes(span.attributes),
          });
  }
  for (const line of readFileSync(join(folder, 'logs.jsonl'), 'utf8').split('\n')) {
    if (line === '') continue;
    for (const resource of (JSON.parse(line) as Json).resourceLogs as Json[])
      for (const scope of resource.scopeLogs as Json[])
        for (const record of scope.logRecords as Json[])
          logs.push({
            traceId: record.traceId,
            spanId: record.spanId,
            time: Number(BigInt(record.timeUnixNano) / 1000n) / 1000,
            attributes: plainAttributes(record.attributes),
          });
  }
  source = await openSource({ source: 'files', jaegerUrl: 'http://127.0.0.1:9', fileDirectory: folder, logsFiles: [] });
  query = { sinceMillis: now - 86_400_000, untilMillis: now, limit: 20, every: true };
});

after(() => {
  rmSync(folder, { recursive: true, force: true });
  spans = [];
  logs = [];
});

test('the data is what the generator says it wrote', () => {
  assert.equal(spans.length, made.spans);
  assert.ok(made.spans >= 100_000 && made.traces > 10_000 && made.sessions > 1000, JSON.stringify(made));
  assert.equal(logs.length, made.feedback);
});

test('report: requests, errors, tokens and cost per model, tools, feedback', async () => {
  const report = new ReportAccumulator();
  for await (const batch of source.spanBatches(query, silent)) report.addSpans(batch);
  for await (const batch of source.logBatches(query, silent)) report.addLogs(batch);
  const data = report.result({ source: 'test', sinceMillis: query.sinceMillis, untilMillis: query.untilMillis });

  const expected = new Map<string, { requests: number; errors: number; input: number; output: number; cost: number }>();
  let tools = 0;
  let toolFailures = 0;
  for (const span of spans) {
    const operation = span.attributes.get('gen_ai.operation.name');
    if (operation === 'execute_tool') {
      tools++;
      if (span.error) toolFailures++;
    }
    if (operation !== 'chat') continue;
    const model = span.attributes.get('gen_ai.request.model') as string;
    const row = expected.get(model) ?? { requests: 0, errors: 0, input: 0, output: 0, cost: 0 };
    row.requests++;
    if (span.error) row.errors++;
    row.input += (span.attributes.get('gen_ai.usage.input_tokens') as number | undefined) ?? 0;
    row.output += (span.attributes.get('gen_ai.usage.output_tokens') as number | undefined) ?? 0;
    row.cost += (span.attributes.get('genai_otel.cost.usd') as number | undefined) ?? 0;
    expected.set(model, row);
  }
  assert.equal(data.byModel.length, expected.size);
  for (const row of data.byModel) {
    const want = expected.get(row.model)!;
    assert.deepEqual(
      [row.requests, row.errors, row.inputTokens, row.outputTokens],
      [want.requests, want.errors, want.input, want.output],
      row.model,
    );
    assert.ok(Math.abs(row.costUsd - want.cost) < 1e-9 * want.cost, `${row.model}: ${row.costUsd} vs ${want.cost}`);
  }
  const all = [...expected.values()];
  assert.equal(
    data.requests,
    all.reduce((sum, row) => sum + row.requests, 0),
  );
  assert.equal(
    data.tokens.input,
    all.reduce((sum, row) => sum + row.input, 0),
  );
  assert.deepEqual([data.tools.calls, data.tools.failures], [tools, toolFailures]);
  const liked = logs.filter((log) => log.attributes.get('gen_ai.evaluation.score.label') === 'liked').length;
  assert.deepEqual(data.feedback, { likes: liked, dislikes: logs.length - liked });
  assert.equal(
    data.byHour.reduce((sum, hour) => sum + hour.requests, 0),
    data.requests,
  );
});

test('sessions: turns, feedback (also when only the judged span names the session), first and last moments', async () => {
  const rows = [];
  for await (const row of sessionsOf(source, query, silent).rows) rows.push(row);
  const bySpan = new Map(spans.map((span) => [`${span.traceId}/${span.spanId}`, span]));
  const expected = new Map<string, { turns: number; likes: number; dislikes: number; start: number; end: number }>();
  const session = (id: string) => {
    let row = expected.get(id);
    if (row === undefined)
      expected.set(id, (row = { turns: 0, likes: 0, dislikes: 0, start: Infinity, end: -Infinity }));
    return row;
  };
  for (const span of spans) {
    const row = session(span.attributes.get('session.id') as string);
    if (span.attributes.get('gen_ai.operation.name') === 'invoke_agent') row.turns++;
    row.start = Math.min(row.start, span.start);
    row.end = Math.max(row.end, span.end);
  }
  for (const log of logs) {
    const id = (log.attributes.get('session.id') ??
      bySpan.get(`${log.traceId}/${log.spanId}`)!.attributes.get('session.id')) as string;
    const row = session(id);
    if (log.attributes.get('gen_ai.evaluation.score.label') === 'liked') row.likes++;
    else row.dislikes++;
    row.start = Math.min(row.start, log.time);
    row.end = Math.max(row.end, log.time);
  }
  assert.equal(rows.length, expected.size);
  assert.ok(
    logs.some((log) => !log.attributes.has('session.id')),
    'some feedback names only the span it judged',
  );
  for (const row of rows) {
    const want = expected.get(row.sessionId)!;
    assert.deepEqual(
      [row.assistantMessages, row.userMessages, row.likes, row.dislikes, row.startMillis, row.endMillis],
      [want.turns, want.turns, want.likes, want.dislikes, want.start, want.end],
      row.sessionId,
    );
  }
});

test('sessions past the memory bound: parts moved to disk add up to the same table, row for row', async () => {
  const inMemory = [];
  for await (const row of sessionsOf(source, query, silent).rows) inMemory.push(row);
  const bounds = { sessions: 40, turns: 300 };
  const spilled = [];
  for await (const row of sessionsOf(source, query, silent, bounds).rows) spilled.push(row);
  assert.ok(inMemory.length > bounds.sessions * 10, `${inMemory.length} sessions`);
  assert.deepEqual(spilled, inMemory);
  // The same batches straight into SpillingSessions: it did move parts to disk (many times), not hold them all.
  const sessions = new SpillingSessions(bounds);
  try {
    for await (const batch of source.logBatches(query, silent)) sessions.addLogs(batch);
    for await (const batch of source.spanBatches(query, silent)) sessions.addSpans(batch);
    assert.ok(sessions.spills > 10, `${sessions.spills} spills`);
    assert.deepEqual([...sessions.rows()], inMemory);
  } finally {
    sessions.close();
  }
});

test('traces: the 20 newest whole traces; export: every span once, as CSV rows under one header', async () => {
  const { traces, total } = await latestTraces(source, { ...query, every: undefined }, silent);
  const starts = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const span of spans) {
    starts.set(span.traceId, Math.min(starts.get(span.traceId) ?? Infinity, span.start));
    counts.set(span.traceId, (counts.get(span.traceId) ?? 0) + 1);
  }
  const newest = [...starts].sort((a, b) => b[1] - a[1]).slice(0, 20);
  assert.equal(total, starts.size);
  assert.deepEqual(
    traces.map((trace) => [trace[0]!.traceId, trace.length]),
    newest.map(([traceId]) => [traceId, counts.get(traceId)]),
  );

  const output = join(folder, 'spans.csv');
  const code = await runExport({
    source: 'files',
    dir: folder,
    since: 86_400_000,
    format: 'csv',
    what: 'spans',
    output,
    limit: 1000,
  });
  assert.equal(code, 0);
  const lines = readFileSync(output, 'utf8').trimEnd().split('\n');
  assert.match(lines[0]!, /^trace_id,span_id,/);
  assert.equal(lines.filter((line) => line.startsWith('trace_id,')).length, 1);
  assert.equal(lines.length - 1, spans.length);
  assert.equal(new Set(lines.slice(1).map((line) => line.slice(0, 50))).size, spans.length);
});
