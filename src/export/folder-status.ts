// status.json in the local folder (GENAI_OTEL_FILE_DIR): what this process's `file` and `local` exporters counted,
// and the local store's state, for `genai-otel doctor`. The spool's status.json has the same `signals` shape.
import { join } from 'node:path';
import type { HealthCounters } from './health.ts';
import { replacePrivateFile } from './private-files.ts';
import type { StoreDropReason } from './store-worker.ts';

/** What became of one signal's rows in the local store. */
export interface StoreSignalStatus {
  written: number;
  dropped: number;
  droppedBy: Record<StoreDropReason, number>;
}

/** The local store as status.json carries it. */
export interface StoreStatus {
  path: string;
  /** `unusable`: the store cannot be opened or written (its data is dropped); `locked`: another process holds it. */
  state: 'ok' | 'locked' | 'unusable';
  /** The database and its write-ahead log, in bytes. */
  bytes: number;
  retention: { maxAgeMillis: number; maxBytes: number };
  /** The start of the oldest span or log record kept (ISO time); absent when the store holds nothing. */
  oldestKept?: string;
  signals: { traces: StoreSignalStatus; logs: StoreSignalStatus };
  /** Rows retention deleted: all of them, and those the size cap deleted although younger than the age limit. */
  deleted: { total: number; bySizeWithinAge: number };
  lastError?: { reason: StoreDropReason; message: string; at: string };
}

/** A count of zero for each reason. @example emptyDropReasons().diskFull // 0 */
export function emptyDropReasons(): Record<StoreDropReason, number> {
  return { queueFull: 0, diskFull: 0, locked: 0, unusable: 0, error: 0 };
}

/**
 * Replaces `<directory>/status.json` (0600, never through a link): the process, the time, the export health's counts
 * and the local store's state. The last process to flush writes it; a failure is ignored (the data matters, not this).
 *
 * @example
 * await writeFolderStatus('.genai-otel', counters, await store.status());
 */
export async function writeFolderStatus(
  directory: string,
  counters: HealthCounters | undefined,
  store?: StoreStatus,
): Promise<void> {
  const path = join(directory, 'status.json');
  const status = { pid: process.pid, writtenAt: new Date().toISOString(), signals: counters?.health.signals, store };
  await replacePrivateFile(path, `${path}.${process.pid}.tmp`, JSON.stringify(status, null, 2)).catch(() => undefined);
}
