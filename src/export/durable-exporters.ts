import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type {
  AggregationTemporality,
  InstrumentType,
  PushMetricExporter,
  ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { errorOnce } from '../core/diagnostics.ts';
import { otlpTransformer } from '../core/loaders.ts';
import type { OtlpDelivery, RequestPart, Splitter } from './delivery.ts';
import { isPipelineMetric } from './health.ts';
import type { Encoding, SignalName } from './spool.ts';
import {
  ENCODE_CHUNK_RECORDS,
  RequestAssembler,
  answer,
  answerWhenDelivered,
  type AssemblyOptions,
  type Preparation,
  type PreparingExporter,
} from './request-assembler.ts';
import { encodeTraceExportRequest } from './trace-encoder.ts';

export interface Serializer<T> {
  serializeRequest(request: T): Uint8Array | undefined;
}

/**
 * The OTLP serializer of a signal in an encoding: the official ones, except spans in protobuf, which genai-otel
 * encodes itself (the same bytes, a third of the CPU: see trace-encoder.ts).
 */
export function serializerFor<T>(signal: SignalName, encoding: Encoding): Serializer<T> {
  if (signal === 'traces' && encoding === 'protobuf')
    return { serializeRequest: encodeTraceExportRequest } as unknown as Serializer<T>;
  const transformer = otlpTransformer();
  const serializers = {
    traces: { protobuf: transformer.ProtobufTraceSerializer, json: transformer.JsonTraceSerializer },
    metrics: { protobuf: transformer.ProtobufMetricsSerializer, json: transformer.JsonMetricsSerializer },
    logs: { protobuf: transformer.ProtobufLogsSerializer, json: transformer.JsonLogsSerializer },
  } as const;
  return serializers[signal][encoding] as unknown as Serializer<T>;
}

/**
 * The shared part of the exporters: serialize with the official OTLP serializers (ours for spans in protobuf), hand
 * the bytes to the delivery (send, or spool until the collector is back), and answer the SDK once the data is sent,
 * safely on disk, or dropped (counted and reported by the delivery: see answerWhenDelivered).
 */
class DurableExport<T> {
  private readonly signal: SignalName;
  private readonly encoding: Encoding;
  private readonly delivery: OtlpDelivery;
  // Loaded at the first export, not at start-up: the serializers are a large part of what the preload would load.
  private serializer: Serializer<T> | undefined;

  constructor(signal: SignalName, encoding: Encoding, delivery: OtlpDelivery) {
    this.signal = signal;
    this.encoding = encoding;
    this.delivery = delivery;
  }

  /** `split`, if given, cuts the request in two should the collector answer 413. */
  export(request: T, items: number, resultCallback: (result: ExportResult) => void, split?: Splitter): void {
    this.delivery.counters.handedToExporter[this.signal] += items;
    this.send(this.serialize(request), items, resultCallback, split);
  }

  answer(resultCallback: (result: ExportResult) => void, code: ExportResultCode): void {
    answer(this.signal, resultCallback, code);
  }

  /** The request's bytes, or undefined (reported once) when it cannot be serialized. */
  serialize(request: T): Uint8Array | undefined {
    try {
      this.serializer ??= serializerFor<T>(this.signal, this.encoding);
      return this.serializer.serializeRequest(request);
    } catch (error) {
      errorOnce(
        `serialize:${this.signal}`,
        `could not serialize ${this.signal} for export; they are dropped (and counted)`,
        error,
      );
      return undefined;
    }
  }

  private send(
    payload: Uint8Array | undefined,
    items: number,
    resultCallback: (result: ExportResult) => void,
    split: Splitter | undefined,
  ): void {
    if (payload === undefined) {
      // Reported once by serialize(), and counted: the SDK would only print it again (see answerWhenDelivered).
      this.delivery.counters.count(this.signal, 'dropped', items);
      this.answer(resultCallback, ExportResultCode.SUCCESS);
      return;
    }
    const delivered = this.delivery.deliver(this.signal, this.encoding, items, payload, split);
    if (this.delivery.spools) {
      // The payload is in the delivery's hands (sent, or kept on disk): the SDK's queue moves on without waiting for
      // the network, so a slow collector cannot make it overflow.
      this.answer(resultCallback, ExportResultCode.SUCCESS);
      return;
    }
    answerWhenDelivered(this.signal, delivered, resultCallback);
  }
}

/** Default assembly when an exporter is made without one: the SDK's default batch settings. */
const DEFAULT_ASSEMBLY: AssemblyOptions = {
  maxRequestRecords: 512,
  maxOpenMillis: 5000,
  chunkRecords: ENCODE_CHUNK_RECORDS,
};

/** The exporting half shared by the span and log record exporters: assembled requests in protobuf, else one per batch. */
class RecordExport<R> {
  private readonly signal: 'traces' | 'logs';
  private readonly delivery: OtlpDelivery;
  private readonly core: DurableExport<R[]>;
  private readonly assembler: RequestAssembler<R> | undefined;

  constructor(
    signal: 'traces' | 'logs',
    encoding: Encoding,
    delivery: OtlpDelivery,
    assembly: AssemblyOptions | undefined,
  ) {
    this.signal = signal;
    this.delivery = delivery;
    this.core = new DurableExport(signal, encoding, delivery);
    // OTLP/JSON messages cannot be concatenated: each batch is its own request.
    if (encoding === 'protobuf')
      this.assembler = new RequestAssembler(
        signal,
        delivery,
        (records) => this.core.serialize(records),
        assembly ?? DEFAULT_ASSEMBLY,
      );
  }

  export(records: R[], prepare: Preparation<R> | undefined, resultCallback: (result: ExportResult) => void): void {
    if (this.assembler !== undefined) {
      this.assembler.accept(records, prepare, resultCallback);
      return;
    }
    const prepared = prepare === undefined ? records : prepare(records);
    const leftOut = records.length - prepared.length;
    if (leftOut > 0) {
      // Handed over, then left out by the preparation (a redaction that failed as a whole): dropped, as assembled.
      this.delivery.counters.handedToExporter[this.signal] += leftOut;
      this.delivery.counters.count(this.signal, 'dropped', leftOut);
    }
    if (prepared.length === 0) this.core.answer(resultCallback, ExportResultCode.SUCCESS);
    else this.core.export(prepared, prepared.length, resultCallback, this.splitterOf(prepared));
  }

  /** Cuts a batch sent as one OTLP/JSON request in halves, each encoded again, should the collector answer 413. */
  private splitterOf(records: R[]): Splitter | undefined {
    if (records.length < 2) return undefined;
    return () => {
      const middle = Math.ceil(records.length / 2);
      const parts = [records.slice(0, middle), records.slice(middle)].map((half): RequestPart | undefined => {
        const payload = this.core.serialize(half);
        return payload === undefined ? undefined : { payload, items: half.length, split: this.splitterOf(half) };
      });
      return parts[0] === undefined || parts[1] === undefined ? undefined : [parts[0], parts[1]];
    };
  }
}

/**
 * OTLP/HTTP span exporter that spools to disk while the collector is away. In protobuf it assembles the processor's
 * handovers into requests of up to `assembly.maxRequestRecords` spans (see RequestAssembler).
 */
export class DurableSpanExporter implements SpanExporter, PreparingExporter<ReadableSpan> {
  private readonly records: RecordExport<ReadableSpan>;
  private readonly delivery: OtlpDelivery;

  constructor(encoding: Encoding, delivery: OtlpDelivery, assembly?: AssemblyOptions) {
    this.records = new RecordExport('traces', encoding, delivery, assembly);
    this.delivery = delivery;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.records.export(spans, undefined, resultCallback);
  }

  exportPreparing(
    spans: ReadableSpan[],
    prepare: Preparation<ReadableSpan>,
    resultCallback: (result: ExportResult) => void,
  ): void {
    this.records.export(spans, prepare, resultCallback);
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

  constructor(
    encoding: Encoding,
    delivery: OtlpDelivery,
    temporalityOf: (instrumentType: InstrumentType) => AggregationTemporality,
  ) {
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

/** OTLP/HTTP log exporter that spools to disk while the collector is away; in protobuf it assembles requests as for spans. */
export class DurableLogRecordExporter implements LogRecordExporter, PreparingExporter<ReadableLogRecord> {
  private readonly records: RecordExport<ReadableLogRecord>;
  private readonly delivery: OtlpDelivery;

  constructor(encoding: Encoding, delivery: OtlpDelivery, assembly?: AssemblyOptions) {
    this.records = new RecordExport('logs', encoding, delivery, assembly);
    this.delivery = delivery;
  }

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    this.records.export(logs, undefined, resultCallback);
  }

  exportPreparing(
    logs: ReadableLogRecord[],
    prepare: Preparation<ReadableLogRecord>,
    resultCallback: (result: ExportResult) => void,
  ): void {
    this.records.export(logs, prepare, resultCallback);
  }

  // The delivery is shared by all signals: genai-otel's shutdown stops it once every provider has flushed into it.
  async shutdown(): Promise<void> {
    await this.delivery.flush();
  }

  async forceFlush(): Promise<void> {
    await this.delivery.flush();
  }
}
