// The `local` exporter under load, through the preload as an app uses it: a burst of agent turns and a sustained
// rate reach telemetry.db whole, four processes writing to one store at once lose nothing, and what the SDK's queue
// still drops is counted in the export health. Counts, not times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, runFixture } from '../support/run-fixture.ts';
import { StoreSource } from '../../src/cli/telemetry/store-source.ts';

interface Outcome {
  spans: number;
  dropped: number | undefined;
  stderr: string;
}

function cleanEnv(): Record<string, string | undefined> {
  const clean: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('OTEL_') && !key.startsWith('GENAI_OTEL_')) clean[key] = value;
  return clean;
}

async function produce(folder: string, settings: Record<string, string>): Promise<Outcome> {
  const result = await runFixture(fixture('agent-turns-producer.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env: {
      ...cleanEnv(),
      OTEL_SERVICE_NAME: 'store-burst',
      OTEL_TRACES_EXPORTER: 'local',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      GENAI_OTEL_FILE_DIR: folder,
      ...settings,
    },
    timeoutMillis: 240_000,
  });
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {
    spans: number;
    health?: { signals: { traces: { dropped: number } } };
  };
  return { spans: report.spans, dropped: report.health?.signals.traces.dropped, stderr: result.stderr };
}

function stored(folder: string): number {
  const source = StoreSource.open(folder)!;
  try {
    return Number(source.db.prepare('SELECT count(*) AS n FROM spans').get()!.n);
  } finally {
    source.close();
  }
}

test('a burst of 100,000 spans (20,000 agent turns, 64 at a time) is stored whole, nothing dropped', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-burst-'));
  const folder = join(directory, 'store');
  // The file exporter's test uses the same smaller-than-default queue: as sensitive on a fast disk as the default on a
  // slow one.
  const outcome = await produce(folder, {
    TURNS: '20000',
    PAUSE: 'immediate',
    OTEL_BSP_MAX_QUEUE_SIZE: '4096',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1024',
  });
  assert.equal(outcome.spans, 100_000);
  assert.equal(stored(folder), outcome.spans, outcome.stderr);
  assert.equal(outcome.dropped, 0);
  assert.doesNotMatch(outcome.stderr, /SQLite|ExperimentalWarning/);
  rmSync(directory, { recursive: true });
});

test('a sustained 20,000 spans/s (4,000 agent turns a second, default queue) is stored whole', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-rate-'));
  const folder = join(directory, 'store');
  const outcome = await produce(folder, { TURNS: '8000', TURNS_PER_SECOND: '4000' });
  assert.equal(outcome.spans, 40_000);
  assert.equal(outcome.dropped, 0, outcome.stderr);
  assert.equal(stored(folder), outcome.spans);
  rmSync(directory, { recursive: true });
});

test('four processes writing to one store at once: every span of each is stored', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-four-'));
  const folder = join(directory, 'store');
  const outcomes = await Promise.all(
    [1, 2, 3, 4].map(() => produce(folder, { TURNS: '3000', PAUSE: 'immediate', OTEL_BSP_MAX_QUEUE_SIZE: '4096' })),
  );
  for (const outcome of outcomes) assert.equal(outcome.dropped, 0, outcome.stderr);
  assert.equal(stored(folder), 4 * 15_000);
  rmSync(directory, { recursive: true });
});

test('a burst that never yields to the event loop: every span is stored or counted as dropped (stored + dropped = made)', async () => {
  // host.id is read when the SDK starts (no export waits for an event-loop turn), so such a burst is now stored whole;
  // whatever the queue still drops must be counted, never lost silently.
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-drops-'));
  const folder = join(directory, 'store');
  const outcome = await produce(folder, {
    TURNS: '4000',
    OTEL_BSP_MAX_QUEUE_SIZE: '2048',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512',
  });
  assert.equal(outcome.spans, 20_000);
  assert.ok(outcome.dropped !== undefined, outcome.stderr);
  assert.equal(stored(folder) + outcome.dropped, outcome.spans);
  if (outcome.dropped > 0) assert.match(outcome.stderr, /spans were dropped because the span queue/);
  rmSync(directory, { recursive: true });
});
