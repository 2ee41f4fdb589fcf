// In-process mock OTLP/HTTP receiver for tests.
//
//   import { startOtlpReceiver } from '@genai-otel/mock-otlp-receiver';
//   const receiver = await startOtlpReceiver();
//   // point an exporter at receiver.url + '/v1/traces' (or receiver.endpoints.traces)
//   const spans = await receiver.waitFor('spans', (s) => s.some((x) => x.name === 'chat gpt-4o'));
//   await receiver.close();
//
// Accepts POST /v1/traces, /v1/metrics and /v1/logs encoded as OTLP/protobuf
// (application/x-protobuf) or OTLP/JSON (application/json), optionally
// compressed (Content-Encoding gzip, deflate, br), and normalizes both encodings
// into one plain shape:
//
// - attributes: plain objects of JS values. string/bool as is; int64 as number;
//   double as number; arrays as arrays; kvlist as a nested plain object; bytes
//   as Uint8Array; an empty AnyValue as null.
// - trace/span ids: lowercase hex strings (32 / 16 chars). Optional ids that
//   are absent or empty (parentSpanId of a root span, traceId/spanId of an
//   uncorrelated log record) are `undefined`.
// - timestamps (…UnixNano): bigint nanoseconds since the epoch (0n when unset).
// - enums as their OTLP numbers: span kind (0 UNSPECIFIED, 1 INTERNAL,
//   2 SERVER, 3 CLIENT, 4 PRODUCER, 5 CONSUMER), status code (0 UNSET, 1 OK,
//   2 ERROR), severityNumber, aggregationTemporality (1 DELTA, 2 CUMULATIVE).
// - counts (histogram count, bucketCounts, zeroCount, dropped*): numbers.
// - other absent proto3 scalars take their proto3 default ('' / 0 / false).
//
// Erasable TypeScript only (runs under Node's type stripping).

import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';
import { otlpDescriptor, OTLP_TYPES } from './otlp-descriptor.ts';

// ---------------------------------------------------------------------------
// Public types

export type Signal = 'traces' | 'metrics' | 'logs';
export type ItemKind = 'spans' | 'metrics' | 'logs';

