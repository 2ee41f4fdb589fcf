// `genai-otel import <files…>`: OTLP/JSON lines (the `file` exporter's, or the Collector's file exporter's) into the
// local store, read line by line in this thread and written by the store's writing thread (the `local` exporter's,
// store-worker.ts) in transactions of a few thousand rows, so files of any size pass through a bounded amount of
// memory and parsing and writing each take a core. Spans already in the store (same trace and span id) are kept once.
import { basename, dirname, resolve } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { Worker } from 'node:worker_threads';
import { ATTR_SESSION_ID } from '../../attributes/names.ts';
import { nodeSqlite, nodeWorkerThreads } from '../../core/loaders.ts';
import { prepareStoreFile } from '../../export/local-store.ts';
import { privateFolder } from '../../export/private-files.ts';
import { storeWriterOf, type StoreWriter } from '../../export/store-lineage.ts';
import { attributeColumns } from '../../export/store-rows.ts';
import {
  LOG_COLUMNS,
  LOG_ID_POSITIONS,
  SPAN_ID_POSITIONS,
  STORE_PRAGMAS,
  insertStatement,
  storePath,
  storeWriterSettings,
} from '../../export/store-schema.ts';
import {
  storeWorkerSource,
  type StoreAnswer,
  type StoreRequest,
  type StoreWorkerSettings,
} from '../../export/store-worker.ts';
import { contextOf, type CommonOptions } from '../command-options.ts';
import { closeFiles, isBlank, linesOf, openFiles } from '../telemetry/line-reader.ts';
import { logsOf, spansOf, type CliLog, type CliSpan } from '../telemetry/otlp-json.ts';

export interface ImportOptions extends Pick<CommonOptions, 'dir' | 'color'> {
  files: string[];
}

const KIND_NUMBERS: Record<CliSpan['kind'], number> = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
};
/** Rows posted to the writing thread at a time, and batches waiting for it at most (about 10 MB of rows). */
const ROWS_PER_BATCH = 2048;
const MAX_IN_FLIGHT = 4;
const IMPORT_ROWS_PER_TRANSACTION = 16_384;
const IMPORT_CACHE_KIB = 32_768;
const IMPORT_CHECKPOINT_PAGES = 8192;

const text = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : null;
const json = (value: unknown): string =>
  JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item)) ?? 'null';

/**
 * Opens (creating it 0600 in a 0700 folder when missing) the store of a folder for writing, brought up to the current
 * schema (an older store's spans are placed once; `onProgress` hears how far).
 *
 * @example
 * const { db, spans } = await openStoreForWriting('.genai-otel');
 */
