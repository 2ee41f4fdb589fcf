// The `local` exporter through the real SDK: spans and log records land in telemetry.db and come back through the
// CLI's store source with ids, kinds, status and attributes; the file is 0600 in a 0700 folder and never reached
// through a link; retention deletes old ranges; a folder or database that cannot be used costs the data, counted,
// never an exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { ROOT_CONTEXT, SpanKind, trace, type Tracer } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LocalStore, LocalStoreLogRecordExporter } from '../../../src/export/local-store.ts';
import { HealthCounters } from '../../../src/export/health.ts';
import { StoreSource } from '../../../src/cli/telemetry/store-source.ts';
import { allLogs, allSpans, latestTraces } from '../../../src/cli/telemetry/source.ts';
import { localStoreProvider } from '../../support/local-store-provider.ts';
import { resolveConfig } from '../../../src/config/resolve.ts';
import { createSpanProcessors } from '../../../src/sdk/pipelines.ts';

const folder = () => mkdtempSync(join(tmpdir(), 'genai-otel-store-'));
const SILENT = { update: () => undefined, done: () => undefined };
const DAY = 86_400_000;

const provider = (
  directory: string,
  counters?: HealthCounters,
  settings: Partial<{ retentionMillis: number; maxBytes: number }> = {},
) => localStoreProvider({ directory, retentionMillis: 0, maxBytes: 0, ...settings }, counters);

/** Ends `count` spans of one trace each, started `ageMillis` ago. */
function spansAged(tracer: Tracer, count: number, ageMillis: number, attributes: Record<string, string | number> = {}) {
  const start = Date.now() - ageMillis;
  for (let index = 0; index < count; index++) {
    tracer.startSpan(`work ${index}`, { startTime: start, attributes }).end(start + 5);
  }
}

const everything = { sinceMillis: 0, untilMillis: Date.now() + DAY, limit: 1000, every: true };

test('spans and log records become rows of telemetry.db, read back by the CLI with ids, kinds, status and attributes', async () => {
  const directory = join(folder(), 'store');
  const { tracerProvider, tracer } = provider(directory);
  const root = tracer.startSpan('invoke_agent helper', { attributes: { 'session.id': 's-1' } });
  const child = tracer.startSpan(
    'chat gpt-4o',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 12,
        'genai_otel.cost.usd': 0.25,
        'gen_ai.response.finish_reasons': ['stop'],
        'session.id': 's-1',
        note: 'line one\nline two',
      },
    },
    trace.setSpan(ROOT_CONTEXT, root),
  );
  child.addEvent('retry', { attempt: 2 });
  child.setStatus({ code: 2, message: 'rate limited' });
  child.end();
  root.end();
  await tracerProvider.shutdown();

  const loggers = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'store-test' }),
    processors: [
      new BatchLogRecordProcessor({
        exporter: new LocalStoreLogRecordExporter({ directory, retentionMillis: 0, maxBytes: 0 }),
      }),
    ],
  });
  loggers.getLogger('test').emit({
    eventName: 'gen_ai.evaluation.result',
    body: 'liked',
    attributes: { 'gen_ai.evaluation.score.label': 'liked' },
  });
  await loggers.shutdown();

  assert.equal(statSync(directory).mode & 0o777, 0o700);
  assert.equal(statSync(join(directory, 'telemetry.db')).mode & 0o777, 0o600);
  const source = StoreSource.open(directory)!;
  const spans = await allSpans(source, everything, SILENT);
  assert.equal(spans.length, 2);
  const chat = spans.find((span) => span.name === 'chat gpt-4o')!;
  const agent = spans.find((span) => span.name === 'invoke_agent helper')!;
  assert.equal(chat.parentSpanId, agent.spanId);
  assert.equal(agent.parentSpanId, undefined);
  assert.match(chat.traceId, /^[0-9a-f]{32}$/);
  assert.equal(chat.serviceName, 'store-test');
  assert.equal(chat.kind, 'CLIENT');
  assert.equal(agent.kind, 'INTERNAL');
  assert.equal(chat.error, true);
  assert.equal(chat.statusMessage, 'rate limited');
  assert.deepEqual(chat.attributes, {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.usage.input_tokens': 12,
    'genai_otel.cost.usd': 0.25,
    'gen_ai.response.finish_reasons': ['stop'],
    'session.id': 's-1',
    note: 'line one\nline two',
  });
  assert.ok(chat.durationMillis >= 0 && chat.startMillis > Date.now() - 60_000);
  assert.equal(typeof chat.startTimeUnixNano, 'bigint');
  // The indexed columns hold what the CLI filters and sums on.
  const row = source.db
    .prepare('SELECT model, operation, session_id, input_tokens, cost_usd, events FROM spans WHERE name = ?')
    .get('chat gpt-4o')!;
  assert.equal(row.model, 'gpt-4o');
  assert.equal(row.operation, 'chat');
  assert.equal(row.session_id, 's-1');
  assert.equal(row.input_tokens, 12);
  assert.equal(row.cost_usd, 0.25);
  assert.equal((JSON.parse(row.events as string) as { name: string }[])[0]!.name, 'retry');
  // Queries: one trace, one session, the latest traces.
  assert.equal((await allSpans(source, { ...everything, traceId: chat.traceId }, SILENT)).length, 2);
  assert.equal((await allSpans(source, { ...everything, sessionIds: ['s-1'] }, SILENT)).length, 2);
  assert.equal((await allSpans(source, { ...everything, sessionIds: ['s-2'] }, SILENT)).length, 0);
  const [log] = await allLogs(source, everything, SILENT);
  assert.equal(log!.eventName, 'gen_ai.evaluation.result');
  assert.equal(log!.body, 'liked');
  assert.equal(log!.attributes['gen_ai.evaluation.score.label'], 'liked');
  source.close();
  rmSync(join(directory, '..'), { recursive: true });
});

