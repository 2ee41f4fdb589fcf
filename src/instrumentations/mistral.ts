import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { isObject } from '../attributes/safe-values.ts';
import type { ChatMessage, LLMOperation, LLMRequest } from '../genai/llm-types.ts';
import type { ProviderShapes } from '../genai/llm.ts';
import {
  createProviderInstrumentation,
  prototypeOf,
  tracedProviderMethod,
  type AnyFunction,
  type PatchPoint,
  type ProviderCall,
} from './provider-method.ts';
import { snakeCaseKeys } from './wire-keys.ts';

/** `@mistralai/mistralai` versions traced: the 1.x line and the current 2.x (ES modules only). */
export const MISTRAL_SUPPORTED_VERSIONS = ['>=1.0.0 <3'];
export const MISTRAL_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-mistral';

type Json = Record<string, unknown>;

/** The client's resources (made on first access by a getter) and their methods that make one model request. */
const RESOURCES: Record<string, Record<string, { operation: LLMOperation; stream: boolean }>> = {
  chat: { complete: { operation: 'chat', stream: false }, stream: { operation: 'chat', stream: true } },
  fim: {
    complete: { operation: 'text_completion', stream: false },
    stream: { operation: 'text_completion', stream: true },
  },
  embeddings: { create: { operation: 'embeddings', stream: false } },
};

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** Mistral messages (`toolCalls`, `toolCallId` in the SDK's camelCase) as the wire's, for the conventions' shape. */
function messagesOf(messages: unknown): ChatMessage[] | undefined {
  return Array.isArray(messages) ? (snakeCaseKeys(messages) as ChatMessage[]) : undefined;
}

function baseUrlOf(resource: unknown): string | undefined {
  const base = isObject(resource) ? resource._baseURL : undefined;
  if (typeof base === 'string') return base;
  return base instanceof URL ? base.href : undefined;
}

/** The request of one `chat.complete()`, `chat.stream()`, `fim.*()` or `embeddings.create()` call. */
export function mistralRequestOf(
  resource: unknown,
  params: unknown,
  operation: LLMOperation,
  stream: boolean,
): LLMRequest {
  const body: Json = isObject(params) ? params : {};
  const request: LLMRequest = {
    provider: 'mistral_ai',
    model: body.model as string,
    operation,
    serverAddress: baseUrlOf(resource),
  };
  if (operation === 'embeddings') return request;
  const stop = body.stop;
  return {
    ...request,
    stream: stream ? true : undefined,
    temperature: num(body.temperature),
    maxTokens: num(body.maxTokens),
    topP: num(body.topP),
    seed: num(body.randomSeed),
    frequencyPenalty: num(body.frequencyPenalty),
    presencePenalty: num(body.presencePenalty),
    choiceCount: num(body.n),
    stopSequences: typeof stop === 'string' ? [stop] : Array.isArray(stop) ? (stop as string[]) : undefined,
    outputType: isObject(body.responseFormat) && body.responseFormat.type !== 'text' ? 'json' : undefined,
    messages:
      operation === 'text_completion' && typeof body.prompt === 'string'
        ? [{ role: 'user', parts: [{ type: 'text', content: body.prompt }] }]
        : messagesOf(body.messages),
    tools: Array.isArray(body.tools) ? body.tools : undefined,
  };
}

/** Responses and stream events (`{ data: chunk }`) come camelCased by the SDK; the shared readers read the wire. */
const SHAPES: ProviderShapes = {
  response: (value) => snakeCaseKeys(value),
  chunk: (event) => snakeCaseKeys(isObject(event) ? event.data : undefined),
};

const WRAPPED = Symbol.for('genai-otel.mistral-resource');

/**
 * Wraps the model-request methods of a resource's class the first time the client hands one out: the resource
 * classes are not exported, only the client whose getters make them.
 */
function wrapResourceClass(resource: unknown, methods: (typeof RESOURCES)[string], isEnabled: () => boolean): void {
  const proto = isObject(resource) ? (Object.getPrototypeOf(resource) as Record<string | symbol, unknown>) : null;
  if (proto === null || proto[WRAPPED] === true) return;
  Object.defineProperty(proto, WRAPPED, { value: true });
  for (const [method, { operation, stream }] of Object.entries(methods)) {
    const original = proto[method];
    if (typeof original !== 'function') continue;
    const describe = (self: unknown, args: readonly unknown[]): ProviderCall => ({
      request: mistralRequestOf(self, args[0], operation, stream),
      shapes: SHAPES,
    });
    Object.defineProperty(proto, method, {
      configurable: true,
      writable: true,
      value: tracedProviderMethod(original as AnyFunction, '@mistralai/mistralai', describe, isEnabled),
    });
  }
}

/**
 * The instrumentation of `@mistralai/mistralai`: `chat.complete()`, `chat.stream()`, `fim.complete()`, `fim.stream()`
 * and `embeddings.create()` as `mistral_ai` spans. The SDK's own tracing (off unless `MISTRAL_SDK_TELEMETRY` or a
 * registered tracer provider turns it on) is left as it is.
 */
export function createMistralInstrumentation(): InstrumentationModule.Instrumentation {
  return createProviderInstrumentation({
    name: MISTRAL_INSTRUMENTATION_NAME,
    module: '@mistralai/mistralai',
    supportedVersions: MISTRAL_SUPPORTED_VERSIONS,
    patchPoints(moduleExports, isEnabled) {
      const client = prototypeOf((moduleExports as { Mistral?: unknown })?.Mistral);
      if (client === undefined) return undefined;
      const points: PatchPoint[] = [];
      for (const [name, methods] of Object.entries(RESOURCES)) {
        if (typeof Object.getOwnPropertyDescriptor(client, name)?.get !== 'function') continue;
        points.push({
          target: client,
          method: name,
          accessor: true,
          wrap: (getter) =>
            function tracedResource(this: unknown): unknown {
              const resource = getter.call(this);
              try {
                wrapResourceClass(resource, methods, isEnabled);
              } catch {
                // A resource that cannot be wrapped works untraced.
              }
              return resource;
            },
        });
      }
      return points.length > 0 ? points : undefined;
    },
  });
}
