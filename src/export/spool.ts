import type { Dir } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fsPromises } from './fs-promises.ts';
import { NotPrivateError, privateFolder, readOwnFile, replacePrivateFile } from './private-files.ts';
import { errorOnce, warnOnce } from '../core/diagnostics.ts';
import { writeProcessStatus, type StatusReport } from './folder-status.ts';
import { nodeCrypto, nodeFs } from '../core/loaders.ts';

export type SignalName = 'traces' | 'metrics' | 'logs';
export type Encoding = 'protobuf' | 'json';

/** One payload waiting on disk, ready to be POSTed as it is. */
export interface SpoolEntry {
  name: string;
  signal: SignalName;
  encoding: Encoding;
  items: number;
  bytes: number;
}

export interface SpoolEvents {
  /** Payloads removed to stay under the size cap, or that could not be written. */
  dropped(signal: SignalName, items: number, reason: string): void;
}

export interface SpoolOptions {
  /** The service's spool folder: a status file per process, and one subfolder of payloads per signal and destination. */
  directory: string;
  maxBytes: number;
  /**
   * What names the destination of each signal's payloads (its URL, service and environment). Payloads are kept in a
   * folder named by a hash of it, so a run only ever replays what was meant for the destination it sends to. A signal
   * without one is neither spooled nor replayed.
   */
  destinations: Partial<Record<SignalName, string>>;
  /**
   * The folder trusted as it is; every folder below it down to the payloads must be a real folder of this user that
   * no other user can write in. Default: the folder around `directory`.
   */
  privateFrom?: string;
}

/**
 * Payloads a spool holds at most, besides GENAI_OTEL_SPOOL_MAX_BYTES. It also bounds the directory entries read at
 * a scan (with a little room for claims and temporary files), so that what an outage left on disk costs the exit
 * of a short script no more than reading that many names.
 */
export const MAX_SPOOL_ENTRIES = 10_000;
const SCAN_BUDGET = MAX_SPOOL_ENTRIES + 256;
/** Directory entries read per system call during a scan. */
const SCAN_BATCH = 128;

// <time>-<pid>-<sequence>.<bytes>.<signal>.<encoding>.<items>.otlp: the time first, so names sort oldest first across
// processes; the size is in the name so that a scan needs no stat per payload.
const ENTRY_NAME = /^(\d{15})-(\d+)-(\d{6})\.(\d+)\.(traces|metrics|logs)\.(protobuf|json)\.(\d+)\.otlp$/;
const CLAIMED_NAME = /^(.+\.otlp)\.sending-(\d+)$/;
const TEMPORARY_NAME = /^\d{15}-(\d+)-\d{6}\..+\.otlp\.tmp$/;
const PAYLOAD_FOLDER = /^(traces|metrics|logs)-[0-9a-f]{16}$/;
/** Names of the service's folder looked at to tell whether it holds payload folders (status files, a few destinations). */
const ROOT_NAMES_LOOKED_AT = 64;
const SIGNALS: readonly SignalName[] = ['traces', 'metrics', 'logs'];

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The payload a file name stands for, if it is one of ours for `signal`. */
function entryNamed(name: string, signal: SignalName): SpoolEntry | undefined {
  const match = ENTRY_NAME.exec(name);
  if (match === null || match[5] !== signal) return undefined;
  return { name, signal, encoding: match[6] as Encoding, items: Number(match[7]), bytes: Number(match[4]) };
}

/** What a spool folder holds: the payloads of every destination, added up from their names. */
export interface SpoolContents {
  entries: number;
  bytes: number;
  /** Payloads by signal. */
  signals: Record<SignalName, { entries: number; items: number }>;
  /** Payload folders (one per signal and destination) found. */
  folders: number;
  /** The scan stopped at its bound (MAX_SPOOL_ENTRIES names and a little more per folder): there may be more. */
  partial: boolean;
}

/**
 * Counts the payloads waiting in a service's spool folder, for every destination, those being sent by a process
 * included: read from their names (each carries its size and items), without a stat or a read per payload, at most
 * about MAX_SPOOL_ENTRIES names per payload folder. Links and other users' folders are not entered. Never throws; a
 * folder that is missing counts nothing.
 *
 * @example
 * countSpooled('/tmp/genai-otel-1000/spool/checkout'); // { entries: 12, bytes: 48213, ... }
 */
