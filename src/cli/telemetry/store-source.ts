// The local store (`telemetry.db`, written by the `local` exporter or `genai-otel import`) as a source of the CLI.
// Every question is a query on the store's indexes: the latest traces walk the time index backwards and stop, a
// session's traces come through the session index, and whole windows are read row by row, never loaded at once.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { nodeSqlite } from '../../core/loaders.ts';
import { storePath } from '../../export/store-schema.ts';
import { summarizeSessions, type SessionSummary } from '../../sessions/summarize.ts';
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
 * The `WHERE` of a window over `spans s`: started inside it and, with a service, in a trace that has a span of that
 * service (as the other sources keep whole traces). Its parameters follow in order.
 */
export function windowFilter(query: Pick<Query, 'sinceMillis' | 'untilMillis' | 'service'>): {
  sql: string;
  parameters: (bigint | string)[];
} {
  const { since, until } = windowNanos(query);
  if (query.service === undefined) return { sql: 's.start_ns BETWEEN ? AND ?', parameters: [since, until] };
  return {
    sql: 's.start_ns BETWEEN ? AND ? AND s.trace_id IN (SELECT trace_id FROM spans WHERE service = ? AND start_ns BETWEEN ? AND ?)',
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
   * The ids of the latest `limit` traces of the window, newest first: the time index read backwards, stopping at the
   * limit (a trace counts by its latest span).
   */
  latestTraceIds(query: Query): Buffer[] {
    const window = windowFilter(query);
    const statement = this.db.prepare(`SELECT s.trace_id FROM spans s WHERE ${window.sql} ORDER BY s.start_ns DESC`);
    const seen = new Set<string>();
    const ids: Buffer[] = [];
    for (const row of statement.iterate(...window.parameters)) {
      const id = row.trace_id as Uint8Array;
      const key = Buffer.from(id).toString('hex');
      if (seen.has(key)) continue;
      seen.add(key);
      ids.push(Buffer.from(id));
      if (ids.length >= query.limit) break;
    }
    return ids;
  }

  /**
   * The spans of the query in batches of whole traces (source.ts's contract): the traces of the window are found by
   * the time index a thousand at a time, and each thousand read whole by the trace index.
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
      const window = windowFilter(query);
      const ids = this.db.prepare(`SELECT s.trace_id FROM spans s WHERE ${window.sql} ORDER BY s.start_ns`);
      const seen = new Set<string>();
      let chunk: Uint8Array[] = [];
      const read = (traces: Uint8Array[]) => {
        const marks = traces.map(() => '?').join(', ');
        return this.db
          .prepare(`SELECT ${SPAN_SELECT} FROM spans s WHERE ${window.sql} AND s.trace_id IN (${marks})`)
          .all(...window.parameters, ...traces)
          .map(cliSpanOf);
      };
      for (const row of ids.iterate(...window.parameters)) {
        const id = row.trace_id as Uint8Array;
        const key = Buffer.from(id).toString('latin1');
        if (seen.has(key)) continue;
        seen.add(key);
        chunk.push(id);
        if (chunk.length >= 1000) {
          progress.update('reading', undefined, `${seen.size.toLocaleString('en-US')} traces of ${this.path}`);
          yield read(chunk);
          chunk = [];
        }
      }
      if (chunk.length > 0) yield read(chunk);
    } finally {
      progress.done();
    }
  }

  /** The newest `limit` traces (every trace of a trace id or sessions), by the time index read backwards. */
  async latestTraces(query: Query, progress: Progress): Promise<{ traces: CliSpan[][]; total: number }> {
    const all = query.traceId !== undefined || query.sessionIds !== undefined;
    const byTrace = new Map<string, CliSpan[]>();
    if (all) {
      for (const span of this.iterateSpans(
        { ...query, sinceMillis: query.traceId === undefined ? query.sinceMillis : 0 },
        progress,
      )) {
        const trace = byTrace.get(span.traceId);
        if (trace === undefined) byTrace.set(span.traceId, [span]);
        else trace.push(span);
      }
    } else {
      const statement = this.db.prepare(`SELECT ${SPAN_SELECT} FROM spans s WHERE s.trace_id = ? ORDER BY s.start_ns`);
      for (const id of this.latestTraceIds(query)) byTrace.set(id.toString('hex'), statement.all(id).map(cliSpanOf));
    }
    progress.done();
    const startOf = (trace: CliSpan[]) => trace.reduce((first, span) => Math.min(first, span.startMillis), Infinity);
    const traces = [...byTrace.values()].sort((a, b) => startOf(b) - startOf(a));
    const window = windowFilter(query);
    const total = all
      ? traces.length
      : Number(
          this.db
            .prepare(`SELECT count(DISTINCT s.trace_id) AS n FROM spans s WHERE ${window.sql}`)
            .get(...window.parameters)!.n,
        );
    return { traces, total };
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

/**
 * The session table of a window, computed a few sessions at a time: each chunk reads the traces its sessions have
 * spans in (through the session index) and the log records of those traces and sessions, so memory holds one chunk,
 * never the window. The rows are those summarizeSessions gives over the whole window.
 *
 * @example
 * for (const row of sessionsFromStore(store, { sinceMillis, untilMillis: Date.now(), limit: 0 })) console.log(row.sessionId);
 */
export function* sessionsFromStore(
  source: StoreSource,
  query: Query,
  progress?: Progress,
  sessionsPerChunk = 200,
): Generator<SessionSummary> {
  const window = windowFilter(query);
  const { since, until } = windowNanos(query);
  const ids = source.db
    .prepare(
      `SELECT s.session_id FROM spans s WHERE s.session_id IS NOT NULL AND ${window.sql}
         GROUP BY s.session_id ORDER BY min(s.start_ns)`,
    )
    .all(...window.parameters)
    .map((row) => row.session_id as string);
  for (let offset = 0; offset < ids.length; offset += sessionsPerChunk) {
    progress?.update('aggregating', offset / ids.length, `sessions ${offset} of ${ids.length}`);
    const chunk = ids.slice(offset, offset + sessionsPerChunk);
    const marks = chunk.map(() => '?').join(', ');
    const traces = `SELECT DISTINCT trace_id FROM spans WHERE session_id IN (${marks}) AND start_ns BETWEEN ? AND ?`;
    const spans = source.db
      .prepare(`SELECT ${SPAN_SELECT} FROM spans s WHERE ${window.sql} AND s.trace_id IN (${traces})`)
      .all(...window.parameters, ...chunk, since, until)
      .map(cliSpanOf);
    const service = query.service === undefined ? '' : ' AND l.service = ?';
    const logs = source.db
      .prepare(
        `SELECT ${LOG_SELECT} FROM logs l WHERE l.time_ns BETWEEN ? AND ?${service}
           AND (l.trace_id IN (${traces}) OR l.attributes ->> '$."session.id"' IN (${marks}))`,
      )
      .all(
        ...(query.service === undefined ? [since, until] : [since, until, query.service]),
        ...chunk,
        since,
        until,
        ...chunk,
      )
      .map(cliLogOf);
    const wanted = new Set(chunk);
    for (const row of summarizeSessions(spans, logs)) if (wanted.has(row.sessionId)) yield row;
  }
  progress?.done();
}
