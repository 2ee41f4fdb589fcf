import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { MeterProvider as ApiMeterProvider } from '@opentelemetry/api';
import { ATTR_DEPLOYMENT_ENVIRONMENT_NAME } from '@opentelemetry/semantic-conventions';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type {
  AggregationTemporality,
  IMetricReader,
  InstrumentType,
  PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import type { MetricSeriesStore } from '../genai/metric-series.ts';
import type { BatchConfig, GenAIOtelConfig, MetricsTemporality, OtlpProtocol } from '../config/config-types.ts';
import { OtlpDelivery } from '../export/delivery.ts';
import { DurableLogRecordExporter, DurableMetricExporter, DurableSpanExporter } from '../export/durable-exporters.ts';
import type { Encoding } from '../export/spool.ts';
import { ENCODE_CHUNK_RECORDS, type AssemblyOptions } from '../export/request-assembler.ts';
import { DropCountingSpanProcessor } from '../export/counting-processor.ts';
import { HealthCounters } from '../export/health.ts';
import { RedactingLogRecordExporter } from '../privacy/log-exporter.ts';
import { createRedactor, type Redactor } from '../privacy/redactor.ts';
import { RedactingSpanExporter } from '../privacy/span-exporter.ts';
import { FileLogRecordExporter, FileMetricExporter, FileSpanExporter } from '../export/file-exporter.ts';
import { sdkLogs, sdkMetrics, sdkTrace } from '../core/loaders.ts';
import { LocalStoreLogRecordExporter, LocalStoreSpanExporter, type LocalStoreOptions } from '../export/local-store.ts';
import { warnOnce } from '../core/diagnostics.ts';

/** Spans the batch processor hands to the local store at a time (see the `local` pipeline below). */
export const LOCAL_STORE_BATCH = 128;

/** Where the `local` exporters write: `telemetry.db` in GENAI_OTEL_FILE_DIR, with the retention settings. */
export function localStoreOptions(config: GenAIOtelConfig): LocalStoreOptions {
  return {
    directory: config.file.directory,
    retentionMillis: config.local.retentionMillis,
    maxBytes: config.local.maxBytes,
    // The rest of the shutdown deadline is for the status files and the other exporters.
    shutdownWaitMillis: Math.floor(config.shutdownTimeoutMillis / 2),
  };
}

const encodingOf = (protocol: OtlpProtocol): Encoding => (protocol === 'http/json' ? 'json' : 'protobuf');

/** File-system-safe folder name for a service. */
function folderName(serviceName: string): string {
  return serviceName.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100) || 'service';
}

/**
 * The spool folder of a service: GENAI_OTEL_SPOOL_DIR, else `<tmp>/genai-otel-<uid>/spool/<service>` (also read by
 * `genai-otel doctor`), with the folder trusted as it is above it: every folder below must be this user's alone.
 *
 * @example
 * spoolLocationFor(config, 'checkout'); // { directory: '/tmp/genai-otel-1000/spool/checkout', privateFrom: '/tmp' }
 */
export function spoolLocationFor(
  config: GenAIOtelConfig,
  serviceName: string,
): { directory: string; privateFrom: string } {
  if (config.spool.directory !== undefined)
    return { directory: config.spool.directory, privateFrom: dirname(config.spool.directory) };
  // Per user: a folder another local user made first in the shared temp folder is refused, not shared.
  const uid = process.getuid?.();
  const base = tmpdir();
  return {
    directory: join(base, uid === undefined ? 'genai-otel' : `genai-otel-${uid}`, 'spool', folderName(serviceName)),
    privateFrom: base,
  };
}

/** The spool folder of a service (see spoolLocationFor). */
export function spoolDirectoryFor(config: GenAIOtelConfig, serviceName: string): string {
  return spoolLocationFor(config, serviceName).directory;
}

