// `genai-otel export`: spans, log records or the session table as CSV or JSON lines, for spreadsheets and scripts.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GENAI_OTEL_COST_USD,
  ATTR_GENAI_OTEL_RETRY_COUNT,
  ATTR_SESSION_ID,
  ATTR_USER_ID,
} from '../../attributes/names.ts';
import { summarizeSessions, type SessionSummary } from '../../sessions/summarize.ts';
import { contextOf, type CommonOptions } from '../command-options.ts';
import { openSource } from '../telemetry/source.ts';
import { StoreSource, sessionsFromStore } from '../telemetry/store-source.ts';
import type { CliLog, CliSpan } from '../telemetry/otlp-json.ts';
import { cellSafe, terminalOutput } from '../render/terminal-text.ts';

export interface ExportOptions extends CommonOptions {
  format: 'csv' | 'jsonl';
  what: 'spans' | 'logs' | 'sessions';
  output?: string;
  limit: number;
}

/** Characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, line break or edge space. Text from telemetry that
 * a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) is neutralised as
 * OWASP advises: prefixed with a single quote and quoted. Numbers the CLI computed (durations, tokens, cost) are
 * written as numbers, negative ones too: a number is never a formula, and a spreadsheet must be able to sum it.
 * Control characters other than tab and line breaks are shown as `\uXXXX`.
 *
 * @example
 * csvField('say "hi", please'); // '"say ""hi"", please"'
 * csvField('=HYPERLINK("http://evil")'); // '"\'=HYPERLINK(""http://evil"")"'
 * csvField(-3); // '-3'
 */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  const text = cellSafe(
    typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value),
  );
  if (FORMULA_START.test(text)) return `"'${text.replaceAll('"', '""')}"`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

type Row = Record<string, unknown>;

function spanRow(span: CliSpan): Row {
  const a = span.attributes;
  return {
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId ?? '',
    service: span.serviceName,
    name: span.name,
    kind: span.kind,
    start: new Date(span.startMillis).toISOString(),
    duration_ms: Number(span.durationMillis.toFixed(3)),
    status: span.error ? 'ERROR' : 'OK',
    error_type: a[ATTR_ERROR_TYPE],
    operation: a[ATTR_GEN_AI_OPERATION_NAME],
    provider: a[ATTR_GEN_AI_PROVIDER_NAME],
    request_model: a[ATTR_GEN_AI_REQUEST_MODEL],
    response_model: a[ATTR_GEN_AI_RESPONSE_MODEL],
    input_tokens: a[ATTR_GEN_AI_USAGE_INPUT_TOKENS],
    output_tokens: a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS],
    cost_usd: a[ATTR_GENAI_OTEL_COST_USD],
    retries: a[ATTR_GENAI_OTEL_RETRY_COUNT],
    tool: a[ATTR_GEN_AI_TOOL_NAME],
    session_id: a[ATTR_SESSION_ID],
    user_id: a[ATTR_USER_ID],
  };
}

const round = (value: number | undefined) => (value === undefined ? undefined : Number(value.toFixed(3)));

function sessionRow(row: SessionSummary): Row {
  return {
    session_id: row.sessionId,
    user_ids: row.userIds.join(' '),
    start: new Date(row.startMillis).toISOString(),
    end: new Date(row.endMillis).toISOString(),
    duration_s: round(row.durationSeconds),
    user_messages: row.userMessages,
    assistant_messages: row.assistantMessages,
    likes: row.likes,
    dislikes: row.dislikes,
    answer_avg_s: round(row.assistantResponseSeconds?.avg),
    answer_min_s: round(row.assistantResponseSeconds?.min),
    answer_max_s: round(row.assistantResponseSeconds?.max),
    user_response_avg_s: round(row.userResponseSeconds?.avg),
    edited: row.edited,
    retried: row.retried,
    undone: row.undone,
    cleared: row.cleared,
  };
}

function logRow(log: CliLog): Row {
  return {
    time: new Date(log.timeMillis).toISOString(),
    service: log.serviceName,
    event: log.eventName ?? '',
    trace_id: log.traceId ?? '',
    span_id: log.spanId ?? '',
    body: log.body,
    attributes: log.attributes,
  };
}

