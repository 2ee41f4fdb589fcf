// The local store's writing thread. SQLite's API is synchronous, and a commit (or waiting for another process's
// transaction) takes milliseconds: in the application's thread that would stall its requests. Here the application
// thread only posts rows; this thread writes them in transactions, and applies retention.
//
// The thread runs `storeWorkerMain` from its source text (`new Worker(text, { eval: true })`), so the package needs
// no separate worker file in each of its builds: the function must stay self-contained (no imports, no outer names);
// the span writer (store-lineage.ts) comes to it as its argument, from its own source text.
import { storeWriterOf, type StoreWriterSettings } from './store-lineage.ts';

/** What the thread is told at start. */
export interface StoreWorkerSettings {
  path: string;
  pragmas: string;
  writer: StoreWriterSettings;
  insertLog: string;
  spanIdPositions: number[];
  logIdPositions: number[];
  busyTimeoutMillis: number;
  /** 0: no limit. */
  retentionMillis: number;
  /** 0: no limit. */
  maxBytes: number;
  /** Retention runs after this many rows were written, and at least every retentionIntervalMillis while writing. */
  retentionEveryRows: number;
  retentionIntervalMillis: number;
  /** Rows a transaction takes at most (4096 when unset); larger for a bulk load, where fewer commits write less. */
  rowsPerTransaction?: number;
  /** Statements run after the store's own pragmas (tests: `PRAGMA max_page_count` makes a full disk). */
  extraPragmas?: string;
}

/**
 * Why rows were dropped: the rows waiting for the thread over their cap (`queueFull`), the disk refused a write
 * (`diskFull`: full, or a file size limit), another process held the store until the writer gave up (`locked`), the
 * store cannot be opened or written at all (`unusable`: a read-only folder, a link, not a database), anything else.
 */
export type StoreDropReason = 'queueFull' | 'diskFull' | 'locked' | 'unusable' | 'error';

/**
 * A message to the thread: rows of a signal, or a flush (answered once everything before it is written). `status` is
 * answered at once (the oldest time kept); `abandon` (at exit) drops what waits for a lock instead of waiting more.
 */
export type StoreRequest =
  | { op: 'spans' | 'logs'; id: number; rows: unknown[][] }
  | { op: 'flush'; id: number }
  | { op: 'retain'; id: number }
  | { op: 'status'; id: number }
  | { op: 'abandon'; id: number };

/** The answer to each request, in order. */
export interface StoreAnswer {
  id: number;
  written: number;
  dropped: number;
  /** Rows retention deleted since the previous answer. */
  expired: number;
  /** Of the rows written, those new to the store (the others were stored already, e.g. imported twice). */
  added?: number;
  /** Of those, rows the size cap deleted although younger than the age limit. */
  expiredBySize?: number;
  /** Why `dropped` rows were dropped. */
  reason?: StoreDropReason;
  error?: string;
  /** Sent with id 0 when the store starts (true) or stops (false) waiting for another process's lock. */
  locked?: boolean;
  /** The answer to `status`: the start of the oldest span or log record kept (ns since the epoch), if any. */
  oldestNs?: string;
}

/**
 * The thread's program. Rows are written as they come, in transactions of up to a few thousand rows; a store locked
 * by another process is waited for (busy_timeout), and retried later rather than dropped; any other failure drops that
 * transaction's rows, counted in the answer. Retention deletes whole ranges, oldest first: spans and log records older
 * than retentionMillis, then the oldest tenth again while the database holds more than maxBytes.
 */