export type AttributeValue =
  string | number | boolean | null | Uint8Array | AttributeValue[] | { [key: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;

export interface Scope {
  name: string;
  version: string;
  attributes: Attributes;
}

export interface SpanEvent {
  name: string;
  attributes: Attributes;
  timeUnixNano: bigint;
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: Attributes;
  flags: number;
  droppedAttributesCount: number;
}

export interface ReceivedSpan {
  resource: Attributes;
  scope: Scope;
  traceId: string;
  spanId: string;
  /** undefined for a root span */
  parentSpanId: string | undefined;
  traceState: string;
  flags: number;
  name: string;
  /** OTLP SpanKind: 0 UNSPECIFIED, 1 INTERNAL, 2 SERVER, 3 CLIENT, 4 PRODUCER, 5 CONSUMER */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  events: SpanEvent[];
  links: SpanLink[];
  /** code: 0 UNSET, 1 OK, 2 ERROR */
  status: { code: number; message: string };
  droppedAttributesCount: number;
  droppedEventsCount: number;
  droppedLinksCount: number;
}

export type MetricType = 'sum' | 'gauge' | 'histogram' | 'exponentialHistogram' | 'summary';

export interface Exemplar {
  filteredAttributes: Attributes;
  timeUnixNano: bigint;
  value: number;
  traceId: string | undefined;
  spanId: string | undefined;
}

export interface ExponentialBuckets {
  offset: number;
  bucketCounts: number[];
}

/**
 * One data point. Which value fields are present depends on the metric type:
 * - sum / gauge: `value`
 * - histogram: `count`, `sum`?, `min`?, `max`?, `bucketCounts`, `explicitBounds`
 * - exponentialHistogram: `count`, `sum`?, `min`?, `max`?, `scale`, `zeroCount`,
 *   `zeroThreshold`, `positive`, `negative`
 * - summary: `count`, `sum`, `quantileValues`
 * Keys that do not apply are absent (not set to undefined).
 */
export interface DataPoint {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  flags: number;
  exemplars: Exemplar[];
  value?: number;
  count?: number;
  sum?: number;
  min?: number;
  max?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
  scale?: number;
  zeroCount?: number;
  zeroThreshold?: number;
  positive?: ExponentialBuckets;
  negative?: ExponentialBuckets;
  quantileValues?: Array<{ quantile: number; value: number }>;
}

export interface ReceivedMetric {
  resource: Attributes;
  scope: Scope;
  name: string;
  unit: string;
  description: string;
  type: MetricType;
  /** sum only; undefined for other types */
  isMonotonic: boolean | undefined;
  /** sum / histogram / exponentialHistogram: 1 DELTA, 2 CUMULATIVE; undefined otherwise */
  aggregationTemporality: number | undefined;
  dataPoints: DataPoint[];
}

export interface ReceivedLog {
  resource: Attributes;
  scope: Scope;
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  /** undefined when the record has no body */
  body: AttributeValue | undefined;
  attributes: Attributes;
  /** undefined when empty */
  eventName: string | undefined;
  traceId: string | undefined;
  spanId: string | undefined;
  flags: number;
  droppedAttributesCount: number;
}

export type RequestOutcome = 'accepted' | 'rejected' | 'invalid' | 'hung' | 'reset';

export interface ReceivedRequest {
  method: string;
  path: string;
  /** the OTLP signal for /v1/{traces,metrics,logs}, else undefined */
  signal: Signal | undefined;
  headers: http.IncomingHttpHeaders;
  /** media type without parameters, lowercased ('' when absent) */
  contentType: string;
  /** Content-Encoding, lowercased; 'identity' when absent */
  encoding: string;
  /** the body exactly as received (still compressed) */
  bytes: Buffer;
  /** the body after decompression (empty if decompression failed) */
  body: Buffer;
  /** how many spans / metrics / log records the payload held, if it decoded */
  itemCount: number | undefined;
  /** decompression / decoding failure, if any */
  error: string | undefined;
  outcome: RequestOutcome;
  /** HTTP status replied (undefined for hung / reset requests) */
  status: number | undefined;
  receivedAt: number;
}

export interface ReceiverCounts {
  /** all requests whose body was read */
  received: number;
  /** replied 2xx and ingested */
  accepted: number;
  /** replied non-2xx (injected status, or 4xx for a bad request) */
  rejected: number;
  /** subset of rejected: 400/404/405/415 for requests the receiver could not handle */
  invalid: number;
  /** never replied (behaviour.hang) */
  hung: number;
  /** connection destroyed (behaviour.resetConnection) */
  reset: number;
}

export interface Behaviour {
  /** reply with this HTTP status instead of 200 (a 2xx status still ingests the data) */
  status?: number;
  /** with `status`: send a Retry-After header with this many seconds */
  retryAfterSeconds?: number;
  /** read the request and never answer (until close()) */
  hang?: boolean;
  /** read the request, then destroy the connection with a TCP RST */
  resetConnection?: boolean;
  /** wait this long before replying (applies to every outcome) */
  delayMs?: number;
  /** on 2xx: reply with an OTLP partial success */
  partialSuccess?: { rejected: number; errorMessage: string };
  /** apply to only the next N requests, then return to normal behaviour */
  times?: number;
}

export interface ReceiverOptions {
  host?: string;
  /** 0 (default) picks a random free port */
  port?: number;
  /** largest accepted body, after decompression; default 64 MiB */
  maxBodyBytes?: number;
  /**
   * called once per request when its outcome is settled (replied, hung or reset), with the items it delivered when
   * accepted; the CLI prints its line from here
   */
  onRequest?: (request: ReceivedRequest, items: ReceivedItems | undefined) => void;
}

export type ReceivedItems = ReceivedSpan[] | ReceivedMetric[] | ReceivedLog[];

export type WaitPredicate<T> = (items: T[]) => boolean;

export interface OtlpReceiver {
  /** e.g. http://127.0.0.1:43123 (no trailing slash) */
  readonly url: string;
  readonly port: number;
  readonly endpoints: { traces: string; metrics: string; logs: string };
  spans(): ReceivedSpan[];
  metrics(): ReceivedMetric[];
  logs(): ReceivedLog[];
  requests(): ReceivedRequest[];
  counts(): ReceiverCounts;
  /**
   * Resolve with the accumulated items of `kind` once `predicate(items)`
   * returns true (default predicate: at least one item). A predicate that
   * throws counts as false (so assert.* can be used inside it); the last such
   * error is reported on timeout. Rejects after `timeoutMs` (default 5000)
   * with a summary of what was received.
   */
  waitFor(kind: 'spans', predicate?: WaitPredicate<ReceivedSpan>, timeoutMs?: number): Promise<ReceivedSpan[]>;
  waitFor(kind: 'metrics', predicate?: WaitPredicate<ReceivedMetric>, timeoutMs?: number): Promise<ReceivedMetric[]>;
  waitFor(kind: 'logs', predicate?: WaitPredicate<ReceivedLog>, timeoutMs?: number): Promise<ReceivedLog[]>;
  /** change how subsequent requests are answered; `setBehaviour({})` restores normal behaviour */
  setBehaviour(behaviour: Behaviour): void;
  /** clear received data, requests, counts, and restore normal behaviour */
  reset(): void;
  /** stop listening and destroy every open connection (including hung ones) */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Protobuf

const root = protobuf.Root.fromJSON(otlpDescriptor);
root.resolveAll();

const TO_OBJECT_OPTIONS: protobuf.IConversionOptions = {
  longs: String,
  enums: Number,
  defaults: false,
  arrays: false,
  oneofs: false,
};

const SIGNALS: Record<Signal, { request: protobuf.Type; response: protobuf.Type; resourceKey: string }> = {
  traces: {
    request: root.lookupType(OTLP_TYPES.traceRequest),
    response: root.lookupType(OTLP_TYPES.traceResponse),
    resourceKey: 'resourceSpans',
  },
  metrics: {
    request: root.lookupType(OTLP_TYPES.metricsRequest),
    response: root.lookupType(OTLP_TYPES.metricsResponse),
    resourceKey: 'resourceMetrics',
  },
  logs: {
    request: root.lookupType(OTLP_TYPES.logsRequest),
    response: root.lookupType(OTLP_TYPES.logsResponse),
    resourceKey: 'resourceLogs',
  },
};
const RPC_STATUS = root.lookupType(OTLP_TYPES.rpcStatus);
const PARTIAL_REJECTED_FIELD: Record<Signal, string> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
};

const ENUMS = {
  spanKind: root.lookupEnum(OTLP_TYPES.spanKind).values,
  statusCode: root.lookupEnum(OTLP_TYPES.statusCode).values,
  severityNumber: root.lookupEnum(OTLP_TYPES.severityNumber).values,
  aggregationTemporality: root.lookupEnum(OTLP_TYPES.aggregationTemporality).values,
};

// ---------------------------------------------------------------------------
// Normalization (shared by both encodings)
//
// Input: an Export*ServiceRequest as a plain object, either from
// protobufjs toObject (bytes as Uint8Array, 64-bit ints as decimal strings,
// enums as numbers) or from JSON.parse of OTLP/JSON (ids as hex strings,
// bytes as base64, 64-bit ints as strings or numbers, enums as numbers or
// names, keys lowerCamelCase or — tolerated — snake_case).

type Raw = Record<string, unknown>;

function snake(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function get(obj: unknown, key: string): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  const o = obj as Raw;
  const v = o[key];
  if (v !== undefined) return v;
  return o[snake(key)];
}

function has(obj: unknown, key: string): boolean {
  if (obj === null || typeof obj !== 'object') return false;
  const o = obj as Raw;
  return (o[key] !== undefined && o[key] !== null) || (o[snake(key)] !== undefined && o[snake(key)] !== null);
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    if (v === 'NaN') return Number.NaN;
    if (v === 'Infinity') return Number.POSITIVE_INFINITY;
    if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (v === '') return 0;
    return Number(v);
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v && typeof v === 'object' && 'low' in v && 'high' in v) {
    // protobufjs Long-like, in case it was not converted
    const l = v as { low: number; high: number; unsigned?: boolean };
    const high = l.unsigned ? l.high >>> 0 : l.high | 0;
    return high * 2 ** 32 + (l.low >>> 0);
  }
  return 0;
}

function nanos(v: unknown): bigint {
  if (v === undefined || v === null || v === '') return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (typeof v === 'string') return BigInt(v);
  return BigInt(Math.trunc(num(v)));
}

function enumNumber(v: unknown, values: Record<string, number>): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (/^-?\d+$/.test(v)) return Number(v);
    const n = values[v];
    if (n !== undefined) return n;
  }
  throw new Error(`unknown enum value ${JSON.stringify(v)}`);
}

