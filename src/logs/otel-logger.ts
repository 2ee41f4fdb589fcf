import { logs, type Logger, type LoggerProvider } from '@opentelemetry/api';
import { VERSION } from '../version.ts';
import { INSTRUMENTATION_SCOPE } from '../genai/names.ts';

const cache = new Map<string, { provider: LoggerProvider; logger: Logger }>();

/**
 * An OpenTelemetry Logger of the current global LoggerProvider, one per scope name, re-created when a provider is
 * registered after the first use (tests and late `start()` calls do that).
 */
export function otelLogger(scope: string = INSTRUMENTATION_SCOPE): Logger {
  const provider = logs.getLoggerProvider();
  const cached = cache.get(scope);
  if (cached !== undefined && cached.provider === provider) return cached.logger;
  const logger = provider.getLogger(scope, scope === INSTRUMENTATION_SCOPE ? VERSION : undefined);
  cache.set(scope, { provider, logger });
  return logger;
}
