import { TraceFlags, isSpanContextValid, trace, type Context, type Span, type SpanContext } from '@opentelemetry/api';
import { ATTR_GEN_AI_REQUEST_MODEL, ATTR_GEN_AI_RESPONSE_ID, ATTR_GEN_AI_RESPONSE_MODEL } from '../attributes/names.ts';
import { isObject } from '../attributes/safe-values.ts';
import type { LLMCallHandle } from './llm-types.ts';

/**
 * What identifies an answer across processes: the ids of its span, plus the response id and model when known. Plain
 * JSON: hand it to the browser with the answer, get it back with the user's feedback.
 *
 * @example
 * const ref: SpanRef = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
 */
export interface SpanRef {
  traceId: string;
  spanId: string;
  /** `gen_ai.response.id` of the answer, when known. */
  responseId?: string;
  /** The model that answered; feedback metrics are counted by model. */
  model?: string;
}

/** An answer as the functions that refer to one accept it: a helper's call handle, a span, or the ids. */
export type AnswerTarget = { call: LLMCallHandle } | { span: Span } | SpanRef;

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/** The attributes an SDK span exposes (ReadableSpan), or none for other Span implementations. */
function attributesOf(span: Span): Record<string, unknown> {
  const attributes = (span as unknown as { attributes?: unknown }).attributes;
  return isObject(attributes) ? attributes : {};
}

function refOfSpan(span: Span): SpanRef | undefined {
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return undefined;
  const attributes = attributesOf(span);
  const ref: SpanRef = { traceId: spanContext.traceId, spanId: spanContext.spanId };
  const responseId = attributes[ATTR_GEN_AI_RESPONSE_ID];
  const model = attributes[ATTR_GEN_AI_RESPONSE_MODEL] ?? attributes[ATTR_GEN_AI_REQUEST_MODEL];
  if (typeof responseId === 'string') ref.responseId = responseId;
  if (typeof model === 'string') ref.model = model;
  return ref;
}

/** The reference of a target, or undefined when it names no valid span (the caller reports it). */
export function resolveTarget(target: unknown): SpanRef | undefined {
  if (!isObject(target)) return undefined;
  if (isObject(target.call) && isObject(target.call.span)) return refOfSpan(target.call.span as unknown as Span);
  if (isObject(target.span) && typeof target.span.spanContext === 'function')
    return refOfSpan(target.span as unknown as Span);
  const traceId = typeof target.traceId === 'string' ? target.traceId.toLowerCase() : '';
  const spanId = typeof target.spanId === 'string' ? target.spanId.toLowerCase() : '';
  if (!TRACE_ID.test(traceId) || !SPAN_ID.test(spanId) || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  const ref: SpanRef = { traceId, spanId };
  if (typeof target.responseId === 'string') ref.responseId = target.responseId;
  if (typeof target.model === 'string') ref.model = target.model;
  return ref;
}

/**
 * The reference of an answer (a helper's call handle or a span) to keep with it, e.g. in the chat message your API
 * returns, so that feedback or a regeneration can point back to it later, from any process. Call it after the call
 * ended to include the response id and model. Undefined for an untraced call.
 *
 * @example
 * const answer = await withLLMCall(request, async (call) => { const res = await client.chat(...); refs.set(res.id, call); return res; });
 * res.json({ text, ref: answerRef(refs.get(id)) });
 */
export function answerRef(handle: LLMCallHandle | Span | undefined): SpanRef | undefined {
  if (!isObject(handle)) return undefined;
  return resolveTarget('spanContext' in handle ? { span: handle } : { call: handle });
}

/** A context whose active span is the (possibly remote) span of `ref`: log records emitted in it carry its ids. */
export function contextOfRef(base: Context, ref: SpanRef): Context {
  return trace.setSpanContext(base, spanContextOfRef(ref));
}

/** A span context for a link to `ref`. */
export function spanContextOfRef(ref: SpanRef): SpanContext {
  return { traceId: ref.traceId, spanId: ref.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true };
}