export function countSpooled(directory: string): SpoolContents {
  const { lstatSync, opendirSync } = nodeFs();
  const contents: SpoolContents = {
    entries: 0,
    bytes: 0,
    signals: { traces: { entries: 0, items: 0 }, metrics: { entries: 0, items: 0 }, logs: { entries: 0, items: 0 } },
    folders: 0,
    partial: false,
  };
  const uid = process.getuid?.();
  const names = (folder: string, budget: number, each: (name: string) => void): boolean => {
    let reader: Dir;
    try {
      reader = opendirSync(folder, { bufferSize: SCAN_BATCH });
    } catch {
      return true;
    }
    try {
      for (let dirent = reader.readSync(); dirent !== null; dirent = reader.readSync()) {
        if (budget-- <= 0) return false;
        each(dirent.name);
      }
      return true;
    } catch {
      return true;
    } finally {
      try {
        reader.closeSync();
      } catch {
        // already closed
      }
    }
  };
  const folders: { signal: SignalName; path: string }[] = [];
  const rootComplete = names(directory, ROOT_NAMES_LOOKED_AT * 16, (name) => {
    const match = PAYLOAD_FOLDER.exec(name);
    if (match === null) return;
    try {
      const info = lstatSync(join(directory, name));
      if (info.isDirectory() && (uid === undefined || info.uid === uid))
        folders.push({ signal: match[1] as SignalName, path: join(directory, name) });
    } catch {
      // gone meanwhile
    }
  });
  if (!rootComplete) contents.partial = true;
  for (const { signal, path } of folders) {
    contents.folders++;
    const complete = names(path, SCAN_BUDGET, (name) => {
      const entry = entryNamed(CLAIMED_NAME.exec(name)?.[1] ?? name, signal);
      if (entry === undefined) return;
      contents.entries++;
      contents.bytes += entry.bytes;
      contents.signals[signal].entries++;
      contents.signals[signal].items += entry.items;
    });
    if (!complete) contents.partial = true;
  }
  return contents;
}

/**
 * What names each signal's destination in a spool: its URL plus `context` (service name and environment).
 *
 * @example
 * spoolDestinations({ traces: { url: 'http://collector:4318/v1/traces' } }, 'checkout\nproduction');
 */
export function spoolDestinations(
  targets: Partial<Record<SignalName, { url: string }>>,
  context = '',
): Partial<Record<SignalName, string>> {
  const destinations: Partial<Record<SignalName, string>> = {};
  for (const signal of SIGNALS) {
    const url = targets[signal]?.url;
    if (url !== undefined) destinations[signal] = `${url}\n${context}`;
  }
  return destinations;
}

/**
 * The subfolder of a spool holding one signal's payloads for one destination: the signal and a hash of the
 * destination (which may hold credentials in its URL, so it is not written in clear).
 *
 * @example
 * destinationFolder('traces', 'http://collector:4318/v1/traces\ncheckout\nproduction'); // 'traces-3f1c…' (16 hex digits)
 */
export function destinationFolder(signal: SignalName, destination: string): string {
  const { createHash } = nodeCrypto(); // not loaded with the preload
  return `${signal}-${createHash('sha256').update(destination).digest('hex').slice(0, 16)}`;
}

/**
 * A bounded directory of OTLP payloads that could not be delivered. Oldest first; over the size cap the oldest are
 * dropped (and reported). Several processes of one user may share a directory: a payload is claimed by renaming it
 * before it is sent, and claims of processes that died are released. The folders must be this user's alone, and only
 * regular files of this user with names it gives are read. Every method resolves; none throws.
 */
export class Spool {
  readonly directory: string;
  private readonly maxBytes: number;
  private readonly events: SpoolEvents;
  private readonly destinations: Partial<Record<SignalName, string>>;
  private readonly privateFrom: string;
  private folderNames: Partial<Record<SignalName, string>> | undefined;
  private entries: SpoolEntry[] = [];
  private totalBytes = 0;
  private sequence = 0;
  private ready: Promise<void> | undefined;
  private rootCreated: Promise<boolean> | undefined;
  private readonly foldersCreated = new Map<SignalName, Promise<boolean>>();
  private writable = true;
  /** The folder is not this user's alone: nothing is read from or written to it. */
  private refused = false;