/** Binary id → lowercase hex. Strings: OTLP/JSON hex, tolerating base64. */
function hexId(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (typeof v === 'string') {
    if (v === '') return '';
    if (/^[0-9a-fA-F]+$/.test(v) && (v.length === 32 || v.length === 16)) return v.toLowerCase();
    return Buffer.from(v, 'base64').toString('hex');
  }
  throw new Error(`unexpected id value ${JSON.stringify(v)}`);
}

function optionalId(v: unknown): string | undefined {
  const hex = hexId(v);
  return hex === '' || /^0+$/.test(hex) ? undefined : hex;
}

function bytesValue(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (typeof v === 'string') return new Uint8Array(Buffer.from(v, 'base64'));
  return new Uint8Array(0);
}

function anyValue(v: unknown): AttributeValue {
  if (v === undefined || v === null || typeof v !== 'object') return null;
  if (has(v, 'stringValue')) return str(get(v, 'stringValue'));
  if (has(v, 'boolValue')) {
    const b = get(v, 'boolValue');
    return b === true || b === 'true';
  }
  if (has(v, 'intValue')) return num(get(v, 'intValue'));
  if (has(v, 'doubleValue')) return num(get(v, 'doubleValue'));
  if (has(v, 'arrayValue')) return list(get(get(v, 'arrayValue'), 'values')).map(anyValue);
  if (has(v, 'kvlistValue')) return attributes(get(get(v, 'kvlistValue'), 'values'));
  if (has(v, 'bytesValue')) return bytesValue(get(v, 'bytesValue'));
  return null;
}

