// An SDK with in-memory exporters for unit tests of the helpers: spans are kept as they end, metrics are collected
// on demand. Each test file runs in its own process (node --test), so registering globals once per file is safe.
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint, type MetricData } from '@opentelemetry/sdk-metrics';

export interface MemorySdk {
  spans(): ReadableSpan[];
  span(name: string): ReadableSpan;
  /** Collects now and returns every metric by name. */
  collect(): Promise<Map<string, MetricData>>;
  points(metric: MetricData | undefined): DataPoint<unknown>[];
  /** Collects now and returns the names of the instrumentation scopes that recorded metrics. */
  metricScopes(): Promise<string[]>;
  reset(): Promise<void>;
}

/** `spanProcessors` run before the exporting one (e.g. the LLM span processor of the instrumentations). */
export function installMemorySdk(options: { spanProcessors?: SpanProcessor[] } = {}): MemorySdk {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [...(options.spanProcessors ?? []), new SimpleSpanProcessor({ exporter: spanExporter })] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);

  return {
    spans: () => spanExporter.getFinishedSpans(),
    span(name) {
      const found = spanExporter.getFinishedSpans().find((span) => span.name === name);
      if (found === undefined) throw new Error(`no span named ${name}; have: ${spanExporter.getFinishedSpans().map((span) => span.name).join(', ')}`);
      return found;
    },
    async collect() {
      const { resourceMetrics } = await reader.collect();
      const byName = new Map<string, MetricData>();
      for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      return byName;
    },
    async metricScopes() {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.filter((scope) => scope.metrics.length > 0).map((scope) => scope.scope.name);
    },
    points(metric) {
      return (metric?.dataPoints ?? []) as DataPoint<unknown>[];
    },
    async reset() {
      spanExporter.reset();
    },
  };
}