  constructor(options: SpoolOptions, events: SpoolEvents) {
    this.directory = options.directory;
    this.maxBytes = options.maxBytes;
    this.destinations = options.destinations;
    this.privateFrom = options.privateFrom ?? dirname(options.directory);
    this.events = events;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.length, bytes: this.totalBytes };
  }

  get isWritable(): boolean {
    return this.writable;
  }

  /** Whether open() was called (the folder has been, or is being, read). */
  get isOpen(): boolean {
    return this.ready !== undefined;
  }

  /**
   * Reads what earlier runs left, releasing claims of dead processes. The directory itself is created at the first
   * write (ensureDirectory): a process that never has to spool leaves nothing on disk.
   */
  open(): Promise<void> {
    this.ready ??= this.rescan();
    return this.ready;
  }

  /** The folders from `privateFrom` down to `directory`. */
  private get rootLevels(): string[] {
    const path = relative(this.privateFrom, this.directory);
    return path === '' ? [] : path.split(sep).filter((level) => level !== '');
  }

  private folderOf(signal: SignalName): string | undefined {
    if (this.folderNames === undefined) {
      this.folderNames = {};
      for (const each of SIGNALS) {
        const destination = this.destinations[each];
        if (destination !== undefined) this.folderNames[each] = destinationFolder(each, destination);
      }
    }
    return this.folderNames[signal];
  }

  private pathOf(entry: SpoolEntry): string {
    return join(this.directory, this.folderOf(entry.signal) ?? '', entry.name);
  }

  /** Stops using a folder that is not ours alone: reported once, and the app goes on without a spool. */
  private refuse(error: NotPrivateError): void {
    this.refused = true;
    this.writable = false;
    this.replaceEntries([]);
    errorOnce(
      'spool:not-private',
      `the spool folder is not private to this user (${error.message}); it is not used: telemetry that cannot be sent is dropped (and counted). Set GENAI_OTEL_SPOOL_DIR to a folder of your own`,
    );
  }

  /** Creates the service's folder once, private; resolves false (and the spool stops taking payloads) when it cannot be. */
  ensureDirectory(): Promise<boolean> {
    this.rootCreated ??= this.makePrivate([]);
    return this.rootCreated;
  }

  private ensureFolder(signal: SignalName): Promise<boolean> {
    let created = this.foldersCreated.get(signal);
    if (created === undefined) {
      const folder = this.folderOf(signal);
      created =
        folder === undefined
          ? Promise.resolve(false)
          : this.ensureDirectory().then((ok) => ok && this.makePrivate([folder]));
      this.foldersCreated.set(signal, created);
    }
    return created;
  }

  private async makePrivate(below: string[]): Promise<boolean> {
    if (this.refused) return false;
    try {
      await privateFolder(this.privateFrom, [...this.rootLevels, ...below], true);
      return true;
    } catch (error) {
      this.writable = false;
      if (error instanceof NotPrivateError) this.refuse(error);
      else
        errorOnce(
          'spool:mkdir',
          `GENAI_OTEL_SPOOL_DIR="${this.directory}" cannot be created; telemetry that cannot be sent is dropped (and counted) instead of spooled`,
          error,
        );
      return false;
    }
  }

  /**
   * The payload folders there are to read: none when the service's folder is missing or holds none (then the
   * destination's hash, and node:crypto with it, is not needed: the common start of a process with nothing left
   * over). Checks every folder down to them; one that is not ours alone refuses the spool.
   */
  private async readableFolders(): Promise<{ signal: SignalName; path: string }[]> {
    if (this.refused) return [];
    try {
      if ((await privateFolder(this.privateFrom, this.rootLevels, false)) === 'missing') return [];
      if (!(await this.mayHoldPayloadFolders())) return [];
      const folders: { signal: SignalName; path: string }[] = [];
      for (const signal of SIGNALS) {
        const folder = this.folderOf(signal);
        if (folder !== undefined && (await privateFolder(this.directory, [folder], false)) === 'ready')
          folders.push({ signal, path: join(this.directory, folder) });
      }
      return folders;
    } catch (error) {
      if (error instanceof NotPrivateError) this.refuse(error);
      return [];
    }
  }

  /** Whether the service's folder has a payload folder among its first names (or more names than are looked at). */
  private async mayHoldPayloadFolders(): Promise<boolean> {
    let looked = 0;
    for await (const dirent of await fsPromises().opendir(this.directory)) {
      if (PAYLOAD_FOLDER.test(dirent.name) || ++looked >= ROOT_NAMES_LOOKED_AT) return true;
    }
    return false;
  }

  /**
   * Re-reads the payload folders: other processes sharing them may have added payloads. At most SCAN_BUDGET names
   * are read, one batch of the directory at a time, and only regular files (or entries of unknown type) with our
   * names are taken.
   */
  async rescan(): Promise<void> {
    const entries: SpoolEntry[] = [];
    let budget = SCAN_BUDGET;
    for (const { signal, path } of await this.readableFolders()) {
      if (budget <= 0 || entries.length >= MAX_SPOOL_ENTRIES) break;
      budget = await this.scanFolder(path, signal, entries, budget);
    }
    if (this.refused) return;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.replaceEntries(entries);
  }

  private replaceEntries(entries: SpoolEntry[]): void {
    this.entries = entries;
    this.totalBytes = entries.reduce((total, entry) => total + entry.bytes, 0);
  }

  /** Adds an entry at the tail (a new payload) or at the head (one put back). */
  private addEntry(entry: SpoolEntry, atHead: boolean): void {
    if (atHead) this.entries.unshift(entry);
    else this.entries.push(entry);
    this.totalBytes += entry.bytes;
  }

  private takeOldest(): SpoolEntry | undefined {
    const entry = this.entries.shift();
    if (entry !== undefined) this.totalBytes -= entry.bytes;
    return entry;
  }

  private async scanFolder(folder: string, signal: SignalName, entries: SpoolEntry[], budget: number): Promise<number> {
    // Read in the main thread, a batch of SCAN_BATCH names per system call, with a turn of the event loop between
    // batches: a promise per name (the asynchronous iterator) costs several times the CPU for the same names.
    const { opendirSync } = nodeFs();
    let directory: Dir;
    try {
      directory = opendirSync(folder, { bufferSize: SCAN_BATCH });
    } catch {
      return budget;
    }
    const leftovers: string[] = [];
    try {
      for (let read = 1; budget > 0 && entries.length < MAX_SPOOL_ENTRIES; read++, budget--) {
        if (read % SCAN_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
        const dirent = directory.readSync();
        if (dirent === null) break;
        const unknownType =
          !dirent.isFile() &&
          !dirent.isDirectory() &&
          !dirent.isSymbolicLink() &&
          !dirent.isFIFO() &&
          !dirent.isSocket() &&
          !dirent.isBlockDevice() &&
          !dirent.isCharacterDevice();
        if (!dirent.isFile() && !unknownType) continue; // links, pipes, folders: not ours (readOwnFile checks again)
        const entry = entryNamed(dirent.name, signal);
        if (entry !== undefined) entries.push(entry);
        else if (CLAIMED_NAME.test(dirent.name) || TEMPORARY_NAME.test(dirent.name)) leftovers.push(dirent.name);
      }
    } catch {
      // The folder went away or cannot be read on: what was read stands.
    } finally {
      try {
        directory.closeSync();
      } catch {
        // already closed
      }
    }
    for (const name of leftovers) {
      const entry = await this.releaseLeftover(folder, name, signal);
      if (entry !== undefined && entries.length < MAX_SPOOL_ENTRIES) entries.push(entry);
    }
    return budget;
  }

  /**
   * A claim of a process that died is released (renamed back: its payload is taken again); a temporary file of a
   * process that died mid-write is removed. Claims and writes of live processes are theirs.
   */
  private async releaseLeftover(folder: string, name: string, signal: SignalName): Promise<SpoolEntry | undefined> {
    const claimed = CLAIMED_NAME.exec(name);
    if (claimed !== null) {
      if (isAlive(Number(claimed[2]))) return undefined;
      const released = await fsPromises()
        .rename(join(folder, name), join(folder, claimed[1]!))
        .then(
          () => true,
          () => false,
        );
      return released ? entryNamed(claimed[1]!, signal) : undefined;
    }
    const temporary = TEMPORARY_NAME.exec(name);
    if (temporary !== null && !isAlive(Number(temporary[1])))
      await fsPromises()
        .unlink(join(folder, name))
        .catch(() => undefined);
    return undefined;
  }

  /** Writes a payload (atomically: temp file, then rename). Resolves false when it could not be kept. */
  async append(signal: SignalName, encoding: Encoding, items: number, payload: Uint8Array): Promise<boolean> {
    await this.open();
    if (!this.writable || !(await this.ensureFolder(signal))) {
      this.events.dropped(signal, items, 'spool unavailable');
      return false;
    }
    if (payload.byteLength > this.maxBytes) {
      this.events.dropped(signal, items, 'payload larger than the spool');
      return false;
    }
    await this.makeRoomFor(payload.byteLength);
    const name = `${String(Date.now()).padStart(15, '0')}-${process.pid}-${String(this.sequence++ % 1_000_000).padStart(6, '0')}.${payload.byteLength}.${signal}.${encoding}.${items}.otlp`;
    const entry: SpoolEntry = { name, signal, encoding, items, bytes: payload.byteLength };
    const path = this.pathOf(entry);
    try {
      await replacePrivateFile(path, `${path}.tmp`, payload);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      warnOnce(
        `spool:write:${code}`,
        `could not write to the spool ${this.directory} (${code ?? String(error)}); telemetry that cannot be sent is dropped and counted`,
      );
      if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') this.writable = false;
      this.events.dropped(signal, items, `spool write failed: ${code ?? 'error'}`);
      return false;
    }
    this.addEntry(entry, false);
    return true;
  }

  private async makeRoomFor(bytes: number): Promise<void> {
    while (
      this.entries.length > 0 &&
      (this.totalBytes + bytes > this.maxBytes || this.entries.length >= MAX_SPOOL_ENTRIES)
    ) {
      const oldest = this.takeOldest()!;
      await fsPromises()
        .unlink(this.pathOf(oldest))
        .catch(() => undefined);
      warnOnce(
        'spool:full',
        `the spool ${this.directory} reached GENAI_OTEL_SPOOL_MAX_BYTES (${this.maxBytes}) or ${MAX_SPOOL_ENTRIES} payloads; the oldest telemetry is dropped (and counted) to make room`,
      );
      this.events.dropped(oldest.signal, oldest.items, 'spool full');
    }
  }

  /** The oldest payload, claimed for sending by this process; undefined when the spool is empty. */
  async claimOldest(): Promise<{ entry: SpoolEntry; payload: Uint8Array } | undefined> {
    for (let entry = this.takeOldest(); entry !== undefined; entry = this.takeOldest()) {
      const path = this.pathOf(entry);
      const claimedPath = `${path}.sending-${process.pid}`;
      try {
        await fsPromises().rename(path, claimedPath);
      } catch {
        continue; // another process claimed it, or it was removed
      }
      try {
        return { entry, payload: await readOwnFile(claimedPath, this.maxBytes) };
      } catch (error) {
        // Not a payload of ours (a link, a pipe, another user's file) or unreadable: never sent. Unlinking a link
        // removes the link only.
        warnOnce(
          `spool:read:${(error as NodeJS.ErrnoException).code}`,
          `skipped ${basename(path)} in the spool ${this.directory}: ${error instanceof NotPrivateError ? error.message : String(error)}`,
        );
        await fsPromises()
          .unlink(claimedPath)
          .catch(() => undefined);
      }
    }
    return undefined;
  }

  /** Done with a claimed payload: sent, or given up. */
  async release(entry: SpoolEntry): Promise<void> {
    await fsPromises()
      .unlink(`${this.pathOf(entry)}.sending-${process.pid}`)
      .catch(() => undefined);
  }

  /** Puts a claimed payload back at the head of the queue (the collector is still away). */
  async putBack(entry: SpoolEntry): Promise<void> {
    const path = this.pathOf(entry);
    try {
      await fsPromises().rename(`${path}.sending-${process.pid}`, path);
      this.addEntry(entry, true);
    } catch {
      // The file is gone: nothing to put back.
    }
  }

  /**
   * Replaces this process's status file in the service's folder (`status.<pid>-<start>.json`, for `genai-otel
   * doctor`; see folder-status.ts), 0600, never through a link; `ended` at exit. Creates the folder if needed;
   * resolves whether it was written.
   */
  async writeStatus(report: StatusReport, ended = false): Promise<boolean> {
    if (!this.writable || !(await this.ensureDirectory())) return false;
    return writeProcessStatus(this.directory, report, ended);
  }
}
