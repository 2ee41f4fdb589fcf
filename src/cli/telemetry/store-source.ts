// The local store (`telemetry.db`, written by the `local` exporter or `genai-otel import`) as a source of the CLI.
// Every question is a query on the store's indexes: the latest traces walk the time index backwards and stop, a
// session's traces come through the session index, and whole windows are read row by row, never loaded at once.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { nodeSqlite } from '../../core/loaders.ts';
import { storePath } from '../../export/store-schema.ts';
import type { Progress } from '../render/progress.ts';
import type { CliLog, CliSpan } from './otlp-json.ts';
import { upToDate } from './store-upgrade.ts';

/** What a command asks of the store (the same fields as source.ts's Query, which is built from this module's answers). */
export interface Query {
  sinceMillis: number;
  untilMillis: number;
  service?: string;
  limit: number;
  every?: boolean;
  traceId?: string;
  sessionIds?: string[];
}

const KINDS: CliSpan['kind'][] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

/** The columns a CliSpan is made of, ids in lowercase hex and times as decimal text (int64 nanoseconds). */
export const SPAN_SELECT = `CAST(s.start_ns AS TEXT) AS start_ns, CAST(s.end_ns AS TEXT) AS end_ns,
  lower(hex(s.trace_id)) AS trace_id, lower(hex(s.span_id)) AS span_id, lower(hex(s.parent_span_id)) AS parent_span_id,
  s.service, s.name, s.kind, s.status_code, s.status_message, s.attributes, s.events`;

const LOG_SELECT = `CAST(l.time_ns AS TEXT) AS time_ns, lower(hex(l.trace_id)) AS trace_id,
  lower(hex(l.span_id)) AS span_id, l.service, l.event_name, l.body, l.attributes`;

type Row = Record<string, unknown>;

/** Traces `traces` counts at most: past it the command says "more than" instead of scanning the window for a total. */
export const LATEST_TRACES_COUNTED = 10_000;
/** Traces read per batch by `spanBatches` (a few thousand spans). */
const TRACES_PER_BATCH = 1000;

function parsed(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A stored span as the CLI's span. */
export function cliSpanOf(row: Row): CliSpan {
  const start = BigInt(row.start_ns as string);
  const end = BigInt(row.end_ns as string);
  const attributes = parsed(row.attributes);
  return {
    traceId: row.trace_id as string,
    spanId: row.span_id as string,
    parentSpanId: row.parent_span_id === '' || row.parent_span_id === null ? undefined : (row.parent_span_id as string),
    name: row.name as string,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes: typeof attributes === 'object' && attributes !== null ? (attributes as Record<string, unknown>) : {},
    serviceName: row.service as string,
    kind: KINDS[row.kind as number] ?? 'UNSPECIFIED',
    error: row.status_code === 2,
    statusMessage: typeof row.status_message === 'string' ? row.status_message : undefined,
    startMillis: Number(start / 1000n) / 1000,
    durationMillis: Number(end - start) / 1e6,
  };
}

function cliLogOf(row: Row): CliLog {
  const time = BigInt(row.time_ns as string);
  const attributes = parsed(row.attributes);
  return {
    traceId: row.trace_id === '' || row.trace_id === null ? undefined : (row.trace_id as string),
    spanId: row.span_id === '' || row.span_id === null ? undefined : (row.span_id as string),
    eventName: typeof row.event_name === 'string' ? row.event_name : undefined,
    timeUnixNano: time,
    timeMillis: Number(time / 1000n) / 1000,
    attributes: typeof attributes === 'object' && attributes !== null ? (attributes as Record<string, unknown>) : {},
    serviceName: row.service as string,
    body: parsed(row.body),
  };
}

/** Nanoseconds of a window's bounds: from its first millisecond to the end of its last. */
export function windowNanos(query: Pick<Query, 'sinceMillis' | 'untilMillis'>): { since: bigint; until: bigint } {
  return {
    since: BigInt(Math.floor(query.sinceMillis)) * 1_000_000n,
    until: (BigInt(Math.floor(query.untilMillis)) + 1n) * 1_000_000n - 1n,
  };
}

/**
 * The `WHERE` of a window over `spans <alias>`: started inside it and, with a service, in a trace that has a span of
 * that service (as the other sources keep whole traces). Its parameters follow in order.
 */
export function windowFilter(
  query: Pick<Query, 'sinceMillis' | 'untilMillis' | 'service'>,
  alias = 's',
): {
  sql: string;
  parameters: (bigint | string)[];
} {
  const { since, until } = windowNanos(query);
  const range = `${alias}.start_ns BETWEEN ? AND ?`;
  if (query.service === undefined) return { sql: range, parameters: [since, until] };
  return {
    sql: `${range} AND ${alias}.trace_id IN (SELECT trace_id FROM spans WHERE service = ? AND start_ns BETWEEN ? AND ?)`,
    parameters: [since, until, query.service, since, until],
  };
}

/**
 * Opens the store read-only (an older store is brought up to date first); undefined when the file is missing. Throws
 * (with the path) when it is not a database.
 *
 * @example
 * const db = openStore('.genai-otel/telemetry.db');
 */
export function openStore(path: string): DatabaseSync | undefined {
  if (!existsSync(path)) return undefined;
  const { DatabaseSync } = nodeSqlite();
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    db.exec('PRAGMA busy_timeout = 10000');
    db.prepare('SELECT 1 FROM spans LIMIT 1').get();
  } catch (error) {
    db.close();
    throw new Error(`${path} is not a genai-otel store (${error instanceof Error ? error.message : String(error)})`);
  }
  return upToDate(db, path);
}

