import { createNoopLogger, type Logger, type LoggerOptions, type LoggerProvider } from '@opentelemetry/api';
import { errorOnce } from '../core/diagnostics.ts';

/** What the SDK's LoggerProvider offers beside getLogger. */
export type FlushableLoggerProvider = LoggerProvider & { forceFlush(): Promise<void>; shutdown(): Promise<void> };

/**
 * The global LoggerProvider, registered at start, that builds the SDK's provider (and loads @opentelemetry/sdk-logs)
 * the first time somebody uses a logger (emits a record or asks whether one is enabled).
 *
 * Why: most apps log through OpenTelemetry only once an LLM call or a log bridge runs, if ever; building the log
 * pipeline at start cost the preload about 1.5 ms before the application's first line, and loading sdk-logs ~10 ms
 * more when an instrumentation's constructor takes its logger (every `InstrumentationBase` does, the HTTP one at
 * start). Nothing is lost by waiting: a record can only be emitted through a logger, and its first use builds it.
 *
 * @example
 * logs.setGlobalLoggerProvider(new DeferredLoggerProvider(() => new LoggerProvider({ processors })));
 */
export class DeferredLoggerProvider implements LoggerProvider {
  private readonly build: () => FlushableLoggerProvider;
  private built: FlushableLoggerProvider | undefined;
  private stopped = false;

  constructor(build: () => FlushableLoggerProvider) {
    this.build = build;
  }

  getLogger(name: string, version?: string, options?: LoggerOptions): Logger {
    if (this.built !== undefined || this.stopped) return this.loggerNow(name, version, options);
    let logger: Logger | undefined;
    const resolved = () => (logger ??= this.loggerNow(name, version, options));
    return {
      emit: (record) => resolved().emit(record),
      enabled: (query) => resolved().enabled?.(query) ?? true,
    };
  }

  private loggerNow(name: string, version?: string, options?: LoggerOptions): Logger {
    // After shutdown the SDK's provider hands out no-op loggers; one never built has nothing to shut down either.
    if (this.built === undefined && !this.stopped) {
      try {
        this.built = this.build();
      } catch (error) {
        this.stopped = true;
        errorOnce('logs:build', 'could not set up the log pipeline; log records are not exported', error);
      }
    }
    return this.built === undefined ? createNoopLogger() : this.built.getLogger(name, version, options);
  }

  /** Whether the SDK's provider was built (somebody used a logger). */
  get isBuilt(): boolean {
    return this.built !== undefined;
  }

  forceFlush(): Promise<void> {
    return this.built?.forceFlush() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.stopped = true;
    return this.built?.shutdown() ?? Promise.resolve();
  }
}