/** The environment spooled payloads are for, besides the service and the endpoint: deployment.environment(.name). */
function deploymentEnvironment(config: GenAIOtelConfig): string {
  return (
    config.resourceAttributes[ATTR_DEPLOYMENT_ENVIRONMENT_NAME] ??
    config.resourceAttributes['deployment.environment'] ??
    ''
  );
}

/**
 * Where and for whom the spool keeps payloads: its folder, the size cap, and the service and environment that, with
 * each signal's URL, name the destination a spooled payload may be replayed to.
 *
 * @example
 * new OtlpDelivery({ targets, spool: spoolOptionsFor(config, 'checkout') });
 */
export function spoolOptionsFor(
  config: GenAIOtelConfig,
  serviceName: string,
): { directory: string; privateFrom: string; maxBytes: number; destination: string } {
  return {
    ...spoolLocationFor(config, serviceName),
    maxBytes: config.spool.maxBytes,
    destination: `${serviceName}\n${deploymentEnvironment(config)}`,
  };
}

/**
 * The one delivery (HTTP sender + spool) every OTLP exporter of the process shares, or undefined when no signal is
 * exported over OTLP.
 */
export function createDelivery(config: GenAIOtelConfig, serviceName: string): OtlpDelivery | undefined {
  const target = (signal: GenAIOtelConfig['traces'] | GenAIOtelConfig['metrics'] | GenAIOtelConfig['logs']) =>
    signal.exporters.includes('otlp')
      ? {
          url: signal.otlp.url,
          headers: signal.otlp.headers,
          compression: signal.otlp.compression,
          timeoutMillis: signal.otlp.timeoutMillis,
        }
      : undefined;
  const targets = { traces: target(config.traces), metrics: target(config.metrics), logs: target(config.logs) };
  if (targets.traces === undefined && targets.metrics === undefined && targets.logs === undefined) return undefined;
  const spool = config.spool.enabled ? spoolOptionsFor(config, serviceName) : undefined;
  return new OtlpDelivery({ targets, spool });
}

/**
 * The span processors for OTEL_TRACES_EXPORTER: batched durable OTLP, batched OTLP/JSON file and/or console. Every
 * exporter is wrapped in redaction (the privacy settings), since whatever it receives leaves the process.
 */
export function createSpanProcessors(
  config: GenAIOtelConfig,
  delivery: OtlpDelivery | undefined,
  selfObsMeterProvider?: ApiMeterProvider,
  redactor: Redactor = createRedactor(config.privacy),
  counters: HealthCounters | undefined = delivery?.counters,
): SpanProcessor[] {
  const traces = config.traces;
  if (traces.exporters.length === 0) return [];
  const { BatchSpanProcessor, SimpleSpanProcessor, ConsoleSpanExporter } = sdkTrace();
  return traces.exporters.flatMap((name): SpanProcessor[] => {
    if (name === 'console')
      return [new SimpleSpanProcessor({ exporter: new RedactingSpanExporter(new ConsoleSpanExporter(), redactor) })];
    if (name === 'file') {
      // The file exporter takes each batch at once (see JsonLinesFile), so the queue drains as fast as spans are
      // serialized; what the queue still drops is counted like the OTLP pipeline's.
      const file = new FileSpanExporter(config.file.directory, config.file.maxBytes, counters);
      const batch = new BatchSpanProcessor({
        exporter: new RedactingSpanExporter(file, redactor),
        ...traces.batch,
        selfObsMeterProvider,
      });
      return [
        counters === undefined
          ? batch
          : new DropCountingSpanProcessor(batch, counters, traces.batch.maxQueueSize, () => file.handedSpans),
      ];
    }
    if (name === 'local') {
      // Like the file exporter: each batch is taken at once (see LocalStore), and queue drops are counted. The batch
      // processor hands spans over LOCAL_STORE_BATCH at a time, as soon as that many ended, instead of waiting for a
      // full export batch or the schedule: spans then become rows while young, and the young generation's collections,
      // which copy what survives, stay short. With batches of 2,048 every scavenge copied the spans waiting, and the
      // app's event-loop delay p99 at 20,000 spans/s was 5.2 to 6.2 ms (OTLP: 3.2 to 3.8, no telemetry 1.3); with 128,
      // 3.3 to 3.9 ms, scavenges 80 ms in all over 4 s instead of 220.
      const local = new LocalStoreSpanExporter(localStoreOptions(config), counters);
      const batch = new BatchSpanProcessor({
        exporter: new RedactingSpanExporter(local, redactor),
        ...traces.batch,
        maxExportBatchSize: Math.min(LOCAL_STORE_BATCH, traces.batch.maxExportBatchSize),
        selfObsMeterProvider,
      });
      return [
        counters === undefined
          ? batch
          : new DropCountingSpanProcessor(
              batch,
              counters,
              traces.batch.maxQueueSize,
              () => local.handedSpans,
              (items) => local.store.noteQueueDrops('traces', items),
            ),
      ];
    }
    if (delivery === undefined) return [];
    const encoding = encodingOf(traces.otlp.protocol);
    const { batch: settings, assembly } = assembledBatches(traces.batch, encoding);
    const exporter = new RedactingSpanExporter(new DurableSpanExporter(encoding, delivery, assembly), redactor);
    // selfObsMeterProvider makes the SDK count spans dropped on a full queue (otel.sdk.processor.span.processed).
    const batch = new BatchSpanProcessor({ exporter, ...settings, selfObsMeterProvider });
    return [new DropCountingSpanProcessor(batch, delivery.counters, traces.batch.maxQueueSize)];
  });
}

