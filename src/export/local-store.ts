// The `local` exporter: spans and log records into the local store, an SQLite database (node:sqlite, built into
// Node) that the `genai-otel` CLI queries with indexes. See store-schema.ts for the layout and store-worker.ts for the
// thread that writes.
import { basename, dirname } from 'node:path';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { Worker } from 'node:worker_threads';
import { errorOnce, warnOnce } from '../core/diagnostics.ts';
import { nodeWorkerThreads } from '../core/loaders.ts';
import { fsPromises } from './fs-promises.ts';
import type { HealthCounters } from './health.ts';
import { NotPrivateError, privateFolder } from './private-files.ts';
import {
  LOG_COLUMNS,
  LOG_ID_POSITIONS,
  SPAN_ID_POSITIONS,
  STORE_PRAGMAS,
  insertStatement,
  storeWriterSettings,
  storePath,
  type LogRow,
  type SpanRow,
} from './store-schema.ts';
import { logRow, rowBytes, spanRow } from './store-rows.ts';
import {
  storeWorkerSource,
  type StoreAnswer,
  type StoreDropReason,
  type StoreRequest,
  type StoreWorkerSettings,
} from './store-worker.ts';
import { emptyDropReasons, writeFolderStatus, type StoreStatus } from './folder-status.ts';

/** Rows waiting for the store's thread, at most (bytes, about): beyond it new ones are dropped and counted. */
export const MAX_PENDING_STORE_BYTES = 128 * 1024 * 1024;
/** How long one attempt to write waits for another process's transaction; the rows are kept and tried again. */
const BUSY_TIMEOUT_MILLIS = 5000;
/** The line reported once per reason a write fails. */
const WHY: Record<StoreDropReason, (path: string) => string> = {
  queueFull: (path) => `${path}: more rows wait than the local store takes`,
  diskFull: (path) => `the disk refused a write to the local store ${path} (full, or over a file size limit)`,
  locked: (path) => `another process kept the local store ${path} locked until this process exited`,
  unusable: (path) => `cannot write the local store ${path} (GENAI_OTEL_FILE_DIR)`,
  error: (path) => `cannot write the local store ${path} (GENAI_OTEL_FILE_DIR)`,
};
/** How soon after an export the running app's status file is written (at most once per this delay). */
const STATUS_DELAY_MILLIS = 5000;
/**
 * Items turned into rows and posted per turn of the event loop at most. At 20,000 spans/s on a 2-core machine, turns
 * of 128 held the loop 0.24 ms at the median and 1.5 to 2 ms at the 99th percentile (the copy postMessage makes, and
 * the store's thread taking a core); turns of 32, 0.06 and 0.27 ms, for the same CPU time.
 */
const ROWS_PER_TURN = 32;
/**
 * A turn stops once it has held the event loop this long (ms): spans carrying a long prompt or answer take far longer
 * to turn into a row than the usual 2 to 3 µs.
 */
export const STORE_TURN_BUDGET_MILLIS = 0.25;

export interface LocalStoreOptions {
  /** The folder (GENAI_OTEL_FILE_DIR); the store is `telemetry.db` in it. */
  directory: string;
  /** 0: keep everything. */
  retentionMillis: number;
  /** 0: no size cap. */
  maxBytes: number;
  maxPendingBytes?: number;
  /** How long one attempt waits for another process's transaction (busy_timeout); the rows are kept and retried. */
  busyTimeoutMillis?: number;
  retentionIntervalMillis?: number;
  /** At shutdown, how long to wait for a store another process keeps locked before its rows are dropped (counted). */
  shutdownWaitMillis?: number;
  /** Tests only: statements run on the store's connection after its own pragmas (e.g. `PRAGMA max_page_count`). */
  extraPragmas?: string;
}

/** What became of the rows of one signal. */
export interface StoreCounts {
  written: number;
  dropped: number;
  /** `dropped`, by reason. */
  droppedBy: Record<StoreDropReason, number>;
  /** Of `dropped`, what the SDK's queue dropped before the store saw it (counted in the export health already). */
  droppedBeforeStore: number;
  /** Rows retention deleted (old data, not new). */
  expired: number;
  /** Of `expired`, rows the size cap (maxBytes) deleted although younger than the age limit (retentionMillis). */
  expiredBySize: number;
}

