// The `file` exporter through the real SDK: spans, metrics and log records become OTLP/JSON lines the CLI reads back;
// a full file is rotated; a folder that cannot be written costs the data, never an exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  FileLogRecordExporter,
  FileMetricExporter,
  FileSpanExporter,
  JsonLinesFile,
} from '../../../src/export/file-exporter.ts';
import { logsOf, spansOf } from '../../../src/cli/telemetry/otlp-json.ts';
import { signalFiles } from '../../../src/cli/telemetry/files.ts';
import { HealthCounters } from '../../../src/export/health.ts';

const folder = () => mkdtempSync(join(tmpdir(), 'genai-otel-file-export-'));
const readLines = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);

test('spans become one OTLP/JSON line per batch in traces.jsonl, read back with ids, kinds, status and attributes', async () => {
  const directory = folder();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'file-test' }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new FileSpanExporter(directory, 1 << 20) })],
  });
  const tracer = provider.getTracer('test');
  const root = tracer.startSpan('invoke_agent helper');
  const child = tracer.startSpan(
    'chat gpt-4o',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.usage.input_tokens': 12,
        'genai_otel.cost.usd': 0.25,
        'gen_ai.response.finish_reasons': ['stop'],
        note: 'line one\nline two',
      },
    },
    trace.setSpan(ROOT_CONTEXT, root),
  );
  child.setStatus({ code: 2, message: 'rate limited' });
  child.end();
  root.end();
  await provider.shutdown();
  const lines = readLines(join(directory, 'traces.jsonl'));
  assert.equal(lines.length, 1);
  const spans = spansOf(lines[0]);
  const chat = spans.find((span) => span.name === 'chat gpt-4o')!;
  assert.equal(chat.parentSpanId, spans.find((span) => span.name === 'invoke_agent helper')!.spanId);
  assert.match(chat.traceId, /^[0-9a-f]{32}$/);
  assert.equal(chat.serviceName, 'file-test');
  assert.equal(chat.kind, 'CLIENT');
  assert.equal(chat.error, true);
  assert.equal(chat.statusMessage, 'rate limited');
  assert.deepEqual(chat.attributes, {
    'gen_ai.usage.input_tokens': 12,
    'genai_otel.cost.usd': 0.25,
    'gen_ai.response.finish_reasons': ['stop'],
    note: 'line one\nline two',
  });
  assert.ok(chat.durationMillis >= 0 && chat.startMillis > Date.now() - 60_000);
  rmSync(directory, { recursive: true });
});

