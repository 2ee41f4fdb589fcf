// An in-memory SDK whose exporters are wrapped in genai-otel's redaction, exactly as start() wraps the OTLP ones:
// spans and log records are kept as the redacting exporters hand them on. Globals are registered once per test file
// (node --test runs each file in its own process).
import { context, logs, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { resolveConfig } from '../../src/config/resolve.ts';
import type { PrivacySettings } from '../../src/config/config-types.ts';
import { RedactingLogRecordExporter } from '../../src/privacy/log-exporter.ts';
import { createRedactor, type Redactor } from '../../src/privacy/redactor.ts';
import { RedactingSpanExporter } from '../../src/privacy/span-exporter.ts';

export interface RedactingSdk {
  redactor: Redactor;
  /** What left through the redacting span exporter. */
  spans(): ReadableSpan[];
  /** What left through the redacting log exporter. */
  logs(): ReadableLogRecord[];
  /** What the SDK itself holds (before export), to show it was not changed. */
  rawSpans(): ReadableSpan[];
  /** Waits until everything ended so far went through the exporters. */
  flush(): Promise<void>;
  collect(): Promise<Map<string, MetricData>>;
  reset(): void;
}

/** Settings as the environment `env` would give them (defaults when empty). */
export function privacyFrom(env: Record<string, string> = {}): PrivacySettings {
  return resolveConfig(env).config.privacy;
}

export function installRedactingSdk(
  settings: PrivacySettings = privacyFrom(),
  limits: { attributeValueLengthLimit?: number; attributeCountLimit?: number } = {},
): RedactingSdk {
  const redactor = createRedactor(settings);
  const exported = new InMemorySpanExporter();
  const raw = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanLimits: limits,
    spanProcessors: [
      new SimpleSpanProcessor({ exporter: raw }),
      new SimpleSpanProcessor({ exporter: new RedactingSpanExporter(exported, redactor) }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  const logExporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({
    logRecordLimits: limits,
    processors: [new SimpleLogRecordProcessor({ exporter: new RedactingLogRecordExporter(logExporter, redactor) })],
  });
  logs.setGlobalLoggerProvider(loggerProvider);
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  return {
    redactor,
    spans: () => exported.getFinishedSpans(),
    logs: () => logExporter.getFinishedLogRecords(),
    rawSpans: () => raw.getFinishedSpans(),
    async flush() {
      await tracerProvider.forceFlush();
      await loggerProvider.forceFlush();
    },
    async collect() {
      const { resourceMetrics } = await reader.collect();
      const byName = new Map<string, MetricData>();
      for (const scope of resourceMetrics.scopeMetrics)
        for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      return byName;
    },
    reset() {
      exported.reset();
      raw.reset();
      logExporter.reset();
    },
  };
}
