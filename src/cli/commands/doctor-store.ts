// `genai-otel doctor` on the local store: the file itself (can it be opened, can the app write it, what time it
// covers) and what the processes writing it put in their status files, added up (rows dropped and why, retention that
// deleted data younger than the age the user asked for), each process named.
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { GenAIOtelConfig } from '../../config/config-types.ts';
import { emptyDropReasons, hasTrouble, type StatusEntry, type StoreSignalStatus } from '../../export/folder-status.ts';
import type { StoreDropReason } from '../../export/store-worker.ts';
import { storePath } from '../../export/store-schema.ts';
import { count } from '../render/format.ts';
import { openStore } from '../telemetry/store-source.ts';
import type { Check } from './doctor-check.ts';
import { processLabel, readFolderStatuses } from './folder-statuses.ts';

const REASONS: Record<StoreDropReason, { label: string; fix: string }> = {
  queueFull: {
    label: 'queue full',
    fix: 'telemetry came faster than the store took it: raise OTEL_BSP_MAX_QUEUE_SIZE, or pace the burst',
  },
  diskFull: {
    label: 'disk full',
    fix: 'free disk space (or raise the file size limit, ulimit -f), or lower GENAI_OTEL_LOCAL_MAX_BYTES',
  },
  locked: {
    label: 'store locked by another process',
    fix: 'another process (a long genai-otel import, a database tool) held telemetry.db: let it finish first',
  },
  unusable: {
    label: 'store unusable',
    fix: 'make GENAI_OTEL_FILE_DIR a folder of yours that you can write (0700), holding a telemetry.db of yours',
  },
  error: { label: 'write error', fix: 'see the line the app printed on stderr' },
};

/** `7d`, `12h`, `90m`, or milliseconds; 0 is "no limit". @example durationText(604_800_000) // '7d' */
function durationText(millis: number): string {
  if (millis <= 0) return 'no limit';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (millis % size === 0) return `${millis / size}${unit}`;
  return `${millis} ms`;
}

/** Bytes in the largest binary unit that keeps a digit before the point. @example sizeText(1 << 30) // '1 GiB' */
function sizeText(bytes: number): string {
  if (bytes <= 0) return 'no limit';
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toFixed(1))} ${units[unit]}`;
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The nearest folder that exists at or above `path`. */
function existingFolder(path: string): string {
  let folder = path;
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  return folder;
}

/** The file: opened read-only, the time it covers and its size; whether the app could write it. */
function fileCheck(directory: string, config: GenAIOtelConfig): Check {
  const path = storePath(directory);
  const name = 'local store';
  const settings = `keeps ${durationText(config.local.retentionMillis)} (GENAI_OTEL_LOCAL_RETENTION), at most ${sizeText(config.local.maxBytes)} (GENAI_OTEL_LOCAL_MAX_BYTES)`;
  if (!existsSync(path)) {
    const folder = existingFolder(directory);
    if (!writable(folder))
      return {
        name,
        status: 'fail',
        detail: `${path} cannot be created: ${folder} is not writable`,
        fix: REASONS.unusable.fix,
      };
    return { name, status: 'info', detail: `${path}: none yet (no process has stored telemetry here); ${settings}` };
  }
  if (!writable(path) || !writable(directory))
    return {
      name,
      status: 'fail',
      detail: `${path} cannot be written (${writable(directory) ? 'the file' : 'its folder'} is read-only): the app's telemetry is dropped`,
      fix: REASONS.unusable.fix,
    };
  let covered: string;
  try {
    const db = openStore(path)!;
    try {
      const row = db
        .prepare(
          'SELECT CAST(min(start_ns) AS TEXT) AS oldest, CAST(max(start_ns) AS TEXT) AS newest, (SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()) AS bytes FROM spans',
        )
        .get()!;
      const time = (ns: unknown) => new Date(Number(BigInt(ns as string) / 1_000_000n)).toISOString();
      covered =
        row.oldest === null
          ? `no spans, ${count(Number(row.bytes))} bytes`
          : `spans from ${time(row.oldest)} to ${time(row.newest)}, ${count(Number(row.bytes))} bytes`;
    } finally {
      db.close();
    }
  } catch (error) {
    return {
      name,
      status: 'fail',
      detail: `${path} cannot be opened: ${error instanceof Error ? error.message : String(error)}`,
      fix: 'move the file away: the next process starts a new store (genai-otel import can load a copy of the files)',
    };
  }
  return { name, status: 'ok', detail: `${path}: ${covered}; ${settings} (genai-otel report reads it)` };
}