test('metrics and log records go to metrics.jsonl and logs.jsonl', async () => {
  const directory = folder();
  const reader = new PeriodicExportingMetricReader({
    exporter: new FileMetricExporter(directory, 1 << 20, () => AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const meters = new MeterProvider({ readers: [reader] });
  meters.getMeter('test').createCounter('genai_otel.client.cost').add(1.5, { 'gen_ai.request.model': 'gpt-4o' });
  await meters.shutdown();
  const metric = readLines(join(directory, 'metrics.jsonl'))[0] as {
    resourceMetrics: { scopeMetrics: { metrics: { name: string; sum: { dataPoints: { asDouble: number }[] } }[] }[] }[];
  };
  assert.equal(metric.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.name, 'genai_otel.client.cost');
  assert.equal(metric.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.sum.dataPoints[0]!.asDouble, 1.5);

  const loggers = new LoggerProvider({
    processors: [new BatchLogRecordProcessor({ exporter: new FileLogRecordExporter(directory, 1 << 20) })],
  });
  loggers.getLogger('test').emit({
    eventName: 'gen_ai.evaluation.result',
    body: 'liked',
    attributes: { 'gen_ai.evaluation.score.label': 'liked' },
  });
  await loggers.shutdown();
  const [log] = logsOf(readLines(join(directory, 'logs.jsonl'))[0]);
  assert.equal(log!.eventName, 'gen_ai.evaluation.result');
  assert.equal(log!.body, 'liked');
  assert.equal(log!.attributes['gen_ai.evaluation.score.label'], 'liked');
  rmSync(directory, { recursive: true });
});

test('a file over the size cap is renamed to a generation of its own and a new one started; lines are never split', async () => {
  const directory = folder();
  const file = new JsonLinesFile(directory, 'traces', 100);
  const line = (n: number) => new TextEncoder().encode(JSON.stringify({ n, pad: 'x'.repeat(30) }));
  const results = await Promise.all([1, 2, 3, 4, 5].map((n) => file.append(line(n))));
  assert.deepEqual(results, [true, true, true, true, true]);
  const paths = signalFiles(directory, 'traces');
  assert.ok(paths.length >= 2, paths.join(', '));
  assert.equal(paths.at(-1), join(directory, 'traces.jsonl'));
  for (const path of paths.slice(0, -1)) assert.match(path, /traces\.\d{13}-\d+\.jsonl$/);
  const kept = paths.flatMap((path) => readLines(path) as { n: number }[]).map((item) => item.n);
  // In order, the newest last; the oldest generations beyond the cap are deleted.
  assert.deepEqual(kept, [...kept].sort());
  assert.deepEqual(kept.slice(-2), [4, 5]);
  assert.ok(kept.length < 5);
  assert.ok(readFileSync(join(directory, 'traces.jsonl')).length <= 100);
  rmSync(directory, { recursive: true });
});

test('processes sharing the folder rotate without overwriting each other: every line is in a file, none twice', async () => {
  const directory = folder();
  // Four writers of one file stand for four processes: each reads the size afresh before deciding to rotate (one that
  // remembered its own appends let the file grow to about four times the cap).
  const writers = [0, 1, 2, 3].map(() => new JsonLinesFile(directory, 'traces', 4096));
  const line = (n: number) => new TextEncoder().encode(JSON.stringify({ n, pad: 'y'.repeat(200) }));
  const sizes: number[] = [];
  for (let n = 0; n < 120; n += 4) {
    await Promise.all(writers.map((writer, index) => writer.append(line(n + index))));
    sizes.push(statSync(join(directory, 'traces.jsonl')).size);
  }
  // At most the lines of writers that looked at the same moment go past the cap.
  assert.ok(Math.max(...sizes) <= 4096 + 4 * 212, String(sizes));
  const kept = signalFiles(directory, 'traces').flatMap((path) => readLines(path) as { n: number }[]);
  assert.equal(new Set(kept.map((item) => item.n)).size, kept.length);
  assert.ok(kept.some((item) => item.n === 119) && kept.some((item) => item.n === 116));
  rmSync(directory, { recursive: true });
});

test('a line of several MiB is appended with one write call: a concurrent writer never lands inside it', async () => {
  const directory = folder();
  const big = new TextEncoder().encode(JSON.stringify({ big: 'z'.repeat(3 * 1024 * 1024) }));
  const small = new TextEncoder().encode(JSON.stringify({ small: true }));
  const writers = [new JsonLinesFile(directory, 'logs', 1 << 30), new JsonLinesFile(directory, 'logs', 1 << 30)];
  for (let n = 0; n < 6; n++) {
    writers[0]!.offer(big);
    writers[1]!.offer(small);
  }
  await Promise.all(writers.map((writer) => writer.flush()));
  const lines = readFileSync(join(directory, 'logs.jsonl'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 12);
  for (const text of lines) JSON.parse(text);
  rmSync(directory, { recursive: true });
});

test('an unwritable folder: the export fails and says so once, nothing throws', async () => {
  const directory = folder();
  const blocked = join(directory, 'not-a-folder');
  writeFileSync(blocked, 'a file where the folder should be');
  chmodSync(blocked, 0o400);
  const counters = new HealthCounters();
  const exporter = new FileSpanExporter(join(blocked, 'sub'), 1 << 20, counters);
  const provider = new TracerProvider({ spanProcessors: [] });
  const span = provider.getTracer('t').startSpan('x');
  span.end();
  // Accepted at once (the SDK's queue goes on); the write fails later and the span is counted as dropped.
  await new Promise<ExportResult>((resolve) => exporter.export([span as never], resolve));
  await exporter.shutdown();
  assert.equal(counters.health.signals.traces.dropped, 1);
  assert.ok(!existsSync(join(blocked, 'sub')));
  rmSync(directory, { recursive: true, force: true });
});

const NOBODY = 65534;
const line = (text: string) => new TextEncoder().encode(JSON.stringify({ text }));

test('the folder is made 0700 and the files 0600; a file an earlier version left readable by others is made 0600', async () => {
  const parent = folder();
  const directory = join(parent, '.genai-otel');
  assert.equal(await new JsonLinesFile(directory, 'traces', 1 << 20).append(line('first')), true);
  assert.equal(statSync(directory).mode & 0o777, 0o700);
  assert.equal(statSync(join(directory, 'traces.jsonl')).mode & 0o777, 0o600);
  writeFileSync(join(directory, 'logs.jsonl'), '', { mode: 0o644 });
  chmodSync(join(directory, 'logs.jsonl'), 0o644);
  assert.equal(await new JsonLinesFile(directory, 'logs', 1 << 20).append(line('second')), true);
  assert.equal(statSync(join(directory, 'logs.jsonl')).mode & 0o777, 0o600);
  rmSync(parent, { recursive: true });
});

test('a link planted where a file goes is not written through; the line is dropped', async () => {
  const directory = folder();
  const victim = join(folder(), 'victim.txt');
  writeFileSync(victim, 'must stay as it is');
  symlinkSync(victim, join(directory, 'traces.jsonl'));
  assert.equal(await new JsonLinesFile(directory, 'traces', 1 << 20).append(line('leak')), false);
  assert.equal(readFileSync(victim, 'utf8'), 'must stay as it is');
  rmSync(directory, { recursive: true });
});

test(
  'a folder another user made, open to all (0777), is not written to',
  { skip: process.getuid?.() !== 0 && 'needs root to make a folder of another user' },
  async () => {
    const parent = folder();
    const directory = join(parent, '.genai-otel');
    mkdirSync(directory, { mode: 0o777 });
    chmodSync(directory, 0o777);
    chownSync(directory, NOBODY, NOBODY);
    assert.equal(await new JsonLinesFile(directory, 'traces', 1 << 20).append(line('leak')), false);
    assert.deepEqual(readdirSync(directory), []);
    rmSync(parent, { recursive: true });
  },
);