function attributes(kvs: unknown): Attributes {
  const out: Attributes = {};
  for (const kv of list(kvs)) out[str(get(kv, 'key'))] = anyValue(get(kv, 'value'));
  return out;
}

function scopeOf(s: unknown): Scope {
  return {
    name: str(get(s, 'name')),
    version: str(get(s, 'version')),
    attributes: attributes(get(s, 'attributes')),
  };
}

function normalizeSpans(req: unknown): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of list(get(req, 'resourceSpans'))) {
    const resource = attributes(get(get(rs, 'resource'), 'attributes'));
    for (const ss of list(get(rs, 'scopeSpans'))) {
      const scope = scopeOf(get(ss, 'scope'));
      for (const s of list(get(ss, 'spans'))) {
        const status = get(s, 'status');
        out.push({
          resource,
          scope,
          traceId: hexId(get(s, 'traceId')),
          spanId: hexId(get(s, 'spanId')),
          parentSpanId: optionalId(get(s, 'parentSpanId')),
          traceState: str(get(s, 'traceState')),
          flags: num(get(s, 'flags')),
          name: str(get(s, 'name')),
          kind: enumNumber(get(s, 'kind'), ENUMS.spanKind),
          startTimeUnixNano: nanos(get(s, 'startTimeUnixNano')),
          endTimeUnixNano: nanos(get(s, 'endTimeUnixNano')),
          attributes: attributes(get(s, 'attributes')),
          events: list(get(s, 'events')).map((e) => ({
            name: str(get(e, 'name')),
            attributes: attributes(get(e, 'attributes')),
            timeUnixNano: nanos(get(e, 'timeUnixNano')),
            droppedAttributesCount: num(get(e, 'droppedAttributesCount')),
          })),
          links: list(get(s, 'links')).map((l) => ({
            traceId: hexId(get(l, 'traceId')),
            spanId: hexId(get(l, 'spanId')),
            traceState: str(get(l, 'traceState')),
            attributes: attributes(get(l, 'attributes')),
            flags: num(get(l, 'flags')),
            droppedAttributesCount: num(get(l, 'droppedAttributesCount')),
          })),
          status: {
            code: enumNumber(get(status, 'code'), ENUMS.statusCode),
            message: str(get(status, 'message')),
          },
          droppedAttributesCount: num(get(s, 'droppedAttributesCount')),
          droppedEventsCount: num(get(s, 'droppedEventsCount')),
          droppedLinksCount: num(get(s, 'droppedLinksCount')),
        });
      }
    }
  }
  return out;
}

function exemplars(v: unknown): Exemplar[] {
  return list(v).map((e) => ({
    filteredAttributes: attributes(get(e, 'filteredAttributes')),
    timeUnixNano: nanos(get(e, 'timeUnixNano')),
    value: has(e, 'asInt') ? num(get(e, 'asInt')) : num(get(e, 'asDouble')),
    traceId: optionalId(get(e, 'traceId')),
    spanId: optionalId(get(e, 'spanId')),
  }));
}