const jsonValue = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/** `genai-otel export`; resolves with the exit code. @example process.exitCode = await runExport({ since: 86_400_000, format: 'csv', what: 'spans', limit: 1000 }); */
export async function runExport(options: ExportOptions): Promise<number> {
  const context = contextOf(options);
  const source = await openSource(context.sources);
  const query = {
    sinceMillis: context.sinceMillis,
    untilMillis: context.untilMillis,
    service: options.service,
    limit: options.limit,
    every: true,
  };
  if (source instanceof StoreSource) return exportFromStore(source, query, options, context);
  let rows: Row[];
  // Spans keep every attribute in JSON lines; the CSV has the columns people chart.
  let records: unknown[];
  if (options.what === 'logs') {
    rows = (await source.logs(query, context.progress)).map(logRow);
    records = rows;
  } else {
    const spans = (await source.spans(query, context.progress)).sort((a, b) => a.startMillis - b.startMillis);
    if (options.what === 'sessions') {
      const sessions = summarizeSessions(spans, await source.logs(query, context.progress));
      rows = sessions.map(sessionRow);
      records = sessions;
    } else {
      rows = spans.map(spanRow);
      records = spans;
    }
  }
  for (const line of source.notes) context.note(line);
  const stream: Writable = options.output === undefined ? process.stdout : createWriteStream(options.output);
  if (options.format === 'jsonl') {
    // Control characters JSON leaves raw (DEL, C1, bidi) become \u escapes: the same data, harmless on a terminal.
    for (const record of records) await write(stream, `${terminalOutput(JSON.stringify(record, jsonValue))}\n`);
  } else {
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
    await write(stream, `${columns.join(',')}\n`);
    for (const row of rows) await write(stream, `${columns.map((column) => csvField(row[column])).join(',')}\n`);
  }
  if (stream !== process.stdout) {
    stream.end();
    await once(stream, 'finish');
  }
  context.note(
    `${source.description}: exported ${rows.length} ${options.what}${options.output === undefined ? '' : ` to ${options.output}`}`,
  );
  return 0;
}

/**
 * `export` from the local store: rows are written as the store gives them, one at a time (oldest first), so an export
 * of any size holds one row in memory; the CSV's columns are the fixed set of each kind of row.
 */
async function exportFromStore(
  source: StoreSource,
  query: { sinceMillis: number; untilMillis: number; service?: string; limit: number; every: boolean },
  options: ExportOptions,
  context: ReturnType<typeof contextOf>,
): Promise<number> {
  const records: Iterable<{ record: unknown; row: Row }> =
    options.what === 'logs'
      ? map(source.iterateLogs(query, context.progress), (log) => {
          const row = logRow(log);
          return { record: row, row };
        })
      : options.what === 'sessions'
        ? map(
            [...sessionsFromStore(source, query, context.progress)].sort((a, b) => a.startMillis - b.startMillis),
            (session) => ({ record: session, row: sessionRow(session) }),
          )
        : map(source.iterateSpans(query, context.progress), (span) => ({ record: span, row: spanRow(span) }));
  const stream: Writable = options.output === undefined ? process.stdout : createWriteStream(options.output);
  let count = 0;
  let columns: string[] | undefined;
  for (const { record, row } of records) {
    count++;
    if (options.format === 'jsonl') {
      await write(stream, `${terminalOutput(JSON.stringify(record, jsonValue))}\n`);
      continue;
    }
    if (columns === undefined) {
      columns = Object.keys(row);
      await write(stream, `${columns.join(',')}\n`);
    }
    await write(stream, `${columns.map((column) => csvField(row[column])).join(',')}\n`);
  }
  context.progress.done();
  source.close();
  if (stream !== process.stdout) {
    stream.end();
    await once(stream, 'finish');
  }
  context.note(
    `${source.description}: exported ${count} ${options.what}${options.output === undefined ? '' : ` to ${options.output}`}`,
  );
  return 0;
}

function* map<T, U>(items: Iterable<T>, transform: (item: T) => U): Generator<U> {
  for (const item of items) yield transform(item);
}
