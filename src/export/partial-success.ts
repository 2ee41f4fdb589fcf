import { otlpTransformer } from '../core/loaders.ts';
import type { Encoding, SignalName } from './spool.ts';

/** What a collector said it rejected of an accepted request (OTLP partial success). */
export interface PartialSuccess {
  rejected: number;
  message: string;
}

/** The count field of each signal's partial success, as OTLP/JSON spells it (lowerCamelCase; snake_case accepted). */
const REJECTED_FIELD: Record<SignalName, [string, string]> = {
  traces: ['rejectedSpans', 'rejected_spans'],
  metrics: ['rejectedDataPoints', 'rejected_data_points'],
  logs: ['rejectedLogRecords', 'rejected_log_records'],
};

/** The longest collector message kept: it is printed once, and a collector is not trusted to keep it short. */
const MAX_MESSAGE_CHARS = 300;

function toCount(value: unknown): number {
  // int64 fields arrive as strings in OTLP/JSON, as numbers or Long-like objects from protobuf decoders.
  const count = typeof value === 'object' && value !== null ? Number(String(value)) : Number(value ?? 0);
  return Number.isSafeInteger(count) && count > 0 ? count : 0;
}

/** The message made printable: control characters (terminal escapes) become spaces, and it is cut short. */
function printable(message: unknown): string {
  const text = typeof message === 'string' ? message : '';
  const clean = text
    .slice(0, MAX_MESSAGE_CHARS * 2)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ')
    .trim();
  return clean.length > MAX_MESSAGE_CHARS ? `${clean.slice(0, MAX_MESSAGE_CHARS)}…` : clean;
}

function decode(signal: SignalName, body: Uint8Array, encoding: Encoding): Record<string, unknown> | undefined {
  if (encoding === 'json') {
    const parsed: unknown = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    const response = parsed as Record<string, unknown> | null;
    return (response?.partialSuccess ?? response?.partial_success) as Record<string, unknown> | undefined;
  }
  // The official response decoders, loaded only when a collector answers with a body (most answer with none).
  const transformer = otlpTransformer();
  const serializer = {
    traces: transformer.ProtobufTraceSerializer,
    metrics: transformer.ProtobufMetricsSerializer,
    logs: transformer.ProtobufLogsSerializer,
  }[signal];
  return serializer.deserializeResponse(body).partialSuccess as Record<string, unknown> | undefined;
}

/**
 * The partial success in a 2xx OTLP response body, or undefined when everything was accepted (an empty body, an empty
 * partial success, a body that is not an OTLP response). The body's encoding follows its content type, else the
 * request's.
 *
 * @example
 * readPartialSuccess('traces', Buffer.from('{"partialSuccess":{"rejectedSpans":"2","errorMessage":"too old"}}'), 'application/json', 'protobuf');
 * // { rejected: 2, message: 'too old' }
 */
export function readPartialSuccess(
  signal: SignalName,
  body: Uint8Array,
  contentType: string | undefined,
  requestEncoding: Encoding,
): PartialSuccess | undefined {
  if (body.byteLength === 0) return undefined;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const encoding: Encoding =
    type === 'application/json'
      ? 'json'
      : type === 'application/x-protobuf' || type === 'application/protobuf'
        ? 'protobuf'
        : requestEncoding;
  let partial: Record<string, unknown> | undefined;
  try {
    partial = decode(signal, body, encoding);
  } catch {
    return undefined; // not an OTLP response (a proxy's page, a body cut off at MAX_RESPONSE_BYTES): nothing to learn
  }
  if (partial === undefined || partial === null || typeof partial !== 'object') return undefined;
  const [camel, snake] = REJECTED_FIELD[signal];
  const rejected = toCount(partial[camel] ?? partial[snake]);
  const message = printable(partial.errorMessage ?? partial.error_message);
  if (rejected === 0 && message === '') return undefined;
  return { rejected, message };
}
