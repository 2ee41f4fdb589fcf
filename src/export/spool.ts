import { fsPromises } from './fs-promises.ts';
import { join } from 'node:path';
import { errorOnce, warnOnce } from '../sdk/diagnostics.ts';

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

// <time>-<pid>-<sequence>.<signal>.<encoding>.<items>.otlp: the time first, so names sort oldest first across processes.
const ENTRY_NAME = /^(\d{15})-(\d+)-(\d{6})\.(traces|metrics|logs)\.(protobuf|json)\.(\d+)\.otlp$/;
const CLAIMED_NAME = /^(.+\.otlp)\.sending-(\d+)$/;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A bounded directory of OTLP payloads that could not be delivered. Oldest first; over the size cap the oldest are
 * dropped (and reported). Several processes may share a directory: a payload is claimed by renaming it before it is
 * sent, and claims of processes that died are released. Every method resolves; none throws.
 */
export class Spool {
  readonly directory: string;
  private readonly maxBytes: number;
  private readonly events: SpoolEvents;
  private entries: SpoolEntry[] = [];
  private totalBytes = 0;
  private sequence = 0;
  private ready: Promise<void> | undefined;
  private created: Promise<boolean> | undefined;
  private writable = true;

  constructor(directory: string, maxBytes: number, events: SpoolEvents) {
    this.directory = directory;
    this.maxBytes = maxBytes;
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

  /** Creates the directory once; resolves false (and the spool stops taking payloads) when it cannot be. */
  ensureDirectory(): Promise<boolean> {
    this.created ??= fsPromises().mkdir(this.directory, { recursive: true }).then(
      () => true,
      (error: unknown) => {
        this.writable = false;
        errorOnce('spool:mkdir', `GENAI_OTEL_SPOOL_DIR="${this.directory}" cannot be created; telemetry that cannot be sent is dropped (and counted) instead of spooled`, error);
        return false;
      },
    );
    return this.created;
  }

  /** Re-reads the directory: other processes sharing it may have added payloads. */
  async rescan(): Promise<void> {
    let names: string[];
    try {
      names = await fsPromises().readdir(this.directory);
    } catch {
      return;
    }
    const entries: SpoolEntry[] = [];
    for (const name of names) {
      const claimed = CLAIMED_NAME.exec(name);
      if (claimed !== null && !isAlive(Number(claimed[2]))) {
        await fsPromises().rename(join(this.directory, name), join(this.directory, claimed[1]!)).catch(() => undefined);
        names.push(claimed[1]!);
        continue;
      }
      const match = ENTRY_NAME.exec(name);
      if (match === null) continue;
      const size = await fsPromises().stat(join(this.directory, name)).then((info) => info.size, () => undefined);
      if (size === undefined) continue;
      entries.push({ name, signal: match[4] as SignalName, encoding: match[5] as Encoding, items: Number(match[6]), bytes: size });
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.entries = entries;
    this.totalBytes = entries.reduce((total, entry) => total + entry.bytes, 0);
  }

  /** Writes a payload (atomically: temp file, then rename). Resolves false when it could not be kept. */
  async append(signal: SignalName, encoding: Encoding, items: number, payload: Uint8Array): Promise<boolean> {
    await this.open();
    if (!this.writable || !(await this.ensureDirectory())) {
      this.events.dropped(signal, items, 'spool unavailable');
      return false;
    }
    if (payload.byteLength > this.maxBytes) {
      this.events.dropped(signal, items, 'payload larger than the spool');
      return false;
    }
    await this.makeRoomFor(payload.byteLength);
    const name = `${String(Date.now()).padStart(15, '0')}-${process.pid}-${String(this.sequence++ % 1_000_000).padStart(6, '0')}.${signal}.${encoding}.${items}.otlp`;
    const path = join(this.directory, name);
    try {
      await fsPromises().writeFile(`${path}.tmp`, payload);
      await fsPromises().rename(`${path}.tmp`, path);
    } catch (error) {
      await fsPromises().unlink(`${path}.tmp`).catch(() => undefined);
      const code = (error as NodeJS.ErrnoException).code;
      warnOnce(`spool:write:${code}`, `could not write to the spool ${this.directory} (${code ?? String(error)}); telemetry that cannot be sent is dropped and counted`);
      if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') this.writable = false;
      this.events.dropped(signal, items, `spool write failed: ${code ?? 'error'}`);
      return false;
    }
    this.entries.push({ name, signal, encoding, items, bytes: payload.byteLength });
    this.totalBytes += payload.byteLength;
    return true;
  }

  private async makeRoomFor(bytes: number): Promise<void> {
    while (this.entries.length > 0 && this.totalBytes + bytes > this.maxBytes) {
      const oldest = this.entries.shift()!;
      this.totalBytes -= oldest.bytes;
      await fsPromises().unlink(join(this.directory, oldest.name)).catch(() => undefined);
      warnOnce('spool:full', `the spool ${this.directory} reached GENAI_OTEL_SPOOL_MAX_BYTES (${this.maxBytes}); the oldest telemetry is dropped (and counted) to make room`);
      this.events.dropped(oldest.signal, oldest.items, 'spool full');
    }
  }

  /** The oldest payload, claimed for sending by this process; undefined when the spool is empty. */
  async claimOldest(): Promise<{ entry: SpoolEntry; payload: Uint8Array } | undefined> {
    while (this.entries.length > 0) {
      const entry = this.entries.shift()!;
      this.totalBytes -= entry.bytes;
      const path = join(this.directory, entry.name);
      const claimedPath = `${path}.sending-${process.pid}`;
      try {
        await fsPromises().rename(path, claimedPath);
      } catch {
        continue; // another process claimed it, or it was removed
      }
      try {
        return { entry, payload: await fsPromises().readFile(claimedPath) };
      } catch {
        await fsPromises().unlink(claimedPath).catch(() => undefined);
      }
    }
    return undefined;
  }

  /** Done with a claimed payload: sent, or given up. */
  async release(entry: SpoolEntry): Promise<void> {
    await fsPromises().unlink(join(this.directory, `${entry.name}.sending-${process.pid}`)).catch(() => undefined);
  }

  /** Puts a claimed payload back at the head of the queue (the collector is still away). */
  async putBack(entry: SpoolEntry): Promise<void> {
    const path = join(this.directory, entry.name);
    try {
      await fsPromises().rename(`${path}.sending-${process.pid}`, path);
      this.entries.unshift(entry);
      this.totalBytes += entry.bytes;
    } catch {
      // The file is gone: nothing to put back.
    }
  }
}
