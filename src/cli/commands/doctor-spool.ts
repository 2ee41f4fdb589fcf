// `genai-otel doctor` on the OTLP spool of a service: what waits in the folder (counted there, whoever wrote it) and
// what the processes that exported through it put in their status files, added up: items exported, spooled, replayed,
// dropped and the export errors, each process that dropped named, and which one last found the collector away.
import { lstatSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GenAIOtelConfig } from '../../config/config-types.ts';
import { hasTrouble, isStatusName, type FolderStatus, type StatusEntry } from '../../export/folder-status.ts';
import { countSpooled, type SignalName } from '../../export/spool.ts';
import { spoolDirectoryFor } from '../../sdk/pipelines.ts';
import { count } from '../render/format.ts';
import type { Check } from './doctor-check.ts';
import { processLabel, readFolderStatuses } from './folder-statuses.ts';

/** The counters a spool status file carries per signal, as doctor adds them up. */
export interface ExportTotals {
  exported: number;
  spooled: number;
  replayed: number;
  dropped: number;
  exportErrors: number;
}

const COUNTERS = ['exported', 'spooled', 'replayed', 'dropped', 'exportErrors'] as const;
const SIGNALS: readonly SignalName[] = ['traces', 'metrics', 'logs'];
/** Processes named one by one in a check's detail, at most; the rest are counted. */
const MAX_LISTED = 8;

const noTotals = (): ExportTotals => ({ exported: 0, spooled: 0, replayed: 0, dropped: 0, exportErrors: 0 });

/** One process's counters for one signal, whatever the file holds (a hand-edited or older file may lack some). */
function countsOf(status: FolderStatus, signal: SignalName): ExportTotals {
  const counts = status.signals?.[signal];
  const totals = noTotals();
  if (counts === undefined || counts === null || typeof counts !== 'object') return totals;
  for (const counter of COUNTERS) totals[counter] = Math.max(0, Number(counts[counter]) || 0);
  return totals;
}

/**
 * Every process's counters added up, per signal.
 *
 * @example
 * sumExportCounts(readFolderStatuses(spool)).traces.dropped; // drops of every process that exported through it
 */
export function sumExportCounts(entries: readonly StatusEntry[]): Record<SignalName, ExportTotals> {
  const totals = { traces: noTotals(), metrics: noTotals(), logs: noTotals() };
  for (const entry of entries)
    for (const signal of SIGNALS) {
      const counts = countsOf(entry.status, signal);
      for (const counter of COUNTERS) totals[signal][counter] += counts[counter];
    }
  return totals;
}

const COUNTER_LABELS: Record<(typeof COUNTERS)[number], string> = {
  exported: 'exported',
  spooled: 'spooled',
  replayed: 'replayed',
  dropped: 'dropped',
  exportErrors: 'export errors',
};

/** `traces 1,200 exported, 3 dropped; logs 40 spooled`: the counters above zero, per signal; '' when none. */
function countsText(counts: Record<SignalName, ExportTotals>): string {
  return SIGNALS.map((signal) => {
    const counted = COUNTERS.filter((counter) => counts[signal][counter] > 0).map(
      (counter) => `${count(counts[signal][counter])} ${COUNTER_LABELS[counter]}`,
    );
    return counted.length === 0 ? '' : `${signal} ${counted.join(', ')}`;
  })
    .filter((text) => text !== '')
    .join('; ');
}

function perSignal(status: FolderStatus): Record<SignalName, ExportTotals> {
  return { traces: countsOf(status, 'traces'), metrics: countsOf(status, 'metrics'), logs: countsOf(status, 'logs') };
}

/** `label: what` for each item, at most MAX_LISTED of them, then how many more. */
function listed(items: readonly { entry: StatusEntry; what: string }[]): string {
  const shown = items.slice(0, MAX_LISTED).map(({ entry, what }) => `${processLabel(entry)}: ${what}`);
  if (items.length > MAX_LISTED) shown.push(`${items.length - MAX_LISTED} more`);
  return shown.join('; ');
}

/** The spools of other services beside this one (they hold a status file), for a service that has none yet. */
function otherServices(directory: string): string[] {
  const services = dirname(directory);
  try {
    return readdirSync(services).filter((name) => {
      const folder = join(services, name);
      if (folder === directory || !lstatSync(folder).isDirectory()) return false;
      return readdirSync(folder).some(isStatusName);
    });
  } catch {
    return [];
  }
}

/** Whether an entry's last error is later than another's (by its time, else by the file's write). */
function errorMillis(entry: StatusEntry): number {
  const at = Date.parse(entry.status.lastError?.at ?? '');
  return Number.isNaN(at) ? entry.writtenMillis : at;
}

/**
 * The spool's checks for the service: the payloads waiting (counted in the folder), the processes that exported
 * through it with their counters added up, the drops and who dropped, and the last time the collector was away.
 *
 * @example
 * checkSpool(resolveConfig(process.env).config, 'checkout'); // [{ name: 'spool', status: 'ok', detail: 'empty (…)' }]
 */
