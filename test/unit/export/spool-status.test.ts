// The spool's status files, one per process as in the local folder: written 0600 in a 0700 folder, never through a
// planted link, marked ended at shutdown; the first write deletes aged-out files of ended processes (and an earlier
// version's status.json once it is a week old); a spool pointed at the local folder shares the process's file with the
// local exporters, each keeping its part. Doctor adds an earlier version's status.json to the per-process
// files, counts what waits in the folder itself, and says who last found the collector away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
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
import { OtlpDelivery } from '../../../src/export/delivery.ts';
import {
  ENDED_STATUS_KEPT_MILLIS,
  processStatusName,
  writeFolderStatus,
  type StoreStatus,
} from '../../../src/export/folder-status.ts';
import { countSpooled } from '../../../src/export/spool.ts';
import { runChecks } from '../../../src/cli/commands/doctor.ts';
import { closedPort } from '../../support/ports.ts';
import type { SpoolStatusFile } from '../../support/spool-files.ts';
import { localStoreProvider } from '../../support/local-store-provider.ts';

/** A pid no process has (above Linux's pid_max). */
const DEAD_PID = 4_194_400;

async function deliveryTo(directory: string) {
  const url = `http://127.0.0.1:${await closedPort()}/v1/traces`;
  return new OtlpDelivery({
    targets: { traces: { url, headers: {}, compression: 'none', timeoutMillis: 1000 } },
    spool: { directory, maxBytes: 1_000_000 },
  });
}

test('the status file: 0600 in a 0700 folder, not through a link, ended at shutdown; aged-out files deleted', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'spool-status-'));
  const directory = join(parent, 'spool');
  mkdirSync(directory, { mode: 0o700 });
  const victim = join(parent, 'victim.txt');
  writeFileSync(victim, 'must stay as it is');
  symlinkSync(victim, join(directory, processStatusName()));
  const old = new Date(Date.now() - ENDED_STATUS_KEPT_MILLIS - 60_000).toISOString();
  const recent = new Date(Date.now() - 60_000).toISOString();
  const plant = (name: string, status: object) => writeFileSync(join(directory, name), JSON.stringify(status));
  plant(`status.${DEAD_PID}-1.json`, { pid: DEAD_PID, writtenAt: old, endedAt: old });
  plant(`status.${DEAD_PID}-2.json`, { pid: DEAD_PID, writtenAt: recent, endedAt: recent });
  plant('status.json', { pid: DEAD_PID - 1, writtenAt: old });
  const delivery = await deliveryTo(directory);
  assert.equal(await delivery.deliver('traces', 'protobuf', 2, new Uint8Array([1, 2, 3])), 'spooled');
  delivery.beginShutdown(Date.now() + 2000);
  await delivery.shutdown();

  assert.equal(readFileSync(victim, 'utf8'), 'must stay as it is', 'written through the link');
  const own = lstatSync(join(directory, processStatusName()));
  assert.ok(own.isFile());
  assert.equal(own.mode & 0o777, 0o600);
  assert.equal(statSync(directory).mode & 0o777, 0o700);
  const status = JSON.parse(readFileSync(join(directory, processStatusName()), 'utf8')) as SpoolStatusFile;
  assert.equal(status.pid, process.pid);
  assert.equal(typeof status.endedAt, 'string', 'marked ended at shutdown');
  assert.equal(status.signals.traces.spooled, 2);
  assert.equal(status.collectorReachable, false);
  assert.match(status.lastError?.reason ?? '', /ECONNREFUSED/);
  const statusNames = readdirSync(directory).filter((name) => name.startsWith('status'));
  assert.deepEqual(statusNames.sort(), [processStatusName(), `status.${DEAD_PID}-2.json`].sort());
  rmSync(parent, { recursive: true });
});

