// `genai-otel import <files…>`: OTLP/JSON lines (the `file` exporter's, or the Collector's file exporter's) into the
// local store, read line by line and written in transactions of a few thousand rows, so files of any size pass
// through a bounded amount of memory. Spans already in the store (same trace and span id) are kept once.
import { basename, dirname, resolve } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ATTR_SESSION_ID } from '../../attributes/names.ts';
import { nodeSqlite } from '../../core/loaders.ts';
import { prepareStoreFile } from '../../export/local-store.ts';
import { privateFolder } from '../../export/private-files.ts';
import { storeWriterOf, type StoreWriter } from '../../export/store-lineage.ts';
import { attributeColumns } from '../../export/store-rows.ts';
import {
  LOG_COLUMNS,
  STORE_PRAGMAS,
  insertStatement,
  storePath,
  storeWriterSettings,
} from '../../export/store-schema.ts';
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
const ROWS_PER_TRANSACTION = 5000;

const text = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : null;
const bytes = (hex: string | undefined): Buffer | null => (hex === undefined ? null : Buffer.from(hex, 'hex'));
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

function spanValues(span: CliSpan): (string | number | bigint | Buffer | null)[] {
  const a = span.attributes;
  const start = BigInt(span.startTimeUnixNano);
  const end = BigInt(span.endTimeUnixNano);
  return [
    start,
    end,
    bytes(span.traceId),
    bytes(span.spanId),
    bytes(span.parentSpanId),
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

function logValues(log: CliLog): (string | number | bigint | Buffer | null)[] {
  return [
    BigInt(log.timeUnixNano),
    bytes(log.traceId),
    bytes(log.spanId),
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
  const { db, spans: writer } = await openStoreForWriting(directory, (done, total) =>
    onProgress?.(total === 0 ? 1 : done / total, 'placing the spans of an older store'),
  );
  const insertLog: StatementSync = db.prepare(insertStatement('logs', LOG_COLUMNS));
  let spans = 0;
  let logs = 0;
  let inTransaction = 0;
  let stored = 0;
  let batch: unknown[][] = [];
  const commitIfFull = (last = false) => {
    if (!last && inTransaction < ROWS_PER_TRANSACTION) return;
    stored += writer.writeSpans(batch);
    batch = [];
    db.exec('COMMIT');
    if (!last) db.exec('BEGIN IMMEDIATE');
    inTransaction = 0;
  };
  db.exec('BEGIN IMMEDIATE');
  const files = await openFiles(paths);
  const total = files.reduce((sum, file) => sum + file.size, 0);
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
            batch.push(spanValues(span));
            spans++;
            inTransaction++;
          }
          for (const log of logsOf(record)) {
            insertLog.run(...logValues(log));
            logs++;
            inTransaction++;
          }
          commitIfFull();
        }
        onProgress?.((before + chunk.read) / Math.max(1, total), file.path);
      }
      before += file.size;
    }
    commitIfFull(true);
    return { spans, logs, lines, bad, stored };
  } catch (error) {
    try {
      db.exec('ROLLBACK');
    } catch {
      // nothing left to roll back
    }
    throw error;
  } finally {
    await closeFiles(files);
    db.close();
  }
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
