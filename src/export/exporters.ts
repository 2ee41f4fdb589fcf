import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { AggregationTemporality, InstrumentType, PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type * as TransformerModule from '@opentelemetry/otlp-transformer';
import { errorOnce, warnOnce } from '../sdk/diagnostics.ts';
import { lazyRequire } from '../sdk/lazy-require.ts';
import type { OtlpDelivery } from './delivery.ts';
import { isPipelineMetric } from './health.ts';
import type { Encoding, SignalName } from './spool.ts';
import { encodeTraceExportRequest } from './trace-encoder.ts';

export interface Serializer<T> {
  serializeRequest(request: T): Uint8Array | undefined;
}

/**
 * The OTLP serializer of a signal in an encoding: the official ones, except spans in protobuf, which genai-otel
 * encodes itself (the same bytes, a third of the CPU: see trace-encoder.ts).
 */
export function serializerFor<T>(signal: SignalName, encoding: Encoding): Serializer<T> {
  if (signal === 'traces' && encoding === 'protobuf') return { serializeRequest: encodeTraceExportRequest } as unknown as Serializer<T>;
  const transformer = lazyRequire('@opentelemetry/otlp-transformer') as typeof TransformerModule;
  const serializers = {
    traces: { protobuf: transformer.ProtobufTraceSerializer, json: transformer.JsonTraceSerializer },
    metrics: { protobuf: transformer.ProtobufMetricsSerializer, json: transformer.JsonMetricsSerializer },
    logs: { protobuf: transformer.ProtobufLogsSerializer, json: transformer.JsonLogsSerializer },
  } as const;
  return serializers[signal][encoding] as unknown as Serializer<T>;
}

/** Spans or log records serialized in one turn of the event loop (about half a millisecond of work). */
const SERIALIZE_SLICE = 128;
/** Past this many records waiting to be serialized (a burst), the backlog is serialized at once. */
const MAX_BACKLOG_RECORDS = 4096;

/**
 * The shared part of the three exporters: serialize with the official OTLP serializers, hand the bytes to the
 * delivery (send, or spool until the collector is back), and answer the SDK: success once the data is sent or safely
 * on disk, failure only when it was dropped (and counted).
 */
class DurableExport<T> {
  private readonly signal: SignalName;
  private readonly encoding: Encoding;
  private readonly delivery: OtlpDelivery;
  // Loaded at the first export, not at start-up: the serializers are a large part of what the preload would load.
  private serializer: Serializer<T> | undefined;
  /** Accepted batches still being serialized, oldest first. */
  private readonly backlog: { records: unknown[]; items: number; next: number; slices: Uint8Array[] }[] = [];
  private backlogRecords = 0;
  private sliceScheduled = false;
  private backlogDone: Promise<void> | undefined;
  private resolveBacklog: (() => void) | undefined;

  constructor(signal: SignalName, encoding: Encoding, delivery: OtlpDelivery) {
    this.signal = signal;
    this.encoding = encoding;
    this.delivery = delivery;
  }

  export(request: T, items: number, resultCallback: (result: ExportResult) => void): void {
    this.delivery.counters.handedToExporter[this.signal] += items;
    // A batch of 2,048 spans serializes in several milliseconds, which would hold the application's event loop that
    // long. With a spool (payloads are safe once accepted), a large protobuf batch is accepted at once and serialized
    // a slice per turn of the event loop; protobuf messages concatenate into one (repeated fields append), so it still
    // goes out as one request. When the backlog grows past a bound (a burst), it is serialized at once, as before.
    // A small batch behind a backlog waits its turn, so that payloads keep the order the SDK handed them over.
    if (this.encoding === 'protobuf' && this.delivery.spools && Array.isArray(request) && (request.length > SERIALIZE_SLICE || this.backlog.length > 0)) {
      this.backlog.push({ records: request, items, next: 0, slices: [] });
      this.backlogRecords += request.length;
      this.answer(resultCallback, ExportResultCode.SUCCESS);
      if (this.backlogRecords > MAX_BACKLOG_RECORDS) this.drainBacklog();
      else this.scheduleSlice();
      return;
    }
    this.drainBacklog();
    this.send(this.serialize(request), items, resultCallback);
  }

  private scheduleSlice(): void {
    if (this.sliceScheduled || this.backlog.length === 0) return;
    this.sliceScheduled = true;
    if (this.backlogDone === undefined) {
      const done = new Promise<void>((resolve) => (this.resolveBacklog = resolve));
      this.backlogDone = done;
      this.delivery.track(done);
    }
    setImmediate(() => {
      this.sliceScheduled = false;
      this.serializeSlice();
      this.scheduleSlice();
    });
  }

  /** Serializes the next slice of the oldest batch, and hands the batch over when it is complete. */
  private serializeSlice(): void {
    const batch = this.backlog[0];
    if (batch === undefined) return;
    const slice = this.serialize(batch.records.slice(batch.next, batch.next + SERIALIZE_SLICE) as T);
    this.backlogRecords -= Math.min(SERIALIZE_SLICE, batch.records.length - batch.next);
    batch.next += SERIALIZE_SLICE;
    if (slice === undefined) {
      // Already accepted: counted as dropped, like any payload that cannot be delivered.
      this.backlogRecords -= Math.max(0, batch.records.length - batch.next);
      this.backlog.shift();
      this.delivery.counters.count(this.signal, 'dropped', batch.items);
    } else {
      batch.slices.push(slice);
      if (batch.next >= batch.records.length) {
        this.backlog.shift();
        void this.delivery.deliver(this.signal, this.encoding, batch.items, Buffer.concat(batch.slices));
      }
    }
    if (this.backlog.length === 0) {
      this.resolveBacklog?.();
      this.backlogDone = undefined;
      this.resolveBacklog = undefined;
    }
  }

  private drainBacklog(): void {
    while (this.backlog.length > 0) this.serializeSlice();
  }

  /** Answers the SDK; a callback that throws is reported, not passed on. */
  answer(resultCallback: (result: ExportResult) => void, code: ExportResultCode): void {
    try {
      resultCallback({ code });
    } catch (error) {
      warnOnce(`callback:${this.signal}`, `the SDK's export callback threw: ${String(error)}`);
    }
  }

  private serialize(request: T): Uint8Array | undefined {
    try {
      this.serializer ??= serializerFor<T>(this.signal, this.encoding);
      return this.serializer.serializeRequest(request);
    } catch (error) {
      errorOnce(`serialize:${this.signal}`, `could not serialize ${this.signal} for export; they are dropped (and counted)`, error);
      return undefined;
    }
  }

  private send(payload: Uint8Array | undefined, items: number, resultCallback: (result: ExportResult) => void): void {
    if (payload === undefined) {
      this.delivery.counters.count(this.signal, 'dropped', items);
      this.answer(resultCallback, ExportResultCode.FAILED);
      return;
    }
    const delivered = this.delivery.deliver(this.signal, this.encoding, items, payload);
    if (this.delivery.spools) {
      // The payload is in the delivery's hands (sent, or kept on disk): the SDK's queue moves on without waiting for
      // the network, so a slow collector cannot make it overflow.
      this.answer(resultCallback, ExportResultCode.SUCCESS);
      return;
    }
    void delivered.then((result) => this.answer(resultCallback, result === 'dropped' ? ExportResultCode.FAILED : ExportResultCode.SUCCESS));
  }
}

/** OTLP/HTTP span exporter that spools to disk while the collector is away. */
export class DurableSpanExporter implements SpanExporter {
  private readonly core: DurableExport<ReadableSpan[]>;
  private readonly delivery: OtlpDelivery;

  constructor(encoding: Encoding, delivery: OtlpDelivery) {
    this.core = new DurableExport('traces', encoding, delivery);
    this.delivery = delivery;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.core.export(spans, spans.length, resultCallback);
  }

  // The delivery is shared by all signals: genai-otel's shutdown stops it once every provider has flushed into it.
  async shutdown(): Promise<void> {
    await this.delivery.flush();
  }

  async forceFlush(): Promise<void> {
    await this.delivery.flush();
  }
}

function dataPointCount(metrics: ResourceMetrics): number {
  let count = 0;
  for (const scope of metrics.scopeMetrics) for (const metric of scope.metrics) count += metric.dataPoints.length;
  return count;
}

/**
 * Whether a collection holds anything worth a request: a metric of the application, or a pipeline metric that moved
 * off zero. A process that recorded nothing has only zero counters and configured capacities to report; sending them
 * would cost its exit a connection (and, with the collector away, a spool write) and tell the collector nothing.
 *
 * @example
 * if (!carriesMeasurements(resourceMetrics)) return; // nothing but idle pipeline metrics: no request
 */
export function carriesMeasurements(metrics: ResourceMetrics): boolean {
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (!isPipelineMetric(metric.descriptor.name)) return true;
      if (metric.descriptor.name.endsWith('.capacity')) continue; // a setting, not a measurement
      for (const point of metric.dataPoints) {
        const value: unknown = point.value;
        if (typeof value === 'number' ? value !== 0 : (value as { count?: number }).count !== 0) return true;
      }
    }
  }
  return false;
}

