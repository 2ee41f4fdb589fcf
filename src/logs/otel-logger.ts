import { logs, type Logger, type LoggerProvider } from '@opentelemetry/api';
import { VERSION } from '../version.ts';
import { ATTR_GENAI_OTEL_LOGGER_NAME, INSTRUMENTATION_SCOPE } from '../attributes/names.ts';
import { warnOnce } from '../core/diagnostics.ts';

/**
 * Distinct application logger names given a scope of their own, per provider. The SDK's LoggerProvider keeps every
 * Logger it ever made, one per scope, so an app that names a logger after each request or user would grow the heap
 * without limit (200k names: +89 MB). Past this count, records share one scope and carry their logger's name as an
 * attribute instead. A fixed bound rather than an LRU: evicting our entry would not free the SDK's.
 */
export const MAX_LOGGER_SCOPES = 256;
/** The scope records of loggers past the bound are emitted under. */
export const SHARED_LOGGER_SCOPE = 'genai-otel.logger';

let scopes = new Map<string, Logger>();
let scopesProvider: LoggerProvider | undefined;
/** genai-otel's own scopes (a handful of constants): never counted against the bound, never shared. */
let ownScopes = new Map<string, Logger>();

function currentProvider(): LoggerProvider {
  const provider = logs.getLoggerProvider();
  if (provider !== scopesProvider) {
    scopes = new Map();
    ownScopes = new Map();
    scopesProvider = provider;
  }
  return provider;
}

/** A logger and the scope it emits under (the name asked for, or the shared scope once the bound is reached). */
export interface ScopedLogger {
  logger: Logger;
  scope: string;
}

/**
 * The OpenTelemetry Logger for an application logger's name, from the current global LoggerProvider (re-created
 * when a provider is registered after the first use, as tests and late `start()` calls do). At most
 * MAX_LOGGER_SCOPES distinct names per provider get a scope of their own; later names get the shared scope, said
 * once on the diagnostic logger.
 *
 * @example
 * const { logger, scope } = appOtelLogger('checkout'); // scope === 'checkout' within the bound
 */
export function appOtelLogger(name: string): ScopedLogger {
  const provider = currentProvider();
  const cached = scopes.get(name);
  if (cached !== undefined) return { logger: cached, scope: name };
  if (scopes.size >= MAX_LOGGER_SCOPES) {
    warnOnce(
      'logger:scopes',
      `more than ${MAX_LOGGER_SCOPES} distinct logger names: records of further names share the scope "${SHARED_LOGGER_SCOPE}" and carry their name in ${ATTR_GENAI_OTEL_LOGGER_NAME} (name loggers after components, not after requests or users)`,
    );
    return { logger: otelLogger(SHARED_LOGGER_SCOPE), scope: SHARED_LOGGER_SCOPE };
  }
  const logger = provider.getLogger(name);
  scopes.set(name, logger);
  return { logger, scope: name };
}

/** The Logger of one of genai-otel's own scopes (its main scope by default). */
export function otelLogger(scope: string = INSTRUMENTATION_SCOPE): Logger {
  const provider = currentProvider();
  let logger = ownScopes.get(scope);
  if (logger === undefined) {
    logger = provider.getLogger(scope, scope === INSTRUMENTATION_SCOPE ? VERSION : undefined);
    ownScopes.set(scope, logger);
  }
  return logger;
}

/** How many application logger names hold a scope of their own under the current provider. */
export function appLoggerScopeCount(): number {
  currentProvider();
  return scopes.size;
}