export function checkSpool(config: GenAIOtelConfig, serviceName: string): Check[] {
  if (!config.spool.enabled)
    return [{ name: 'spool', status: 'info', detail: 'off (GENAI_OTEL_SPOOL=false): what cannot be sent is dropped' }];
  const directory = spoolDirectoryFor(config, serviceName);
  const entries = readFolderStatuses(directory);
  const waiting = countSpooled(directory);
  if (entries.length === 0 && waiting.entries === 0) {
    const others = otherServices(directory);
    return [
      {
        name: 'spool',
        status: 'info',
        detail: `${directory}: no status file yet (no process of service "${serviceName}" has exported here)${others.length > 0 ? `; spools of other services: ${others.join(', ')} (OTEL_SERVICE_NAME=<name> genai-otel doctor)` : ''}`,
      },
    ];
  }
  const checks: Check[] = [];
  const bySignal = SIGNALS.filter((signal) => waiting.signals[signal].entries > 0)
    .map((signal) => {
      const items = waiting.signals[signal].items;
      return `${signal} ${count(items)} ${items === 1 ? 'item' : 'items'}`;
    })
    .join(', ');
  const atLeast = waiting.partial ? 'at least ' : '';
  if (waiting.entries > 0)
    checks.push({
      name: 'spool',
      status: 'warn',
      detail: `${atLeast}${count(waiting.entries)} payloads (${count(waiting.bytes)} bytes; ${bySignal}) wait in ${directory} (counted in the folder now, for ${waiting.folders === 1 ? '1 destination' : `${waiting.folders} destinations`})`,
      fix: 'start the collector: the next process of this service sends them, in order',
    });
  else checks.push({ name: 'spool', status: 'ok', detail: `empty (${directory}, counted in the folder now)` });

  const newest = entries.at(-1);
  const unwritable = entries.filter(
    (entry) => entry.status.spool?.writable === false && (entry === newest || entry.state === 'running'),
  );
  if (unwritable.length > 0)
    checks.push({
      name: 'spool folder',
      status: 'fail',
      detail: `${directory} is not writable (${unwritable.map(processLabel).join('; ')})`,
      fix: 'set GENAI_OTEL_SPOOL_DIR to a writable folder',
    });
  if (entries.length === 0) return checks;

  const totals = sumExportCounts(entries);
  const processes = entries.length === 1 ? '1 process' : `${entries.length} processes`;
  const dropping = entries
    .filter((entry) => SIGNALS.some((signal) => countsOf(entry.status, signal).dropped > 0))
    .map((entry) => ({
      entry,
      what: SIGNALS.filter((signal) => countsOf(entry.status, signal).dropped > 0)
        .map((signal) => `${signal} ${count(countsOf(entry.status, signal).dropped)}`)
        .join(', '),
    }))
    .reverse();
  if (dropping.length > 0)
    checks.push({
      name: 'dropped telemetry',
      status: 'warn',
      detail: `${SIGNALS.filter((signal) => totals[signal].dropped > 0)
        .map((signal) => `${signal} ${count(totals[signal].dropped)}`)
        .join(', ')}, over ${processes}, dropped by ${listed(dropping)}`,
      fix: 'see the diagnostics on stderr of the app; raise GENAI_OTEL_SPOOL_MAX_BYTES or OTEL_BSP_MAX_QUEUE_SIZE if the spool or the queue was full',
    });

  const away = entries
    .filter((entry) => entry.status.collectorReachable === false && entry.status.lastError !== undefined)
    .sort((a, b) => errorMillis(a) - errorMillis(b))
    .at(-1);
  if (away !== undefined) {
    const error = away.status.lastError!;
    const reachedLater = entries
      .filter((entry) => entry.status.collectorReachable === true && entry.writtenMillis > errorMillis(away))
      .at(-1);
    checks.push({
      name: 'last export error',
      status: 'info',
      detail: `${processLabel(away)}, last found the collector unreachable: ${error.signal ?? '?'}: ${error.reason ?? '?'} at ${error.at ?? '?'}${reachedLater === undefined ? '' : `; ${processLabel(reachedLater)} reached it since`}`,
    });
  }

  const running = entries.filter((entry) => entry.state === 'running').length;
  // Those with something to report first, then the latest.
  const summaries = [...entries]
    .sort(
      (a, b) =>
        Number(hasTrouble(b.status)) - Number(hasTrouble(a.status)) ||
        b.writtenMillis - a.writtenMillis ||
        a.name.localeCompare(b.name),
    )
    .map((entry) => ({ entry, what: countsText(perSignal(entry.status)) || 'nothing counted' }));
  checks.push({
    name: 'spool processes',
    status: 'info',
    detail:
      entries.length === 1
        ? `1 process (${running} running) exported through this spool: ${listed(summaries)}`
        : `${processes} (${running} running) exported through this spool, together: ${countsText(totals) || 'nothing counted'}; each: ${listed(summaries)}`,
    data: {
      directory,
      waiting,
      totals,
      processes: entries.map((entry) => ({
        pid: entry.status.pid,
        startedAt: entry.status.startedAt,
        state: entry.state,
        legacy: entry.legacy,
        writtenAt: new Date(entry.writtenMillis).toISOString(),
        endedAt: entry.status.endedAt,
        signals: perSignal(entry.status),
        collectorReachable: entry.status.collectorReachable,
        lastError: entry.status.lastError,
      })),
    },
  });
  return checks;
}