type Signal = 'traces' | 'logs';

/**
 * Makes sure the database file is a regular file of ours before SQLite opens it (SQLite follows links): created 0600
 * when missing, without following a link; an existing name that is a link or another user's file is refused.
 */
export async function prepareStoreFile(path: string): Promise<void> {
  const fs = fsPromises();
  const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
  const noFollow = (fs.constants as Record<string, number | undefined>).O_NOFOLLOW ?? 0;
  try {
    const handle = await fs.open(path, O_WRONLY | O_CREAT | O_EXCL | noFollow, 0o600);
    await handle.close();
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const info = await fs.lstat(path);
  if (!info.isFile()) throw new NotPrivateError(`${path} is not a regular file`);
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid)
    throw new NotPrivateError(`${path} belongs to another user (uid ${info.uid})`);
  if (uid !== undefined && (info.mode & 0o077) !== 0) await fs.chmod(path, 0o600);
}

/**
 * The writer side of the local store, one per database file in a process (the span and log exporters share it).
 * Batches are accepted at once, turned into rows a few at a time between the application's own work, and posted to
 * one thread that writes them in transactions; so the event loop is never held by SQLite, and the SDK's queue drains
 * as fast as spans end. Rows beyond MAX_PENDING_STORE_BYTES waiting, and rows a failed write loses, are dropped and
 * counted. Never rejects, never throws into the SDK.
 */
/** A signal's counts before anything was written. */
const noCounts = (): StoreCounts => ({
  written: 0,
  dropped: 0,
  droppedBy: emptyDropReasons(),
  droppedBeforeStore: 0,
  expired: 0,
  expiredBySize: 0,
});

export class LocalStore {
  private static readonly open = new Map<string, LocalStore>();
  readonly path: string;
  readonly directory: string;
  readonly counts: Record<Signal, StoreCounts> = { traces: noCounts(), logs: noCounts() };
  /** Since when another process has kept the store locked (the thread is waiting), if it is now. */
  lockedSince: number | undefined;
  /** The last reason the store could not be written, and when (ISO time). */
  lastError: { reason: StoreDropReason; message: string; at: string } | undefined;
  private readonly options: LocalStoreOptions;
  private readonly maxPendingBytes: number;
  private readonly toConvert: { signal: Signal; items: readonly (ReadableSpan | ReadableLogRecord)[] }[] = [];
  private converting = false;
  private pendingBytes = 0;
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { signal?: Signal; rows: number; bytes: number; resolve?: (answer: StoreAnswer) => void }
  >();
  private worker: Worker | undefined;
  private starting: Promise<Worker | undefined> | undefined;
  private broken = false;
  private users = 0;
  /** The oldest time kept, as the thread last told it (ns since the epoch). */
  private oldestNs: string | undefined;
  /** How long the store's work held the event loop, turn by turn (turning spans into rows and posting them). */
  readonly holds = { turns: 0, overOneMillisecond: 0, longestMillis: 0 };

  private constructor(options: LocalStoreOptions) {
    this.options = options;
    this.directory = options.directory;
    this.path = storePath(options.directory);
    this.maxPendingBytes = options.maxPendingBytes ?? MAX_PENDING_STORE_BYTES;
  }

  /**
   * The store for a folder, shared by this process's exporters; each caller should `release()` it at shutdown.
   *
   * @example
   * const store = LocalStore.acquire({ directory: '.genai-otel', retentionMillis: 7 * 86_400_000, maxBytes: 1 << 30 });
   */
  static acquire(options: LocalStoreOptions): LocalStore {
    const key = storePath(options.directory);
    let store = LocalStore.open.get(key);
    if (store === undefined) {
      store = new LocalStore(options);
      LocalStore.open.set(key, store);
    }
    store.users++;
    return store;
  }

  /** The store this process has open in `directory` (GENAI_OTEL_FILE_DIR), if any: its status goes in the folder's status file. */
  static inFolder(directory: string): LocalStore | undefined {
    return LocalStore.open.get(storePath(directory));
  }

  /** Spans the SDK's queue dropped on their way to this store (see DropCountingSpanProcessor): queue full. */
  noteQueueDrops(signal: Signal, items: number): void {
    this.drop(signal, items, 'queueFull');
    this.counts[signal].droppedBeforeStore += items;
  }

