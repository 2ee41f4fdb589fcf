import { ExportResultCode, type ExportResult } from '@opentelemetry/core';

/** The exporting half of a span or log record exporter. */
interface BatchExporter<T> {
  export(items: T[], resultCallback: (result: ExportResult) => void): void;
}

/**
 * Hands `inner` the redacted copies of `items`. An item whose redaction fails outside any single value (those are
 * dropped one by one) is left out of the batch as a whole: fail closed.
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
  const safe: T[] = [];
  for (const item of items) {
    try {
      safe.push(redact(item));
    } catch (error) {
      onFailure(error);
    }
  }
  if (safe.length === 0) {
    resultCallback({ code: ExportResultCode.SUCCESS });
    return;
  }
  inner.export(safe, resultCallback);
}
