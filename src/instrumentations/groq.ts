import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { isObject } from '../attributes/safe-values.ts';
import type { ChatMessage, LLMOperation, LLMRequest } from '../genai/llm-types.ts';
import type { ProviderShapes } from '../genai/llm.ts';
import { wrapRetryRequest, wrapShouldRetry } from './client-retries.ts';
import {
  createProviderInstrumentation,
  methodsOf,
  prototypeOf,
  tracedProviderMethod,
  type AnyFunction,
  type PatchPoint,
} from './provider-method.ts';

/** `groq-sdk` versions traced: 0.x (widely used) and the current 1.x, both generated from the OpenAI-style API. */
export const GROQ_SUPPORTED_VERSIONS = ['>=0.5.0 <2'];
export const GROQ_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-groq';

type Json = Record<string, unknown>;

interface GroqClass {
  prototype: Record<string, unknown>;
  Chat?: { Completions?: unknown };
  Embeddings?: unknown;
}

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** The request of `chat.completions.create()` or `embeddings.create()`: the OpenAI wire format. */
export function groqRequestOf(resource: unknown, params: unknown, operation: LLMOperation): LLMRequest {
  const body: Json = isObject(params) ? params : {};
  const client = isObject(resource) && isObject(resource._client) ? resource._client : undefined;
  const request: LLMRequest = {
    provider: 'groq',
    model: body.model as string,
    operation,
    serverAddress: typeof client?.baseURL === 'string' ? client.baseURL : undefined,
  };
  if (operation === 'embeddings') return request;
  const stop = body.stop;
  return {
    ...request,
    stream: body.stream === true ? true : undefined,
    temperature: num(body.temperature),
    maxTokens: num(body.max_completion_tokens) ?? num(body.max_tokens),
    topP: num(body.top_p),
    seed: num(body.seed),
    frequencyPenalty: num(body.frequency_penalty),
    presencePenalty: num(body.presence_penalty),
    choiceCount: num(body.n),
    stopSequences: typeof stop === 'string' ? [stop] : Array.isArray(stop) ? (stop as string[]) : undefined,
    outputType: isObject(body.response_format) && body.response_format.type !== 'text' ? 'json' : undefined,
    messages: Array.isArray(body.messages) ? (body.messages as ChatMessage[]) : undefined,
    tools: Array.isArray(body.tools) ? body.tools : undefined,
  };
}

/** A streamed chunk's usage comes in `x_groq.usage` (final chunk); the shared reader looks for it in `usage`. */
export function groqChunkShape(chunk: unknown): unknown {
  if (!isObject(chunk) || chunk.usage !== undefined) return chunk;
  const usage = isObject(chunk.x_groq) ? chunk.x_groq.usage : undefined;
  return usage === undefined ? chunk : { ...chunk, usage };
}

const SHAPES: ProviderShapes = { chunk: groqChunkShape };

/**
 * The instrumentation of `groq-sdk`: `chat.completions.create()` (JSON and streams) and `embeddings.create()` as
 * `groq` spans, retries counted on the call.
 */
export function createGroqInstrumentation(): InstrumentationModule.Instrumentation {
  return createProviderInstrumentation({
    name: GROQ_INSTRUMENTATION_NAME,
    module: 'groq-sdk',
    supportedVersions: GROQ_SUPPORTED_VERSIONS,
    patchPoints(moduleExports, isEnabled) {
      const exported = moduleExports as { Groq?: GroqClass; default?: GroqClass };
      const groq = exported?.Groq ?? exported?.default;
      const completions = prototypeOf(groq?.Chat?.Completions);
      if (groq === undefined || completions === undefined) return undefined;
      const traced = (operation: LLMOperation) => (original: AnyFunction) =>
        tracedProviderMethod(
          original,
          'groq-sdk',
          (self, args) => ({ request: groqRequestOf(self, args[0], operation), shapes: SHAPES }),
          isEnabled,
        );
      const points: PatchPoint[] = [
        ...methodsOf(completions, ['create'], () => traced('chat')),
        ...methodsOf(prototypeOf(groq.Embeddings), ['create'], () => traced('embeddings')),
        ...methodsOf(groq.prototype, ['shouldRetry'], () => wrapShouldRetry as never),
        ...methodsOf(groq.prototype, ['retryRequest'], () => wrapRetryRequest),
      ];
      return points;
    },
  });
}
