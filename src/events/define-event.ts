import { SeverityNumber, context, type Context } from '@opentelemetry/api';
import { errorOnce, warnOnce } from '../core/diagnostics.ts';
import { otelLogger } from '../logs/otel-logger.ts';
import {
  checkSchema,
  describeIssues,
  isStandardSchema,
  validatePayload,
  type EventPayload,
  type EventSchema,
  type StandardResult,
  type StandardSchema,
} from './schema.ts';

/** What `defineEvent` returns: `emit` validates a payload and sends it; it returns whether it was sent. */
export interface EventEmitter<Payload> {
  readonly name: string;
  emit(payload: Payload): boolean;
}

const APP_EVENTS_SCOPE = 'genai-otel.events';

function send(name: string, payload: Record<string, unknown>, ctx: Context): void {
  otelLogger(APP_EVENTS_SCOPE).emit({
    eventName: name,
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    attributes: payload,
    context: ctx,
  });
}

function reject(name: string, problems: readonly string[]): false {
  warnOnce(`event:${name}:${problems.join('|')}`, `event "${name}" was not sent: ${problems.join('; ')}`);
  return false;
}

/**
 * Defines an application event. `emit(payload)` checks the payload against the schema and sends it as an OpenTelemetry
 * log record named `name`, its fields as attributes, carrying the active trace and span ids (and the `withContext`
 * ids). A bad payload is not sent and is reported once on the diagnostic logger, naming the field and what was
 * expected; `emit` never throws. Records are exported in batches, in the background (OTEL_BLRP_*).
 *
 * The schema is either a map of field types (`{ amount: 'number', coupon: 'string?', method: ['card', 'cash'] }`,
 * payload type inferred) or any Standard Schema validator you already use (zod, valibot, arktype).
 *
 * @example
 * const checkout = defineEvent('shop.checkout', { orderId: 'string', amount: 'number', method: ['card', 'cash'] } as const);
 * checkout.emit({ orderId: 'o-1', amount: 42.5, method: 'card' });
 */
export function defineEvent<S extends EventSchema>(name: string, schema: S): EventEmitter<EventPayload<S>>;
export function defineEvent<Output>(name: string, schema: StandardSchema<Output>): EventEmitter<Output>;
export function defineEvent(name: string, schema: EventSchema | StandardSchema): EventEmitter<unknown> {
  const eventName = typeof name === 'string' && name !== '' ? name : 'unnamed_event';
  if (eventName !== name)
    warnOnce(
      'event:name',
      `defineEvent: the event name must be a non-empty string, got ${String(name)}; using "unnamed_event"`,
    );
  if (isStandardSchema(schema)) return standardEmitter(eventName, schema);
  const schemaProblems = checkSchema(schema);
  if (schemaProblems.length > 0)
    warnOnce(
      `event:${eventName}:schema`,
      `defineEvent("${eventName}"): ${schemaProblems.join('; ')}; such fields accept any value`,
    );
  const usable = schemaProblems.length > 0 ? anyFields(schema) : schema;
  return {
    name: eventName,
    emit(payload: unknown): boolean {
      try {
        const problems = validatePayload(usable, payload);
        if (problems.length > 0) return reject(eventName, problems);
        send(eventName, payload as Record<string, unknown>, context.active());
        return true;
      } catch (error) {
        errorOnce(`event:${eventName}:emit`, `event "${eventName}" could not be sent`, error);
        return false;
      }
    },
  };
}

/** A schema whose broken field specs accept anything: the application's events still flow. */
function anyFields(schema: unknown): EventSchema {
  if (typeof schema !== 'object' || schema === null) return {};
  return Object.fromEntries(Object.keys(schema).map((field) => [field, 'any?'] as const));
}

function standardEmitter(name: string, schema: StandardSchema): EventEmitter<unknown> {
  const settle = (result: StandardResult<unknown>, ctx: Context): boolean => {
    if (result.issues !== undefined) return reject(name, describeIssues(result.issues));
    const value = result.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return reject(name, ['the validated payload must be an object']);
    send(name, value as Record<string, unknown>, ctx);
    return true;
  };
  return {
    name,
    emit(payload: unknown): boolean {
      try {
        const ctx = context.active();
        const result = schema['~standard'].validate(payload);
        if (result instanceof Promise) {
          // An async validator: the record keeps the ids of where emit was called.
          result
            .then((settled) => settle(settled, ctx))
            .catch((error: unknown) =>
              errorOnce(`event:${name}:validate`, `event "${name}": the validator failed`, error),
            );
          return true;
        }
        return settle(result, ctx);
      } catch (error) {
        errorOnce(`event:${name}:emit`, `event "${name}" could not be sent`, error);
        return false;
      }
    },
  };
}
