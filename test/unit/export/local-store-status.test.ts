// The local store's state in status.json and `genai-otel doctor`: a healthy store is ok with the time it covers and
// the retention in force; a store SQLite finds full (max_page_count, through the test-only extraPragmas) counts its
// drops as diskFull; a size cap that deleted data younger than the age limit is a warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalStoreOptions } from '../../../src/export/local-store.ts';
import { HealthCounters } from '../../../src/export/health.ts';
import { processStatusName, type StoreStatus } from '../../../src/export/folder-status.ts';
import { runChecks } from '../../../src/cli/commands/doctor.ts';
import { localStoreProvider } from '../../support/local-store-provider.ts';

const DAY = 86_400_000;

const provider = (options: LocalStoreOptions, counters = new HealthCounters()) =>
  localStoreProvider(options, counters, 'store-status');

function statusOf(directory: string): { store: StoreStatus; signals: { traces: { dropped: number } } } {
  return JSON.parse(readFileSync(join(directory, processStatusName()), 'utf8')) as {
    store: StoreStatus;
    signals: { traces: { dropped: number } };
  };
}

async function storeChecks(directory: string, env: Record<string, string> = {}) {
  const checks = await runChecks(
    300,
    { OTEL_TRACES_EXPORTER: 'local', GENAI_OTEL_FILE_DIR: directory, ...env },
    directory,
  );
  return checks.filter((check) => check.name.includes('local store'));
}

test('a healthy store: status.json carries its path, size, retention and oldest time; doctor says ok', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-status-'));
  const { tracerProvider, tracer } = provider({ directory, retentionMillis: 7 * DAY, maxBytes: 1 << 30 });
  const start = Date.now() - 3_600_000;
  for (let index = 0; index < 40; index++)
    tracer.startSpan('work', { startTime: start + index }).end(start + index + 5);
  await tracerProvider.shutdown();
  const status = statusOf(directory);
  assert.equal(statSync(join(directory, processStatusName())).mode & 0o777, 0o600);
  assert.equal(status.store.path, join(directory, 'telemetry.db'));
  assert.equal(status.store.state, 'ok');
  assert.equal(status.store.signals.traces.written, 40);
  assert.equal(status.store.signals.traces.dropped, 0);
  assert.deepEqual(status.store.retention, { maxAgeMillis: 7 * DAY, maxBytes: 1 << 30 });
  assert.equal(status.store.oldestKept, new Date(start).toISOString());
  assert.ok(status.store.bytes >= statSync(join(directory, 'telemetry.db')).size && status.store.bytes > 0);
  const checks = await storeChecks(directory, { GENAI_OTEL_LOCAL_RETENTION: '7d' });
  assert.deepEqual(
    checks.map((check) => check.status),
    ['ok', 'info'],
    JSON.stringify(checks),
  );
  assert.match(checks[1]!.detail, new RegExp(`^1 process \\(0 running\\) wrote here: process ${process.pid}, ended `));
  assert.match(checks[0]!.detail, new RegExp(`spans from ${new Date(start).toISOString()}`));
  assert.match(checks[0]!.detail, /keeps 7d \(GENAI_OTEL_LOCAL_RETENTION\), at most 1 GiB/);
  rmSync(directory, { recursive: true });
});

test('a store SQLite finds full (max_page_count): later batches dropped as diskFull, counted in the export health too', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-status-'));
  const { tracerProvider, tracer, counters } = provider({
    directory,
    retentionMillis: 0,
    maxBytes: 0,
    extraPragmas: 'PRAGMA max_page_count = 64',
  });
  const padding = 'x'.repeat(1000);
  for (let index = 0; index < 2000; index++) tracer.startSpan('work', { attributes: { padding } }).end();
  await tracerProvider.shutdown();
  const { store, signals } = statusOf(directory);
  assert.ok(store.signals.traces.droppedBy.diskFull > 0, JSON.stringify(store));
  assert.equal(store.signals.traces.written + store.signals.traces.dropped, 2000);
  assert.equal(signals.traces.dropped, store.signals.traces.dropped);
  assert.equal(counters.health.signals.traces.dropped, store.signals.traces.dropped);
  assert.equal(store.lastError?.reason, 'diskFull');
  const drops = (await storeChecks(directory)).find((check) => check.name === 'dropped telemetry (local store)');
  assert.equal(drops?.status, 'warn');
  assert.match(drops.detail, /traces [\d,]+ of 2,000 \(disk full [\d,]+\)/);
  rmSync(directory, { recursive: true });
});

