// Several processes of one service sharing its spool, through the preload as apps run it, the collector away (a closed
// loopback port): two apps exporting until told to stop, one killed mid-run, and one whose burst overflows the SDK's
// queue. Each process keeps a status file of its own in the spool folder, so `genai-otel doctor` adds up every
// process's counts and names the one that dropped; with one status.json replaced by whichever process wrote last, the
// burst's drops vanished from doctor once another process wrote after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChecks } from '../../src/cli/commands/doctor.ts';
import { closedPort } from '../support/ports.ts';
import { otelEnv } from '../support/run-fixture.ts';
import { lastLine, startApp } from '../support/running-app.ts';
import { spooledItems, spoolStatusFiles, type SpoolStatusFile } from '../support/spool-files.ts';

const SERVICE = 'spool-processes';
const number = (value: number) => value.toLocaleString('en-US');

test('four processes on one spool: doctor adds up their counts, names the one that dropped, and the killed one', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-spool-processes-'));
  const spool = join(directory, 'spool');
  const stopFile = join(directory, 'stop');
  const endpoint = `http://127.0.0.1:${await closedPort()}`;
  const env = (settings: Record<string, string> = {}) =>
    otelEnv(endpoint, {
      OTEL_SERVICE_NAME: SERVICE,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      GENAI_OTEL_SPOOL_DIR: spool,
      STATUS_DIR: spool,
      ...settings,
    });
  const writers = [0, 1, 2].map(() => startApp('store-writer-until-stopped.cjs', env({ STOP_FILE: stopFile })));
  try {
    await Promise.all(writers.map((writer) => writer.ready));
    // One writer dies without a last word; its status file says what it had counted when it last wrote.
    const killed = writers[2]!;
    killed.child.kill('SIGKILL');
    await killed.done;
    // A burst whose spans overflow the SDK's queue, while the other two go on spooling (and write status after it).
    const burstRun = startApp(
      'sync-spans-producer.cjs',
      env({ SPANS: '20000', OTEL_BSP_MAX_QUEUE_SIZE: '64', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '64', THEN: 'shutdown' }),
    );
    const burst = await burstRun.done;
    assert.equal(burst.code, 0, burst.stderr);
    const burstDropped = lastLine<{ health: { signals: { traces: { dropped: number } } } }>(burst.stdout).health.signals
      .traces.dropped;
    assert.ok(burstDropped > 0, burst.stdout);
    // The two writers keep going a little after the burst ended (their status files are written after its), then stop.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    writeFileSync(stopFile, '');
    const ended = await Promise.all(writers.slice(0, 2).map((writer) => writer.done));
    for (const run of ended) assert.equal(run.code, 0, run.stderr);

    const names = spoolStatusFiles(spool);
    assert.equal(names.length, 4, readdirSync(spool).join(', '));
    assert.equal(statSync(spool).mode & 0o777, 0o700);
    for (const name of names) assert.equal(statSync(join(spool, name)).mode & 0o777, 0o600, name);
    const own = names.map((name) => JSON.parse(readFileSync(join(spool, name), 'utf8')) as SpoolStatusFile);
    const byPid = (pid: number | undefined) => own.find((status) => status.pid === pid);
    assert.equal(byPid(burstRun.child.pid)?.signals.traces.dropped, burstDropped);
    assert.equal(byPid(killed.child.pid)?.endedAt, undefined, 'the killed process wrote no last status');
    for (const run of [burstRun, ...writers.slice(0, 2)])
      assert.equal(typeof byPid(run.child.pid)?.endedAt, 'string', `process ${run.child.pid} marked its file ended`);

    const checks = await runChecks(
      300,
      { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: SERVICE, GENAI_OTEL_SPOOL_DIR: spool },
      directory,
    );
    const named = (name: string) => {
      const check = checks.find((each) => each.name === name);
      assert.ok(check !== undefined, `${name}: ${JSON.stringify(checks)}`);
      return check;
    };
    // Every process's drops added up (the burst's, and any a writer had on a loaded machine), the dropper named.
    const totalDropped = own.reduce((sum, status) => sum + (status.signals.traces.dropped ?? 0), 0);
    const drops = named('dropped telemetry');
    assert.equal(drops.status, 'warn');
    assert.match(drops.detail, new RegExp(`^traces ${number(totalDropped)}, over 4 processes, dropped by `));
    assert.match(
      drops.detail,
      new RegExp(`process ${burstRun.child.pid!}, ended \\S+: traces ${number(burstDropped)}`),
    );
    // The sums of the other counters too, and every process named with what became of it.
    const totalSpooled = own.reduce((sum, status) => sum + (status.signals.traces.spooled ?? 0), 0);
    const totalErrors = own.reduce((sum, status) => sum + (status.signals.traces.exportErrors ?? 0), 0);
    assert.ok(totalSpooled > 0 && totalErrors > 0, JSON.stringify(own));
    const processes = named('spool processes');
    assert.match(
      processes.detail,
      new RegExp(
        `^4 processes \\(0 running\\) exported through this spool, together: traces ${number(totalSpooled)} spooled, ${number(totalDropped)} dropped, ${number(totalErrors)} export errors; each: `,
      ),
    );
    assert.match(processes.detail, new RegExp(`process ${killed.child.pid!}, gone without a last word`));
    for (const run of [burstRun, ...writers.slice(0, 2)])
      assert.match(processes.detail, new RegExp(`process ${run.child.pid!}, ended `));
    // doctor --json carries the same figures.
    const data = processes.data as { totals: { traces: { dropped: number } }; processes: { pid: number }[] };
    assert.equal(data.totals.traces.dropped, totalDropped);
    assert.deepEqual(data.processes.map((each) => each.pid).sort(), own.map((status) => status.pid).sort());
    // What waits is counted in the folder itself: what the processes spooled and nobody replayed.
    const waiting = named('spool');
    assert.equal(waiting.status, 'warn');
    assert.match(waiting.detail, new RegExp(`; traces ${number(spooledItems(spool))} items\\) wait in `));
    // The process that last found the collector away, and why.
    const lastError = named('last export error');
    assert.match(lastError.detail, /^process \d+, .*, last found the collector unreachable: traces: .*ECONNREFUSED/);
    const errorPid = Number(/^process (\d+)/.exec(lastError.detail)![1]);
    const latestError = own.reduce((latest, status) =>
      Date.parse(status.lastError?.at ?? '') > Date.parse(latest.lastError?.at ?? '') ? status : latest,
    );
    assert.equal(errorPid, latestError.pid);
  } finally {
    for (const writer of writers) writer.child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
});