  /** Drops counted for `signal`, by reason; `message` becomes the last error the status file shows. */
  private drop(signal: Signal, rows: number, reason: StoreDropReason, message?: string): void {
    if (rows <= 0) return;
    this.counts[signal].dropped += rows;
    this.counts[signal].droppedBy[reason] += rows;
    if (message !== undefined) this.lastError = { reason, message, at: new Date().toISOString() };
  }

  /**
   * What the store holds and did, for the status file and `genai-otel doctor`: counts by signal and reason, the file's
   * size, the retention in force, the oldest time kept (asked of the thread, which answers at once).
   *
   * @example
   * const status = await LocalStore.inFolder('.genai-otel')?.status(); // { path, bytes, oldestKept, signals, … }
   */
  async status(): Promise<StoreStatus> {
    const worker = this.worker;
    if (worker !== undefined && !this.broken) {
      // Asked on the side: it neither keeps the process alive nor waits long for a thread inside a long write.
      let timer: NodeJS.Timeout | undefined;
      const id = this.nextId++;
      const answer = await Promise.race([
        this.request(worker, { op: 'status', id }, false),
        new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 1000))),
      ]);
      clearTimeout(timer);
      this.waiting.delete(id);
      if (answer !== undefined) this.oldestNs = answer.oldestNs;
    }
    const fs = fsPromises();
    const sizes = await Promise.all(
      ['', '-wal'].map((suffix) =>
        fs.lstat(`${this.path}${suffix}`).then(
          (info) => info.size,
          () => 0,
        ),
      ),
    );
    const signal = (counts: StoreCounts) => ({
      written: counts.written,
      dropped: counts.dropped,
      droppedBy: { ...counts.droppedBy },
    });
    return {
      path: this.path,
      state: this.broken ? 'unusable' : this.lockedSince !== undefined ? 'locked' : 'ok',
      bytes: sizes.reduce((sum, size) => sum + size, 0),
      retention: { maxAgeMillis: this.options.retentionMillis, maxBytes: this.options.maxBytes },
      oldestKept:
        this.oldestNs === undefined ? undefined : new Date(Number(BigInt(this.oldestNs) / 1_000_000n)).toISOString(),
      signals: { traces: signal(this.counts.traces), logs: signal(this.counts.logs) },
      deleted: {
        total: this.counts.traces.expired + this.counts.logs.expired,
        bySizeWithinAge: this.counts.traces.expiredBySize + this.counts.logs.expiredBySize,
      },
      lastError: this.lastError,
      eventLoop: { ...this.holds, longestMillis: Math.round(this.holds.longestMillis * 1000) / 1000 },
    };
  }

  /** Accepts a batch; false when it is dropped (counted): rows waiting over the cap, or the store unusable. */
  offer(signal: Signal, items: readonly (ReadableSpan | ReadableLogRecord)[]): boolean {
    if (items.length === 0) return true;
    if (this.broken || this.pendingBytes > this.maxPendingBytes) {
      if (this.broken) {
        this.drop(signal, items.length, 'unusable');
      } else if (this.lockedSince !== undefined) {
        this.drop(signal, items.length, 'locked', 'another process keeps the store locked');
        warnOnce(
          `store-locked:${this.path}`,
          `${this.path}: another process keeps the local store locked (since ${new Date(this.lockedSince).toISOString()}) and more than ${this.maxPendingBytes} bytes wait; new ${signal} are dropped and counted`,
        );
      } else {
        this.drop(signal, items.length, 'queueFull', 'more rows waiting than the store takes');
        warnOnce(
          `store-full:${this.path}`,
          `${this.path}: telemetry arrives faster than the local store takes it (more than ${this.maxPendingBytes} bytes waiting); new ${signal} are dropped and counted`,
        );
      }
      return false;
    }
    // An estimate until the rows are made (a span is rarely under 300 bytes as a row).
    this.pendingBytes += items.length * 300;
    this.toConvert.push({ signal, items });
    if (!this.converting) {
      this.converting = true;
      setImmediate(() => this.convertSome());
    }
    return true;
  }

  /** Resolves once everything offered so far is written (or dropped and counted). */
  async flush(): Promise<void> {
    while (this.converting) await new Promise((resolve) => setImmediate(resolve));
    const worker = await this.start();
    if (worker === undefined) return;
    await this.request(worker, { op: 'flush', id: this.nextId++ });
  }

  /** Applies retention now (it otherwise runs as rows are written); resolves when done. */
  async retain(): Promise<void> {
    await this.flush();
    const worker = await this.start();
    if (worker !== undefined) await this.request(worker, { op: 'retain', id: this.nextId++ });
  }

  /**
   * Flushes; the last user's release also ends the store's thread. A store another process keeps locked is waited
   * for `shutdownWaitMillis` at most: then what waits is dropped as `locked` (counted), so that the app still exits
   * within its shutdown deadline.
   */
  async release(): Promise<void> {
    const flushed = await this.flushWithin(this.waitMillis);
    this.users = Math.max(0, this.users - 1);
    if (!flushed && this.worker !== undefined) {
      // Answered once what waits is written, or dropped as `locked` when another process holds the store longer than
      // one attempt (busy_timeout): the thread reads it between attempts.
      await this.request(this.worker, { op: 'abandon', id: this.nextId++ });
    }
    if (this.users > 0) return;
    LocalStore.open.delete(this.path);
    // The oldest time kept, asked while the thread is there, for the status written after this.
    if (flushed) await this.status();
    const worker = this.worker;
    this.worker = undefined;
    this.starting = undefined;
    if (flushed) await worker?.terminate();
    else {
      // A thread still inside SQLite ends when it returns; the process need not wait for it.
      worker?.unref();
      void worker?.terminate();
    }
  }

  /** How long a flush at exit waits for the store: not at all when another process was found holding it. */
  get waitMillis(): number {
    return this.lockedSince === undefined ? (this.options.shutdownWaitMillis ?? 1500) : 0;
  }

  /**
   * Whether everything offered so far was written (or dropped) within `millis`. When not, the thread no longer keeps
   * the process alive for that flush: an app that is done must still reach its exit (and the store's last word).
   */
  async flushWithin(millis: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      this.flush().then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(resolve, millis, false))),
    ]);
    clearTimeout(timer);
    if (!done) this.worker?.unref();
    return done;
  }

  /** Posts `message`; waiting for the answer keeps the process alive unless `keepAlive` is false. */
  private request(worker: Worker, message: StoreRequest, keepAlive = true): Promise<StoreAnswer> {
    return new Promise((resolve) => {
      this.waiting.set(message.id, { rows: 0, bytes: 0, resolve });
      // Waiting for an answer keeps the process alive; an idle store's thread does not.
      if (keepAlive) worker.ref();
      worker.postMessage(message);
    });
  }

  /**
   * Turns a few items into rows and posts them, then yields to the application until everything is posted: at most
   * ROWS_PER_TURN items, and no more once STORE_TURN_BUDGET_MILLIS have passed (one item always goes through).
   */
  private convertSome(): void {
    const front = this.toConvert[0];
    if (front === undefined) {
      this.converting = false;
      return;
    }
    const began = performance.now();
    const rows: (SpanRow | LogRow)[] = [];
    let bytes = 0;
    let taken = 0;
    while (taken < ROWS_PER_TURN && taken < front.items.length) {
      const item = front.items[taken++]!;
      try {
        const row = front.signal === 'traces' ? spanRow(item as ReadableSpan) : logRow(item as ReadableLogRecord);
        bytes += rowBytes(row);
        rows.push(row);
      } catch (error) {
        this.drop(front.signal, 1, 'error', String(error));
        errorOnce(`store-row:${front.signal}`, `could not turn ${front.signal} into rows of the local store`, error);
      }
      if (performance.now() - began >= STORE_TURN_BUDGET_MILLIS) break;
    }
    front.items = taken === front.items.length ? [] : front.items.slice(taken);
    if (front.items.length === 0) this.toConvert.shift();
    this.pendingBytes -= taken * 300;
    if (rows.length > 0) this.post(front.signal, rows, bytes);
    const held = performance.now() - began;
    this.holds.turns++;
    if (held > 1) this.holds.overOneMillisecond++;
    if (held > this.holds.longestMillis) this.holds.longestMillis = held;
    setImmediate(() => this.convertSome());
  }

  private post(signal: Signal, rows: (SpanRow | LogRow)[], bytes: number): void {
    this.pendingBytes += bytes;
    const id = this.nextId++;
    this.waiting.set(id, { signal, rows: rows.length, bytes });
    const send = (worker: Worker | undefined) => {
      if (worker === undefined) {
        this.settle({ id, written: 0, dropped: rows.length, expired: 0 });
        return;
      }
      // Rows waiting keep the process alive, unless another process holds the store: then the app's exit decides.
      if (this.lockedSince === undefined) worker.ref();
      worker.postMessage({ op: signal === 'traces' ? 'spans' : 'logs', id, rows } satisfies StoreRequest);
    };
    // Posted within the turn that made the rows once the thread runs (the rows die young, and the turn's hold counts
    // the copy postMessage makes); the first rows wait for the thread to start.
    if (this.worker !== undefined) send(this.worker);
    else void this.start().then(send);
  }

  private settle(answer: StoreAnswer): void {
    if (answer.locked !== undefined) {
      this.lockedSince = answer.locked ? (this.lockedSince ?? Date.now()) : undefined;
      // A store another process holds must not keep a finished app from exiting (its exit drops and counts the rows).
      if (answer.locked) this.worker?.unref();
      else if (this.waiting.size > 0) this.worker?.ref();
      return;
    }
    const entry = this.waiting.get(answer.id);
    if (entry === undefined) return;
    this.waiting.delete(answer.id);
    this.pendingBytes -= entry.bytes;
    const reason = answer.reason ?? 'error';
    if (entry.signal !== undefined) {
      this.counts[entry.signal].written += answer.written;
      this.drop(entry.signal, answer.dropped, reason, answer.error);
    }
    // Retention deletes spans and log records together; the count is kept with the spans.
    this.counts.traces.expired += answer.expired;
    this.counts.traces.expiredBySize += answer.expiredBySize ?? 0;
    if (answer.error !== undefined && answer.dropped > 0)
      errorOnce(
        `store-write:${reason}:${this.path}`,
        `${WHY[reason](this.path)}: ${answer.error}; telemetry is dropped and counted`,
      );
    entry.resolve?.(answer);
    if (this.waiting.size === 0) this.worker?.unref();
  }

  /** The store's thread, started on first use; undefined (and everything dropped, counted) when it cannot start. */
  private start(): Promise<Worker | undefined> {
    this.starting ??= this.startWorker();
    return this.starting;
  }

  private async startWorker(): Promise<Worker | undefined> {
    try {
      await privateFolder(dirname(this.directory), [basename(this.directory)], true);
      await prepareStoreFile(this.path);
      const settings: StoreWorkerSettings = {
        path: this.path,
        pragmas: STORE_PRAGMAS,
        writer: storeWriterSettings(),
        insertLog: insertStatement('logs', LOG_COLUMNS),
        spanIdPositions: SPAN_ID_POSITIONS,
        logIdPositions: LOG_ID_POSITIONS,
        busyTimeoutMillis: this.options.busyTimeoutMillis ?? BUSY_TIMEOUT_MILLIS,
        retentionMillis: this.options.retentionMillis,
        maxBytes: this.options.maxBytes,
        retentionEveryRows: 100_000,
        retentionIntervalMillis: this.options.retentionIntervalMillis ?? 60_000,
        extraPragmas: this.options.extraPragmas,
      };
      const { Worker } = nodeWorkerThreads();
      // No stdout/stderr of the thread's own: a failure comes back as an answer or an 'error' event. Nothing may print
      // there either (unread output keeps the process alive), so the app's --require and --import, genai-otel's
      // preload among them, are not run again in the thread: no execArgv, no NODE_OPTIONS.
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.NODE_OPTIONS;
      const worker = new Worker(storeWorkerSource(), {
        eval: true,
        workerData: settings,
        stdout: true,
        stderr: true,
        execArgv: [],
        env,
      });
      worker.unref();
      worker.on('message', (answer: StoreAnswer) => this.settle(answer));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', () => {
        if (this.worker === worker && this.waiting.size > 0) this.fail(new Error('the local store thread ended'));
      });
      this.worker = worker;
      return worker;
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  /** The store cannot be used: report once, count what waits and what comes as dropped. */
  private fail(error: unknown): void {
    this.broken = true;
    this.lastError = { reason: 'unusable', message: String(error), at: new Date().toISOString() };
    errorOnce(
      `store-open:${this.path}`,
      `cannot use the local store ${this.path} (GENAI_OTEL_FILE_DIR); telemetry for it is dropped and counted`,
      error,
    );
    for (const [id, entry] of [...this.waiting])
      this.settle({ id, written: 0, dropped: entry.rows, expired: 0, reason: 'unusable', error: undefined });
  }
}

