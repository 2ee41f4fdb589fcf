// The status files in the local folder, one per process: what is running, ended, or gone without a last word (pids
// are reused: of two files with one pid only the later start can be alive); files of ended processes age out when a
// process writes the folder (by age, then by number, those with drops kept longest); the single status.json of earlier
// versions is still read by doctor, added to the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ENDED_STATUS_KEPT_MILLIS,
  MAX_ENDED_STATUSES,
  agedOutStatuses,
  classifyStatuses,
  processStatusName,
  writeFolderStatus,
  type FolderStatus,
} from '../../../src/export/folder-status.ts';
import { readFolderStatuses } from '../../../src/cli/commands/folder-statuses.ts';
import { runChecks } from '../../../src/cli/commands/doctor.ts';

const NOW = Date.parse('2026-12-07T12:00:00Z');
/** A pid no process has (above Linux's pid_max). */
const DEAD_PID = 4_194_400;

const file = (name: string, status: FolderStatus, writtenMillis = NOW) => ({ name, status, writtenMillis });

test('running, ended, or gone: from the end mark, the pid, and a later start of the same pid', () => {
  const alive = (pid: number) => pid === 10 || pid === 1;
  const states = classifyStatuses(
    [
      file('status.10-100.json', { pid: 10 }),
      file('status.11-100.json', { pid: 11 }),
      file('status.12-100.json', { pid: 12, endedAt: new Date(NOW).toISOString() }),
      // A container restarted: pid 1 again; the earlier run's file cannot be the running process's.
      file('status.1-100.json', { pid: 1 }),
      file('status.1-200.json', { pid: 1 }),
      file('status.json', { pid: DEAD_PID }),
    ],
    alive,
  ).map((entry) => [entry.name, entry.state, entry.legacy]);
  assert.deepEqual(states, [
    ['status.10-100.json', 'running', false],
    ['status.11-100.json', 'vanished', false],
    ['status.12-100.json', 'ended', false],
    ['status.1-100.json', 'vanished', false],
    ['status.1-200.json', 'running', false],
    ['status.json', 'ended', true],
  ]);
});

test('aging: ended files past the age go, then the oldest beyond the cap, those with drops last; running ones stay', () => {
  const dropped = { signals: { traces: { dropped: 3 } } };
  const files = [
    file('status.1-1.json', { pid: 1 }, NOW - ENDED_STATUS_KEPT_MILLIS - 1),
    file('status.2-1.json', { pid: 2, endedAt: 'x' }, NOW - ENDED_STATUS_KEPT_MILLIS - 1),
    file('status.3-1.json', { pid: 3, endedAt: 'x', ...dropped }, NOW - 2 * ENDED_STATUS_KEPT_MILLIS),
  ];
  for (let index = 0; index < MAX_ENDED_STATUSES + 5; index++)
    files.push(file(`status.${100 + index}-1.json`, { pid: 100 + index, endedAt: 'x' }, NOW - 1000 * (index + 1)));
  // The oldest of all the recent ones, but with drops: kept before clean ones.
  files.push(file('status.99-1.json', { pid: 99, endedAt: 'x', ...dropped }, NOW - 3_600_000));
  const entries = classifyStatuses(files, (pid) => pid === 1);
  const gone = agedOutStatuses(entries, NOW);
  assert.ok(!gone.includes('status.1-1.json'), 'a running process keeps its file, however old');
  assert.ok(gone.includes('status.2-1.json') && gone.includes('status.3-1.json'));
  assert.ok(!gone.includes('status.99-1.json'));
  const clean = Array.from({ length: MAX_ENDED_STATUSES + 5 }, (_, index) => `status.${100 + index}-1.json`);
  // 64 kept in all: the one with drops and the 63 newest clean ones.
  assert.deepEqual(
    gone.filter((name) => clean.includes(name)),
    clean.slice(MAX_ENDED_STATUSES - 1),
  );
});

test("a process's first write deletes aged-out files of dead processes, never follows a link, and is 0600", async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-folder-status-'));
  const old = new Date(Date.now() - ENDED_STATUS_KEPT_MILLIS - 60_000).toISOString();
  const recent = new Date(Date.now() - 60_000).toISOString();
  writeFileSync(join(directory, `status.${DEAD_PID}-1.json`), JSON.stringify({ pid: DEAD_PID, writtenAt: old }));
  writeFileSync(join(directory, `status.${DEAD_PID}-2.json`), JSON.stringify({ pid: DEAD_PID, writtenAt: recent }));
  writeFileSync(join(directory, 'status.json'), JSON.stringify({ pid: DEAD_PID, writtenAt: old }));
  writeFileSync(join(directory, `status.${DEAD_PID}-3.json.tmp`), '{');
  writeFileSync(join(directory, 'victim'), 'stays');
  symlinkSync(join(directory, 'victim'), join(directory, processStatusName()));
  await writeFolderStatus(directory, undefined);
  assert.deepEqual(readdirSync(directory).sort(), [processStatusName(), `status.${DEAD_PID}-2.json`, 'victim'].sort());
  const own = lstatSync(join(directory, processStatusName()));
  assert.ok(own.isFile());
  assert.equal(own.mode & 0o777, 0o600);
  assert.ok(existsSync(join(directory, 'victim')));
  rmSync(directory, { recursive: true });
});

test("doctor adds an earlier version's status.json to the per-process files, naming both processes", async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-folder-status-'));
  const store = (dropped: number) => ({
    path: join(directory, 'telemetry.db'),
    state: 'ok',
    bytes: 0,
    retention: { maxAgeMillis: 0, maxBytes: 0 },
    signals: {
      traces: {
        written: 100,
        dropped,
        droppedBy: { queueFull: dropped, diskFull: 0, locked: 0, unusable: 0, error: 0 },
      },
      logs: { written: 0, dropped: 0, droppedBy: { queueFull: 0, diskFull: 0, locked: 0, unusable: 0, error: 0 } },
    },
    deleted: { total: 0, bySizeWithinAge: 0 },
  });
  const writtenAt = new Date(Date.now() - 60_000).toISOString();
  writeFileSync(join(directory, 'status.json'), JSON.stringify({ pid: DEAD_PID, writtenAt, store: store(7) }));
  writeFileSync(
    join(directory, `status.${DEAD_PID - 1}-5.json`),
    JSON.stringify({ pid: DEAD_PID - 1, writtenAt, endedAt: writtenAt, store: store(5) }),
  );
  assert.equal(readFolderStatuses(directory).length, 2);
  const checks = await runChecks(300, { OTEL_TRACES_EXPORTER: 'local', GENAI_OTEL_FILE_DIR: directory }, directory);
  const drops = checks.find((check) => check.name === 'dropped telemetry (local store)');
  assert.match(drops?.detail ?? '', /^traces 12 of 212 \(queue full 12\), over 2 processes: /, JSON.stringify(checks));
  assert.match(drops!.detail, new RegExp(`process ${DEAD_PID}, ended, as of`));
  assert.match(drops!.detail, new RegExp(`process ${DEAD_PID - 1}, ended ${writtenAt}`));
  rmSync(directory, { recursive: true });
});
