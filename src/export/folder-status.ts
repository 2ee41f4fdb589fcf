// Status files for `genai-otel doctor`, one per process: in the local folder (GENAI_OTEL_FILE_DIR) what the `file` and
// `local` exporters counted and the local store's state; in a service's spool folder what the OTLP delivery counted,
// the spool as the process saw it and the collector's last answer. Each process writes a file of its own,
// `status.<pid>-<start>.json`, and only ever replaces its own: several processes sharing a folder can then neither
// overwrite each other's counts nor wedge each other (no lock, nothing shared to merge). Doctor sums them. A process
// marks its file ended at exit; a file whose process died without saying so is recognised by its pid, and files of
// ended processes age out. Both folders once held a single status.json of the same shape, still read.
import { join } from 'node:path';
import { fsPromises } from './fs-promises.ts';
import { replacePrivateFile } from './private-files.ts';
import type { StoreDropReason } from './store-worker.ts';

/** What became of one signal's rows in the local store. */
export interface StoreSignalStatus {
  written: number;
  dropped: number;
  droppedBy: Record<StoreDropReason, number>;
}

/** The local store as a status file carries it. */
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
  /**
   * How long the store's work held the application's event loop (turning spans and log records into rows and posting
   * them to the store's thread; the writing itself is the thread's): the turns it took, those over a millisecond (wall
   * time: a turn the machine interrupted counts too), the longest in ms. Absent before this version.
   */
  eventLoop?: { turns: number; overOneMillisecond: number; longestMillis: number };
}

/** One process's status file, as written. */
export interface FolderStatus {
  pid?: number;
  /** When the process started (ISO time): with the pid, it names the process (pids are reused, pid 1 in containers). */
  startedAt?: string;
  writtenAt?: string;
  /** Set by the process's last write at exit. */
  endedAt?: string;
  signals?: Record<
    string,
    { exported?: number; spooled?: number; replayed?: number; dropped?: number; exportErrors?: number }
  >;
  store?: StoreStatus;
  /** The spool as this process last saw it (in a spool folder; other processes may have added or sent payloads). */
  spool?: { directory?: string; entries?: number; bytes?: number; writable?: boolean };
  /** Whether this process's last attempt to reach the collector succeeded. */
  collectorReachable?: boolean;
  lastError?: { signal?: string; reason?: string; at?: string };
}

/** What a process reports in its status file, besides who it is and when it wrote. */
export type StatusReport = Omit<FolderStatus, 'pid' | 'startedAt' | 'writtenAt' | 'endedAt'>;

/** The single file every process replaced before status files were per process; still read (and aged out). */
export const LEGACY_STATUS_NAME = 'status.json';
/** Files of ended processes older than this are deleted by the next process that writes the folder. */
export const ENDED_STATUS_KEPT_MILLIS = 7 * 86_400_000;
/** At most this many files of ended processes are kept (a cron job's short runs each leave one). */
export const MAX_ENDED_STATUSES = 64;

const STATUS_NAME = /^status\.(\d+)-(\d+)\.json$/;
const TEMPORARY_NAME = /^status\.(\d+)-(\d+)\.json\.tmp$/;

/** A count of zero for each reason. @example emptyDropReasons().diskFull // 0 */
export function emptyDropReasons(): Record<StoreDropReason, number> {
  return { queueFull: 0, diskFull: 0, locked: 0, unusable: 0, error: 0 };
}

/** When this process started, in ms since the epoch (the same for every copy of this module in the process). */
function processStart(): number {
  return Math.round(performance.timeOrigin);
}

/**
 * The name of a process's status file in the folder.
 *
 * @example
 * processStatusName(4242, 1765000000000); // 'status.4242-1765000000000.json'
 */
export function processStatusName(pid = process.pid, startedAt = processStart()): string {
  return `status.${pid}-${startedAt}.json`;
}

/** The pid and start time a status file's name says; undefined for any other name (the legacy status.json too). */
export function parseStatusName(name: string): { pid: number; startedAt: number } | undefined {
  const match = STATUS_NAME.exec(name);
  return match === null ? undefined : { pid: Number(match[1]), startedAt: Number(match[2]) };
}