test('traces: the latest N traces of the window, newest first, found without reading the rest', async () => {
  const directory = folder();
  const { tracerProvider, tracer } = provider(directory);
  for (let index = 0; index < 50; index++) {
    const start = Date.now() - (50 - index) * 1000;
    const root = tracer.startSpan(`turn ${index}`, { startTime: start });
    tracer.startSpan('step', { startTime: start + 1 }, trace.setSpan(ROOT_CONTEXT, root)).end(start + 2);
    root.end(start + 3);
  }
  await tracerProvider.shutdown();
  const source = StoreSource.open(directory)!;
  const spans = (
    await latestTraces(source, { sinceMillis: Date.now() - DAY, untilMillis: Date.now(), limit: 5 }, SILENT)
  ).traces.flat();
  assert.equal(spans.length, 10);
  assert.deepEqual([...new Set(spans.filter((span) => span.name.startsWith('turn')).map((span) => span.name))].sort(), [
    'turn 45',
    'turn 46',
    'turn 47',
    'turn 48',
    'turn 49',
  ]);
  source.close();
  rmSync(directory, { recursive: true });
});

test('retention by age deletes spans older than GENAI_OTEL_LOCAL_RETENTION, and keeps the rest', async () => {
  const directory = folder();
  const { tracerProvider, tracer, exporter } = provider(directory, undefined, { retentionMillis: 7 * DAY });
  spansAged(tracer, 30, 8 * DAY);
  spansAged(tracer, 20, 6 * DAY);
  spansAged(tracer, 10, 1000);
  await tracerProvider.forceFlush();
  await exporter.store.retain();
  assert.equal(exporter.store.counts.traces.expired, 30);
  await tracerProvider.shutdown();
  const source = StoreSource.open(directory)!;
  const kept = await allSpans(source, everything, SILENT);
  assert.equal(kept.length, 30);
  assert.ok(kept.every((span) => span.startMillis > Date.now() - 7 * DAY));
  source.close();
  rmSync(directory, { recursive: true });
});

test('retention by size deletes the oldest ranges first until the store is under GENAI_OTEL_LOCAL_MAX_BYTES', async () => {
  const directory = folder();
  const padding = 'x'.repeat(2000);
  const { tracerProvider, tracer, exporter } = provider(directory, undefined, { maxBytes: 2 * 1024 * 1024 });
  // 3,000 spans of ~2 KB (~6 MB), the oldest first, one minute apart.
  for (let batch = 0; batch < 30; batch++) spansAged(tracer, 100, (30 - batch) * 60_000, { pad: padding, batch });
  await tracerProvider.forceFlush();
  await exporter.store.retain();
  const expired = exporter.store.counts.traces.expired;
  await tracerProvider.shutdown();
  const source = StoreSource.open(directory)!;
  const used = source.db
    .prepare(
      'SELECT (page_count - freelist_count) * page_size AS bytes FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()',
    )
    .get()!;
  assert.ok(Number(used.bytes) <= 2 * 1024 * 1024, `${used.bytes} bytes used`);
  const kept = await allSpans(source, everything, SILENT);
  assert.equal(kept.length + expired, 3000);
  assert.ok(kept.length > 0 && expired > 0);
  // What is left is the newest: every kept batch is newer than every deleted one.
  const batches = new Set(kept.map((span) => span.attributes.batch as number));
  const oldestKept = Math.min(...batches);
  assert.ok([...batches].every((batch) => batch >= oldestKept));
  assert.ok(batches.has(29));
  assert.equal(kept.filter((span) => (span.attributes.batch as number) > oldestKept).length, (29 - oldestKept) * 100);
  source.close();
  rmSync(directory, { recursive: true });
});

