import { SeverityNumber, context, trace, type Attributes } from '@opentelemetry/api';
import type { LoggerLevel } from '../config/config-types.ts';
import { errorOnce } from '../core/diagnostics.ts';
import { describeThrown } from '../core/error-type.ts';
import { isObject, safeJson } from '../attributes/safe-values.ts';
import { genaiSettings } from '../config/genai-settings.ts';
import { ATTR_GENAI_OTEL_LOGGER_NAME } from '../attributes/names.ts';
import { appOtelLogger } from './otel-logger.ts';

/** Fields of a log record: any JSON-friendly values; an `Error` (under any key) is recorded with its stack. */
export type LogFields = Record<string, unknown>;

/**
 * A structured logger: each record is one JSON line on stdout (`time`, `level`, `logger`, `msg`, `trace_id`,
 * `span_id`, your fields) and one OpenTelemetry log record over OTLP (scope = the logger's name, body = the message,
 * fields as attributes, the active trace and span ids).
 *
 * @example
 * const log = getLogger('checkout');
 * log.info('order placed', { orderId: 'o-1', amount: 42.5 });
 */
export interface StructuredLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields | Error): void;
  /** A logger that adds `fields` to every record. */
  child(fields: LogFields): StructuredLogger;
}

const RANK: Record<LoggerLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const SEVERITY: Record<LoggerLevel, SeverityNumber> = {
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
};

function errorFields(error: Error): LogFields {
  const facts = describeThrown(error);
  return {
    'exception.type': facts.name,
    'exception.message': facts.message,
    'exception.stacktrace': facts.stack ?? '',
  };
}

/** Fields with errors flattened to the conventions' exception.* keys; other values kept as they are. */
function normalizeFields(fields: LogFields | Error | undefined): LogFields {
  try {
    if (fields instanceof Error) return errorFields(fields);
    if (!isObject(fields)) return {};
    const normalized: LogFields = {};
    for (const [key, value] of Object.entries(fields)) {
      if (value instanceof Error) Object.assign(normalized, errorFields(value));
      else if (value !== undefined) normalized[key] = value;
    }
    return normalized;
  } catch (error) {
    // Fields that cannot be read (a revoked proxy, a getter that throws) are left out; the record is still written.
    errorOnce('logger:fields', 'a logger was given fields that cannot be read; they were left out', error);
    return {};
  }
}

/** OTLP attribute values are primitives, arrays and maps: anything else (functions, cycles, bigints) goes through JSON. */
function attributeValue(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return value;
  return JSON.parse(safeJson(value, Number.MAX_SAFE_INTEGER)) as unknown;
}

function write(
  name: string,
  level: LoggerLevel,
  message: unknown,
  base: LogFields,
  given: LogFields | Error | undefined,
): void {
  const settings = genaiSettings();
  if (RANK[level] < RANK[settings.loggerLevel]) return;
  try {
    const text = typeof message === 'string' ? message : safeJson(message, Number.MAX_SAFE_INTEGER);
    const fields = { ...base, ...normalizeFields(given) };
    const ctx = context.active();
    const spanContext = trace.getSpanContext(ctx);
    if (settings.loggerStdout) {
      const line = {
        ...fields,
        time: new Date().toISOString(),
        level,
        logger: name,
        msg: text,
        ...(spanContext === undefined ? {} : { trace_id: spanContext.traceId, span_id: spanContext.spanId }),
      };
      process.stdout.write(`${safeJson(line, Number.MAX_SAFE_INTEGER)}\n`);
    }
    const attributes: Attributes = {};
    for (const [key, value] of Object.entries(fields)) attributes[key] = attributeValue(value);
    const { logger, scope } = appOtelLogger(name);
    if (scope !== name) attributes[ATTR_GENAI_OTEL_LOGGER_NAME] = name;
    logger.emit({
      severityNumber: SEVERITY[level],
      severityText: level.toUpperCase(),
      body: text,
      attributes,
      context: ctx,
    });
  } catch (error) {
    errorOnce(`logger:${name}`, `logger "${name}" could not write a record`, error);
  }
}

function createLogger(name: string, base: LogFields): StructuredLogger {
  return {
    debug: (message, fields) => write(name, 'debug', message, base, fields),
    info: (message, fields) => write(name, 'info', message, base, fields),
    warn: (message, fields) => write(name, 'warn', message, base, fields),
    error: (message, fields) => write(name, 'error', message, base, fields),
    child: (fields) => createLogger(name, { ...base, ...normalizeFields(fields) }),
  };
}

/**
 * A structured JSON logger correlated with traces: records carry `trace_id` and `span_id` on stdout and the trace
 * context over OTLP, and, inside `withContext`, the session and user ids. GENAI_OTEL_LOGGER_LEVEL sets the lowest
 * level written; GENAI_OTEL_LOGGER_STDOUT=false keeps stdout quiet. Never throws.
 *
 * @example
 * const log = getLogger('support-bot');
 * log.info('answer sent', { tokens: 812 });
 * log.error('tool failed', error);
 */
export function getLogger(name: string): StructuredLogger {
  return createLogger(typeof name === 'string' && name !== '' ? name : 'app', {});
}