function pointBase(p: unknown): DataPoint {
  return {
    attributes: attributes(get(p, 'attributes')),
    startTimeUnixNano: nanos(get(p, 'startTimeUnixNano')),
    timeUnixNano: nanos(get(p, 'timeUnixNano')),
    flags: num(get(p, 'flags')),
    exemplars: exemplars(get(p, 'exemplars')),
  };
}

function setOptionalStats(dp: DataPoint, p: unknown): void {
  if (has(p, 'sum')) dp.sum = num(get(p, 'sum'));
  if (has(p, 'min')) dp.min = num(get(p, 'min'));
  if (has(p, 'max')) dp.max = num(get(p, 'max'));
}

function buckets(b: unknown): ExponentialBuckets {
  return { offset: num(get(b, 'offset')), bucketCounts: list(get(b, 'bucketCounts')).map(num) };
}

const METRIC_TYPES: MetricType[] = ['sum', 'gauge', 'histogram', 'exponentialHistogram', 'summary'];

function normalizeMetrics(req: unknown): ReceivedMetric[] {
  const out: ReceivedMetric[] = [];
  for (const rm of list(get(req, 'resourceMetrics'))) {
    const resource = attributes(get(get(rm, 'resource'), 'attributes'));
    for (const sm of list(get(rm, 'scopeMetrics'))) {
      const scope = scopeOf(get(sm, 'scope'));
      for (const m of list(get(sm, 'metrics'))) {
        const type = METRIC_TYPES.find((t) => has(m, t));
        if (type === undefined) throw new Error(`metric ${JSON.stringify(get(m, 'name'))} has no data`);
        const data = get(m, type);
        const points = list(get(data, 'dataPoints'));
        let dataPoints: DataPoint[];
        if (type === 'sum' || type === 'gauge') {
          dataPoints = points.map((p) => ({
            ...pointBase(p),
            value: has(p, 'asInt') ? num(get(p, 'asInt')) : num(get(p, 'asDouble')),
          }));
        } else if (type === 'histogram') {
          dataPoints = points.map((p) => {
            const dp: DataPoint = { ...pointBase(p), count: num(get(p, 'count')) };
            setOptionalStats(dp, p);
            dp.bucketCounts = list(get(p, 'bucketCounts')).map(num);
            dp.explicitBounds = list(get(p, 'explicitBounds')).map(num);
            return dp;
          });
        } else if (type === 'exponentialHistogram') {
          dataPoints = points.map((p) => {
            const dp: DataPoint = { ...pointBase(p), count: num(get(p, 'count')) };
            setOptionalStats(dp, p);
            dp.scale = num(get(p, 'scale'));
            dp.zeroCount = num(get(p, 'zeroCount'));
            dp.zeroThreshold = num(get(p, 'zeroThreshold'));
            dp.positive = buckets(get(p, 'positive'));
            dp.negative = buckets(get(p, 'negative'));
            return dp;
          });
        } else {
          dataPoints = points.map((p) => ({
            ...pointBase(p),
            count: num(get(p, 'count')),
            sum: num(get(p, 'sum')),
            quantileValues: list(get(p, 'quantileValues')).map((q) => ({
              quantile: num(get(q, 'quantile')),
              value: num(get(q, 'value')),
            })),
          }));
        }
        const hasTemporality = type === 'sum' || type === 'histogram' || type === 'exponentialHistogram';
        out.push({
          resource,
          scope,
          name: str(get(m, 'name')),
          unit: str(get(m, 'unit')),
          description: str(get(m, 'description')),
          type,
          isMonotonic: type === 'sum' ? get(data, 'isMonotonic') === true : undefined,
          aggregationTemporality: hasTemporality
            ? enumNumber(get(data, 'aggregationTemporality'), ENUMS.aggregationTemporality)
            : undefined,
          dataPoints,
        });
      }
    }
  }
  return out;
}

