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
import type { SessionSummary } from '../../sessions/summarize.ts';
import { contextOf, type CommonOptions } from '../command-options.ts';
import { byTrace, openSource } from '../telemetry/source.ts';
import { sessionsOf } from './sessions.ts';
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

/** The columns of each kind of row, in order (every row of a kind has the same keys). */
const COLUMNS = {
  spans: Object.keys(spanRow({ attributes: {}, startMillis: 0, durationMillis: 0 } as unknown as CliSpan)),
  logs: Object.keys(logRow({ attributes: {}, timeMillis: 0 } as unknown as CliLog)),
  sessions: Object.keys(sessionRow({ userIds: [], startMillis: 0, endMillis: 0 } as unknown as SessionSummary)),
};

/**
 * `genai-otel export`; resolves with the exit code. Spans and log records are written as they are read, a batch at a
 * time (spans trace by trace, each trace in start order); sessions as the source gives them (the store: as its
 * statement yields them; the others: when all is read).
 *
 * @example process.exitCode = await runExport({ since: 86_400_000, format: 'csv', what: 'spans', limit: 1000 });
 */
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
  const stream: Writable = options.output === undefined ? process.stdout : createWriteStream(options.output);
  const columns = COLUMNS[options.what];
  let written = 0;
  let header = options.format === 'csv' ? `${columns.join(',')}\n` : '';
  // Spans keep every attribute in JSON lines; the CSV has the columns people chart.
  const writeRecords = async <T>(records: readonly T[], row: (record: T) => Row): Promise<void> => {
    let text = '';
    for (const record of records) {
      if (options.format === 'jsonl')
        // Control characters JSON leaves raw (DEL, C1, bidi) become \u escapes: the same data, harmless on a terminal.
        text += `${terminalOutput(JSON.stringify(record, jsonValue))}\n`;
      else {
        text += header;
        header = '';
        const values = row(record);
        text += `${columns.map((column) => csvField(values[column])).join(',')}\n`;
      }
      if (text.length > 1 << 16) {
        await write(stream, text);
        text = '';
      }
    }
    written += records.length;
    if (text !== '') await write(stream, text);
  };
  if (options.what === 'logs') {
    for await (const batch of source.logBatches(query, context.progress))
      await writeRecords(batch.map(logRow), (row) => row);
  } else if (options.what === 'sessions') {
    // Rows as the source gives them (the store: one at a time), written a few hundred at a time.
    let rows: SessionSummary[] = [];
    for await (const row of sessionsOf(source, query, context.progress).rows) {
      rows.push(row);
      if (rows.length >= 512) {
        await writeRecords(rows, sessionRow);
        rows = [];
      }
    }
    await writeRecords(rows, sessionRow);
  } else {
    for await (const batch of source.spanBatches(query, context.progress)) {
      const traces = byTrace(batch);
      for (const trace of traces) trace.sort((a, b) => a.startMillis - b.startMillis);
      await writeRecords(traces.flat(), spanRow);
    }
  }
  // As before streaming: a CSV of nothing is one empty line.
  if (written === 0 && options.format === 'csv') await write(stream, '\n');
  for (const line of source.notes) context.note(line);
  if (stream !== process.stdout) {
    stream.end();
    await once(stream, 'finish');
  }
  context.note(
    `${source.description}: exported ${written} ${options.what}${options.output === undefined ? '' : ` to ${options.output}`}`,
  );
  return 0;
}
