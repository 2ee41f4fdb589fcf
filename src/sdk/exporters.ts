import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { LogRecordExporter, LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { IMetricReader, PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type * as SdkTraceModule from '@opentelemetry/sdk-trace';
import type * as SdkMetricsModule from '@opentelemetry/sdk-metrics';
import type * as SdkLogsModule from '@opentelemetry/sdk-logs';
import type * as TraceProtoModule from '@opentelemetry/exporter-trace-otlp-proto';
import type * as TraceJsonModule from '@opentelemetry/exporter-trace-otlp-http';
import type * as MetricsProtoModule from '@opentelemetry/exporter-metrics-otlp-proto';
import type * as MetricsJsonModule from '@opentelemetry/exporter-metrics-otlp-http';
import type * as LogsProtoModule from '@opentelemetry/exporter-logs-otlp-proto';
import type * as LogsJsonModule from '@opentelemetry/exporter-logs-otlp-http';
import type { GenAIOtelConfig, MetricsTemporality, OtlpSignalConfig } from '../config/types.ts';
import { lazyRequire } from './lazy-require.ts';

function exporterOptions(otlp: OtlpSignalConfig) {
  return { url: otlp.url, headers: otlp.headers, timeoutMillis: otlp.timeoutMillis, compression: otlp.compression } as const;
}

function createOtlpSpanExporter(otlp: OtlpSignalConfig): SpanExporter {
  if (otlp.protocol === 'http/json') {
    const { OTLPTraceExporter } = lazyRequire('@opentelemetry/exporter-trace-otlp-http') as typeof TraceJsonModule;
    return new OTLPTraceExporter(exporterOptions(otlp) as never);
  }
  const { OTLPTraceExporter } = lazyRequire('@opentelemetry/exporter-trace-otlp-proto') as typeof TraceProtoModule;
  return new OTLPTraceExporter(exporterOptions(otlp) as never);
}

/** The span processors genai-otel exports through: batched OTLP and/or console, as OTEL_TRACES_EXPORTER says. */
export function createSpanProcessors(config: GenAIOtelConfig): SpanProcessor[] {
  const traces = config.traces;
  if (traces.exporters.length === 0) return [];
  const { BatchSpanProcessor, SimpleSpanProcessor, ConsoleSpanExporter } = lazyRequire('@opentelemetry/sdk-trace') as typeof SdkTraceModule;
  return traces.exporters.map((name) => {
    if (name === 'console') return new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() });
    return new BatchSpanProcessor({ exporter: createOtlpSpanExporter(traces.otlp), ...traces.batch });
  });
}

function createOtlpMetricExporter(otlp: OtlpSignalConfig, temporality: MetricsTemporality): PushMetricExporter {
  const { AggregationTemporalityPreference } = lazyRequire('@opentelemetry/exporter-metrics-otlp-http') as typeof MetricsJsonModule;
  const preference = {
    cumulative: AggregationTemporalityPreference.CUMULATIVE,
    delta: AggregationTemporalityPreference.DELTA,
    lowmemory: AggregationTemporalityPreference.LOWMEMORY,
  }[temporality];
  const options = { ...exporterOptions(otlp), temporalityPreference: preference };
  if (otlp.protocol === 'http/json') {
    const { OTLPMetricExporter } = lazyRequire('@opentelemetry/exporter-metrics-otlp-http') as typeof MetricsJsonModule;
    return new OTLPMetricExporter(options as never);
  }
  const { OTLPMetricExporter } = lazyRequire('@opentelemetry/exporter-metrics-otlp-proto') as typeof MetricsProtoModule;
  return new OTLPMetricExporter(options as never);
}

/** Periodic metric readers for OTEL_METRICS_EXPORTER. */
export function createMetricReaders(config: GenAIOtelConfig): IMetricReader[] {
  const metrics = config.metrics;
  if (metrics.exporters.length === 0) return [];
  const { PeriodicExportingMetricReader, ConsoleMetricExporter } = lazyRequire('@opentelemetry/sdk-metrics') as typeof SdkMetricsModule;
  return metrics.exporters.map((name) => {
    const exporter = name === 'console' ? new ConsoleMetricExporter() : createOtlpMetricExporter(metrics.otlp, metrics.temporality);
    return new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: metrics.exportIntervalMillis,
      exportTimeoutMillis: metrics.exportTimeoutMillis,
    });
  });
}

function createOtlpLogExporter(otlp: OtlpSignalConfig): LogRecordExporter {
  if (otlp.protocol === 'http/json') {
    const { OTLPLogExporter } = lazyRequire('@opentelemetry/exporter-logs-otlp-http') as typeof LogsJsonModule;
    return new OTLPLogExporter(exporterOptions(otlp) as never);
  }
  const { OTLPLogExporter } = lazyRequire('@opentelemetry/exporter-logs-otlp-proto') as typeof LogsProtoModule;
  return new OTLPLogExporter(exporterOptions(otlp) as never);
}

/** Log record processors for OTEL_LOGS_EXPORTER. */
export function createLogRecordProcessors(config: GenAIOtelConfig): LogRecordProcessor[] {
  const logs = config.logs;
  if (logs.exporters.length === 0) return [];
  const { BatchLogRecordProcessor, SimpleLogRecordProcessor, ConsoleLogRecordExporter } = lazyRequire('@opentelemetry/sdk-logs') as typeof SdkLogsModule;
  return logs.exporters.map((name) => {
    if (name === 'console') return new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() });
    return new BatchLogRecordProcessor({ exporter: createOtlpLogExporter(logs.otlp), ...logs.batch });
  });
}
