import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { isPreparingExporter } from '../export/request-assembler.ts';

/**
 * The redacted copies of `items`. An item whose redaction fails outside any single value (those are dropped one by one)
 * is left out as a whole: fail closed.
 *
 * @example
 * const safe = redactAll(spans, (span) => redaction.redactSpan(span), onFailure);
 */
export function redactAll<T>(items: T[], redact: (item: T) => T, onFailure: (error: unknown) => void): T[] {
  const safe: T[] = [];
  for (const item of items) {
    try {
      safe.push(redact(item));
    } catch (error) {
      onFailure(error);
    }
  }
  return safe;
}

/** The exporting half of a span or log record exporter. */
interface BatchExporter<T> {
  export(items: T[], resultCallback: (result: ExportResult) => void): void;
}

/**
 * Hands `inner` the redacted copies of `items` (see redactAll), or, when `inner` can run a preparation later (our OTLP
 * exporters, see PreparingExporter), the redaction itself.
 *
 * @example
 * exportRedacted(spans, (span) => this.redactSpan(span), onFailure, this.inner, resultCallback);
 */
export function exportRedacted<T>(
  items: T[],
  redact: (item: T) => T,
  onFailure: (error: unknown) => void,
  inner: BatchExporter<T>,
  resultCallback: (result: ExportResult) => void,
): void {
  if (isPreparingExporter<T>(inner)) {
    // The exporter redacts later, when it encodes: off the call that ended the span, and while it is still young.
    inner.exportPreparing(items, (held) => redactAll(held, redact, onFailure), resultCallback);
    return;
  }
  const safe = redactAll(items, redact, onFailure);
  if (safe.length === 0) {
    resultCallback({ code: ExportResultCode.SUCCESS });
    return;
  }
  inner.export(safe, resultCallback);
}
