// An SDK with in-memory exporters for unit tests of the helpers: spans are kept as they end, metrics are collected
// on demand. Each test file runs in its own process (node --test), so registering globals once per file is safe.
import { context, logs, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type LogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type MetricData,
} from '@opentelemetry/sdk-metrics';

export interface MemorySdk {
  spans(): ReadableSpan[];
  /** Log records emitted so far (the global LoggerProvider is an in-memory one too). */
  logs(): ReadableLogRecord[];
  span(name: string): ReadableSpan;
  /** Collects now and returns every metric by name. */
  collect(): Promise<Map<string, MetricData>>;
  points(metric: MetricData | undefined): DataPoint<unknown>[];
  /** Collects now and returns the names of the instrumentation scopes that recorded metrics. */
  metricScopes(): Promise<string[]>;
  reset(): Promise<void>;
}

export interface MemorySdkOptions {
  /** Processors that run before the in-memory exporter's, e.g. genai-otel's ContextSpanProcessor. */
  spanProcessors?: SpanProcessor[];
  logRecordProcessors?: LogRecordProcessor[];
}

export function installMemorySdk(options: MemorySdkOptions = {}): MemorySdk {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [...(options.spanProcessors ?? []), new SimpleSpanProcessor({ exporter: spanExporter })],
  });
  const logExporter = new InMemoryLogRecordExporter();
  logs.setGlobalLoggerProvider(
    new LoggerProvider({
      processors: [...(options.logRecordProcessors ?? []), new SimpleLogRecordProcessor({ exporter: logExporter })],
    }),
  );
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);

  return {
    spans: () => spanExporter.getFinishedSpans(),
    logs: () => logExporter.getFinishedLogRecords(),
    span(name) {
      const found = spanExporter.getFinishedSpans().find((span) => span.name === name);
      if (found === undefined)
        throw new Error(
          `no span named ${name}; have: ${spanExporter
            .getFinishedSpans()
            .map((span) => span.name)
            .join(', ')}`,
        );
      return found;
    },
    async collect() {
      const { resourceMetrics } = await reader.collect();
      const byName = new Map<string, MetricData>();
      for (const scope of resourceMetrics.scopeMetrics)
        for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      return byName;
    },
    async metricScopes() {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.filter((scope) => scope.metrics.length > 0).map((scope) => scope.scope.name);
    },
    points(metric) {
      return metric?.dataPoints ?? [];
    },
    async reset() {
      spanExporter.reset();
      logExporter.reset();
    },
  };
}