test('a folder that cannot be written costs the spans, counted as dropped and reported once; the app goes on', async () => {
  const parent = folder();
  chmodSync(parent, 0o500);
  const directory = join(parent, 'store');
  const counters = new HealthCounters();
  const { tracerProvider, tracer } = provider(directory, counters);
  spansAged(tracer, 25, 1000);
  await tracerProvider.forceFlush();
  spansAged(tracer, 5, 1000);
  await tracerProvider.shutdown();
  chmodSync(parent, 0o700);
  // root ignores permissions: then the store is simply written.
  if (process.getuid?.() !== 0) {
    assert.equal(counters.health.signals.traces.dropped, 30);
    assert.equal(existsSync(directory), false);
  }
  rmSync(parent, { recursive: true });
});

test('a database file that is a link, or a corrupt file, is not used: the spans are dropped and counted', async () => {
  for (const plant of ['link', 'corrupt'] as const) {
    const directory = folder();
    chmodSync(directory, 0o700);
    const elsewhere = join(folder(), 'target.db');
    writeFileSync(elsewhere, '');
    if (plant === 'link') symlinkSync(elsewhere, join(directory, 'telemetry.db'));
    else writeFileSync(join(directory, 'telemetry.db'), 'this is not a database, '.repeat(400), { mode: 0o600 });
    const counters = new HealthCounters();
    const { tracerProvider, tracer } = provider(directory, counters);
    spansAged(tracer, 12, 1000);
    await tracerProvider.shutdown();
    assert.equal(counters.health.signals.traces.dropped, 12, plant);
    assert.equal(statSync(elsewhere).size, 0, 'nothing written through the link');
    rmSync(directory, { recursive: true });
  }
});

test('a store folder other users can write in is refused', async () => {
  const directory = folder();
  mkdirSync(join(directory, 'shared'), { mode: 0o777 });
  chmodSync(join(directory, 'shared'), 0o777);
  const counters = new HealthCounters();
  const { tracerProvider, tracer } = provider(join(directory, 'shared'), counters);
  spansAged(tracer, 3, 1000);
  await tracerProvider.shutdown();
  assert.equal(counters.health.signals.traces.dropped, 3);
  assert.equal(existsSync(join(directory, 'shared', 'telemetry.db')), false);
  rmSync(directory, { recursive: true });
});

test('rows beyond the waiting cap are dropped and counted, never held without bound', async () => {
  const directory = folder();
  const store = LocalStore.acquire({ directory, retentionMillis: 0, maxBytes: 0, maxPendingBytes: 1000 });
  const { tracerProvider, tracer } = provider(join(directory, 'unused'));
  const spans: Parameters<LocalStore['offer']>[1][number][] = [];
  const capture = new TracerProvider({
    spanProcessors: [
      {
        onStart: () => undefined,
        onEnd: (span) => void spans.push(span),
        forceFlush: async () => undefined,
        shutdown: async () => undefined,
      },
    ],
  }).getTracer('capture');
  spansAged(capture, 20, 1000);
  assert.equal(store.offer('traces', spans.slice(0, 10)), true);
  assert.equal(store.offer('traces', spans.slice(10)), false);
  await store.release();
  assert.equal(store.counts.traces.dropped, 10);
  assert.equal(store.counts.traces.written, 10);
  await tracerProvider.shutdown();
  void tracer;
  rmSync(directory, { recursive: true });
});

test('node:sqlite loads without its ExperimentalWarning; other warnings still print', () => {
  const loaders = new URL('../../../src/core/loaders.ts', import.meta.url).href;
  const result = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { nodeSqlite } from ${JSON.stringify(loaders)}; const { DatabaseSync } = nodeSqlite(); new DatabaseSync(':memory:'); process.emitWarning('a warning of the application', 'ExperimentalWarning');`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /a warning of the application/);
  assert.doesNotMatch(result.stderr, /SQLite/);
});

test('spans reach the store as soon as a few have ended, not at the batch schedule: they become rows while young', async () => {
  const directory = join(folder(), 'store');
  const { config } = resolveConfig({
    OTEL_TRACES_EXPORTER: 'local',
    GENAI_OTEL_FILE_DIR: directory,
    OTEL_BSP_SCHEDULE_DELAY: '600000',
  });
  const tracerProvider = new TracerProvider({ spanProcessors: createSpanProcessors(config, undefined) });
  const tracer = tracerProvider.getTracer('young');
  for (let index = 0; index < 300; index++) tracer.startSpan(`work ${index}`).end();
  // The schedule is ten minutes and the export batch 512 (the default): only the store's own batch size hands them
  // over now. Waiting is bounded; the assertion is what arrived.
  let written = 0;
  for (let waited = 0; waited < 10_000 && written < 256; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    written = LocalStore.inFolder(directory)?.counts.traces.written ?? 0;
  }
  assert.ok(written >= 256, `${written} of 300 spans written before any flush`);
  await tracerProvider.shutdown();
  rmSync(dirname(directory), { recursive: true, force: true });
});