/** What the span and log exporters share: accept at once, count what the store drops in the export health. */
class StoreExport {
  readonly store: LocalStore;
  private readonly signal: Signal;
  private readonly counters: HealthCounters | undefined;
  private reportedDrops = 0;
  private statusTimer: NodeJS.Timeout | undefined;
  handed = 0;

  constructor(signal: Signal, options: LocalStoreOptions, counters: HealthCounters | undefined) {
    this.signal = signal;
    this.store = LocalStore.acquire(options);
    this.counters = counters;
  }

  export(items: readonly (ReadableSpan | ReadableLogRecord)[], resultCallback: (result: ExportResult) => void): void {
    this.handed += items.length;
    const accepted = this.store.offer(this.signal, items);
    this.reconcile();
    this.scheduleStatus();
    try {
      resultCallback({ code: accepted ? ExportResultCode.SUCCESS : ExportResultCode.FAILED });
    } catch (error) {
      warnOnce(`store-callback:${this.signal}`, `the SDK's export callback threw: ${String(error)}`);
    }
  }

  async flush(): Promise<void> {
    await this.store.flushWithin(this.store.waitMillis);
    this.reconcile();
    await this.writeStatus();
  }

  async shutdown(): Promise<void> {
    clearTimeout(this.statusTimer);
    await this.store.release();
    this.reconcile();
    await this.writeStatus(true);
  }

