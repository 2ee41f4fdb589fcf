import type { Meter } from '@opentelemetry/api';
import type { SignalName } from './spool.ts';
import {
  ATTR_GENAI_OTEL_EXPORT_ERROR,
  ATTR_GENAI_OTEL_EXPORT_OUTCOME,
  ATTR_GENAI_OTEL_SIGNAL,
  METRIC_GENAI_OTEL_EXPORTER_ERRORS,
  METRIC_GENAI_OTEL_EXPORTER_ITEMS,
  METRIC_GENAI_OTEL_SPOOL_SIZE,
} from '../attributes/names.ts';

/**
 * What became of items: sent (`exported`, or `replayed` from the spool), kept on disk (`spooled`), lost (`dropped`:
 * the spool's cap, a permanent error, no spool), or refused by a collector that accepted the rest of the request
 * (`rejected`: an OTLP partial success).
 */
export type ExportOutcome = 'exported' | 'spooled' | 'replayed' | 'dropped' | 'rejected';

export interface SignalCounts {
  exported: number;
  spooled: number;
  replayed: number;
  dropped: number;
  rejected: number;
  /** Failed attempts to send, permanent ones included. */
  exportErrors: number;
  /** Attempts that failed in a way no retry can fix (TLS certificate, invalid header, 4xx): their items are dropped. */
  permanentErrors: number;
}

/** The export pipeline's own health, shown by `getExportHealth()`, the status file and the self-telemetry metrics. */
export interface ExportHealth {
  signals: Record<SignalName, SignalCounts>;
  spool: { directory?: string; entries: number; bytes: number; writable: boolean };
  /** Whether the last attempt to reach the collector succeeded; undefined before the first attempt. */
  collectorReachable?: boolean;
  lastError?: { signal: SignalName; reason: string; at: string };
}

/**
 * Whether a metric describes the export pipeline rather than the application: ours (`genai_otel.exporter.*`,
 * `genai_otel.spool.*`) and the SDK's own (`otel.sdk.*`, e.g. the span queue's size and capacity).
 *
 * @example
 * isPipelineMetric('genai_otel.exporter.items'); // true
 * isPipelineMetric('gen_ai.client.token.usage'); // false
 */
export function isPipelineMetric(name: string): boolean {
  return (
    name.startsWith('otel.sdk.') || name.startsWith('genai_otel.exporter.') || name.startsWith('genai_otel.spool.')
  );
}

const emptyCounts = (): SignalCounts => ({
  exported: 0,
  spooled: 0,
  replayed: 0,
  dropped: 0,
  rejected: 0,
  exportErrors: 0,
  permanentErrors: 0,
});

/** Counts items (spans, metric data points, log records) by signal and outcome. */
export class HealthCounters {
  /** Items the SDK's processors handed to our exporters, to tell what their queues dropped. */
  readonly handedToExporter: Record<SignalName, number> = { traces: 0, metrics: 0, logs: 0 };

  readonly health: ExportHealth = {
    signals: { traces: emptyCounts(), metrics: emptyCounts(), logs: emptyCounts() },
    spool: { entries: 0, bytes: 0, writable: true },
  };

  /** Whether anything happened yet: an item counted, an error, a collector reached (or a spool with payloads). */
  get anythingToReport(): boolean {
    const { signals, spool, collectorReachable } = this.health;
    return (
      collectorReachable !== undefined ||
      spool.entries > 0 ||
      Object.values(signals).some((counts) => Object.values(counts).some((value) => value > 0))
    );
  }

  count(signal: SignalName, outcome: ExportOutcome, items: number): void {
    this.health.signals[signal][outcome] += items;
  }

  /** A failed attempt; `permanent` when no retry can fix it (it is counted among exportErrors too). */
  error(signal: SignalName, reason: string, permanent = false): void {
    this.health.signals[signal].exportErrors++;
    if (permanent) this.health.signals[signal].permanentErrors++;
    this.health.collectorReachable = false;
    this.health.lastError = { signal, reason, at: new Date().toISOString() };
  }

  reachable(): void {
    this.health.collectorReachable = true;
  }

  /**
   * Self-telemetry as observable instruments: read at collection time, so counting costs nothing on the export path.
   * `genai_otel.exporter.items{genai_otel.signal, genai_otel.export.outcome}`,
   * `genai_otel.exporter.errors{genai_otel.signal, genai_otel.export.error}` (`transient` or `permanent`),
   * `genai_otel.spool.size` (bytes).
   */
  observeWith(meter: Meter): void {
    const items = meter.createObservableCounter(METRIC_GENAI_OTEL_EXPORTER_ITEMS, {
      unit: '{item}',
      description: 'Telemetry items handled by the exporter, by outcome',
    });
    const errors = meter.createObservableCounter(METRIC_GENAI_OTEL_EXPORTER_ERRORS, {
      unit: '{error}',
      description: 'Failed attempts to reach the collector',
    });
    const spoolSize = meter.createObservableGauge(METRIC_GENAI_OTEL_SPOOL_SIZE, {
      unit: 'By',
      description: 'Bytes waiting in the on-disk spool',
    });
    items.addCallback((result) => {
      for (const [signal, counts] of Object.entries(this.health.signals)) {
        for (const outcome of ['exported', 'spooled', 'replayed', 'dropped', 'rejected'] as const) {
          result.observe(counts[outcome], {
            [ATTR_GENAI_OTEL_SIGNAL]: signal,
            [ATTR_GENAI_OTEL_EXPORT_OUTCOME]: outcome,
          });
        }
      }
    });
    errors.addCallback((result) => {
      for (const [signal, counts] of Object.entries(this.health.signals)) {
        result.observe(counts.exportErrors - counts.permanentErrors, {
          [ATTR_GENAI_OTEL_SIGNAL]: signal,
          [ATTR_GENAI_OTEL_EXPORT_ERROR]: 'transient',
        });
        result.observe(counts.permanentErrors, {
          [ATTR_GENAI_OTEL_SIGNAL]: signal,
          [ATTR_GENAI_OTEL_EXPORT_ERROR]: 'permanent',
        });
      }
    });
    spoolSize.addCallback((result) => result.observe(this.health.spool.bytes));
  }
}
