import { metrics, type Counter, type MeterProvider } from '@opentelemetry/api';
import { errorOnce } from '../core/diagnostics.ts';
import { VERSION } from '../version.ts';
import {
  ATTR_GENAI_OTEL_REDACTION_SIGNAL,
  INSTRUMENTATION_SCOPE,
  METRIC_GENAI_OTEL_REDACTION_FAILURES,
} from '../attributes/names.ts';
import { describeThrown } from '../core/error-type.ts';

let cache: { provider: MeterProvider; counter: Counter } | undefined;

function failureCounter(): Counter {
  const provider = metrics.getMeterProvider();
  if (cache === undefined || cache.provider !== provider) {
    const counter = provider
      .getMeter(INSTRUMENTATION_SCOPE, VERSION)
      .createCounter(METRIC_GENAI_OTEL_REDACTION_FAILURES, {
        unit: '{value}',
        description: 'Values dropped because their redaction failed',
      });
    cache = { provider, counter };
  }
  return cache.counter;
}

/**
 * A value could not be redacted and was dropped instead of exported: counted in `genai_otel.redaction.failures` and
 * logged once. Only the error's class is printed; its message could quote the very value that was dropped.
 */
export function reportRedactionFailure(signal: 'traces' | 'logs' | 'text', error: unknown): void {
  try {
    failureCounter().add(1, { [ATTR_GENAI_OTEL_REDACTION_SIGNAL]: signal });
  } catch {
    // Counting must not turn a dropped value into a failed export.
  }
  // Whatever was thrown (a revoked proxy, a getter that throws) is read through the guarded reader of thrown values.
  const thrown = describeThrown(error);
  const kind = thrown.named ? thrown.name : typeof error;
  const what = { traces: 'a span value', logs: 'a log record value', text: 'a redactText() argument' }[signal];
  errorOnce('redaction:failure', `redaction of ${what} failed (${kind}); the value was dropped instead of exported`);
}