/** Whether a process with this pid exists (EPERM: it does, as another user's). */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A status file found in the folder, with what can be told of its process. */
export interface StatusEntry {
  name: string;
  status: FolderStatus;
  /** The file's last write (ms since the epoch): writtenAt, else the file's mtime. */
  writtenMillis: number;
  /**
   * `running`: its process is alive; `ended`: it wrote its last status at exit; `vanished`: its process is gone
   * without a last word (killed or crashed), or its pid now belongs to a later process.
   */
  state: 'running' | 'ended' | 'vanished';
  /** The legacy single status.json (of whichever process wrote last, an earlier genai-otel). */
  legacy: boolean;
}

/**
 * Tells each status file's state from its name, its content and the pids alive. Of several files with one pid, only
 * the latest start can be that pid's process now.
 *
 * @example
 * classifyStatuses([{ name: 'status.1-5.json', status: { pid: 1 }, writtenMillis: 0 }], () => true)[0].state; // 'running'
 */
export function classifyStatuses(
  files: readonly { name: string; status: FolderStatus; writtenMillis: number }[],
  alive: (pid: number) => boolean = pidAlive,
): StatusEntry[] {
  const latestStart = new Map<number, number>();
  for (const file of files) {
    const named = parseStatusName(file.name);
    if (named !== undefined) latestStart.set(named.pid, Math.max(latestStart.get(named.pid) ?? 0, named.startedAt));
  }
  return files.map((file) => {
    const named = parseStatusName(file.name);
    const legacy = named === undefined;
    const pid = named?.pid ?? (typeof file.status.pid === 'number' ? file.status.pid : -1);
    let state: StatusEntry['state'];
    if (typeof file.status.endedAt === 'string') state = 'ended';
    else if (named !== undefined && latestStart.get(pid) !== named.startedAt) state = 'vanished';
    else if (legacy && latestStart.has(pid)) state = 'ended';
    else if (alive(pid)) state = 'running';
    // An earlier genai-otel wrote status.json at flush and exit without saying which: a gone process most likely ended.
    else state = legacy ? 'ended' : 'vanished';
    return { ...file, state, legacy };
  });
}

/** Whether a process's status has something doctor warns about: drops, an unusable store, data deleted early. */
export function hasTrouble(status: FolderStatus): boolean {
  const store = status.store;
  const storeDrops = (store?.signals?.traces?.dropped ?? 0) + (store?.signals?.logs?.dropped ?? 0);
  const drops = Object.values(status.signals ?? {}).some((counts) => (counts?.dropped ?? 0) > 0);
  return drops || storeDrops > 0 || store?.state === 'unusable' || (store?.deleted?.bySizeWithinAge ?? 0) > 0;
}

/**
 * The status files to delete: those of processes no longer running, last written more than ENDED_STATUS_KEPT_MILLIS
 * ago, and beyond the newest MAX_ENDED_STATUSES of them (those with nothing to report go first).
 *
 * @example
 * agedOutStatuses(classifyStatuses(files), Date.now()); // ['status.17-1764000000000.json']
 */
export function agedOutStatuses(entries: readonly StatusEntry[], now: number): string[] {
  const gone = entries.filter((entry) => entry.state !== 'running');
  const old = gone.filter((entry) => now - entry.writtenMillis > ENDED_STATUS_KEPT_MILLIS);
  const recent = gone
    .filter((entry) => now - entry.writtenMillis <= ENDED_STATUS_KEPT_MILLIS)
    .sort(
      (a, b) =>
        Number(hasTrouble(b.status)) - Number(hasTrouble(a.status)) ||
        b.writtenMillis - a.writtenMillis ||
        a.name.localeCompare(b.name),
    );
  return [...old, ...recent.slice(MAX_ENDED_STATUSES)].map((entry) => entry.name);
}

/** Whether a name is a status file (this version's or the legacy one). */
export function isStatusName(name: string): boolean {
  return name === LEGACY_STATUS_NAME || STATUS_NAME.test(name);
}