/** Processes named one by one in a check's detail, at most; the rest are counted. */
const MAX_LISTED = 8;

/** `label (what)` for each entry, at most MAX_LISTED of them, then how many more. */
function listed(items: readonly { entry: StatusEntry; what: string }[]): string {
  const shown = items.slice(0, MAX_LISTED).map(({ entry, what }) => `${processLabel(entry)}: ${what}`);
  if (items.length > MAX_LISTED) shown.push(`${items.length - MAX_LISTED} more`);
  return shown.join('; ');
}

/** One signal's drops with their reasons, e.g. `traces 20 of 1,000 (queue full 20)`; reasons seen go in `reasons`. */
function dropText(signal: string, counts: StoreSignalStatus, reasons: Set<StoreDropReason>): string {
  const why = (Object.entries(counts.droppedBy ?? {}) as [StoreDropReason, number][])
    .filter(([reason, rows]) => rows > 0 && reason in REASONS)
    .map(([reason, rows]) => {
      reasons.add(reason);
      return `${REASONS[reason].label} ${count(rows)}`;
    });
  return `${signal} ${count(counts.dropped)} of ${count(counts.written + counts.dropped)}${why.length > 0 ? ` (${why.join(', ')})` : ''}`;
}

/** A signal's counts added over processes. */
function sumSignal(total: StoreSignalStatus, counts: Partial<StoreSignalStatus> | undefined): void {
  if (counts === undefined || counts === null) return;
  total.written += Number(counts.written) || 0;
  total.dropped += Number(counts.dropped) || 0;
  for (const [reason, rows] of Object.entries(counts.droppedBy ?? {}))
    if (reason in total.droppedBy) total.droppedBy[reason as StoreDropReason] += Number(rows) || 0;
}

const noSignal = (): StoreSignalStatus => ({ written: 0, dropped: 0, droppedBy: emptyDropReasons() });

/**
 * What the processes that wrote the store said of it in their status files, added up: each process's drops and
 * why, a store a process could not use, data the size cap deleted early; and which processes wrote, running or ended.
 */