/** Whether a folder holds a store with at least one span (what `--source auto` looks for). */
export function storeHasData(directory: string): boolean {
  const path = storePath(resolve(directory));
  try {
    const db = openStore(path);
    if (db === undefined) return false;
    try {
      return db.prepare('SELECT 1 FROM spans LIMIT 1').get() !== undefined;
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

/** Rows of a statement one by one (never all in memory); the count goes to `progress` now and then. */
export function* rowsOf(
  statement: StatementSync,
  parameters: readonly (bigint | string | number | null | Uint8Array)[],
  progress?: Progress,
  what = 'rows',
): Generator<Row> {
  let count = 0;
  for (const row of statement.iterate(...parameters)) {
    count++;
    if (count % 10_000 === 0) progress?.update('reading', undefined, `${count.toLocaleString('en-US')} ${what}`);
    yield row;
  }
}

/** The CLI's source on the local store. */
export class StoreSource {
  readonly kind = 'store' as const;
  readonly notes: string[] = [];
  readonly description: string;
  readonly path: string;
  readonly db: DatabaseSync;

  constructor(db: DatabaseSync, path: string) {
    this.db = db;
    this.path = path;
    this.description = `the local store ${path}`;
  }

  /** The store of a folder, or undefined when there is none. */
  static open(directory: string): StoreSource | undefined {
    const path = storePath(resolve(directory));
    const db = openStore(path);
    return db === undefined ? undefined : new StoreSource(db, path);
  }

  /** Spans of the window (or of one trace, or of a session's traces), oldest first, one at a time. */
  *iterateSpans(query: Query, progress?: Progress): Generator<CliSpan> {
    if (query.traceId !== undefined) {
      const statement = this.db.prepare(`SELECT ${SPAN_SELECT} FROM spans s WHERE s.trace_id = ? ORDER BY s.start_ns`);
      for (const row of rowsOf(statement, [hexBytes(query.traceId)], progress, 'spans')) yield cliSpanOf(row);
      return;
    }
    const window = windowFilter(query);
    if (query.sessionIds !== undefined) {
      const marks = query.sessionIds.map(() => '?').join(', ');
      const statement = this.db.prepare(
        `SELECT ${SPAN_SELECT} FROM spans s WHERE ${window.sql} AND s.trace_id IN (SELECT trace_id FROM spans WHERE session_id IN (${marks})) ORDER BY s.start_ns`,
      );
      for (const row of rowsOf(statement, [...window.parameters, ...query.sessionIds], progress, 'spans'))
        yield cliSpanOf(row);
      return;
    }
    const statement = this.db.prepare(`SELECT ${SPAN_SELECT} FROM spans s WHERE ${window.sql} ORDER BY s.start_ns`);
    for (const row of rowsOf(statement, window.parameters, progress, 'spans')) yield cliSpanOf(row);
  }

  /**
   * The window's trace ids by time, oldest first (`newest`: newest first), as (id, start) of each span: the time index
   * read as a range, or with a service the service index (traces having a span of it). Each trace comes once per span.
   */
  private traceIdsByTime(query: Query, newest: boolean): Iterable<{ trace_id: Uint8Array; start_ns: bigint }> {
    const { since, until } = windowNanos(query);
    const order = newest ? 'DESC' : 'ASC';
    const statement =
      query.service === undefined
        ? this.db.prepare(
            `SELECT s.trace_id, s.start_ns FROM spans s INDEXED BY spans_time WHERE s.start_ns BETWEEN ? AND ? ORDER BY s.start_ns ${order}`,
          )
        : this.db.prepare(
            `SELECT s.trace_id, s.start_ns FROM spans s INDEXED BY spans_service WHERE s.service = ? AND s.start_ns BETWEEN ? AND ? ORDER BY s.start_ns ${order}`,
          );
    statement.setReadBigInts(true);
    const parameters = query.service === undefined ? [since, until] : [query.service, since, until];
    return statement.iterate(...parameters) as Iterable<{ trace_id: Uint8Array; start_ns: bigint }>;
  }

  /**
   * The ids of the latest `limit` traces of the window, newest first (a trace counts by its latest span), and how many
   * traces the window holds, counted up to `countUpTo` and no further (`more`: it holds more). Both read the time (or
   * service) index from one end and stop, so the answer costs the same in a store of any size.
   */
  latestTraceIds(query: Query, countUpTo = LATEST_TRACES_COUNTED): { ids: Buffer[]; total: number; more: boolean } {
    const seen = new Set<string>();
    const ids: Buffer[] = [];
    if (query.limit > 0)
      for (const row of this.traceIdsByTime(query, true)) {
        const key = Buffer.from(row.trace_id).toString('latin1');
        if (seen.has(key)) continue;
        seen.add(key);
        ids.push(Buffer.from(row.trace_id));
        if (ids.length >= query.limit) break;
      }
    // Counted by the database (DISTINCT stops at the LIMIT): a JavaScript loop over the rows costs several times more.
    const { since, until } = windowNanos(query);
    const counted = Math.max(countUpTo, ids.length) + 1;
    const total = Number(
      (query.service === undefined
        ? this.db
            .prepare(
              'SELECT count(*) AS n FROM (SELECT DISTINCT s.trace_id FROM spans s INDEXED BY spans_time WHERE s.start_ns BETWEEN ? AND ? LIMIT ?)',
            )
            .get(since, until, counted)
        : this.db
            .prepare(
              'SELECT count(*) AS n FROM (SELECT DISTINCT s.trace_id FROM spans s INDEXED BY spans_service WHERE s.service = ? AND s.start_ns BETWEEN ? AND ? LIMIT ?)',
            )
            .get(query.service, since, until, counted))!.n,
    );
    return total === counted ? { ids, total: counted - 1, more: true } : { ids, total, more: false };
  }

  /**
   * The spans of the query in batches of whole traces (source.ts's contract): the traces of the window are found in
   * time order by the time (or service) index a thousand at a time, and each thousand read whole by the trace index.
   * A trace already read is remembered only until the scan passes its last span, so memory holds the traces that
   * overlap in time, not every trace of the window.
   */
  async *spanBatches(query: Query, progress: Progress): AsyncGenerator<CliSpan[]> {
    try {
      if (query.traceId !== undefined || query.sessionIds !== undefined) {
        const spans = [
          ...this.iterateSpans(
            { ...query, sinceMillis: query.traceId === undefined ? query.sinceMillis : 0 },
            progress,
          ),
        ];
        if (spans.length > 0) yield spans;
        return;
      }
      const { since, until } = windowNanos(query);
      const marks = (count: number) => Array.from({ length: count }, () => '?').join(', ');
      const readSql = (count: number) =>
        `SELECT ${SPAN_SELECT} FROM spans s INDEXED BY spans_id WHERE s.trace_id IN (${marks(count)}) AND s.start_ns BETWEEN ? AND ?`;
      const fullChunk = this.db.prepare(readSql(TRACES_PER_BATCH));
      const read = (traces: Uint8Array[]) =>
        (traces.length === TRACES_PER_BATCH ? fullChunk : this.db.prepare(readSql(traces.length)))
          .all(...traces, since, until)
          .map(cliSpanOf);
      // Trace (latin1 key) → start of its last span in the window; undefined while its chunk is not read yet.
      const seen = new Map<string, bigint | undefined>();
      let chunk: Uint8Array[] = [];
      let traces = 0;
      const flush = (position: bigint): CliSpan[] => {
        const spans = read(chunk);
        for (const span of spans) {
          const key = Buffer.from(span.traceId, 'hex').toString('latin1');
          const last = seen.get(key);
          const start = BigInt(span.startTimeUnixNano);
          if (last === undefined || start > last) seen.set(key, start);
        }
        // A trace whose last span started before the scan's position cannot come again.
        for (const [key, last] of seen) if (last !== undefined && last < position) seen.delete(key);
        chunk = [];
        return spans;
      };
      for (const row of this.traceIdsByTime(query, false)) {
        const key = Buffer.from(row.trace_id).toString('latin1');
        if (seen.has(key)) continue;
        seen.set(key, undefined);
        chunk.push(row.trace_id);
        traces++;
        if (chunk.length >= TRACES_PER_BATCH) {
          progress.update('reading', undefined, `${traces.toLocaleString('en-US')} traces of ${this.path}`);
          yield flush(row.start_ns);
        }
      }
      if (chunk.length > 0) yield flush(until);
    } finally {
      progress.done();
    }
  }

  /** The newest `limit` traces (every trace of a trace id or sessions), by the time index read backwards. */
  async latestTraces(query: Query, progress: Progress): Promise<{ traces: CliSpan[][]; total: number; more: boolean }> {
    const all = query.traceId !== undefined || query.sessionIds !== undefined;
    const byTrace = new Map<string, CliSpan[]>();
    let counted = { total: 0, more: false };
    if (all) {
      for (const span of this.iterateSpans(
        { ...query, sinceMillis: query.traceId === undefined ? query.sinceMillis : 0 },
        progress,
      )) {
        const trace = byTrace.get(span.traceId);
        if (trace === undefined) byTrace.set(span.traceId, [span]);
        else trace.push(span);
      }
      counted = { total: byTrace.size, more: false };
    } else {
      const statement = this.db.prepare(
        `SELECT ${SPAN_SELECT} FROM spans s INDEXED BY spans_id WHERE s.trace_id = ? ORDER BY s.start_ns`,
      );
      const { ids, total, more } = this.latestTraceIds(query);
      for (const id of ids) byTrace.set(id.toString('hex'), statement.all(id).map(cliSpanOf));
      counted = { total, more };
    }
    progress.done();
    const startOf = (trace: CliSpan[]) => trace.reduce((first, span) => Math.min(first, span.startMillis), Infinity);
    const traces = [...byTrace.values()].sort((a, b) => startOf(b) - startOf(a));
    return { traces, ...counted };
  }

  /** Log records of the window, oldest first, one at a time. */
  *iterateLogs(query: Query, progress?: Progress): Generator<CliLog> {
    const { since, until } = windowNanos(query);
    const service = query.service === undefined ? '' : ' AND l.service = ?';
    const statement = this.db.prepare(
      `SELECT ${LOG_SELECT} FROM logs l WHERE l.time_ns BETWEEN ? AND ?${service} ORDER BY l.time_ns`,
    );
    const parameters = query.service === undefined ? [since, until] : [since, until, query.service];
    for (const row of rowsOf(statement, parameters, progress, 'log records')) yield cliLogOf(row);
  }

  /** The log records of the window in batches of a few thousand. */
  async *logBatches(query: Query, progress: Progress): AsyncGenerator<CliLog[]> {
    let batch: CliLog[] = [];
    try {
      for (const log of this.iterateLogs(query, progress)) {
        batch.push(log);
        if (batch.length >= 4096) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      progress.done();
    }
  }

  /** How many log records the window holds. */
  logCount(query: Query): number {
    const { since, until } = windowNanos(query);
    return Number(this.db.prepare('SELECT count(*) AS n FROM logs WHERE time_ns BETWEEN ? AND ?').get(since, until)!.n);
  }

  close(): void {
    this.db.close();
  }
}

/** A trace id typed by a person (hex) as the bytes the store keys on; invalid hex matches nothing. */
function hexBytes(hex: string): Buffer {
  return /^[0-9a-f]{32}$/.test(hex) ? Buffer.from(hex, 'hex') : Buffer.alloc(0);
}