/** Folders this process has already swept (once per process and folder is enough: it is only housekeeping). */
const swept = new Set<string>();
/** This process's last write of each status file: writes are chained, so the last one asked for lands last. */
const writing = new Map<string, Promise<void>>();
/**
 * What this process reported so far in each status file, merged: pointed at one folder, the spool and the local
 * exporters write the same file, each with its part (the counters they share, the spool's view, the store's state).
 */
const reported = new Map<string, StatusReport & { endedAt?: string }>();

/** Deletes the status files of ended processes that aged out, and temporary files of dead processes. Never throws. */
async function sweepStatuses(directory: string): Promise<void> {
  const fs = fsPromises();
  const names = await fs.readdir(directory);
  const files: { name: string; status: FolderStatus; writtenMillis: number }[] = [];
  for (const name of names) {
    const temporary = TEMPORARY_NAME.exec(name);
    if (temporary !== null && Number(temporary[1]) !== process.pid && !pidAlive(Number(temporary[1]))) {
      await fs.unlink(join(directory, name)).catch(() => undefined);
      continue;
    }
    if (!isStatusName(name) || name === processStatusName()) continue;
    try {
      const info = await fs.lstat(join(directory, name));
      if (!info.isFile() || info.size > 1024 * 1024) continue;
      const status = JSON.parse(await fs.readFile(join(directory, name), 'utf8')) as FolderStatus;
      const written = typeof status.writtenAt === 'string' ? Date.parse(status.writtenAt) : Number.NaN;
      files.push({ name, status, writtenMillis: Number.isNaN(written) ? info.mtimeMs : written });
    } catch {
      // Being replaced, or not ours to judge: looked at again by the next process.
    }
  }
  for (const name of agedOutStatuses(classifyStatuses(files), Date.now()))
    await fs.unlink(join(directory, name)).catch(() => undefined);
}

/**
 * Replaces this process's status file in `directory` (0600, never through a link) with who it is, the time and
 * `report`; `ended` at exit. Resolves whether it was written: a failure is otherwise ignored (the data matters, not
 * this). The first write in a folder also deletes the files of processes that ended long ago.
 *
 * @example
 * await writeProcessStatus(spoolFolder, { signals: health.signals, spool: health.spool }, false);
 */
export async function writeProcessStatus(directory: string, report: StatusReport, ended = false): Promise<boolean> {
  const path = join(directory, processStatusName());
  const now = new Date().toISOString();
  const parts: StatusReport & { endedAt?: string } = { ...reported.get(path) };
  for (const [key, value] of Object.entries(report) as [keyof StatusReport, unknown][])
    if (value !== undefined) (parts as Record<string, unknown>)[key] = value;
  // Once one of its exporters wrote at exit, the process is ending: another's later write does not undo it.
  if (ended) parts.endedAt ??= now;
  reported.set(path, parts);
  const { endedAt, ...own } = parts;
  const status: FolderStatus = {
    pid: process.pid,
    startedAt: new Date(processStart()).toISOString(),
    writtenAt: now,
    endedAt,
    ...own,
  };
  const text = JSON.stringify(status, null, 2);
  const write = (writing.get(path) ?? Promise.resolve()).then(() => replacePrivateFile(path, `${path}.tmp`, text));
  const settled = write.then(
    () => true,
    () => false,
  );
  writing.set(
    path,
    settled.then(() => undefined),
  );
  const written = await settled;
  if (!swept.has(directory)) {
    swept.add(directory);
    await sweepStatuses(directory).catch(() => undefined);
  }
  return written;
}

/**
 * Replaces this process's status file in the local folder: the export health's counts and the local store's state;
 * `ended` at exit (see writeProcessStatus).
 *
 * @example
 * await writeFolderStatus('.genai-otel', counters, await store.status());
 */
export async function writeFolderStatus(
  directory: string,
  // The export health's counters (HealthCounters), by shape: health.ts leads to the spool, which writes through here.
  counters: { health: { signals: FolderStatus['signals'] } } | undefined,
  store?: StoreStatus,
  ended = false,
): Promise<void> {
  await writeProcessStatus(directory, { signals: counters?.health.signals, store }, ended);
}
