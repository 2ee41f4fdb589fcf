import { SpanKind, context, trace, type Attributes, type Context, type Tracer } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_SYSTEM,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '../attributes/names.ts';
import { isObject } from '../attributes/safe-values.ts';
import { genaiSettings } from '../config/genai-settings.ts';
import { errorOnce } from '../core/diagnostics.ts';
import { recordRetriesOn, withRetryRecorder } from './client-retries.ts';
import { parseBodyOnce } from './openai-body-once.ts';
import type { LLMCallTarget } from '../genai/llm-end.ts';
import { callTarget, ObservedOpenAICall, rememberObservedCall } from './openai-call.ts';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
type Patch = (original: AnyFunction) => AnyFunction;

/** What the patch needs from the instrumentation that owns it (its tracer: the official scope's name and version). */
export interface ChatCreateOwner {
  readonly tracer: Tracer;
  isEnabled(): boolean;
}

/** The attributes of every call to one target, by target (shared, frozen: the SDK copies a span's attributes). */
const targetAttributes = new WeakMap<LLMCallTarget, { semconv: string; attributes: Attributes }>();

/** The start attributes every call to `target` has: operation, request model, provider, server. */
function targetStartAttributes(target: LLMCallTarget): Attributes {
  const semconv = genaiSettings().semconv;
  const known = targetAttributes.get(target);
  if (known !== undefined && known.semconv === semconv) return known.attributes;
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
    [ATTR_GEN_AI_REQUEST_MODEL]: target.requestModel,
    [ATTR_GEN_AI_PROVIDER_NAME]: target.provider,
  };
  // The deprecated name only where the settings still ask for it: the span processor would delete it otherwise.
  if (semconv !== 'latest') attributes[ATTR_GEN_AI_SYSTEM] = target.provider;
  if (target.serverAddress !== undefined) attributes[ATTR_SERVER_ADDRESS] = target.serverAddress;
  if (target.serverPort !== undefined) attributes[ATTR_SERVER_PORT] = target.serverPort;
  Object.freeze(attributes);
  targetAttributes.set(target, { semconv, attributes });
  return attributes;
}

/**
 * The request attributes the official instrumentation sets when it starts a chat span (`_startChatCompletionsSpan`),
 * under the provider name the span processor would give it at its end. A request without sampling parameters (an
 * agent's, mostly) gets its target's shared attributes as they are.
 */
function startAttributes(params: Record<string, unknown>, target: LLMCallTarget): Attributes {
  const shared = targetStartAttributes(target);
  const { frequency_penalty, max_completion_tokens, max_tokens, presence_penalty, stop, temperature, top_p } = params;
  if (
    frequency_penalty == null &&
    max_completion_tokens === undefined &&
    max_tokens === undefined &&
    presence_penalty === undefined &&
    stop == null &&
    temperature == null &&
    top_p == null
  )
    return shared;
  const attributes: Attributes = { ...shared };
  if (frequency_penalty != null) attributes[ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY] = frequency_penalty;
  if (typeof max_completion_tokens === 'number') attributes[ATTR_GEN_AI_REQUEST_MAX_TOKENS] = max_completion_tokens;
  else if (typeof max_tokens === 'number') attributes[ATTR_GEN_AI_REQUEST_MAX_TOKENS] = max_tokens;
  if (typeof presence_penalty === 'number') attributes[ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY] = presence_penalty;
  if (stop != null) attributes[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = (Array.isArray(stop) ? stop : [stop]) as string[];
  if (temperature != null) attributes[ATTR_GEN_AI_REQUEST_TEMPERATURE] = temperature;
  if (top_p != null) attributes[ATTR_GEN_AI_REQUEST_TOP_P] = top_p;
  return attributes;
}

/**
 * The patch of `chat.completions.create` for calls that are not streamed: genai-otel starts the span itself, with
 * the official instrumentation's tracer and request attributes, and ends it when the client's promise settles; the
 * span processor completes it as any other OpenAI span. The official patch wraps every call in two promise chains,
 * emits a log event per message to a logger genai-otel discards and records metrics genai-otel replaces; a call of an
 * agent loop cost three times a plain span through it. Streamed calls, and requests of a shape this path does not know,
 * go through `streamed` (the official patch as genai-otel completes it), unchanged.
 *
 * @example
 * _getPatchedChatCompletionsCreate() { return chatCreatePatch(this, composeOpenAIPatch(super..., 'chat', 'iterator')); }
 */
export function chatCreatePatch(owner: ChatCreateOwner, streamed: Patch): Patch {
  return (original) => {
    const official = streamed(original);
    return function tracedChatCreate(this: unknown, ...args: unknown[]): unknown {
      const params = args[0];
      if (
        !owner.isEnabled() ||
        !isObject(params) ||
        params.stream === true ||
        typeof params.model !== 'string' ||
        !Array.isArray(params.messages)
      )
        return official.apply(this, args);
      let call: ObservedOpenAICall;
      let callContext: Context;
      try {
        const client = (this as { _client?: { baseURL?: unknown } } | undefined)?._client;
        const target = callTarget('chat', params, client);
        const active = context.active();
        const span = owner.tracer.startSpan(
          `chat ${params.model}`,
          { kind: SpanKind.CLIENT, attributes: startAttributes(params, target) },
          active,
        );
        call = new ObservedOpenAICall(span, 'chat', params, client, target);
        if (call.recording) rememberObservedCall(span, call);
        // Retries are counted by the call its span carries; a span that carries nothing gets a context for it.
        callContext =
          call.recording && recordRetriesOn(span, call)
            ? trace.setSpan(active, span)
            : withRetryRecorder(trace.setSpan(active, span), call);
      } catch (error) {
        errorOnce('openai:chat-start', 'could not start the span of an OpenAI chat call', error);
        return official.apply(this, args);
      }
      const result = context.with(callContext, () => original.apply(this, args));
      parseBodyOnce(result);
      try {
        call.settle(result);
      } catch (error) {
        errorOnce('openai:follow', 'could not follow an OpenAI call', error);
      }
      return result;
    };
  };
}
