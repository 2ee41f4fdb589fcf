import type * as ApiModule from '@opentelemetry/api';

type Api = typeof ApiModule;
type LoggerProvider = ApiModule.LoggerProvider;
type Logger = ApiModule.Logger;

/**
 * The application's copy of @opentelemetry/api, completed with what API 1.10 added and an older 1.x lacks: the logs
 * API, SeverityNumber and createNoopLogger. genai-otel's bundle takes every API export through here (scripts/build.mjs),
 * so that it runs beside an app on OpenTelemetry JS 2.x, whose packages require API 1.9 and below. With 1.10 or later
 * the API is returned as it is: nothing is copied, nothing costs anything.
 *
 * @example
 * const api = completeApi(require('@opentelemetry/api'));
 * api.logs.getLogger('my-scope').emit({ body: 'hello' });
 */
export function completeApi(api: Api): Api {
  if (api.logs !== undefined && api.SeverityNumber !== undefined && api.createNoopLogger !== undefined) return api;
  // A copy with plain properties: the 1.9 CommonJS build exports getters, and its values are singletons.
  return {
    ...api,
    logs: api.logs ?? standInLogsApi(),
    SeverityNumber: api.SeverityNumber ?? severityNumbers(),
    createNoopLogger: api.createNoopLogger ?? createNoopLogger,
  };
}

const noopLogger: Logger = { emit: () => undefined, enabled: () => false };
const createNoopLogger = (): Logger => noopLogger;
const noopLoggerProvider: LoggerProvider = { getLogger: () => noopLogger };

/** SeverityNumber of the OpenTelemetry log data model, as a TypeScript enum (names to numbers and back). */
function severityNumbers(): Api['SeverityNumber'] {
  const severities: Record<string | number, string | number> = { UNSPECIFIED: 0, 0: 'UNSPECIFIED' };
  ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].forEach((level, index) => {
    for (let step = 0; step < 4; step += 1) {
      const name = step === 0 ? level : `${level}${step + 1}`;
      const number = index * 4 + step + 1;
      severities[name] = number;
      severities[number] = name;
    }
  });
  return severities as unknown as Api['SeverityNumber'];
}

/**
 * The global LoggerProvider where the API has no logs API of its own (1.9 and before): kept in one slot per process,
 * so that the ES module and CommonJS builds of genai-otel see the same provider.
 */
function standInLogsApi(): Api['logs'] {
  const slots = globalThis as Record<symbol, LoggerProvider | undefined>;
  const key = Symbol.for('genai-otel.logs.provider');
  const standIn = {
    /** Like the API's: the first provider stays; true when `provider` is the global one. */
    setGlobalLoggerProvider(provider: LoggerProvider): boolean {
      slots[key] ??= provider;
      return slots[key] === provider;
    },
    getLoggerProvider: (): LoggerProvider => slots[key] ?? noopLoggerProvider,
    getLogger: (name: string, version?: string, options?: ApiModule.LoggerOptions): Logger =>
      standIn.getLoggerProvider().getLogger(name, version, options),
    disable(): void {
      delete slots[key];
    },
  };
  return standIn as unknown as Api['logs'];
}
