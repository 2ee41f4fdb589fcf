import { propagation, type AttributeValue, type Attributes, type Context } from '@opentelemetry/api';
import { warnOnce } from '../core/diagnostics.ts';
import {
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GENAI_OTEL_CONTENT_ID,
  ATTR_GENAI_OTEL_WORKLOAD_ID,
  ATTR_SESSION_ID,
  ATTR_USER_ID,
} from '../attributes/names.ts';
import { MAX_PLAIN_STRING_LENGTH, isObject, putAttribute, truncate } from '../attributes/safe-values.ts';
import { genaiSettings } from '../config/genai-settings.ts';

/**
 * Who and what the code runs for. Every span started inside `withContext` gets these as `session.id`, `user.id`,
 * `gen_ai.conversation.id`, `genai_otel.content.id`, `genai_otel.workload.id` and your own attributes.
 *
 * @example
 * const values: GenAIContext = { sessionId: req.session.id, userId: req.user.id, attributes: { 'app.plan': 'pro' } };
 */
export interface GenAIContext {
  sessionId?: string;
  userId?: string;
  /** Only when your application really has a conversation (thread) id. */
  conversationId?: string;
  /** The document, ticket or page the conversation is about. */
  contentId?: string;
  /** The workload (route, task, feature) served; `workload_id` of request/response records. */
  workloadId?: string;
  /** Your own span attributes (low cardinality is kind to your backend). */
  attributes?: Record<string, AttributeValue>;
}

type IdField = 'sessionId' | 'userId' | 'conversationId' | 'contentId' | 'workloadId';

/** The id fields, their span attribute, and their W3C baggage key (the attribute name itself). */
export const ID_FIELDS: readonly { field: IdField; attribute: string }[] = [
  { field: 'sessionId', attribute: ATTR_SESSION_ID },
  { field: 'userId', attribute: ATTR_USER_ID },
  { field: 'conversationId', attribute: ATTR_GEN_AI_CONVERSATION_ID },
  { field: 'contentId', attribute: ATTR_GENAI_OTEL_CONTENT_ID },
  { field: 'workloadId', attribute: ATTR_GENAI_OTEL_WORKLOAD_ID },
];

/**
 * The values of one `withContext` call, merged over its parent's. Mutable on purpose: `setContext` called by a later
 * middleware updates the scope the whole request shares, which an immutable OTel Context cannot do.
 */
export interface ContextScope {
  values: Omit<GenAIContext, 'attributes'> & { attributes: Attributes };
  /** The span attributes of `values`, built once per change: span starts read them often. */
  spanAttributes?: Attributes;
}

/** Symbol.for, not createContextKey: the ESM and CommonJS builds of genai-otel must find the same scope. */
export const SCOPE_KEY = Symbol.for('genai-otel.context.scope');

export function scopeOf(ctx: Context): ContextScope | undefined {
  return ctx.getValue(SCOPE_KEY) as ContextScope | undefined;
}

/** Checks what the application passed; anything unusable is reported once and left out. Numbers are accepted as ids. */
export function cleanValues(given: unknown, origin: string): ContextScope['values'] {
  const values: ContextScope['values'] = { attributes: {} };
  if (!isObject(given)) {
    warnOnce(
      `${origin}:values`,
      `${origin}: expected an object like { sessionId, userId, conversationId }; nothing was set`,
    );
    return values;
  }
  for (const { field } of ID_FIELDS) {
    const value = given[field];
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') {
      const text = String(value);
      if (text !== '') values[field] = truncate(text, MAX_PLAIN_STRING_LENGTH);
    } else {
      warnOnce(`${origin}:${field}`, `${origin}: ${field} must be a string, got ${typeof value}; it was left out`);
    }
  }
  if (given.attributes !== undefined) {
    if (isObject(given.attributes)) {
      for (const [key, value] of Object.entries(given.attributes)) putAttribute(values.attributes, key, value, origin);
    } else {
      warnOnce(
        `${origin}:attributes`,
        `${origin}: attributes must be an object of attribute values; they were left out`,
      );
    }
  }
  return values;
}

export function mergeValues(
  parent: ContextScope['values'] | undefined,
  child: ContextScope['values'],
): ContextScope['values'] {
  const merged: ContextScope['values'] = { ...parent, attributes: { ...parent?.attributes } };
  for (const { field } of ID_FIELDS) if (child[field] !== undefined) merged[field] = child[field];
  Object.assign(merged.attributes, child.attributes);
  return merged;
}

function baggageValues(ctx: Context): ContextScope['values'] | undefined {
  const baggage = propagation.getBaggage(ctx);
  if (baggage === undefined) return undefined;
  let values: ContextScope['values'] | undefined;
  for (const { field, attribute } of ID_FIELDS) {
    const entry = baggage.getEntry(attribute);
    if (entry === undefined || entry.value === '') continue;
    values ??= { attributes: {} };
    values[field] = truncate(entry.value, MAX_PLAIN_STRING_LENGTH);
  }
  return values;
}

/**
 * The values in force in `ctx`: those of the innermost `withContext`, over ids received as W3C baggage when
 * GENAI_OTEL_PROPAGATE_BAGGAGE is on. Undefined when there are none.
 */
export function valuesIn(ctx: Context): ContextScope['values'] | undefined {
  const scope = scopeOf(ctx);
  if (!genaiSettings().propagateBaggage) return scope?.values;
  const received = baggageValues(ctx);
  if (received === undefined) return scope?.values;
  return scope === undefined ? received : mergeValues(received, scope.values);
}

function attributesOfValues(values: ContextScope['values']): Attributes {
  const attributes: Attributes = { ...values.attributes };
  for (const { field, attribute } of ID_FIELDS) if (values[field] !== undefined) attributes[attribute] = values[field];
  return attributes;
}

/** The span attributes for `ctx`: ids under their conventions names, then the application's own attributes. */
export function spanAttributesIn(ctx: Context): Attributes | undefined {
  const scope = scopeOf(ctx);
  if (scope !== undefined && !genaiSettings().propagateBaggage) {
    scope.spanAttributes ??= attributesOfValues(scope.values);
    return scope.spanAttributes;
  }
  const values = valuesIn(ctx);
  return values === undefined ? undefined : attributesOfValues(values);
}
