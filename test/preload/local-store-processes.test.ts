// Several processes writing one local folder, through the preload as apps run it: two apps writing until told to
// stop, one killed mid-run, and one whose burst overflows the SDK's queue. Each process keeps a status file of its
// own, so `genai-otel doctor` adds up every process's counts and names each one; with one status.json replaced by
// whichever process wrote last, the burst's drops vanished from the report once another process wrote after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastLine, startApp as start } from '../support/running-app.ts';
import { StoreSource } from '../../src/cli/telemetry/store-source.ts';
import { runChecks } from '../../src/cli/commands/doctor.ts';
import { localStoreEnv } from '../support/local-store-env.ts';

const appEnv = (folder: string, settings: Record<string, string> = {}) =>
  localStoreEnv('store-processes', folder, settings);

test('four processes on one store: doctor adds up the drops of one, names all four, and tells the killed one', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-processes-'));
  const folder = join(directory, 'store');
  const stopFile = join(directory, 'stop');
  const writers = [0, 1, 2].map(() => start('store-writer-until-stopped.cjs', appEnv(folder, { STOP_FILE: stopFile })));
  try {
    await Promise.all(writers.map((writer) => writer.ready));
    // One writer dies without a last word; its status file says what it had stored when it last flushed.
    const killed = writers[2]!;
    killed.child.kill('SIGKILL');
    await killed.done;
    // A burst whose spans overflow the SDK's queue, while the other two go on writing (and write status after it).
    const burstRun = start(
      'sync-spans-producer.cjs',
      appEnv(folder, {
        SPANS: '20000',
        OTEL_BSP_MAX_QUEUE_SIZE: '64',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '64',
        THEN: 'shutdown',
      }),
    );
    const burst = await burstRun.done;
    assert.equal(burst.code, 0, burst.stderr);
    const burstDropped = lastLine<{ health: { signals: { traces: { dropped: number } } } }>(burst.stdout).health.signals
      .traces.dropped;
    assert.ok(burstDropped > 0, burst.stdout);
    // The two writers keep going a little after the burst ended, then stop.
    await new Promise((resolve) => setTimeout(resolve, 500));
    writeFileSync(stopFile, '');
    const ended = await Promise.all(writers.slice(0, 2).map((writer) => writer.done));
    for (const run of ended) assert.equal(run.code, 0, run.stderr);

    // A process killed mid-write may leave its temporary file: only the status files count.
    const statusFiles = readdirSync(folder).filter((name) => /^status\.\d+-\d+\.json$/.test(name));
    assert.equal(statusFiles.length, 4, readdirSync(folder).join(', '));
    const own = statusFiles.map(
      (name) =>
        JSON.parse(readFileSync(join(folder, name), 'utf8')) as {
          pid: number;
          store: { signals: { traces: { dropped: number } } };
        },
    );
    const checks = (
      await runChecks(300, { OTEL_TRACES_EXPORTER: 'local', GENAI_OTEL_FILE_DIR: folder }, folder)
    ).filter((check) => check.name.includes('local store'));
    const drops = checks.find((check) => check.name === 'dropped telemetry (local store)');
    assert.equal(drops?.status, 'warn', JSON.stringify(checks));
    // The total is every process's drops added up: the burst's, and any a writer had on a loaded machine.
    const total = own.reduce((sum, status) => sum + status.store.signals.traces.dropped, 0);
    assert.ok(total >= burstDropped);
    assert.equal(own.find((status) => status.pid === burstRun.child.pid)?.store.signals.traces.dropped, burstDropped);
    assert.match(
      drops.detail,
      new RegExp(`^traces ${total.toLocaleString('en-US')} of [\\d,]+ \\(queue full [\\d,]+\\), over 4 processes: `),
    );
    assert.match(
      drops.detail,
      new RegExp(`process ${burstRun.child.pid!}, ended \\S+: traces ${burstDropped.toLocaleString('en-US')} of `),
    );
    const processes = checks.find((check) => check.name === 'local store processes');
    assert.ok(processes !== undefined, JSON.stringify(checks));
    assert.match(processes.detail, /^4 processes \(0 running\) wrote here: /);
    for (const writer of writers) assert.match(processes.detail, new RegExp(`process ${writer.child.pid!}, `));
    assert.match(processes.detail, new RegExp(`process ${killed.child.pid!}, gone without a last word`));
    for (const writer of writers.slice(0, 2))
      assert.match(processes.detail, new RegExp(`process ${writer.child.pid!}, ended `));
    // What the two writers that ended made is all stored, and all counted.
    const made = ended.reduce((sum, run) => sum + lastLine<{ spans: number }>(run.stdout).spans, 0);
    const source = StoreSource.open(folder)!;
    let stored: number;
    try {
      stored = Number(source.db.prepare('SELECT count(*) AS n FROM spans').get()!.n);
    } finally {
      source.close();
    }
    assert.ok(stored >= made + 20_000 - burstDropped, `${stored} stored, ${made} made by the writers`);
  } finally {
    for (const writer of writers) writer.child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
});