/**
 * The batch processor's settings and the exporter's request assembly for the OTLP exporter. In protobuf the processor
 * hands over small chunks, encoded while young, and the exporter assembles them into requests of the configured batch
 * size (see RequestAssembler); in JSON each of the processor's batches is one request, as configured.
 */
export function assembledBatches(
  batch: BatchConfig,
  encoding: Encoding,
): { batch: BatchConfig; assembly: AssemblyOptions | undefined } {
  if (encoding !== 'protobuf') return { batch, assembly: undefined };
  const chunkRecords = Math.min(ENCODE_CHUNK_RECORDS, batch.maxExportBatchSize);
  return {
    batch: { ...batch, maxExportBatchSize: chunkRecords },
    assembly: { maxRequestRecords: batch.maxExportBatchSize, maxOpenMillis: batch.scheduledDelayMillis, chunkRecords },
  };
}

/** The aggregation temporality OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE asks for, per instrument kind (the spec's table). */
export function temporalitySelector(
  preference: MetricsTemporality,
): (instrumentType: InstrumentType) => AggregationTemporality {
  const { AggregationTemporality, InstrumentType } = sdkMetrics();
  const deltaFor: Record<MetricsTemporality, InstrumentType[]> = {
    cumulative: [],
    delta: [InstrumentType.COUNTER, InstrumentType.OBSERVABLE_COUNTER, InstrumentType.HISTOGRAM],
    lowmemory: [InstrumentType.COUNTER, InstrumentType.HISTOGRAM],
  };
  const delta = new Set(deltaFor[preference]);
  return (instrumentType) =>
    delta.has(instrumentType) ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
}

/**
 * Periodic metric readers for OTEL_METRICS_EXPORTER. With `series`, each reader also collects the helpers'
 * pre-bound metric series (see genai/metric-series.ts).
 */