function normalizeLogs(req: unknown): ReceivedLog[] {
  const out: ReceivedLog[] = [];
  for (const rl of list(get(req, 'resourceLogs'))) {
    const resource = attributes(get(get(rl, 'resource'), 'attributes'));
    for (const sl of list(get(rl, 'scopeLogs'))) {
      const scope = scopeOf(get(sl, 'scope'));
      for (const r of list(get(sl, 'logRecords'))) {
        const eventName = str(get(r, 'eventName'));
        // An absent body and an empty AnyValue body both mean "no body" (the
        // JS JSON exporter sends `body: {}`, its protobuf twin omits the field).
        const body = has(r, 'body') ? anyValue(get(r, 'body')) : null;
        out.push({
          resource,
          scope,
          timeUnixNano: nanos(get(r, 'timeUnixNano')),
          observedTimeUnixNano: nanos(get(r, 'observedTimeUnixNano')),
          severityNumber: enumNumber(get(r, 'severityNumber'), ENUMS.severityNumber),
          severityText: str(get(r, 'severityText')),
          body: body === null ? undefined : body,
          attributes: attributes(get(r, 'attributes')),
          eventName: eventName === '' ? undefined : eventName,
          traceId: optionalId(get(r, 'traceId')),
          spanId: optionalId(get(r, 'spanId')),
          flags: num(get(r, 'flags')),
          droppedAttributesCount: num(get(r, 'droppedAttributesCount')),
        });
      }
    }
  }
  return out;
}

type Decoded =
  | { signal: 'traces'; items: ReceivedSpan[] }
  | { signal: 'metrics'; items: ReceivedMetric[] }
  | { signal: 'logs'; items: ReceivedLog[] };

/**
 * Decode one OTLP/HTTP request body (already decompressed). Exported for
 * tests that want to decode a captured payload without a server.
 */
export function decodeOtlp(signal: Signal, body: Uint8Array, format: 'protobuf' | 'json'): Decoded {
  let raw: unknown;
  if (format === 'protobuf') {
    const type = SIGNALS[signal].request;
    raw = type.toObject(type.decode(body), TO_OBJECT_OPTIONS);
  } else {
    raw = JSON.parse(Buffer.from(body).toString('utf8'));
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new Error('OTLP/JSON body is not an object');
    }
  }
  if (signal === 'traces') return { signal, items: normalizeSpans(raw) };
  if (signal === 'metrics') return { signal, items: normalizeMetrics(raw) };
  return { signal, items: normalizeLogs(raw) };
}

// ---------------------------------------------------------------------------
// Server

const PATHS: Record<string, Signal> = {
  '/v1/traces': 'traces',
  '/v1/metrics': 'metrics',
  '/v1/logs': 'logs',
};

const GRPC_CODE_FOR_STATUS: Record<number, number> = {
  400: 3, // INVALID_ARGUMENT
  404: 12, // UNIMPLEMENTED
  405: 12,
  413: 8, // RESOURCE_EXHAUSTED
  415: 3,
  429: 8, // RESOURCE_EXHAUSTED
  500: 13, // INTERNAL
  502: 14, // UNAVAILABLE
  503: 14,
  504: 4, // DEADLINE_EXCEEDED
};

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

function formatOf(contentType: string): 'protobuf' | 'json' | undefined {
  if (contentType === 'application/x-protobuf' || contentType === 'application/protobuf') return 'protobuf';
  if (contentType === 'application/json') return 'json';
  return undefined;
}

function decompress(encoding: string, bytes: Buffer, maxBytes: number): Buffer {
  const opts = { maxOutputLength: maxBytes };
  switch (encoding) {
    case 'identity':
      return bytes;
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(bytes, opts);
    case 'deflate':
      return zlib.inflateSync(bytes, opts);
    case 'br':
      return zlib.brotliDecompressSync(bytes, opts);
    default:
      throw new Error(`unsupported Content-Encoding ${JSON.stringify(encoding)}`);
  }
}

