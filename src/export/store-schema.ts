// The local store's layout: one SQLite database (`telemetry.db` in GENAI_OTEL_FILE_DIR) that the `local` exporter
// writes and the `genai-otel` CLI queries. The columns the CLI filters and sums on are columns of their own, with
// indexes; everything else a span carries stays in JSON beside them, so that `export` can give it back whole.
import { join } from 'node:path';
import { ATTR_GENAI_OTEL_REVISION_TYPE, ATTR_USER_ID } from '../attributes/names.ts';
import type { StoreWriterSettings } from './store-lineage.ts';

/** The database file in the local folder. */
export const STORE_FILE_NAME = 'telemetry.db';

/** Bumped when a change needs more than `CREATE … IF NOT EXISTS`. */
export const STORE_SCHEMA_VERSION = 3;

/** Operations that are one request to a model: the report counts these spans (once each, see store-lineage.ts). */
export const LLM_CALL_OPERATIONS = ['chat', 'text_completion', 'generate_content', 'embeddings'] as const;

/**
 * The store's path in a folder (GENAI_OTEL_FILE_DIR).
 *
 * @example
 * storePath('.genai-otel'); // '.genai-otel/telemetry.db'
 */
export function storePath(directory: string): string {
  return join(directory, STORE_FILE_NAME);
}

/**
 * Settings for every connection. WAL lets readers (the CLI) run beside writers and several processes append in turn;
 * `busy_timeout` makes a writer wait for another's transaction instead of failing. `auto_vacuum` only takes effect
 * before the first table exists: retention's deletes then give pages back with `incremental_vacuum`.
 */
export const STORE_PRAGMAS = `PRAGMA auto_vacuum = INCREMENTAL;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;`;

/**
 * What the report needs to count each LLM call once, decided when a span is written (store-lineage.ts) rather than
 * by walking ancestors at query time. `llm_above`: NULL while the parent is not stored yet (the span counts as a
 * top-level one, as when a window lacks the parent), 0 when the ancestry is known and holds no LLM call, 1 when an
 * ancestor is an LLM call; then `above_first_ns` and `above_last_ns` are the earliest and latest start among the
 * ancestors from the parent up to that call, so that a window holding all of them (and so the nesting) is known
 * without reading them.
 */
const LINEAGE_COLUMNS = `llm_above INTEGER,
  above_first_ns INTEGER,
  above_last_ns INTEGER`;

/** The columns version 1 lacked, as `ALTER TABLE` adds them. */
export const LINEAGE_COLUMN_DEFINITIONS = LINEAGE_COLUMNS.split(',').map((definition) => definition.trim());

/**
 * What the session table reads of every span, as columns since version 3 (read from the attributes' JSON before): the
 * user id and the revision type, each only when the attribute is a string. Parsing each span's JSON was the largest
 * part of `genai-otel sessions`' time.
 */
const SESSION_FACT_COLUMNS = `user_id TEXT,
  revision_type TEXT`;

/** The columns versions 1 and 2 lacked, as `ALTER TABLE` adds them, with how to fill them from the attributes. */
export const SESSION_FACT_COLUMN_DEFINITIONS = SESSION_FACT_COLUMNS.split(',').map((definition) => definition.trim());

/** An attribute's string value from a row's JSON (NULL for another type): how an upgrade fills the columns above. */
const stringAttribute = (name: string) =>
  `CASE WHEN json_type(attributes, '$."${name}"') = 'text' THEN attributes ->> '$."${name}"' END`;

/** Each session fact column with the SQL that fills it from the attributes of a row written before version 3. */
export const SESSION_FACT_FILLS: Record<string, string> = {
  user_id: stringAttribute(ATTR_USER_ID),
  revision_type: stringAttribute(ATTR_GENAI_OTEL_REVISION_TYPE),
};

/** Tables; ids are bytes (16 and 8), times nanoseconds since the epoch. Indexes follow (STORE_INDEXES). */
export const STORE_SCHEMA = `CREATE TABLE IF NOT EXISTS spans (
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  trace_id BLOB NOT NULL,
  span_id BLOB NOT NULL,
  parent_span_id BLOB,
  service TEXT NOT NULL,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  status_code INTEGER NOT NULL,
  status_message TEXT,
  duration_ms REAL NOT NULL,
  operation TEXT,
  model TEXT,
  provider TEXT,
  session_id TEXT,
  input_tokens INTEGER,
  output_tokens INTEGER,
  cost_usd REAL,
  call_duplicate INTEGER,
  cache_read_tokens INTEGER,
  first_chunk_s REAL,
  retries INTEGER,
  retry_reason TEXT,
  tool_name TEXT,
  ${SESSION_FACT_COLUMNS},
  attributes TEXT NOT NULL,
  events TEXT,
  scope TEXT,
  ${LINEAGE_COLUMNS}
);
CREATE TABLE IF NOT EXISTS logs (
  time_ns INTEGER NOT NULL,
  trace_id BLOB,
  span_id BLOB,
  service TEXT NOT NULL,
  event_name TEXT,
  severity_number INTEGER,
  severity_text TEXT,
  session_id TEXT,
  body TEXT,
  attributes TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '${STORE_SCHEMA_VERSION}');`;