export function storeWorkerMain(writerOf: typeof storeWriterOf): void {
  const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
  const settings = workerData as StoreWorkerSettings;
  // Some Node lines print an ExperimentalWarning when node:sqlite loads; it is no concern of the application's.
  const emitWarning = process.emitWarning;
  process.emitWarning = (warning: unknown, ...rest: unknown[]) => {
    if (String(warning instanceof Error ? warning.message : warning).startsWith('SQLite is an experimental')) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  };
  const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
  process.emitWarning = emitWarning;

  type Statement = ReturnType<InstanceType<typeof DatabaseSync>['prepare']>;
  let db: InstanceType<typeof DatabaseSync> | undefined;
  let insert: { spans: ReturnType<typeof writerOf>; logs: Statement } | undefined;
  const queue: StoreRequest[] = [];
  let scheduled = false;
  let expired = 0;
  let expiredBySize = 0;
  let waitingForLock = false;
  let abandoned = false;
  let rowsSinceRetention = 0;
  let lastRetention = 0;
  const ROWS_PER_TRANSACTION = settings.rowsPerTransaction ?? 4096;

  const open = () => {
    if (db !== undefined && insert !== undefined) return insert;
    const opened = new DatabaseSync(settings.path);
    try {
      opened.exec(`PRAGMA busy_timeout = ${settings.busyTimeoutMillis}`);
      opened.exec(settings.pragmas);
      if (settings.extraPragmas !== undefined) opened.exec(settings.extraPragmas);
      const spans = writerOf(opened, settings.writer);
      // Creates the tables, or brings an older store up to date (once, in its own transaction).
      spans.prepare();
      insert = { spans, logs: opened.prepare(settings.insertLog) };
    } catch (error) {
      try {
        opened.close();
      } catch {
        // already unusable
      }
      throw error;
    }
    db = opened;
    return insert;
  };

  const forget = () => {
    try {
      db?.close();
    } catch {
      // a broken connection is dropped all the same
    }
    db = undefined;
    insert = undefined;
  };

  const isBusy = (error: unknown) => {
    const code = (error as { errcode?: number }).errcode;
    return (code !== undefined && (code & 0xff) === 5) || /database is locked|SQLITE_BUSY/i.test(String(error));
  };

  /** SQLite's primary result code (the low byte of an extended one), from node:sqlite's error. */
  const codeOf = (error: unknown) => ((error as { errcode?: number }).errcode ?? -1) & 0xff;
  const reasonOf = (error: unknown): StoreDropReason => {
    const code = codeOf(error);
    // SQLITE_FULL; SQLITE_IOERR_WRITE is what a write past a file size limit (EFBIG) comes back as.
    if (code === 13 || (error as { errcode?: number }).errcode === 778) return 'diskFull';
    // SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_NOTADB
    if (code === 3 || code === 8 || code === 14 || code === 26) return 'unusable';
    return 'error';
  };

  const bytesOf = (row: unknown[], positions: number[]) => {
    const copy = row.slice();
    for (const position of positions) {
      const hex = copy[position];
      copy[position] = typeof hex === 'string' && hex !== '' ? Buffer.from(hex, 'hex') : null;
    }
    return copy;
  };

  /** Deletes whole ranges of the oldest rows; returns how many rows went. */
  const retain = () => {
    if (db === undefined) return;
    lastRetention = Date.now();
    rowsSinceRetention = 0;
    if (settings.retentionMillis > 0) {
      const cutoff = (BigInt(Date.now()) - BigInt(settings.retentionMillis)) * 1_000_000n;
      expired += Number(db.prepare('DELETE FROM spans WHERE start_ns < ?').run(cutoff).changes);
      expired += Number(db.prepare('DELETE FROM logs WHERE time_ns < ?').run(cutoff).changes);
    }
    if (settings.maxBytes > 0) {
      const used = () => {
        const pages = Number(db!.prepare('PRAGMA page_count').get()!.page_count);
        const free = Number(db!.prepare('PRAGMA freelist_count').get()!.freelist_count);
        const size = Number(db!.prepare('PRAGMA page_size').get()!.page_size);
        return (pages - free) * size;
      };
      for (let round = 0; round < 50 && used() > settings.maxBytes; round++) {
        const count = Number(db.prepare('SELECT count(*) AS n FROM spans').get()!.n);
        const logCount = Number(db.prepare('SELECT count(*) AS n FROM logs').get()!.n);
        if (count + logCount === 0) break;
        // The start of the oldest tenth: everything before it goes, spans and log records alike.
        const oldest = (table: string, column: string, rows: number) =>
          rows === 0
            ? undefined
            : (db!
                .prepare(`SELECT CAST(${column} AS TEXT) AS t FROM ${table} ORDER BY ${column} LIMIT 1 OFFSET ?`)
                .get(Math.max(1, Math.floor(rows / 10)) - 1)?.t as string | undefined);
        const spanCut = oldest('spans', 'start_ns', count);
        const logCut = oldest('logs', 'time_ns', logCount);
        const cut = [spanCut, logCut]
          .filter((value) => value !== undefined)
          .map((value) => BigInt(value))
          .reduce((a, b) => (a < b ? a : b));
        // Age retention ran first: what the size cap deletes is younger than the age limit the user asked for.
        const deleted =
          Number(db.prepare('DELETE FROM spans WHERE start_ns <= ?').run(cut).changes) +
          Number(db.prepare('DELETE FROM logs WHERE time_ns <= ?').run(cut).changes);
        expired += deleted;
        expiredBySize += deleted;
      }
      db.exec('PRAGMA incremental_vacuum');
    }
  };

  const answer = (
    request: StoreRequest,
    written: number,
    dropped: number,
    error?: string,
    reason?: StoreDropReason,
    added?: number,
  ) => {
    parentPort!.postMessage({
      id: request.id,
      written,
      dropped,
      expired,
      expiredBySize,
      reason: dropped > 0 ? reason : undefined,
      error,
      added,
    } satisfies StoreAnswer);
    expired = 0;
    expiredBySize = 0;
  };

  const lockWait = (waiting: boolean) => {
    if (waitingForLock === waiting) return;
    waitingForLock = waiting;
    parentPort!.postMessage({ id: 0, written: 0, dropped: 0, expired: 0, locked: waiting } satisfies StoreAnswer);
  };

  /** At exit, with the store still locked: everything waiting is dropped as such, and every flush answered. */
  const dropQueued = () => {
    for (const request of queue.splice(0))
      if (request.op === 'spans' || request.op === 'logs')
        answer(request, 0, request.rows.length, 'database is locked', 'locked');
      else answer(request, 0, 0);
  };

  const oldest = () => {
    if (db === undefined) return undefined;
    const span = db.prepare('SELECT CAST(min(start_ns) AS TEXT) AS t FROM spans').get()?.t;
    const log = db.prepare('SELECT CAST(min(time_ns) AS TEXT) AS t FROM logs').get()?.t;
    const times = [span, log].filter((value) => typeof value === 'string').map((value) => BigInt(value));
    return times.length === 0 ? undefined : String(times.reduce((a, b) => (a < b ? a : b)));
  };

  const drain = () => {
    scheduled = false;
    while (queue.length > 0) {
      // One transaction for the requests at the front, up to ROWS_PER_TRANSACTION rows.
      let rows = 0;
      let count = 0;
      while (count < queue.length && (count === 0 || rows < ROWS_PER_TRANSACTION)) {
        const request = queue[count]!;
        if (request.op !== 'spans' && request.op !== 'logs') {
          if (count === 0) count = 1;
          break;
        }
        rows += request.rows.length;
        count++;
      }
      const taken = queue.slice(0, count);
      const first = taken[0]!;
      if (first.op !== 'spans' && first.op !== 'logs') {
        let error: string | undefined;
        if (first.op === 'retain') {
          try {
            open();
            retain();
          } catch (caught) {
            error = String(caught);
          }
        }
        queue.shift();
        answer(first, 0, 0, error);
        continue;
      }
      const added = taken.map(() => 0);
      try {
        const statements = open();
        db!.exec('BEGIN IMMEDIATE');
        try {
          for (const [index, request] of taken.entries()) {
            if (request.op === 'spans')
              added[index] = statements.spans.writeSpans(
                request.rows.map((row) => bytesOf(row, settings.spanIdPositions)),
              );
            else if (request.op === 'logs') {
              for (const row of request.rows)
                statements.logs.run(...(bytesOf(row, settings.logIdPositions) as Parameters<Statement['run']>));
              added[index] = request.rows.length;
            }
          }
          db!.exec('COMMIT');
        } catch (error) {
          try {
            db!.exec('ROLLBACK');
          } catch {
            // no transaction left to roll back
          }
          throw error;
        }
        queue.splice(0, count);
        lockWait(false);
        rowsSinceRetention += rows;
        for (const [index, request] of taken.entries())
          answer(request, (request as { rows: unknown[] }).rows.length, 0, undefined, undefined, added[index]);
      } catch (error) {
        if (isBusy(error)) {
          lockWait(true);
          if (abandoned) {
            dropQueued();
            return;
          }
          // Another process holds the store longer than busy_timeout: keep the rows and try again shortly (the
          // thread's messages, an `abandon` among them, are read meanwhile).
          scheduled = true;
          setTimeout(drain, 200);
          return;
        }
        forget();
        queue.splice(0, count);
        const reason = reasonOf(error);
        for (const request of taken)
          answer(request, 0, (request as { rows: unknown[] }).rows.length, String(error), reason);
      }
      if (
        rowsSinceRetention >= settings.retentionEveryRows ||
        (rowsSinceRetention > 0 && Date.now() - lastRetention >= settings.retentionIntervalMillis)
      ) {
        try {
          retain();
        } catch {
          // retention waits for the next round (another process may be holding the store)
        }
      }
    }
  };

  parentPort!.on('message', (request: StoreRequest) => {
    if (request.op === 'status') {
      let oldestNs: string | undefined;
      try {
        oldestNs = oldest();
      } catch {
        // a store that cannot be read now has no oldest time to tell
      }
      parentPort!.postMessage({ id: request.id, written: 0, dropped: 0, expired: 0, oldestNs } satisfies StoreAnswer);
      return;
    }
    if (request.op === 'abandon') {
      // From now on a lock that outlasts busy_timeout drops what waits; until then the rows are written as usual, and
      // the answer comes once everything before it is written (or dropped).
      abandoned = true;
      if (waitingForLock) {
        dropQueued();
        answer(request, 0, 0);
        return;
      }
    }
    queue.push(request);
    if (!scheduled) {
      scheduled = true;
      setImmediate(drain);
    }
  });
}

/** The thread's source text, as `new Worker(…, { eval: true })` takes it. */
export function storeWorkerSource(): string {
  return `(${storeWorkerMain.toString()})(${storeWriterOf.toString()});`;
}
