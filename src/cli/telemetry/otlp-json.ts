// Reads OTLP/JSON as three producers write it: our `file` exporter (the official JS serializer: hex ids, numbers as
// numbers or strings), the Collector's file exporter and Jaeger's /api/v3 (protojson: int64 as strings, enums as
// names). Everything becomes the plain span and log shapes `summarizeSessions` takes, plus what the CLI shows.
import type { TelemetryLog, TelemetrySpan } from '../../sessions/summarize.ts';

/** A span with the service it came from and its outcome. */
export interface CliSpan extends TelemetrySpan {
  serviceName: string;
  kind: 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER' | 'UNSPECIFIED';
  /** OTLP status: an ERROR span failed. */
  error: boolean;
  statusMessage?: string;
  startMillis: number;
  durationMillis: number;
}

export interface CliLog extends TelemetryLog {
  serviceName: string;
  timeMillis: number;
  body?: unknown;
}

type Json = Record<string, unknown>;

const KINDS: CliSpan['kind'][] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** An OTLP AnyValue as a plain JavaScript value (int64 strings become numbers). */
export function anyValue(value: unknown): unknown {
  if (!isObject(value)) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('boolValue' in value) return value.boolValue;
  if ('arrayValue' in value) return list((value.arrayValue as Json | undefined)?.values).map(anyValue);
  if ('kvlistValue' in value) return attributes((value.kvlistValue as Json | undefined)?.values);
  if ('bytesValue' in value) return value.bytesValue;
  return undefined;
}

/** OTLP key-value pairs as a plain object. @example attributes([{ key: 'a', value: { intValue: '1' } }]) // { a: 1 } */
export function attributes(keyValues: unknown): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const item of list(keyValues)) {
    if (isObject(item) && typeof item.key === 'string') result[item.key] = anyValue(item.value);
  }
  return result;
}

/** Ids arrive as hex (JSON encoders) or base64 (protojson of raw bytes); the CLI speaks lowercase hex. */
function hexId(value: unknown, length: number): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (value.length === length && /^[0-9a-fA-F]+$/.test(value)) return value.toLowerCase();
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === length / 2 ? bytes.toString('hex') : undefined;
}

function nanos(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.trunc(value));
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  if (isObject(value) && typeof value.high === 'number' && typeof value.low === 'number') {
    return (BigInt(value.high >>> 0) << 32n) + BigInt(value.low >>> 0);
  }
  return 0n;
}

function kindOf(value: unknown): CliSpan['kind'] {
  if (typeof value === 'number') return KINDS[value] ?? 'UNSPECIFIED';
  const name = String(value ?? '').replace(/^SPAN_KIND_/, '') as CliSpan['kind'];
  return KINDS.includes(name) ? name : 'UNSPECIFIED';
}

function isErrorStatus(status: unknown): boolean {
  if (!isObject(status)) return false;
  return status.code === 2 || status.code === 'STATUS_CODE_ERROR';
}

/** The spans of one ExportTraceServiceRequest (or Jaeger's `result`). */
export function spansOf(request: unknown): CliSpan[] {
  const spans: CliSpan[] = [];
  if (!isObject(request)) return spans;
  for (const resourceSpans of list(request.resourceSpans)) {
    if (!isObject(resourceSpans)) continue;
    const resource = attributes((resourceSpans.resource as Json | undefined)?.attributes);
    const serviceName = String(resource['service.name'] ?? 'unknown_service');
    for (const scopeSpans of list(resourceSpans.scopeSpans)) {
      if (!isObject(scopeSpans)) continue;
      for (const span of list(scopeSpans.spans)) {
        if (!isObject(span)) continue;
        const traceId = hexId(span.traceId, 32);
        const spanId = hexId(span.spanId, 16);
        if (traceId === undefined || spanId === undefined) continue;
        const start = nanos(span.startTimeUnixNano);
        const end = nanos(span.endTimeUnixNano);
        const status = span.status;
        spans.push({
          traceId,
          spanId,
          parentSpanId: hexId(span.parentSpanId, 16),
          name: String(span.name ?? ''),
          startTimeUnixNano: start,
          endTimeUnixNano: end,
          attributes: attributes(span.attributes),
          serviceName,
          kind: kindOf(span.kind),
          error: isErrorStatus(status),
          statusMessage:
            isObject(status) && typeof status.message === 'string' && status.message !== ''
              ? status.message
              : undefined,
          startMillis: Number(start / 1000n) / 1000,
          durationMillis: Number(end - start) / 1e6,
        });
      }
    }
  }
  return spans;
}

/** The log records of one ExportLogsServiceRequest. */
export function logsOf(request: unknown): CliLog[] {
  const logs: CliLog[] = [];
  if (!isObject(request)) return logs;
  for (const resourceLogs of list(request.resourceLogs)) {
    if (!isObject(resourceLogs)) continue;
    const resource = attributes((resourceLogs.resource as Json | undefined)?.attributes);
    const serviceName = String(resource['service.name'] ?? 'unknown_service');
    for (const scopeLogs of list(resourceLogs.scopeLogs)) {
      if (!isObject(scopeLogs)) continue;
      for (const record of list(scopeLogs.logRecords)) {
        if (!isObject(record)) continue;
        const time = nanos(record.timeUnixNano) || nanos(record.observedTimeUnixNano);
        logs.push({
          traceId: hexId(record.traceId, 32),
          spanId: hexId(record.spanId, 16),
          eventName: typeof record.eventName === 'string' && record.eventName !== '' ? record.eventName : undefined,
          timeUnixNano: time,
          timeMillis: Number(time / 1000n) / 1000,
          attributes: attributes(record.attributes),
          serviceName,
          body: anyValue(record.body),
        });
      }
    }
  }
  return logs;
}