test("doctor adds an earlier version's status.json to the per-process files and counts the folder itself", async () => {
  const directory = mkdtempSync(join(tmpdir(), 'spool-status-doctor-'));
  const endpoint = `http://127.0.0.1:${await closedPort()}`;
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const counts = (exported: number, spooled: number, replayed: number, dropped: number, exportErrors: number) => ({
    traces: { exported, spooled, replayed, dropped, rejected: 0, exportErrors, permanentErrors: 0 },
  });
  // An earlier genai-otel's single file: the last writer's counts, and its view of the spool (not what is there now).
  writeFileSync(
    join(directory, 'status.json'),
    JSON.stringify({
      pid: DEAD_PID,
      writtenAt: at(30),
      signals: counts(100, 40, 40, 5, 2),
      spool: { entries: 999, bytes: 999_999, writable: true },
      collectorReachable: false,
      lastError: { signal: 'traces', reason: 'ECONNREFUSED', at: at(31) },
    }),
  );
  writeFileSync(
    join(directory, `status.${DEAD_PID - 1}-7.json`),
    JSON.stringify({
      pid: DEAD_PID - 1,
      startedAt: at(20),
      writtenAt: at(10),
      endedAt: at(10),
      signals: counts(10, 20, 0, 3, 4),
      spool: { entries: 2, bytes: 20, writable: true },
      collectorReachable: false,
      lastError: { signal: 'traces', reason: 'HTTP 503', at: at(11) },
    }),
  );
  writeFileSync(
    join(directory, `status.${DEAD_PID - 2}-8.json`),
    JSON.stringify({ pid: DEAD_PID - 2, writtenAt: at(5), signals: counts(7, 0, 0, 0, 0), collectorReachable: true }),
  );
  // Two payloads for one destination, one being sent (claimed), one for another destination; a linked folder is
  // not entered.
  for (const [folder, name] of [
    ['traces-0123456789abcdef', '001765000000000-1-000000.100.traces.protobuf.3.otlp'],
    ['traces-0123456789abcdef', '001765000000001-1-000001.50.traces.protobuf.2.otlp.sending-4194400'],
    ['logs-fedcba9876543210', '001765000000002-1-000000.25.logs.protobuf.1.otlp'],
  ] as const) {
    mkdirSync(join(directory, folder), { recursive: true, mode: 0o700 });
    writeFileSync(join(directory, folder, name), 'x');
  }
  const elsewhere = mkdtempSync(join(tmpdir(), 'spool-status-elsewhere-'));
  writeFileSync(join(elsewhere, '001765000000003-1-000000.1000.metrics.protobuf.9.otlp'), 'x');
  symlinkSync(elsewhere, join(directory, 'metrics-00000000000000aa'));
  const contents = countSpooled(directory);
  assert.deepEqual(
    { entries: contents.entries, bytes: contents.bytes, folders: contents.folders, partial: contents.partial },
    { entries: 3, bytes: 175, folders: 2, partial: false },
  );

  const checks = await runChecks(
    300,
    { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'legacy', GENAI_OTEL_SPOOL_DIR: directory },
    directory,
  );
  const named = (name: string) => checks.find((check) => check.name === name)?.detail ?? JSON.stringify(checks);
  assert.match(named('spool'), /^3 payloads \(175 bytes; traces 5 items, logs 1 item\) wait in .* 2 destinations/);
  assert.match(named('dropped telemetry'), /^traces 8, over 3 processes, dropped by /);
  assert.match(named('dropped telemetry'), new RegExp(`process ${DEAD_PID - 1}, ended \\S+: traces 3`));
  assert.match(named('dropped telemetry'), new RegExp(`process ${DEAD_PID}, ended, as of \\S+: traces 5`));
  assert.match(
    named('spool processes'),
    /^3 processes \(0 running\) exported through this spool, together: traces 117 exported, 60 spooled, 40 replayed, 8 dropped, 6 export errors; each: /,
  );
  // The later of the two errors, and the process that reached the collector after it.
  assert.match(
    named('last export error'),
    new RegExp(
      `^process ${DEAD_PID - 1}, ended \\S+, last found the collector unreachable: traces: HTTP 503 at \\S+; process ${DEAD_PID - 2}, gone without a last word .* reached it since$`,
    ),
  );
  assert.ok(existsSync(join(elsewhere, '001765000000003-1-000000.1000.metrics.protobuf.9.otlp')));
  rmSync(directory, { recursive: true });
  rmSync(elsewhere, { recursive: true });
});

test('a spool in the local folder: the delivery and the local exporters fill one status file, neither erasing the other', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'spool-status-shared-'));
  const delivery = await deliveryTo(directory);
  assert.equal(await delivery.deliver('traces', 'protobuf', 3, new Uint8Array([1, 2, 3])), 'spooled');
  // The local store in the same folder, counting into the same export health, as the preload wires it.
  const { tracerProvider, tracer } = localStoreProvider(
    { directory, retentionMillis: 0, maxBytes: 0 },
    delivery.counters,
  );
  for (let index = 0; index < 9; index++) tracer.startSpan('work').end();
  await tracerProvider.shutdown();
  delivery.beginShutdown(Date.now() + 2000);
  await delivery.shutdown();
  await writeFolderStatus(directory, delivery.counters, undefined);
  const status = JSON.parse(readFileSync(join(directory, processStatusName()), 'utf8')) as SpoolStatusFile & {
    store?: StoreStatus;
  };
  assert.equal(status.store?.signals.traces.written, 9, 'the store part stays after the delivery wrote');
  assert.equal(status.signals.traces.spooled, 3);
  assert.equal(status.collectorReachable, false, 'the spool part stays after the local exporter wrote');
  assert.equal(typeof status.endedAt, 'string', 'a later write does not undo the end mark');
  rmSync(directory, { recursive: true });
});