export async function openStoreForWriting(
  directory: string,
  onProgress?: (done: number, total: number) => void,
): Promise<{ db: DatabaseSync; spans: StoreWriter }> {
  const folder = resolve(directory);
  await privateFolder(dirname(folder), [basename(folder)], true);
  const path = storePath(folder);
  await prepareStoreFile(path);
  const { DatabaseSync } = nodeSqlite();
  const db = new DatabaseSync(path);
  try {
    db.exec('PRAGMA busy_timeout = 10000');
    db.exec(STORE_PRAGMAS);
    const spans = storeWriterOf(db, storeWriterSettings());
    spans.prepare(onProgress);
    return { db, spans };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A span as the writing thread takes it (ids in hex; store-schema.ts's SpanRow). */
function spanValues(span: CliSpan): (string | number | bigint | null)[] {
  const a = span.attributes;
  const start = BigInt(span.startTimeUnixNano);
  const end = BigInt(span.endTimeUnixNano);
  return [
    start,
    end,
    span.traceId,
    span.spanId,
    span.parentSpanId ?? null,
    span.serviceName,
    span.name,
    KIND_NUMBERS[span.kind],
    span.error ? 2 : 0,
    span.statusMessage ?? null,
    Number(end - start) / 1e6,
    ...attributeColumns(a),
    null,
    null,
  ];
}

function logValues(log: CliLog): (string | number | bigint | null)[] {
  return [
    BigInt(log.timeUnixNano),
    log.traceId ?? null,
    log.spanId ?? null,
    log.serviceName,
    log.eventName ?? null,
    null,
    null,
    text(log.attributes[ATTR_SESSION_ID]),
    log.body === undefined ? null : json(log.body),
    json(log.attributes),
  ];
}

/**
 * The store's writing thread (store-worker.ts) fed by the import: the main thread parses lines into rows while the
 * thread writes the previous ones, so the two take a core each. At most MAX_IN_FLIGHT batches wait for the thread,
 * so memory stays bounded whatever the files' size.
 */
class ImportWriter {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, () => void>();
  private readonly inFlight = new Set<Promise<void>>();
  private nextId = 1;
  private spans: unknown[][] = [];
  private logs: unknown[][] = [];
  private readonly spanRequests = new Set<number>();
  private failure: Error | undefined;
  /** Spans new to the store (the others were stored already). */
  addedSpans = 0;

  constructor(path: string) {
    const settings: StoreWorkerSettings = {
      path,
      // For a bulk load: a page cache of 32 MiB instead of SQLite's 2 MiB (index pages are touched all over: trace ids
      // are random), transactions of 16k rows and checkpoints every 32 MiB of WAL instead of 4 MiB, so that a hot
      // page is written once per transaction and copied once per checkpoint rather than again and again. None of them
      // weakens durability: WAL with synchronous = NORMAL as every writer of the store (a crash loses at most the
      // transaction in progress, which a second import writes again, spans being kept once).
      pragmas: `${STORE_PRAGMAS}\nPRAGMA cache_size = -${IMPORT_CACHE_KIB};\nPRAGMA wal_autocheckpoint = ${IMPORT_CHECKPOINT_PAGES};`,
      rowsPerTransaction: IMPORT_ROWS_PER_TRANSACTION,
      writer: storeWriterSettings(),
      insertLog: insertStatement('logs', LOG_COLUMNS),
      spanIdPositions: SPAN_ID_POSITIONS,
      logIdPositions: LOG_ID_POSITIONS,
      busyTimeoutMillis: 10_000,
      retentionMillis: 0,
      maxBytes: 0,
      retentionEveryRows: Number.MAX_SAFE_INTEGER,
      retentionIntervalMillis: Number.MAX_SAFE_INTEGER,
    };
    const { Worker } = nodeWorkerThreads();
    this.worker = new Worker(storeWorkerSource(), { eval: true, workerData: settings });
    this.worker.on('message', (answer: StoreAnswer) => {
      if (answer.error !== undefined) this.failure ??= new Error(`cannot write ${path}: ${answer.error}`);
      if (this.spanRequests.delete(answer.id)) this.addedSpans += answer.added ?? 0;
      this.waiting.get(answer.id)?.();
      this.waiting.delete(answer.id);
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const resolve of this.waiting.values()) resolve();
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', () => {
      if (this.waiting.size > 0) fail(new Error(`the thread writing ${path} ended`));
    });
  }

  /** Queues a row; a promise (to await) only when a batch was posted and the thread is that far behind. */
  add(signal: 'spans' | 'logs', row: unknown[]): Promise<void> | undefined {
    const rows = signal === 'spans' ? this.spans : this.logs;
    rows.push(row);
    return rows.length >= ROWS_PER_BATCH ? this.post(signal) : undefined;
  }

  /** Everything queued, written; the thread ended. Throws the first failure. */
  async finish(): Promise<void> {
    try {
      await this.post('spans');
      await this.post('logs');
      await this.request({ op: 'flush', id: this.nextId++ });
      if (this.failure !== undefined) throw this.failure;
    } finally {
      await this.worker.terminate();
    }
  }

  private async post(signal: 'spans' | 'logs'): Promise<void> {
    const rows = signal === 'spans' ? this.spans : this.logs;
    if (rows.length === 0) return;
    if (signal === 'spans') this.spans = [];
    else this.logs = [];
    while (this.inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
    const id = this.nextId++;
    if (signal === 'spans') this.spanRequests.add(id);
    const written = this.request({ op: signal, id, rows });
    this.inFlight.add(written);
    void written.then(() => this.inFlight.delete(written));
  }

  private request(message: StoreRequest): Promise<void> {
    return new Promise((resolve) => {
      if (this.failure !== undefined) return resolve();
      this.waiting.set(message.id, resolve);
      this.worker.postMessage(message);
    });
  }
}

/**
 * Imports OTLP/JSON lines files into the store of `directory`; resolves with what was read. Unparsable lines (cut
 * short by a crash) are counted, not fatal.
 *
 * @example
 * const counts = await importFiles(['traces.jsonl'], '.genai-otel');
 */
export async function importFiles(
  paths: readonly string[],
  directory: string,
  onProgress?: (fraction: number, path: string) => void,
): Promise<{ spans: number; logs: number; lines: number; bad: number; stored: number }> {
  // Brings an older store up to date first, with progress; the writing thread then finds it current.
  const { db } = await openStoreForWriting(directory, (done, total) =>
    onProgress?.(total === 0 ? 1 : done / total, 'placing the spans of an older store'),
  );
  db.close();
  const files = await openFiles(paths);
  const writer = new ImportWriter(storePath(resolve(directory)));
  const total = files.reduce((sum, file) => sum + file.size, 0);
  let spans = 0;
  let logs = 0;
  let before = 0;
  let lines = 0;
  let bad = 0;
  try {
    for (const file of files) {
      for await (const chunk of linesOf(file)) {
        for (const line of chunk.lines) {
          if (isBlank(line)) continue;
          lines++;
          let record: unknown;
          try {
            record = JSON.parse(line.toString('utf8'));
          } catch {
            bad++; // a line cut short by a crash or a full disk
            continue;
          }
          for (const span of spansOf(record)) {
            const full = writer.add('spans', spanValues(span));
            if (full !== undefined) await full;
            spans++;
          }
          for (const log of logsOf(record)) {
            const full = writer.add('logs', logValues(log));
            if (full !== undefined) await full;
            logs++;
          }
        }
        onProgress?.((before + chunk.read) / Math.max(1, total), file.path);
      }
      before += file.size;
    }
  } finally {
    await closeFiles(files);
    await writer.finish();
  }
  return { spans, logs, lines, bad, stored: writer.addedSpans };
}

/** `genai-otel import`; resolves with the exit code. @example process.exitCode = await runImport({ files: ['traces.jsonl'] }); */
export async function runImport(options: ImportOptions): Promise<number> {
  const context = contextOf({ ...options, since: 0 });
  const directory = context.sources.fileDirectory;
  const result = await importFiles(options.files, directory, (fraction, path) =>
    context.progress.update('writing', fraction, path),
  );
  context.progress.done();
  context.note(
    `imported ${result.spans} spans (${result.stored} new) and ${result.logs} log records from ${result.lines} lines into ${storePath(resolve(directory))}${result.bad > 0 ? `; ${result.bad} lines could not be read (cut short?)` : ''}`,
  );
  return 0;
}