/** OTLP/HTTP metric exporter that spools to disk while the collector is away. */
export class DurableMetricExporter implements PushMetricExporter {
  private readonly core: DurableExport<ResourceMetrics>;
  private readonly delivery: OtlpDelivery;
  private readonly temporalityOf: (instrumentType: InstrumentType) => AggregationTemporality;

  constructor(encoding: Encoding, delivery: OtlpDelivery, temporalityOf: (instrumentType: InstrumentType) => AggregationTemporality) {
    this.core = new DurableExport('metrics', encoding, delivery);
    this.delivery = delivery;
    this.temporalityOf = temporalityOf;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    if (!carriesMeasurements(metrics)) {
      this.core.answer(resultCallback, ExportResultCode.SUCCESS);
      return;
    }
    this.core.export(metrics, dataPointCount(metrics), resultCallback);
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return this.temporalityOf(instrumentType);
  }

  // The delivery is shared by all signals: genai-otel's shutdown stops it once every provider has flushed into it.
  async shutdown(): Promise<void> {
    await this.delivery.flush();
  }

  async forceFlush(): Promise<void> {
    await this.delivery.flush();
  }
}

/** OTLP/HTTP log exporter that spools to disk while the collector is away. */
export class DurableLogRecordExporter implements LogRecordExporter {
  private readonly core: DurableExport<ReadableLogRecord[]>;
  private readonly delivery: OtlpDelivery;

  constructor(encoding: Encoding, delivery: OtlpDelivery) {
    this.core = new DurableExport('logs', encoding, delivery);
    this.delivery = delivery;
  }

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    this.core.export(logs, logs.length, resultCallback);
  }

  // The delivery is shared by all signals: genai-otel's shutdown stops it once every provider has flushed into it.
  async shutdown(): Promise<void> {
    await this.delivery.flush();
  }

  async forceFlush(): Promise<void> {
    await this.delivery.flush();
  }
}
