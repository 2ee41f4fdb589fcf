// A tracer provider whose spans go to the local store, as the store's unit tests build it: the real
// LocalStoreSpanExporter behind a batch processor with room for every span a test ends at once.
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LocalStoreSpanExporter, type LocalStoreOptions } from '../../src/export/local-store.ts';
import type { HealthCounters } from '../../src/export/health.ts';

/**
 * A provider for `service` storing its spans with `options`; `counters` as the preload passes the export health's
 * (none: the store counts for itself only).
 *
 * @example
 * const { tracerProvider, tracer } = localStoreProvider({ directory, retentionMillis: 0, maxBytes: 0 });
 */
export function localStoreProvider<Counters extends HealthCounters | undefined = undefined>(
  options: LocalStoreOptions,
  counters?: Counters,
  service = 'store-test',
) {
  const exporter = new LocalStoreSpanExporter(options, counters);
  const tracerProvider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new BatchSpanProcessor({ exporter, maxQueueSize: 100_000, maxExportBatchSize: 512 })],
  });
  return { tracerProvider, exporter, tracer: tracerProvider.getTracer('test'), counters: counters as Counters };
}
