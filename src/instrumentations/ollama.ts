import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { isObject } from '../attributes/safe-values.ts';
import type { ChatMessage, LLMOperation, LLMRequest } from '../genai/llm-types.ts';
import type { ProviderShapes } from '../genai/llm.ts';
import {
  createProviderInstrumentation,
  methodsOf,
  prototypeOf,
  tracedProviderMethod,
  type AnyFunction,
} from './provider-method.ts';

/** `ollama` versions traced: the 0.5 and 0.6 lines (the client has no 1.x yet). */
export const OLLAMA_SUPPORTED_VERSIONS = ['>=0.5.0 <1'];
export const OLLAMA_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-ollama';

type Json = Record<string, unknown>;

const METHODS: Record<string, LLMOperation> = {
  chat: 'chat',
  generate: 'text_completion',
  embed: 'embeddings',
  embeddings: 'embeddings',
};

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** The request of one `ollama.chat()`, `generate()`, `embed()` or `embeddings()` call. */
export function ollamaRequestOf(client: unknown, params: unknown, operation: LLMOperation): LLMRequest {
  const body: Json = isObject(params) ? params : {};
  const config = isObject(client) && isObject(client.config) ? client.config : undefined;
  const request: LLMRequest = {
    provider: 'ollama',
    model: body.model as string,
    operation,
    serverAddress: typeof config?.host === 'string' ? config.host : undefined,
  };
  if (operation === 'embeddings') return request;
  const options: Json = isObject(body.options) ? body.options : {};
  const stop = options.stop;
  return {
    ...request,
    stream: body.stream === true ? true : undefined,
    temperature: num(options.temperature),
    maxTokens: num(options.num_predict),
    topP: num(options.top_p),
    topK: num(options.top_k),
    seed: num(options.seed),
    frequencyPenalty: num(options.frequency_penalty),
    presencePenalty: num(options.presence_penalty),
    stopSequences: Array.isArray(stop) ? (stop as string[]) : undefined,
    outputType: body.format !== undefined && body.format !== '' ? 'json' : undefined,
    messages:
      operation === 'text_completion' && typeof body.prompt === 'string'
        ? [{ role: 'user', parts: [{ type: 'text', content: body.prompt }] }]
        : Array.isArray(body.messages)
          ? (body.messages as ChatMessage[])
          : undefined,
    systemInstructions: typeof body.system === 'string' ? body.system : undefined,
    tools: Array.isArray(body.tools) ? body.tools : undefined,
  };
}

/** Ollama's tool calls have no ids and their arguments are objects; the wire's OpenAI shape names them the same. */
function toolCallsOf(message: Json | undefined): unknown[] | undefined {
  if (!Array.isArray(message?.tool_calls)) return undefined;
  return message.tool_calls.map((call) => {
    const fn = isObject(call) && isObject(call.function) ? call.function : {};
    return { type: 'function', function: { name: fn.name, arguments: fn.arguments } };
  });
}

function usageOf(value: Json): Json | undefined {
  if (value.prompt_eval_count === undefined && value.eval_count === undefined) return undefined;
  return { prompt_tokens: value.prompt_eval_count, completion_tokens: value.eval_count };
}

/** A chat or generate response (or streamed part, `done` on the last) in the OpenAI chat format. */
function chatShape(value: unknown, chunk: boolean): unknown {
  if (!isObject(value)) return undefined;
  if (Array.isArray(value.embeddings) || Array.isArray(value.embedding)) {
    const vector: unknown = Array.isArray(value.embeddings) ? value.embeddings[0] : value.embedding;
    return { object: 'list', model: value.model, data: [{ embedding: vector }], usage: usageOf(value) };
  }
  const message = isObject(value.message) ? value.message : undefined;
  const content = message?.content ?? value.response;
  const finish = value.done === true ? (value.done_reason ?? 'stop') : null;
  const toolCalls = toolCallsOf(message);
  const usage = value.done === true ? usageOf(value) : undefined;
  if (chunk)
    return {
      object: 'chat.completion.chunk',
      model: value.model,
      choices: [{ index: 0, delta: { content }, finish_reason: finish }],
      ...(usage === undefined ? {} : { usage }),
    };
  return {
    object: 'chat.completion',
    model: value.model,
    choices: [
      {
        index: 0,
        finish_reason: toolCalls === undefined ? finish : 'tool_calls',
        message: { role: 'assistant', content, ...(toolCalls === undefined ? {} : { tool_calls: toolCalls }) },
      },
    ],
    usage,
  };
}

const SHAPES: ProviderShapes = {
  response: (value) => chatShape(value, false),
  chunk: (value) => chatShape(value, true),
};

/** The files of `ollama/browser` (the entry `@langchain/ollama` loads), whose `Ollama` class holds the methods. */
const OLLAMA_BROWSER_FILES = ['dist/browser.cjs', 'dist/browser.mjs'];

/** The object of `target`'s prototype chain that defines `method` itself. */
function ownerOf(target: object, method: string): object {
  for (
    let owner: object | null = target;
    owner !== null && owner !== Object.prototype;
    owner = Object.getPrototypeOf(owner) as object | null
  )
    if (Object.prototype.hasOwnProperty.call(owner, method)) return owner;
  return target;
}

/**
 * The instrumentation of `ollama` (its Node.js entry, the default client it exports, and `ollama/browser`): `chat()`, `generate()`,
 * `embed()` and `embeddings()`, JSON and streamed, as `ollama` spans with the token counts Ollama reports
 * (`prompt_eval_count`, `eval_count`).
 */
export function createOllamaInstrumentation(): InstrumentationModule.Instrumentation {
  return createProviderInstrumentation({
    name: OLLAMA_INSTRUMENTATION_NAME,
    module: 'ollama',
    supportedVersions: OLLAMA_SUPPORTED_VERSIONS,
    alsoFiles: OLLAMA_BROWSER_FILES,
    patchPoints(moduleExports, isEnabled) {
      const proto = prototypeOf((moduleExports as { Ollama?: unknown })?.Ollama);
      const points = methodsOf(
        proto,
        Object.keys(METHODS),
        (method) => (original: AnyFunction) =>
          tracedProviderMethod(
            original,
            'ollama',
            (self, args) => ({ request: ollamaRequestOf(self, args[0], METHODS[method]!), shapes: SHAPES }),
            isEnabled,
          ),
      );
      // The methods live on the browser entry's class, which the Node entry's class extends: wrapping them there
      // traces both entries' clients once.
      const owned = points.map((point) => ({ ...point, target: ownerOf(point.target, point.method) }));
      return owned.length > 0 ? owned : undefined;
    },
  });
}
