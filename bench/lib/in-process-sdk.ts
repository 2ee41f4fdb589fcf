// The SDK the in-process bench workers (rows 2/3/6, A, M) measure against: the one start() assembles, minus the
// network. A TracerProvider whose BatchSpanProcessor exports to nowhere (or to an exporter the row wraps around that),
// a MeterProvider whose reader collects genai-otel's pre-bound metric series as start() wires them (metricProducers +
// serveFromStore), and a processor that counts the spans each side of a row made, so that a row can check its sides
// did the same work.
import { context, metrics, trace, type Attributes, type ContextManager } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { INSTRUMENTATION_SCOPE } from '../../src/attributes/names.ts';
import { MetricSeriesStore, serveFromStore } from '../../src/genai/metric-series.ts';
import { VERSION } from '../../src/version.ts';

/** An exporter that takes every span and sends nothing: export work is the same for both sides of a row. */
export const DISCARD_SPANS: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => undefined,
};

const DISCARD_METRICS: PushMetricExporter = {
  export: (_metrics, done) => done({ code: 0 }),
  shutdown: async () => undefined,
  forceFlush: async () => undefined,
};

/** Which side of a row is running now, and what each side made. */
export interface SideCounts {
  current: string;
  readonly spans: Map<string, number>;
  readonly firstSpan: Map<string, { name: string; kind: number; attributes: Attributes }>;
}

/**
 * Registers the bench SDK globally and returns its parts.
 *
 * @example
 * const sdk = startInProcessSdk({});
 * sdk.sides.current = 'ours';
 * // ... run the side, then: sdk.sides.spans.get('ours')
 */
export function startInProcessSdk(options: {
  spanExporter?: SpanExporter;
  batch?: Partial<Omit<ConstructorParameters<typeof BatchSpanProcessor>[0], 'exporter'>>;
  contextManager?: ContextManager;
  /** Processors that run before the counting and batching ones (genai-otel's LLMSpanProcessor). */
  spanProcessors?: SpanProcessor[];
}): { sides: SideCounts; tracerProvider: TracerProvider; reader: PeriodicExportingMetricReader } {
  const sides: SideCounts = { current: 'warm-up', spans: new Map(), firstSpan: new Map() };
  const counter: SpanProcessor = {
    onStart: () => undefined,
    onEnd(span: ReadableSpan) {
      sides.spans.set(sides.current, (sides.spans.get(sides.current) ?? 0) + 1);
      if (!sides.firstSpan.has(sides.current))
        sides.firstSpan.set(sides.current, { name: span.name, kind: span.kind, attributes: { ...span.attributes } });
    },
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
  };
  context.setGlobalContextManager((options.contextManager ?? new AsyncLocalStorageContextManager()).enable());
  const tracerProvider = new TracerProvider({
    spanProcessors: [
      ...(options.spanProcessors ?? []),
      counter,
      new BatchSpanProcessor({
        exporter: options.spanExporter ?? DISCARD_SPANS,
        maxQueueSize: 65_536,
        maxExportBatchSize: 2048,
        scheduledDelayMillis: 200,
        ...options.batch,
      }),
    ],
  });
  trace.setGlobalTracerProvider(tracerProvider);
  const resource = resourceFromAttributes({ 'service.name': 'bench' });
  const store = new MetricSeriesStore({ name: INSTRUMENTATION_SCOPE, version: VERSION }, resource);
  const reader = new PeriodicExportingMetricReader({
    exporter: DISCARD_METRICS,
    exportIntervalMillis: 3_600_000,
    metricProducers: [store.producer(() => AggregationTemporality.CUMULATIVE)],
  });
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
  serveFromStore(meterProvider, store);
  return { sides, tracerProvider, reader };
}
