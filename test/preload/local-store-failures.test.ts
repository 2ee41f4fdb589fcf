// The local store's real failure modes, through the preload as an app runs it: a full disk (a file size limit set
// with prlimit, which the kernel enforces with EFBIG), a read-only folder, a store another process keeps locked, and
// a queue too small for a burst. Each time the app prints what it always prints and exits 0, one line on stderr says
// what happened, the app's status file in the folder counts every span as written or dropped (with the reason), and
// `genai-otel doctor` warns or fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, repositoryRoot } from '../support/run-fixture.ts';
import { StoreSource } from '../../src/cli/telemetry/store-source.ts';
import { runChecks, type Check } from '../../src/cli/commands/doctor.ts';
import type { FolderStatus, StoreStatus } from '../../src/export/folder-status.ts';
import { readFolderStatuses } from '../../src/cli/commands/folder-statuses.ts';
import { localStoreEnv } from '../support/local-store-env.ts';

const NOBODY = 65534;
/** root ignores file modes: the read-only folder is then tried as `nobody`, who owns the folder. */
const asRoot = process.getuid?.() === 0;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnRun(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  uid?: number,
  timeoutMillis = 120_000,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repositoryRoot, env, uid, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not end in ${timeoutMillis} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMillis);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const appEnv = (folder: string, settings: Record<string, string> = {}) =>
  localStoreEnv('store-failures', folder, settings);

const producer = ['--require', 'genai-otel/register', fixture('agent-turns-producer.cjs')];

/** The app's own last line: `{ spans, health }`, as the fixture prints it in every case. */
function appLine(run: Run): { spans: number } {
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1, run.stdout);
  return JSON.parse(lines[0]!) as { spans: number };
}

/** The one app's status file in the folder. */
function appStatus(folder: string): FolderStatus {
  const entries = readFolderStatuses(folder);
  assert.equal(entries.length, 1, entries.map((entry) => entry.name).join(', '));
  return entries[0]!.status;
}

function storeStatus(folder: string): StoreStatus {
  const status = appStatus(folder);
  assert.ok(status.store !== undefined, 'the status file has no store section');
  return status.store;
}

function storedSpans(folder: string): number {
  const source = StoreSource.open(folder)!;
  try {
    return Number(source.db.prepare('SELECT count(*) AS n FROM spans').get()!.n);
  } finally {
    source.close();
  }
}

/** Lines of genai-otel's on stderr matching `pattern`. */
const linesMatching = (stderr: string, pattern: RegExp) =>
  stderr.split('\n').filter((line) => line.startsWith('genai-otel:') && pattern.test(line));

async function doctorOn(folder: string): Promise<Check[]> {
  return (await runChecks(300, { OTEL_TRACES_EXPORTER: 'local', GENAI_OTEL_FILE_DIR: folder }, folder)).filter(
    (check) => check.name.includes('local store'),
  );
}

test('a full disk (a 2 MB file size limit): the rows the disk refuses are dropped as diskFull, the rest stored; the app is untouched', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-full-'));
  const folder = join(directory, 'store');
  const run = await spawnRun(
    'prlimit',
    [`--fsize=${2_000_000}`, process.execPath, ...producer],
    appEnv(folder, { TURNS: '2000', CONTENT_BYTES: '2000' }),
  );
  const made = appLine(run).spans;
  assert.equal(linesMatching(run.stderr, /disk refused a write/).length, 1, run.stderr);
  const status = storeStatus(folder);
  const traces = status.signals.traces;
  assert.ok(traces.droppedBy.diskFull > 0, JSON.stringify(status));
  assert.ok(traces.written > 0);
  // Every span is accounted for: stored, or dropped with a reason.
  assert.equal(traces.written + traces.dropped, made);
  assert.equal(
    Object.values(traces.droppedBy).reduce((sum, rows) => sum + rows, 0),
    traces.dropped,
  );
  assert.equal(storedSpans(folder), traces.written);
  const doctor = await doctorOn(folder);
  const drops = doctor.find((check) => check.name === 'dropped telemetry (local store)');
  assert.equal(drops?.status, 'warn', JSON.stringify(doctor));
  assert.match(drops.detail, /disk full/);
  assert.match(drops.fix ?? '', /free disk space/);
  rmSync(directory, { recursive: true });
});

