import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { RedactOptions } from '../config/start-options.ts';
import { resolveConfig } from '../config/resolve.ts';
import type { PrivacySettings } from '../config/config-types.ts';
import { reportConfigProblems } from '../core/diagnostics.ts';
import { currentConfig } from '../config/current-config.ts';
import { reportRedactionFailure } from './failures.ts';
import { RedactingLogRecordExporter } from './log-exporter.ts';
import { createRedactor, redactedLabel, type Redactor } from './redactor.ts';
import { RedactingSpanExporter } from './span-exporter.ts';

/** Privacy options for an exporter you wrap yourself; anything left out comes from the environment. */
export interface PrivacyOptions {
  redact?: boolean | RedactOptions;
  userIdHmacKey?: string;
}

const redactors = new WeakMap<PrivacySettings, Redactor>();

/** The settings in force (see currentConfig); options override the environment for one wrapped exporter. */
function privacySettings(options: PrivacyOptions | undefined): PrivacySettings {
  if (options === undefined) return currentConfig().privacy;
  const { config, problems } = resolveConfig(process.env, options);
  reportConfigProblems(problems);
  return config.privacy;
}

function redactorFor(settings: PrivacySettings): Redactor {
  let redactor = redactors.get(settings);
  if (redactor === undefined) {
    redactor = createRedactor(settings);
    redactors.set(settings, redactor);
  }
  return redactor;
}

/**
 * Wraps a span exporter of your own with genai-otel's redaction, for spans that leave through an SDK genai-otel did
 * not assemble (your NodeSDK, or another library's provider genai-otel could not join).
 *
 * @example
 * new BatchSpanProcessor(redactingSpanExporter(new OTLPTraceExporter({ url })));
 */
export function redactingSpanExporter(exporter: SpanExporter, options?: PrivacyOptions): SpanExporter {
  return new RedactingSpanExporter(exporter, redactorFor(privacySettings(options)));
}

/**
 * Wraps a log record exporter of your own with genai-otel's redaction.
 *
 * @example
 * new BatchLogRecordProcessor({ exporter: redactingLogRecordExporter(new OTLPLogExporter({ url })) });
 */
export function redactingLogRecordExporter(exporter: LogRecordExporter, options?: PrivacyOptions): LogRecordExporter {
  return new RedactingLogRecordExporter(exporter, redactorFor(privacySettings(options)));
}

/**
 * `text` with the personal data and secrets genai-otel's rules find replaced, for your own logs or error reports.
 * Uses the settings in force; fails closed (`[REDACTED:failed]`).
 *
 * @example
 * redactText('card 4539 1488 0343 6467, mail jane@example.com'); // 'card [REDACTED:card], mail [REDACTED:email]'
 */
export function redactText(text: string): string {
  try {
    return redactorFor(privacySettings(undefined)).redactText(String(text));
  } catch (error) {
    reportRedactionFailure('text', error);
    return redactedLabel('failed');
  }
}