  /** The status file while the app runs: a few seconds after exports, so that `doctor` sees a running app's store. */
  private scheduleStatus(): void {
    if (this.statusTimer !== undefined) return;
    this.statusTimer = setTimeout(() => {
      void this.writeStatus().finally(() => (this.statusTimer = undefined));
    }, STATUS_DELAY_MILLIS);
    this.statusTimer.unref();
  }

  /** Not by a process that stored and dropped nothing (a file of no use); `ended` at shutdown. */
  private async writeStatus(ended = false): Promise<void> {
    this.reconcile();
    const { traces, logs } = this.store.counts;
    if (traces.written + traces.dropped + logs.written + logs.dropped === 0) return;
    await writeFolderStatus(this.store.directory, this.counters, await this.store.status(), ended);
  }

  private reconcile(): void {
    const counts = this.store.counts[this.signal];
    const dropped = counts.dropped - counts.droppedBeforeStore - this.reportedDrops;
    if (dropped <= 0) return;
    this.reportedDrops += dropped;
    this.counters?.count(this.signal, 'dropped', dropped);
  }
}

/**
 * Span exporter writing to the local store (`OTEL_TRACES_EXPORTER=local`).
 *
 * @example
 * new BatchSpanProcessor({ exporter: new LocalStoreSpanExporter({ directory: '.genai-otel', retentionMillis: 0, maxBytes: 0 }) });
 */
export class LocalStoreSpanExporter implements SpanExporter {
  private readonly core: StoreExport;

  constructor(options: LocalStoreOptions, counters?: HealthCounters) {
    this.core = new StoreExport('traces', options, counters);
  }

  /** The store this exporter writes to (shared with the process's other local exporters). */
  get store(): LocalStore {
    return this.core.store;
  }

  /** Spans handed to this exporter so far (see DropCountingSpanProcessor). */
  get handedSpans(): number {
    return this.core.handed;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.core.export(spans, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.core.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.core.flush();
  }
}

/** Log record exporter writing to the local store (`OTEL_LOGS_EXPORTER=local`). */
export class LocalStoreLogRecordExporter implements LogRecordExporter {
  private readonly core: StoreExport;

  constructor(options: LocalStoreOptions, counters?: HealthCounters) {
    this.core = new StoreExport('logs', options, counters);
  }

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    this.core.export(logs, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.core.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.core.flush();
  }
}