for (const existing of [false, true])
  test(`a read-only store folder (${existing ? 'its store made read-only after a first run' : 'empty'}): every span dropped as unusable, one line, and doctor fails the store`, async () => {
    const directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-readonly-'));
    chmodSync(directory, 0o755);
    const folder = join(directory, 'store');
    mkdirSync(folder, { mode: 0o700 });
    const uid = asRoot ? NOBODY : undefined;
    if (asRoot) chownSync(folder, NOBODY, NOBODY);
    if (existing) {
      appLine(await spawnRun(process.execPath, producer, appEnv(folder, { TURNS: '20' }), uid));
      for (const name of readdirSync(folder)) chmodSync(join(folder, name), 0o400);
    }
    chmodSync(folder, 0o500);
    const run = await spawnRun(
      process.execPath,
      ['--require', 'genai-otel/register', fixture('sync-spans-producer.cjs')],
      appEnv(folder, { SPANS: '1000', THEN: 'shutdown' }),
      uid,
    );
    const made = appLine(run).spans;
    assert.equal(linesMatching(run.stderr, /local store/).length, 1, run.stderr);
    const report = JSON.parse(run.stdout) as { health: { signals: { traces: { dropped: number } } } };
    assert.equal(report.health.signals.traces.dropped, made);
    // The doctor as the user the app runs as (root may write anywhere).
    const doctor = await spawnRun(
      process.execPath,
      [join(repositoryRoot, 'dist/cli/genai-otel.js'), 'doctor', '--json', '--timeout', '300'],
      appEnv(folder),
      uid,
    );
    const checks = (JSON.parse(doctor.stdout) as Check[]).filter((check) => check.name.includes('local store'));
    const file = checks.find((check) => check.name === 'local store');
    assert.equal(file?.status, 'fail', doctor.stdout);
    assert.match(file.detail, /cannot be (written|created)/);
    assert.equal(doctor.code, 1);
    chmodSync(folder, 0o700);
    rmSync(directory, { recursive: true });
  });

test('a store another process keeps locked: the app still exits, its spans dropped as locked and counted', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-locked-'));
  const folder = join(directory, 'store');
  mkdirSync(folder, { mode: 0o700 });
  // A long transaction of another process (a database tool, a long import) on the same file.
  const holder: ChildProcess = spawn(
    process.execPath,
    [
      '-e',
      `const { DatabaseSync } = require('node:sqlite');
       const db = new DatabaseSync(process.argv[1]);
       db.exec('PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS other (x); BEGIN IMMEDIATE; INSERT INTO other VALUES (1)');
       console.log('locked');
       setInterval(() => undefined, 1000);`,
      join(folder, 'telemetry.db'),
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  try {
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    const run = await spawnRun(process.execPath, producer, appEnv(folder, { TURNS: '200' }));
    const made = appLine(run).spans;
    assert.equal(linesMatching(run.stderr, /locked/).length, 1, run.stderr);
    const status = storeStatus(folder);
    assert.equal(status.signals.traces.droppedBy.locked, made, JSON.stringify(status));
    assert.equal(status.signals.traces.written, 0);
    const drops = (await doctorOn(folder)).find((check) => check.name === 'dropped telemetry (local store)');
    assert.equal(drops?.status, 'warn');
    assert.match(drops.detail, /locked by another process/);
  } finally {
    holder.kill();
  }
  rmSync(directory, { recursive: true });
});

test("spans the SDK's queue drops in a burst are in the store's status as queueFull, with the export health's count", async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-queue-'));
  const folder = join(directory, 'store');
  const run = await spawnRun(
    process.execPath,
    ['--require', 'genai-otel/register', fixture('sync-spans-producer.cjs')],
    appEnv(folder, {
      SPANS: '20000',
      OTEL_BSP_MAX_QUEUE_SIZE: '64',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '64',
    }),
  );
  const made = appLine(run).spans;
  const status = storeStatus(folder);
  const traces = status.signals.traces;
  const health = appStatus(folder).signals!.traces!;
  assert.ok(traces.droppedBy.queueFull > 0, JSON.stringify(status));
  assert.equal(traces.dropped, health.dropped);
  assert.equal(traces.written + traces.dropped, made);
  assert.equal(storedSpans(folder), traces.written);
  assert.equal((await doctorOn(folder)).find((check) => check.name.startsWith('dropped'))?.status, 'warn');
  rmSync(directory, { recursive: true });
});

for (const how of ['--require', 'NODE_OPTIONS'] as const)
  test(`the store's thread does not run the preload again (${how}): a configuration warning is printed once and the app exits`, async () => {
    const directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-preload-'));
    const folder = join(directory, 'store');
    // An export batch larger than the queue draws a warning from the preload; printed in the store's thread too, it
    // was left unread there and kept the app from ever exiting.
    const settings = { SPANS: '2000', OTEL_BSP_MAX_QUEUE_SIZE: '64', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048' };
    const script = fixture('sync-spans-producer.cjs');
    const run =
      how === '--require'
        ? await spawnRun(
            process.execPath,
            ['--require', 'genai-otel/register', script],
            appEnv(folder, settings),
            undefined,
            60_000,
          )
        : await spawnRun(
            process.execPath,
            [script],
            { ...appEnv(folder, settings), NODE_OPTIONS: '--require genai-otel/register' },
            undefined,
            60_000,
          );
    assert.equal(appLine(run).spans, 2000);
    assert.equal(linesMatching(run.stderr, /OTEL_BSP_MAX_EXPORT_BATCH_SIZE="2048" is not valid/).length, 1, run.stderr);
    rmSync(directory, { recursive: true });
  });
