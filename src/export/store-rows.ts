// Spans and log records of the SDK as rows of the local store (see store-schema.ts): the columns the CLI queries are
// taken out of the attributes here, in the application's thread, as plain values that are cheap to post to the
// store's thread.
import type { HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GENAI_OTEL_CALL_DUPLICATE,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GENAI_OTEL_RETRY_COUNT,
  ATTR_GENAI_OTEL_RETRY_REASON,
  ATTR_GENAI_OTEL_COST_USD,
  ATTR_SESSION_ID,
  ATTR_USER_ID,
  ATTR_GENAI_OTEL_REVISION_TYPE,
} from '../attributes/names.ts';
import type { AttributeColumns, LogRow, SpanRow } from './store-schema.ts';

const nanos = (time: HrTime): bigint => BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);

const text = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : null;

/** A string as it is (empty too), anything else null: what `json_type(…) = 'text'` selects in the attributes' JSON. */
const onlyString = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const finite = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** JSON text of a value; bigints as decimal strings, and a value that cannot be written as null (never a throw). */
function json(value: unknown): string {
  try {
    return (
      JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item)) ?? 'null'
    );
  } catch {
    return 'null';
  }
}

const serviceOf = (resource: { attributes: Record<string, unknown> } | undefined): string =>
  text(resource?.attributes['service.name']) ?? 'unknown_service';

/**
 * The columns a span's attributes fill, in the schema's order from the operation name to the attributes' JSON: one
 * definition for the exporter's rows and `genai-otel import`'s.
 *
 * @example
 * const [operation, model] = attributeColumns({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' });
 */
export function attributeColumns(attributes: Record<string, unknown>): AttributeColumns {
  return [
    text(attributes[ATTR_GEN_AI_OPERATION_NAME]),
    text(attributes[ATTR_GEN_AI_REQUEST_MODEL] ?? attributes[ATTR_GEN_AI_RESPONSE_MODEL]),
    text(attributes[ATTR_GEN_AI_PROVIDER_NAME] ?? attributes[ATTR_GEN_AI_SYSTEM]),
    text(attributes[ATTR_SESSION_ID]),
    finite(attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS]),
    finite(attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]),
    finite(attributes[ATTR_GENAI_OTEL_COST_USD]),
    attributes[ATTR_GENAI_OTEL_CALL_DUPLICATE] === true ? 1 : null,
    finite(attributes[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]),
    finite(attributes[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]),
    finite(attributes[ATTR_GENAI_OTEL_RETRY_COUNT]),
    text(attributes[ATTR_GENAI_OTEL_RETRY_REASON]),
    text(attributes[ATTR_GEN_AI_TOOL_NAME]),
    onlyString(attributes[ATTR_USER_ID]),
    onlyString(attributes[ATTR_GENAI_OTEL_REVISION_TYPE]),
    json(attributes),
  ];
}

/**
 * One span as a row. The SDK's span kinds (INTERNAL = 0 …) become OTLP's (INTERNAL = 1 …), as the files and Jaeger
 * have them.
 *
 * @example
 * const row = spanRow(span); // [startNs, endNs, '4bf9…', '00f0…', null, 'checkout', 'chat gpt-4o', 3, 0, …]
 */
export function spanRow(span: ReadableSpan): SpanRow {
  const attributes = span.attributes;
  const context = span.spanContext();
  const startNs = nanos(span.startTime);
  const endNs = nanos(span.endTime);
  const events =
    span.events.length === 0
      ? null
      : json(
          span.events.map((event) => ({
            name: event.name,
            timeUnixNano: nanos(event.time).toString(),
            attributes: event.attributes ?? {},
          })),
        );
  return [
    startNs,
    endNs,
    context.traceId,
    context.spanId,
    span.parentSpanContext?.spanId ?? null,
    serviceOf(span.resource),
    span.name,
    span.kind + 1,
    span.status.code,
    text(span.status.message),
    Number(endNs - startNs) / 1e6,
    ...attributeColumns(attributes),
    events,
    text(span.instrumentationScope.name),
  ];
}

/** One log record as a row; the time is when it happened, else when it was observed. */
export function logRow(record: ReadableLogRecord): LogRow {
  const time = record.hrTime[0] !== 0 || record.hrTime[1] !== 0 ? record.hrTime : record.hrTimeObserved;
  const attributes = record.attributes;
  return [
    nanos(time),
    record.spanContext?.traceId ?? null,
    record.spanContext?.spanId ?? null,
    serviceOf(record.resource),
    text(record.eventName),
    finite(record.severityNumber),
    text(record.severityText),
    text(attributes[ATTR_SESSION_ID]),
    record.body === undefined ? null : json(record.body),
    json(attributes),
  ];
}

/** About how many bytes a row holds in memory until it is written (for the cap on rows waiting). */
export function rowBytes(row: SpanRow | LogRow): number {
  let bytes = 64;
  for (const value of row) if (typeof value === 'string') bytes += value.length;
  return bytes;
}