test('a size cap that deletes spans younger than the age limit: counted, and doctor warns to raise the cap', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-status-'));
  const { tracerProvider, tracer, exporter } = provider({ directory, retentionMillis: 7 * DAY, maxBytes: 1024 * 1024 });
  const padding = 'x'.repeat(2000);
  // 1,500 spans of ~2 KB over the last day, well within the 7 days asked for: the 1 MiB cap deletes the oldest.
  for (let index = 0; index < 1500; index++) {
    const start = Date.now() - DAY + index * 1000;
    tracer.startSpan('work', { startTime: start, attributes: { padding } }).end(start + 5);
  }
  await tracerProvider.forceFlush();
  await exporter.store.retain();
  await tracerProvider.shutdown();
  const { store } = statusOf(directory);
  assert.ok(store.deleted.bySizeWithinAge > 0, JSON.stringify(store));
  assert.equal(store.deleted.bySizeWithinAge, store.deleted.total);
  assert.ok(Date.parse(store.oldestKept!) > Date.now() - DAY);
  const retention = (await storeChecks(directory)).find((check) => check.name === 'local store retention');
  assert.equal(retention?.status, 'warn');
  assert.match(retention.detail, /the size cap \(1 MiB\) deleted [\d,]+ spans and log records younger than the 7d/);
  assert.match(retention.fix ?? '', /GENAI_OTEL_LOCAL_MAX_BYTES/);
  rmSync(directory, { recursive: true });
});

test('a process that stored nothing leaves an earlier status file alone', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-status-'));
  const first = provider({ directory, retentionMillis: 0, maxBytes: 0 });
  first.tracer.startSpan('work').end();
  await first.tracerProvider.shutdown();
  const before = readFileSync(join(directory, processStatusName()), 'utf8');
  const idle = provider({ directory, retentionMillis: 0, maxBytes: 0 });
  await idle.tracerProvider.shutdown();
  assert.equal(readFileSync(join(directory, processStatusName()), 'utf8'), before);
  rmSync(directory, { recursive: true });
});

test("the store's turns on the event loop: counted in the status file and by doctor; long spans spread over more turns", async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-turns-'));
  const { tracerProvider, tracer } = provider({ directory, retentionMillis: 0, maxBytes: 0 });
  const start = Date.now() - 60_000;
  for (let index = 0; index < 200; index++) tracer.startSpan('small', { startTime: start }).end(start + 1);
  // A long answer recorded on the span: 400 KB of JSON each, far more than a turn's time budget can turn into rows.
  const answer = 'x'.repeat(400_000);
  for (let index = 0; index < 40; index++)
    tracer.startSpan('chat', { startTime: start, attributes: { 'gen_ai.output.messages': answer } }).end(start + 1);
  await tracerProvider.shutdown();
  const { store } = statusOf(directory);
  assert.equal(store.signals.traces.written, 240);
  const holds = store.eventLoop!;
  // 32 items a turn at most: 8 turns for 240 spans. Forty spans of 400 KB cannot fit in a few turns of 0.25 ms each
  // (8 of them in one would be 13 GB/s), so the budget cuts the turns short.
  assert.ok(holds.turns >= 15, `${holds.turns} turns`);
  assert.ok(holds.overOneMillisecond <= holds.turns && holds.longestMillis > 0, JSON.stringify(holds));
  const processes = (await storeChecks(directory)).find((check) => check.name === 'local store processes')!;
  assert.match(processes.detail, new RegExp(`event loop held in ${holds.turns} turns, \\d+ over 1 ms, longest`));
  rmSync(directory, { recursive: true, force: true });
});
