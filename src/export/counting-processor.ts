import { TraceFlags, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { warnOnce } from '../core/diagnostics.ts';
import type { HealthCounters } from './health.ts';

/**
 * Wraps the batch span processor to count what its bounded queue drops. Every sampled span that ends must either
 * reach the exporter or have been dropped; after a flush the difference is exact and goes into the health counts.
 */
export class DropCountingSpanProcessor implements SpanProcessor {
  private readonly inner: SpanProcessor;
  private readonly counters: HealthCounters;
  private readonly queueSize: number;
  private readonly handed: () => number;
  private readonly onDrop: ((items: number) => void) | undefined;
  private ended = 0;
  private reportedDrops = 0;

  /**
   * `handed`: the spans the processor's exporter received so far (by default, what our OTLP exporters count);
   * `onDrop`: told of each drop as well (the local store shows them in its status).
   */
  constructor(
    inner: SpanProcessor,
    counters: HealthCounters,
    queueSize: number,
    handed: () => number = () => counters.handedToExporter.traces,
    onDrop?: (items: number) => void,
  ) {
    this.inner = inner;
    this.counters = counters;
    this.queueSize = queueSize;
    this.handed = handed;
    this.onDrop = onDrop;
  }

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) this.ended++;
    this.inner.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await this.inner.forceFlush();
    this.reconcile();
  }

  async shutdown(): Promise<void> {
    // Flush and count before the exporter shuts down and writes the final status.
    await this.inner.forceFlush().catch(() => undefined);
    this.reconcile();
    await this.inner.shutdown();
  }

  private reconcile(): void {
    const dropped = this.ended - this.handed() - this.reportedDrops;
    if (dropped <= 0) return;
    this.reportedDrops += dropped;
    this.counters.count('traces', 'dropped', dropped);
    this.onDrop?.(dropped);
    warnOnce(
      'queue:traces',
      `${dropped} spans were dropped because the span queue (OTEL_BSP_MAX_QUEUE_SIZE=${this.queueSize}) was full: spans ended faster than they could be exported while the event loop was busy`,
    );
  }
}