/**
 * Indexes, made once the tables have every column (after a migration). `spans_unplaced` holds only the spans whose
 * parent is not stored yet, so that a parent finds its waiting children at once and the index stays small.
 */
export const STORE_INDEXES = `CREATE UNIQUE INDEX IF NOT EXISTS spans_id ON spans (trace_id, span_id);
CREATE INDEX IF NOT EXISTS spans_time ON spans (start_ns);
CREATE INDEX IF NOT EXISTS spans_session ON spans (session_id, start_ns) WHERE session_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS spans_service ON spans (service, start_ns);
CREATE INDEX IF NOT EXISTS spans_model ON spans (model, start_ns) WHERE model IS NOT NULL;
CREATE INDEX IF NOT EXISTS spans_unplaced ON spans (trace_id, parent_span_id) WHERE llm_above IS NULL;
CREATE INDEX IF NOT EXISTS logs_time ON logs (time_ns);
CREATE INDEX IF NOT EXISTS logs_trace ON logs (trace_id);`;

/** The span columns in the order of a SpanRow. */
export const SPAN_COLUMNS = [
  'start_ns',
  'end_ns',
  'trace_id',
  'span_id',
  'parent_span_id',
  'service',
  'name',
  'kind',
  'status_code',
  'status_message',
  'duration_ms',
  'operation',
  'model',
  'provider',
  'session_id',
  'input_tokens',
  'output_tokens',
  'cost_usd',
  'call_duplicate',
  'cache_read_tokens',
  'first_chunk_s',
  'retries',
  'retry_reason',
  'tool_name',
  'user_id',
  'revision_type',
  'attributes',
  'events',
  'scope',
] as const;

/** The log columns in the order of a LogRow. */
export const LOG_COLUMNS = [
  'time_ns',
  'trace_id',
  'span_id',
  'service',
  'event_name',
  'severity_number',
  'severity_text',
  'session_id',
  'body',
  'attributes',
] as const;

/**
 * A span as the writer sends it to the store's thread: ids in hex (made bytes there), times in nanoseconds, the
 * attributes and events as JSON text. Only plain values, so that posting it to the worker is a cheap copy.
 */
export type SpanRow = [
  startNs: bigint,
  endNs: bigint,
  traceId: string,
  spanId: string,
  parentSpanId: string | null,
  service: string,
  name: string,
  kind: number,
  statusCode: number,
  statusMessage: string | null,
  durationMillis: number,
  ...attributeColumns: AttributeColumns,
  events: string | null,
  scope: string | null,
];

/** The part of a span's row that its attributes fill, from the operation name to the attributes' JSON. */
export type AttributeColumns = [
  operation: string | null,
  model: string | null,
  provider: string | null,
  sessionId: string | null,
  inputTokens: number | null,
  outputTokens: number | null,
  costUsd: number | null,
  /** 1 when genai_otel.call.duplicate is true: the span describes a call another span counts. */
  callDuplicate: number | null,
  cacheReadTokens: number | null,
  firstChunkSeconds: number | null,
  retries: number | null,
  retryReason: string | null,
  toolName: string | null,
  /** user.id when it is a string. */
  userId: string | null,
  /** genai_otel.revision.type when it is a string. */
  revisionType: string | null,
  attributes: string,
];

/** A log record as the writer sends it: ids in hex, the body and attributes as JSON text. */
export type LogRow = [
  timeNs: bigint,
  traceId: string | null,
  spanId: string | null,
  service: string,
  eventName: string | null,
  severityNumber: number | null,
  severityText: string | null,
  sessionId: string | null,
  body: string | null,
  attributes: string,
];

/** Positions of the hex ids in each row, turned into bytes before they are stored. */
export const SPAN_ID_POSITIONS = [2, 3, 4];
export const LOG_ID_POSITIONS = [1, 2];

/**
 * `INSERT OR IGNORE` (a span or record already stored, e.g. a file imported twice, is kept once) of one row.
 *
 * @example
 * db.prepare(insertStatement('spans', SPAN_COLUMNS));
 */
export function insertStatement(table: string, columns: readonly string[]): string {
  return `INSERT OR IGNORE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}

/**
 * What store-lineage.ts's writer needs of this layout.
 *
 * @example
 * storeWriterOf(db, storeWriterSettings()).prepare();
 */
export function storeWriterSettings(): StoreWriterSettings {
  return {
    schema: STORE_SCHEMA,
    indexes: STORE_INDEXES,
    schemaVersion: STORE_SCHEMA_VERSION,
    spanColumns: SPAN_COLUMNS,
    lineageColumns: LINEAGE_COLUMN_DEFINITIONS,
    factColumns: SESSION_FACT_COLUMN_DEFINITIONS,
    factFills: SESSION_FACT_FILLS,
    llmOperations: LLM_CALL_OPERATIONS,
  };
}