/** JSON.stringify that survives bigint and Uint8Array, for error messages. */
function show(value: unknown, max = 4000): string {
  const text = JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v === 'bigint') return `${v}n`;
      if (v instanceof Uint8Array) return `<${v.byteLength} bytes>`;
      return v;
    },
    1,
  );
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more chars)` : text;
}

function delay(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      timers.delete(t);
      resolve();
    }, ms);
    timers.add(t);
  });
}

interface Waiter {
  kind: ItemKind;
  check: () => boolean;
}

export async function startOtlpReceiver(options: ReceiverOptions = {}): Promise<OtlpReceiver> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;

  let spans: ReceivedSpan[] = [];
  let metrics: ReceivedMetric[] = [];
  let logs: ReceivedLog[] = [];
  let requests: ReceivedRequest[] = [];
  let counts: ReceiverCounts = { received: 0, accepted: 0, rejected: 0, invalid: 0, hung: 0, reset: 0 };
  let behaviour: Behaviour = {};
  let behaviourRemaining = Number.POSITIVE_INFINITY;
  const waiters = new Set<Waiter>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  function notify(kind: ItemKind): void {
    for (const w of waiters) if (w.kind === kind) w.check();
  }

  function takeBehaviour(): Behaviour {
    const current = behaviour;
    if (behaviourRemaining !== Number.POSITIVE_INFINITY) {
      behaviourRemaining -= 1;
      if (behaviourRemaining <= 0) {
        behaviour = {};
        behaviourRemaining = Number.POSITIVE_INFINITY;
      }
    }
    return current;
  }

  function reply(
    res: http.ServerResponse,
    record: ReceivedRequest,
    status: number,
    format: 'protobuf' | 'json' | undefined,
    body: { message: string } | { partialSuccess: Record<string, unknown> } | undefined,
    extraHeaders: Record<string, string> = {},
  ): void {
    record.status = status;
    const ok = status >= 200 && status < 300;
    let payload: Uint8Array;
    if (ok) {
      // Export*ServiceResponse: empty unless reporting a partial success.
      const partial = body && 'partialSuccess' in body ? body.partialSuccess : undefined;
      if (format === 'json') {
        payload = Buffer.from(JSON.stringify(partial ? { partialSuccess: partial } : {}));
      } else if (record.signal) {
        const type = SIGNALS[record.signal].response;
        payload = type.encode(type.fromObject(partial ? { partialSuccess: partial } : {})).finish();
      } else {
        payload = new Uint8Array(0);
      }
    } else {
      // google.rpc.Status in the request's encoding.
      const message = body && 'message' in body ? body.message : (http.STATUS_CODES[status] ?? 'error');
      const statusObj = { code: GRPC_CODE_FOR_STATUS[status] ?? 2, message };
      payload =
        format === 'protobuf'
          ? RPC_STATUS.encode(RPC_STATUS.fromObject(statusObj)).finish()
          : Buffer.from(JSON.stringify(statusObj));
    }
    res.writeHead(status, {
      'content-type': format === 'protobuf' ? 'application/x-protobuf' : 'application/json',
      'content-length': String(payload.byteLength),
      ...extraHeaders,
    });
    res.end(payload);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const signal = PATHS[path];
    const contentType = mediaType(req.headers['content-type']);
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase() || 'identity';
    const format = formatOf(contentType);

    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    }
    const bytes = Buffer.concat(chunks);

    const record: ReceivedRequest = {
      method: req.method ?? '',
      path,
      signal,
      headers: req.headers,
      contentType,
      encoding,
      bytes,
      body: Buffer.alloc(0),
      itemCount: undefined,
      error: undefined,
      outcome: 'accepted',
      status: undefined,
      receivedAt: Date.now(),
    };
    requests.push(record);
    counts.received += 1;
    let decoded: Decoded | undefined;
    try {
      const invalid = (status: number, message: string): void => {
        record.outcome = 'invalid';
        record.error = message;
        counts.rejected += 1;
        counts.invalid += 1;
        reply(res, record, status, format, { message });
      };

      if (req.method !== 'POST') return invalid(405, `method ${req.method} not allowed`);
      if (!signal) return invalid(404, `unknown path ${path}`);
      if (!format) return invalid(415, `unsupported Content-Type ${JSON.stringify(contentType)}`);
      if (tooLarge) return invalid(413, `body larger than ${maxBodyBytes} bytes`);

      // Decode before applying the behaviour, so the record says what a rejected
      // request carried; only accepted requests are ingested.
      let decodeError: string | undefined;
      try {
        record.body = decompress(encoding, bytes, maxBodyBytes);
        decoded = decodeOtlp(signal, record.body, format);
        record.itemCount = decoded.items.length;
      } catch (err) {
        decodeError = `cannot decode ${format} ${path} (Content-Encoding ${encoding}): ${(err as Error).message}`;
        record.error = decodeError;
      }

      const b = takeBehaviour();
      if (b.delayMs && b.delayMs > 0) await delay(b.delayMs, timers);
      if (closed) return;

      if (b.resetConnection) {
        record.outcome = 'reset';
        counts.reset += 1;
        const socket = req.socket;
        if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
        else socket.destroy();
        return;
      }
      if (b.hang) {
        record.outcome = 'hung';
        counts.hung += 1;
        return; // never answered; close() destroys the connection
      }
      if (b.status !== undefined && (b.status < 200 || b.status >= 300)) {
        record.outcome = 'rejected';
        counts.rejected += 1;
        const headers: Record<string, string> = {};
        if (b.retryAfterSeconds !== undefined) headers['retry-after'] = String(b.retryAfterSeconds);
        reply(res, record, b.status, format, { message: `injected ${b.status}` }, headers);
        return;
      }
      if (decoded === undefined) return invalid(400, decodeError ?? 'cannot decode');

      record.outcome = 'accepted';
      counts.accepted += 1;
      if (decoded.signal === 'traces') {
        spans.push(...decoded.items);
        notify('spans');
      } else if (decoded.signal === 'metrics') {
        metrics.push(...decoded.items);
        notify('metrics');
      } else {
        logs.push(...decoded.items);
        notify('logs');
      }
      const partialSuccess = b.partialSuccess
        ? { [PARTIAL_REJECTED_FIELD[signal]]: b.partialSuccess.rejected, errorMessage: b.partialSuccess.errorMessage }
        : undefined;
      reply(res, record, b.status ?? 200, format, partialSuccess ? { partialSuccess } : undefined);
    } finally {
      options.onRequest?.(record, record.outcome === 'accepted' ? decoded?.items : undefined);
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`receiver error: ${(err as Error)?.stack ?? String(err)}`);
      }
    });
  });
  // Exporters keep connections alive; close() ends them with closeAllConnections().

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  function summary(): string {
    const lines = [
      `counts: ${show(counts)}`,
      `spans (${spans.length}): ${show(spans.map((s) => `${s.name} [kind ${s.kind}, scope ${s.scope.name}]`))}`,
      `metrics (${metrics.length}): ${show(metrics.map((m) => `${m.name} (${m.type}, ${m.dataPoints.length} points)`))}`,
      `logs (${logs.length}): ${show(logs.map((l) => (l.eventName ? `event ${l.eventName}` : show(l.body, 120))))}`,
      `requests (${requests.length}): ${show(
        requests.map(
          (r) =>
            `${r.method} ${r.path} ${r.contentType} ${r.encoding} → ${r.outcome} ${r.status ?? ''}${
              r.error ? ` (${r.error})` : ''
            }`,
        ),
      )}`,
    ];
    return lines.join('\n');
  }

  function items(kind: ItemKind): unknown[] {
    if (kind === 'spans') return [...spans];
    if (kind === 'metrics') return [...metrics];
    return [...logs];
  }

  function waitFor(kind: ItemKind, predicate?: WaitPredicate<never>, timeoutMs = 5000): Promise<unknown[]> {
    const pred = (predicate ?? ((xs: unknown[]) => xs.length > 0)) as (xs: unknown[]) => boolean;
    return new Promise((resolve, reject) => {
      let lastError: unknown;
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        kind,
        check: () => {
          const current = items(kind);
          let ok = false;
          try {
            ok = pred(current) === true;
          } catch (err) {
            lastError = err;
          }
          if (ok) {
            waiters.delete(waiter);
            if (timer) clearTimeout(timer);
            resolve(current);
          }
          return ok;
        },
      };
      if (waiter.check()) return;
      waiters.add(waiter);
      timer = setTimeout(() => {
        waiters.delete(waiter);
        const why = lastError ? `\nlast predicate error: ${(lastError as Error)?.message ?? String(lastError)}` : '';
        reject(
          new Error(
            `otlp-receiver: timed out after ${timeoutMs} ms waiting for ${kind}${why}\nreceived:\n${summary()}`,
          ),
        );
      }, timeoutMs);
    });
  }

  const receiver: OtlpReceiver = {
    url,
    port,
    endpoints: { traces: `${url}/v1/traces`, metrics: `${url}/v1/metrics`, logs: `${url}/v1/logs` },
    spans: () => [...spans],
    metrics: () => [...metrics],
    logs: () => [...logs],
    requests: () => [...requests],
    counts: () => ({ ...counts }),
    waitFor: waitFor as OtlpReceiver['waitFor'],
    setBehaviour(next: Behaviour): void {
      behaviour = { ...next };
      behaviourRemaining = next.times !== undefined && next.times > 0 ? next.times : Number.POSITIVE_INFINITY;
    },
    reset(): void {
      spans = [];
      metrics = [];
      logs = [];
      requests = [];
      counts = { received: 0, accepted: 0, rejected: 0, invalid: 0, hung: 0, reset: 0 };
      behaviour = {};
      behaviourRemaining = Number.POSITIVE_INFINITY;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
  return receiver;
}