function statusChecks(directory: string): Check[] {
  const entries = readFolderStatuses(directory).filter(
    (entry) =>
      entry.status.store !== undefined && entry.status.store !== null && typeof entry.status.store === 'object',
  );
  if (entries.length === 0) return [];
  const storeOf = (entry: StatusEntry) => entry.status.store!;
  const checks: Check[] = [];
  const newest = entries.at(-1)!;
  const unusable = entries.filter(
    (entry) => storeOf(entry).state === 'unusable' && (entry === newest || entry.state === 'running'),
  );
  if (unusable.length > 0) {
    const last = storeOf(unusable.at(-1)!);
    checks.push({
      name: 'local store writes',
      status: 'fail',
      detail: `the app could not open or write ${last.path}${last.lastError === undefined ? '' : `: ${last.lastError.message}`} (${unusable.map(processLabel).join('; ')})`,
      fix: REASONS.unusable.fix,
    });
  }
  const reasons = new Set<StoreDropReason>();
  const totals = { traces: noSignal(), logs: noSignal() };
  const dropping: { entry: StatusEntry; what: string }[] = [];
  const summaries: { entry: StatusEntry; what: string }[] = [];
  for (const entry of entries) {
    const signals = storeOf(entry).signals;
    const own: string[] = [];
    const written: string[] = [];
    for (const signal of ['traces', 'logs'] as const) {
      const counts = signals?.[signal];
      sumSignal(totals[signal], counts);
      if (counts === undefined || counts === null) continue;
      if (counts.written > 0 || counts.dropped > 0)
        written.push(`${signal} ${count(counts.written)} stored, ${count(counts.dropped)} dropped`);
      if (counts.dropped > 0) own.push(dropText(signal, counts, new Set()));
    }
    const holds = storeOf(entry).eventLoop;
    if (written.length > 0 && typeof holds?.turns === 'number' && holds.turns > 0)
      written.push(
        `the app's event loop held in ${count(holds.turns)} turns, ${count(Number(holds.overOneMillisecond) || 0)} over 1 ms, longest ${Number(holds.longestMillis).toFixed(2)} ms`,
      );
    summaries.push({ entry, what: written.join(', ') || 'nothing stored' });
    if (own.length > 0) dropping.push({ entry, what: own.join(', ') });
  }
  const parts = (['traces', 'logs'] as const)
    .filter((signal) => totals[signal].dropped > 0)
    .map((signal) => dropText(signal, totals[signal], reasons));
  if (parts.length > 0)
    checks.push({
      name: 'dropped telemetry (local store)',
      status: 'warn',
      detail: `${parts.join('; ')}, over ${entries.length === 1 ? '1 process' : `${entries.length} processes`}: ${listed(dropping)}`,
      fix: [...reasons].map((reason) => REASONS[reason].fix).join('; '),
    });
  const early = entries.filter((entry) => (storeOf(entry).deleted?.bySizeWithinAge ?? 0) > 0);
  if (early.length > 0) {
    const rows = early.reduce((sum, entry) => sum + (Number(storeOf(entry).deleted.bySizeWithinAge) || 0), 0);
    const store = storeOf(newest);
    const age = store.retention?.maxAgeMillis ?? 0;
    checks.push({
      name: 'local store retention',
      status: 'warn',
      detail: `the size cap (${sizeText(store.retention?.maxBytes ?? 0)}) deleted ${count(rows)} spans and log records younger than the ${age > 0 ? `${durationText(age)} asked for (GENAI_OTEL_LOCAL_RETENTION)` : 'unlimited age asked for'}: the store keeps ${store.oldestKept === undefined ? 'less' : `from ${store.oldestKept} on`} (${early.map(processLabel).join('; ')})`,
      fix: 'raise GENAI_OTEL_LOCAL_MAX_BYTES (or lower GENAI_OTEL_LOCAL_RETENTION to what fits)',
    });
  }
  const running = entries.filter((entry) => entry.state === 'running').length;
  // Those with something to report first, then the latest.
  summaries.sort(
    (a, b) =>
      Number(hasTrouble(b.entry.status)) - Number(hasTrouble(a.entry.status)) ||
      b.entry.writtenMillis - a.entry.writtenMillis,
  );
  checks.push({
    name: 'local store processes',
    status: 'info',
    detail: `${entries.length} ${entries.length === 1 ? 'process' : 'processes'} (${running} running) wrote here: ${listed(summaries)}`,
  });
  return checks;
}

/**
 * The local store's checks: when a signal goes to `local`, or a telemetry.db is in GENAI_OTEL_FILE_DIR.
 *
 * @example
 * checkStore(resolveConfig(process.env).config); // [{ name: 'local store', status: 'ok', detail: '…' }]
 */
export function checkStore(config: GenAIOtelConfig): Check[] {
  const directory = resolve(config.file.directory);
  const used = [config.traces, config.logs].some((signal) => signal.exporters.includes('local'));
  if (!used && !existsSync(storePath(directory))) return [];
  return [fileCheck(directory, config), ...statusChecks(directory)];
}