export function createMetricReaders(
  config: GenAIOtelConfig,
  delivery: OtlpDelivery | undefined,
  series?: MetricSeriesStore,
  counters: HealthCounters | undefined = delivery?.counters,
): IMetricReader[] {
  const metrics = config.metrics;
  if (metrics.exporters.length === 0) return [];
  const { AggregationTemporality, PeriodicExportingMetricReader, ConsoleMetricExporter } = sdkMetrics();
  return metrics.exporters.flatMap((name): IMetricReader[] => {
    if (name === 'otlp' && delivery === undefined) return [];
    if (name === 'local') {
      warnOnce(
        'local-metrics',
        'OTEL_METRICS_EXPORTER=local: the local store keeps spans and log records, not metrics (the CLI computes its figures from spans); use file or otlp for metrics',
      );
      return [];
    }
    const exporter: PushMetricExporter =
      name === 'console'
        ? new ConsoleMetricExporter()
        : name === 'file'
          ? new FileMetricExporter(
              config.file.directory,
              config.file.maxBytes,
              temporalitySelector(metrics.temporality),
              counters,
            )
          : new DurableMetricExporter(
              encodingOf(metrics.otlp.protocol),
              delivery!,
              temporalitySelector(metrics.temporality),
            );
    const temporalityOf = (type: InstrumentType) =>
      exporter.selectAggregationTemporality?.(type) ?? AggregationTemporality.CUMULATIVE;
    return [
      new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: metrics.exportIntervalMillis,
        exportTimeoutMillis: metrics.exportTimeoutMillis,
        metricProducers: series === undefined ? undefined : [series.producer(temporalityOf)],
      }),
    ];
  });
}

/**
 * Where the process counts what its exporters did: the OTLP delivery's counters, else counters of its own when a signal
 * goes to the local files (their drops are counted too), else none.
 *
 * @example
 * const counters = healthCountersFor(config, createDelivery(config, 'checkout'));
 */
export function healthCountersFor(
  config: GenAIOtelConfig,
  delivery: OtlpDelivery | undefined,
): HealthCounters | undefined {
  if (delivery !== undefined) return delivery.counters;
  const files = [config.traces, config.metrics, config.logs].some(
    (signal) => signal.exporters.includes('file') || signal.exporters.includes('local'),
  );
  return files ? new HealthCounters() : undefined;
}

/** Whether createLogRecordProcessors would make any processor, without making them (nor loading sdk-logs). */
export function exportsLogs(config: GenAIOtelConfig, delivery: OtlpDelivery | undefined): boolean {
  return config.logs.exporters.some(
    (name) => name === 'console' || name === 'file' || name === 'local' || delivery !== undefined,
  );
}

/** Log record processors for OTEL_LOGS_EXPORTER, their exporters wrapped in redaction as for spans. */
export function createLogRecordProcessors(
  config: GenAIOtelConfig,
  delivery: OtlpDelivery | undefined,
  redactor: Redactor = createRedactor(config.privacy),
  counters: HealthCounters | undefined = delivery?.counters,
): LogRecordProcessor[] {
  const logs = config.logs;
  if (!exportsLogs(config, delivery)) return [];
  const { BatchLogRecordProcessor, SimpleLogRecordProcessor, ConsoleLogRecordExporter } = sdkLogs();
  return logs.exporters.flatMap((name): LogRecordProcessor[] => {
    if (name === 'console')
      return [
        new SimpleLogRecordProcessor({
          exporter: new RedactingLogRecordExporter(new ConsoleLogRecordExporter(), redactor),
        }),
      ];
    if (name === 'file')
      return [
        new BatchLogRecordProcessor({
          exporter: new RedactingLogRecordExporter(
            new FileLogRecordExporter(config.file.directory, config.file.maxBytes, counters),
            redactor,
          ),
          ...logs.batch,
        }),
      ];
    if (name === 'local')
      return [
        new BatchLogRecordProcessor({
          exporter: new RedactingLogRecordExporter(
            new LocalStoreLogRecordExporter(localStoreOptions(config), counters),
            redactor,
          ),
          ...logs.batch,
        }),
      ];
    if (delivery === undefined) return [];
    const encoding = encodingOf(logs.otlp.protocol);
    const { batch: settings, assembly } = assembledBatches(logs.batch, encoding);
    const exporter = new RedactingLogRecordExporter(
      new DurableLogRecordExporter(encoding, delivery, assembly),
      redactor,
    );
    return [new BatchLogRecordProcessor({ exporter, ...settings })];
  });
}
