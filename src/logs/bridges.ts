import { logs } from '@opentelemetry/api';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { LogBridgeName } from '../config/config-types.ts';
import { debug, errorOnce } from '../core/diagnostics.ts';
import { pinoInstrumentation, resolveExternal, winstonInstrumentation } from '../core/loaders.ts';

/** Where the application's own dependencies are found: its working directory and its entry script's folder. */
function applicationRequires(): NodeJS.Require[] {
  const places = [join(process.cwd(), 'index.js')];
  if (process.argv[1] !== undefined) places.push(process.argv[1]);
  return places.map((place) => createRequire(place));
}

function applicationHas(name: string): boolean {
  return applicationRequires().some((require) => {
    try {
      require.resolve(name);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * @opentelemetry/winston-transport still speaks @opentelemetry/api-logs 0.x, whose global lives under its own symbol
 * and would stay a no-op beside a LoggerProvider registered through @opentelemetry/api 1.10. Publishing the API's
 * provider there (through api-logs' versioned getter, compatibility version 1) lets winston records reach it.
 */
function shareLoggerProviderWithApiLogs(): void {
  const key = Symbol.for('io.opentelemetry.js.api.logs');
  const slots = globalThis as Record<symbol, unknown>;
  if (slots[key] !== undefined) return;
  slots[key] = (version: number) => (version === 1 ? logs.getLoggerProvider() : undefined);
}

function winstonTransportAvailable(): boolean {
  try {
    // Where the (bundled) winston instrumentation will require it from: the application's own dependency.
    resolveExternal('@opentelemetry/winston-transport');
    return true;
  } catch {
    return false;
  }
}

function enableBridge(name: LogBridgeName): void {
  if (name === 'pino') {
    const { PinoInstrumentation } = pinoInstrumentation();
    new PinoInstrumentation();
    return;
  }
  const sendRecords = winstonTransportAvailable();
  if (sendRecords) shareLoggerProviderWithApiLogs();
  else
    debug(
      'winston records get trace_id and span_id; install @opentelemetry/winston-transport to also send them over OTLP',
    );
  const { WinstonInstrumentation } = winstonInstrumentation();
  new WinstonInstrumentation({ disableLogSending: !sendRecords });
}

/**
 * Correlates pino and winston records with traces (trace_id, span_id, trace_flags in each record) and sends them over
 * OTLP, through the OpenTelemetry instrumentations for these libraries. Only libraries the application has installed
 * are instrumented, so the others cost one module resolution at start-up. Returns the bridges enabled.
 *
 * @example
 * enableLogBridges(['pino', 'winston']); // called by start(), GENAI_OTEL_LOG_BRIDGES
 */
export function enableLogBridges(names: readonly LogBridgeName[]): LogBridgeName[] {
  const enabled: LogBridgeName[] = [];
  for (const name of names) {
    if (!applicationHas(name)) continue;
    try {
      enableBridge(name);
      enabled.push(name);
    } catch (error) {
      errorOnce(`log-bridge:${name}`, `could not bridge ${name} logs to OpenTelemetry; they stay as they were`, error);
    }
  }
  return enabled;
}
