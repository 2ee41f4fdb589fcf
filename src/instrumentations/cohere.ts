import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { isObject } from '../attributes/safe-values.ts';
import type { ChatMessage, LLMOperation, LLMRequest, MessagePart } from '../genai/llm-types.ts';
import type { ProviderShapes } from '../genai/llm.ts';
import {
  createProviderInstrumentation,
  methodsOf,
  prototypeOf,
  tracedProviderMethod,
  type AnyFunction,
} from './provider-method.ts';
import { snakeCaseKeys } from './wire-keys.ts';

/** `cohere-ai` versions traced: 7.12 (the first with `CohereClientV2`, the v2 API through `V2Client`) to 8.x. */
export const COHERE_SUPPORTED_VERSIONS = ['>=7.12.0 <9'];
export const COHERE_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-cohere';
/** The file of `cohere-ai` that defines `V2Client` (the client classes bind its methods when they are made). */
export const COHERE_V2_CLIENT_FILE = 'api/resources/v2/client/Client.js';

type Json = Record<string, unknown>;

const METHODS: Record<string, { operation: LLMOperation; stream: boolean }> = {
  chat: { operation: 'chat', stream: false },
  chatStream: { operation: 'chat', stream: true },
  embed: { operation: 'embeddings', stream: false },
};

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const obj = (value: unknown): Json | undefined => (isObject(value) && !Array.isArray(value) ? value : undefined);

/** The text of a Cohere v2 message's content (a string, or text parts). */
function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts = content.map((part) => obj(part)?.text).filter((text): text is string => typeof text === 'string');
  return texts.length > 0 ? texts.join('') : undefined;
}

function messagesOf(messages: unknown): ChatMessage[] | undefined {
  if (!Array.isArray(messages)) return undefined;
  return (snakeCaseKeys(messages) as unknown[]).map((message) => {
    const value = obj(message) ?? {};
    const parts: MessagePart[] = [];
    const text = textOf(value.content);
    if (text !== undefined) parts.push({ type: 'text', content: text });
    if (value.role === 'tool')
      return { role: 'tool', parts: [{ type: 'tool_call_response', id: value.tool_call_id, response: value.content }] };
    for (const call of Array.isArray(value.tool_calls) ? value.tool_calls : []) {
      const fn = obj(obj(call)?.function);
      parts.push({ type: 'tool_call', id: obj(call)?.id, name: fn?.name, arguments: fn?.arguments });
    }
    return { role: typeof value.role === 'string' ? value.role : 'user', parts };
  });
}

/** The request of one `chat()`, `chatStream()` or `embed()` call of the v2 API. */
export function cohereRequestOf(params: unknown, operation: LLMOperation, stream: boolean): LLMRequest {
  const body: Json = obj(params) ?? {};
  const request: LLMRequest = { provider: 'cohere', model: body.model as string, operation };
  if (operation === 'embeddings') return request;
  return {
    ...request,
    stream: stream ? true : undefined,
    temperature: num(body.temperature),
    maxTokens: num(body.maxTokens),
    topP: num(body.p),
    topK: num(body.k),
    seed: num(body.seed),
    frequencyPenalty: num(body.frequencyPenalty),
    presencePenalty: num(body.presencePenalty),
    stopSequences: Array.isArray(body.stopSequences) ? (body.stopSequences as string[]) : undefined,
    outputType: obj(body.responseFormat)?.type === 'json_object' ? 'json' : undefined,
    messages: messagesOf(body.messages),
    tools: Array.isArray(body.tools) ? body.tools : undefined,
  };
}

/** Cohere's usage in the wire's OpenAI names: tokens counted by the model, else billed units. */
function usageOf(usage: Json | undefined): Json | undefined {
  if (usage === undefined) return undefined;
  const tokens = obj(usage.tokens);
  const billed = obj(usage.billed_units);
  return {
    prompt_tokens: tokens?.input_tokens ?? billed?.input_tokens,
    completion_tokens: tokens?.output_tokens ?? billed?.output_tokens,
    prompt_tokens_details: { cached_tokens: usage.cached_tokens },
  };
}

/** A v2 chat or embed response (camelCased by the SDK) in the OpenAI format the shared reader reads. */
export function cohereResponseShape(value: unknown): unknown {
  const response = obj(snakeCaseKeys(value));
  if (response === undefined) return undefined;
  if (response.embeddings !== undefined) {
    const embeddings = response.embeddings;
    const vectors = Array.isArray(embeddings) ? embeddings : obj(embeddings)?.float;
    const billed = obj(obj(response.meta)?.billed_units);
    return {
      object: 'list',
      data: [{ embedding: Array.isArray(vectors) ? vectors[0] : undefined }],
      usage: { prompt_tokens: billed?.input_tokens },
    };
  }
  const message = obj(response.message);
  return {
    object: 'chat.completion',
    id: response.id,
    choices: [
      {
        index: 0,
        finish_reason: response.finish_reason,
        message: { role: 'assistant', content: textOf(message?.content), tool_calls: message?.tool_calls },
      },
    ],
    usage: usageOf(obj(response.usage)),
  };
}

/** One v2 stream event (`message-start`, `content-delta`, `message-end`, ...) as an OpenAI chat chunk. */
export function cohereChunkShape(value: unknown): unknown {
  const event = obj(snakeCaseKeys(value));
  if (event === undefined) return undefined;
  const delta = obj(event.delta);
  const chunk: Json = { object: 'chat.completion.chunk', id: event.id };
  if (event.type === 'content-delta') {
    const text = obj(obj(obj(delta?.message)?.content))?.text;
    chunk.choices = [{ index: 0, delta: { content: text }, finish_reason: null }];
  } else if (event.type === 'message-end') {
    chunk.choices = [{ index: 0, delta: {}, finish_reason: delta?.finish_reason }];
    const usage = usageOf(obj(delta?.usage));
    if (usage !== undefined) chunk.usage = usage;
  }
  return chunk;
}

const SHAPES: ProviderShapes = { response: cohereResponseShape, chunk: cohereChunkShape };

/**
 * The instrumentation of `cohere-ai`'s v2 API (`CohereClientV2`, `client.v2`): `chat()`, `chatStream()` and `embed()`
 * as `cohere` spans. The v1 API (`CohereClient.chat`) is not traced.
 */
export function createCohereInstrumentation(): InstrumentationModule.Instrumentation {
  return createProviderInstrumentation({
    name: COHERE_INSTRUMENTATION_NAME,
    module: 'cohere-ai',
    file: COHERE_V2_CLIENT_FILE,
    supportedVersions: COHERE_SUPPORTED_VERSIONS,
    patchPoints(moduleExports, isEnabled) {
      const proto = prototypeOf((moduleExports as { V2Client?: unknown })?.V2Client);
      const points = methodsOf(
        proto,
        Object.keys(METHODS),
        (method) => (original: AnyFunction) =>
          tracedProviderMethod(
            original,
            'cohere-ai',
            (_self, args) => {
              const { operation, stream } = METHODS[method]!;
              return { request: cohereRequestOf(args[0], operation, stream), shapes: SHAPES };
            },
            isEnabled,
          ),
      );
      return points.length === Object.keys(METHODS).length ? points : undefined;
    },
  });
}
