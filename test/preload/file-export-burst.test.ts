// The `file` exporter under a burst of agent turns: every span reaches the files, as over OTLP with the collector away
// (it spools), and what is still dropped is counted in the export health, never only in one line at exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, runFixture } from '../support/run-fixture.ts';
import { spansOf } from '../../src/cli/telemetry/otlp-json.ts';
import { runChecks, type Check } from '../../src/cli/commands/doctor.ts';

interface Outcome {
  spans: number;
  inFiles: number;
  dropped: number | undefined;
  stderr: string;
  /** What `genai-otel doctor` says about the files afterwards. */
  doctor: Check[];
}

async function burst(settings: Record<string, string>): Promise<Outcome> {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-file-burst-'));
  const clean: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('OTEL_') && !key.startsWith('GENAI_OTEL_')) clean[key] = value;
  const result = await runFixture(fixture('agent-turns-producer.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env: {
      ...clean,
      OTEL_SERVICE_NAME: 'file-burst',
      OTEL_TRACES_EXPORTER: 'file',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      GENAI_OTEL_FILE_DIR: join(directory, 'files'),
      GENAI_OTEL_FILE_MAX_BYTES: String(1 << 30),
      ...settings,
    },
    timeoutMillis: 120_000,
  });
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {
    spans: number;
    health?: { signals: { traces: { dropped: number } } };
  };
  let inFiles = 0;
  const folder = join(directory, 'files');
  for (const name of readdirSync(folder).filter((file) => file.startsWith('traces.'))) {
    for (const line of readFileSync(join(folder, name), 'utf8').split('\n'))
      if (line !== '') inFiles += spansOf(JSON.parse(line)).length;
  }
  const doctor = await runChecks(500, { OTEL_TRACES_EXPORTER: 'file', GENAI_OTEL_FILE_DIR: folder }, directory);
  rmSync(directory, { recursive: true });
  return {
    spans: report.spans,
    inFiles,
    dropped: report.health?.signals.traces.dropped,
    stderr: result.stderr,
    doctor: doctor.filter((check) => check.name.includes('local files')),
  };
}

test('a burst of 100,000 spans (20,000 agent turns, 64 at a time) ends up whole in traces.jsonl', async () => {
  // A queue smaller than the default makes the test as sensitive on a fast disk as the default queue is on a slow one:
  // when the exporter held the processor until each append was on disk, about a quarter of this burst was dropped.
  const outcome = await burst({
    TURNS: '20000',
    PAUSE: 'immediate',
    OTEL_BSP_MAX_QUEUE_SIZE: '4096',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1024',
  });
  assert.equal(outcome.spans, 100_000);
  assert.equal(outcome.inFiles, outcome.spans, outcome.stderr);
  assert.equal(outcome.dropped, 0);
  assert.deepEqual(
    outcome.doctor.map((check) => check.status),
    ['ok'],
  );
});

test('a burst that never yields to the event loop (awaited work that returns at once) ends up whole too', async () => {
  // The SDK held every export until the resource's asynchronous host.id settled, which needs an event-loop turn: the
  // queue overflowed and most of such a burst was dropped. host.id is now read when the SDK starts.
  const outcome = await burst({
    TURNS: '4000',
    OTEL_BSP_MAX_QUEUE_SIZE: '2048',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512',
  });
  assert.equal(outcome.spans, 20_000);
  assert.equal(outcome.inFiles, outcome.spans, outcome.stderr);
  assert.equal(outcome.dropped, 0);
});
