import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { isObject } from '../attributes/safe-values.ts';
import type { ChatMessage, LLMOperation, LLMRequest, MessagePart } from '../genai/llm-types.ts';
import { reportLLMAttribute, reportLLMServer, type ProviderShapes } from '../genai/llm.ts';
import { ATTR_AWS_BEDROCK_GUARDRAIL_ID } from '../attributes/names.ts';
import { errorOnce } from '../core/diagnostics.ts';
import {
  createProviderInstrumentation,
  prototypeOf,
  tracedProviderMethod,
  type ProviderCall,
} from './provider-method.ts';

/** `@aws-sdk/client-bedrock-runtime` versions traced: the v3 line (Converse since 3.588). */
export const BEDROCK_SUPPORTED_VERSIONS = ['>=3.400.0 <4'];
export const BEDROCK_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-bedrock-runtime';

type Json = Record<string, unknown>;
type CommandKind = 'converse' | 'converseStream' | 'invoke' | 'invokeStream';

/** The command classes of the loaded module: a command is recognised by its class, not by its (minifiable) name. */
interface BedrockExports {
  BedrockRuntimeClient?: unknown;
  ConverseCommand?: unknown;
  ConverseStreamCommand?: unknown;
  InvokeModelCommand?: unknown;
  InvokeModelWithResponseStreamCommand?: unknown;
}

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const obj = (value: unknown): Json | undefined => (isObject(value) && !Array.isArray(value) ? value : undefined);

/** A Converse content block in the conventions' shape. */
function converseBlock(block: unknown): MessagePart {
  const value = obj(block);
  if (typeof value?.text === 'string') return { type: 'text', content: value.text };
  const toolUse = obj(value?.toolUse);
  if (toolUse !== undefined)
    return { type: 'tool_call', id: toolUse.toolUseId, name: toolUse.name, arguments: toolUse.input };
  const toolResult = obj(value?.toolResult);
  if (toolResult !== undefined)
    return { type: 'tool_call_response', id: toolResult.toolUseId, response: toolResult.content };
  if (obj(value?.image) !== undefined) return { type: 'blob', modality: 'image' };
  if (obj(value?.document) !== undefined) return { type: 'blob', modality: 'document' };
  return { type: 'unknown' };
}

function converseMessages(messages: unknown): ChatMessage[] | undefined {
  if (!Array.isArray(messages)) return undefined;
  return messages.map((message) => {
    const value = obj(message);
    return {
      role: str(value?.role) ?? 'user',
      parts: Array.isArray(value?.content) ? value.content.map(converseBlock) : [],
    };
  });
}

/** The Converse request of `ConverseCommand` / `ConverseStreamCommand`. */
export function converseRequestOf(input: unknown, stream: boolean): LLMRequest {
  const body = obj(input) ?? {};
  const config = obj(body.inferenceConfig) ?? {};
  const system = Array.isArray(body.system) ? body.system.map(converseBlock) : undefined;
  const tools = obj(body.toolConfig)?.tools;
  return {
    provider: 'aws.bedrock',
    model: body.modelId as string,
    maxTokens: num(config.maxTokens),
    temperature: num(config.temperature),
    topP: num(config.topP),
    stopSequences: Array.isArray(config.stopSequences) ? (config.stopSequences as string[]) : undefined,
    stream: stream ? true : undefined,
    messages: converseMessages(body.messages),
    systemInstructions: system,
    tools: Array.isArray(tools) ? tools : undefined,
  };
}

const decoder = new TextDecoder();

/** A JSON body given as text or bytes (an InvokeModel request or response body); undefined when it is not JSON. */
function jsonBody(body: unknown): Json | undefined {
  let text: string | undefined;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array) text = decoder.decode(body);
  if (text === undefined) return undefined;
  try {
    return obj(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** The model's family from a model id, an inference profile (`us.anthropic.…`) or an ARN (`…/anthropic.…`). */
export function bedrockFamily(modelId: unknown): string {
  if (typeof modelId !== 'string') return 'unknown';
  const name = modelId.slice(modelId.lastIndexOf('/') + 1).replace(/^(us|eu|apac|us-gov|global|jp|au|ca)\./, '');
  if (name.startsWith('amazon.nova')) return 'nova';
  if (name.startsWith('amazon.titan-embed')) return 'titan-embed';
  if (name.startsWith('cohere.embed')) return 'cohere-embed';
  return name.split('.')[0] ?? 'unknown';
}

function firstNumber(...values: unknown[]): number | undefined {
  for (const value of values) if (num(value) !== undefined) return value as number;
  return undefined;
}

/** The request of `InvokeModelCommand`: its native body, read for the parameters the model families share. */
export function invokeRequestOf(input: unknown, stream: boolean): LLMRequest {
  const command = obj(input) ?? {};
  const family = bedrockFamily(command.modelId);
  const body = jsonBody(command.body) ?? {};
  const inference = obj(body.inferenceConfig) ?? obj(body.textGenerationConfig) ?? {};
  let operation: LLMOperation = 'chat';
  if (family === 'titan-embed' || family === 'cohere-embed') operation = 'embeddings';
  else if (!Array.isArray(body.messages) && (typeof body.prompt === 'string' || typeof body.inputText === 'string'))
    operation = 'text_completion';
  const prompt = str(body.prompt) ?? str(body.inputText) ?? str(body.message);
  const request: LLMRequest = {
    provider: 'aws.bedrock',
    model: command.modelId as string,
    operation,
    stream: stream ? true : undefined,
  };
  if (operation === 'embeddings') return request;
  return {
    ...request,
    maxTokens: firstNumber(
      body.max_tokens,
      body.max_gen_len,
      inference.maxTokens,
      inference.max_new_tokens,
      inference.maxTokenCount,
    ),
    temperature: firstNumber(body.temperature, inference.temperature),
    topP: firstNumber(body.top_p, body.p, inference.topP, inference.top_p),
    topK: firstNumber(body.top_k, body.k, inference.topK, inference.top_k),
    messages: Array.isArray(body.messages)
      ? (body.messages as ChatMessage[])
      : prompt === undefined
        ? undefined
        : [{ role: 'user', parts: [{ type: 'text', content: prompt }] }],
    systemInstructions: typeof body.system === 'string' ? body.system : undefined,
  };
}

/** A Converse-shaped response (what the shared reader reads for Bedrock) from a family's own fields. */
function converseShape(text: string | undefined, stopReason: unknown, input: unknown, output: unknown): Json {
  return {
    output: { message: { role: 'assistant', content: text === undefined ? [] : [{ text }] } },
    stopReason: str(stopReason) ?? null,
    usage: { inputTokens: num(input), outputTokens: num(output) },
  };
}

/** An InvokeModel response body, per model family, in a shape the shared readers read. */
export function invokeResponseShape(modelId: unknown, body: Json): unknown {
  switch (bedrockFamily(modelId)) {
    case 'anthropic':
      return body; // the Anthropic Messages format
    case 'nova': {
      const usage = obj(body.usage);
      return {
        ...body,
        usage: {
          inputTokens: usage?.inputTokens,
          outputTokens: usage?.outputTokens,
          cacheReadInputTokens: usage?.cacheReadInputTokenCount,
          cacheWriteInputTokens: usage?.cacheWriteInputTokenCount,
        },
      };
    }
    case 'titan-embed':
      return {
        object: 'list',
        data: [{ embedding: body.embedding }],
        usage: { prompt_tokens: body.inputTextTokenCount },
      };
    case 'cohere-embed': {
      const embeddings = Array.isArray(body.embeddings) ? body.embeddings : obj(body.embeddings)?.float;
      return { object: 'list', data: [{ embedding: Array.isArray(embeddings) ? embeddings[0] : undefined }] };
    }
    case 'amazon': {
      const result = Array.isArray(body.results) ? obj(body.results[0]) : undefined;
      return converseShape(
        str(result?.outputText),
        result?.completionReason,
        body.inputTextTokenCount,
        result?.tokenCount,
      );
    }
    case 'meta':
      return converseShape(
        str(body.generation),
        body.stop_reason,
        body.prompt_token_count,
        body.generation_token_count,
      );
    case 'mistral': {
      const output = Array.isArray(body.outputs) ? obj(body.outputs[0]) : undefined;
      if (output !== undefined) return converseShape(str(output.text), output.stop_reason, undefined, undefined);
      const choice = Array.isArray(body.choices) ? obj(body.choices[0]) : undefined;
      return converseShape(
        str(obj(choice?.message)?.content),
        choice?.finish_reason ?? choice?.stop_reason,
        obj(body.usage)?.prompt_tokens,
        obj(body.usage)?.completion_tokens,
      );
    }
    case 'cohere': {
      const billed = obj(obj(body.meta)?.billed_units);
      return converseShape(str(body.text), body.finish_reason, billed?.input_tokens, billed?.output_tokens);
    }
    default:
      return body; // OpenAI-compatible models (gpt-oss, DeepSeek) answer in the chat completion format
  }
}

/** The body of an InvokeModel output (a Uint8Array with `transformToString`), parsed, per family. */
function invokeResponse(modelId: unknown) {
  return (value: unknown): unknown => {
    const body = jsonBody(obj(value)?.body);
    return body === undefined ? undefined : invokeResponseShape(modelId, body);
  };
}

/** One InvokeModelWithResponseStream chunk (`{ chunk: { bytes } }`) in a shape the stream accumulator reads. */
export function invokeChunkShape(chunk: unknown): unknown {
  const event = jsonBody(obj(obj(chunk)?.chunk)?.bytes);
  if (event === undefined) return undefined;
  const metrics = obj(event['amazon-bedrock-invocationMetrics']);
  // Every family's last chunk carries the call's token counts here.
  if (metrics !== undefined)
    return { metadata: { usage: { inputTokens: metrics.inputTokenCount, outputTokens: metrics.outputTokenCount } } };
  if (typeof event.type === 'string' || 'messageStart' in event || 'metadata' in event || 'messageStop' in event)
    return event; // Anthropic message events, Nova's Converse-like events
  const stop = event.stop_reason ?? event.completionReason ?? event.finish_reason;
  if (typeof stop === 'string') return { messageStop: { stopReason: stop } };
  const text = str(event.generation) ?? str(event.outputText) ?? str(event.text);
  return text === undefined ? undefined : { contentBlockDelta: { delta: { text } } };
}

function streamOf(property: 'stream' | 'body') {
  return (value: unknown): AsyncIterable<unknown> | undefined => {
    const inner = obj(value)?.[property];
    return isObject(inner) ? (inner as unknown as AsyncIterable<unknown>) : undefined;
  };
}

function describeCommand(kind: CommandKind, input: unknown): ProviderCall {
  const modelId = obj(input)?.modelId;
  switch (kind) {
    case 'converse':
      return { request: converseRequestOf(input, false) };
    case 'converseStream':
      return { request: converseRequestOf(input, true), shapes: { streamIn: streamOf('stream') } };
    case 'invoke':
      return { request: invokeRequestOf(input, false), shapes: { response: invokeResponse(modelId) } };
    case 'invokeStream': {
      const shapes: ProviderShapes = { streamIn: streamOf('body'), chunk: invokeChunkShape };
      return { request: invokeRequestOf(input, true), shapes };
    }
  }
}

/** Which traced command `command` is, by the classes of the module that made the client. */
function commandKinds(exports: BedrockExports): [unknown, CommandKind][] {
  return (
    [
      [exports.ConverseCommand, 'converse'],
      [exports.ConverseStreamCommand, 'converseStream'],
      [exports.InvokeModelCommand, 'invoke'],
      [exports.InvokeModelWithResponseStreamCommand, 'invokeStream'],
    ] as [unknown, CommandKind][]
  ).filter(([command]) => typeof command === 'function');
}

type Handler = (args: unknown) => Promise<unknown>;
/** The clients whose middleware stack has the server middleware (a stack refuses a name added twice). */
const WITH_SERVER_MIDDLEWARE = new WeakSet<object>();

/** `server.address` / `server.port` of the request being sent: its endpoint (the region's or the configured one) is
 * resolved asynchronously by the SDK, and known on the request from the build step on. */
function serverMiddleware(next: Handler): Handler {
  return (args: unknown) => {
    const request = obj(obj(args)?.request);
    if (typeof request?.hostname === 'string') {
      const port = num(request.port) ?? (request.protocol === 'http:' ? 80 : 443);
      reportLLMServer(request.hostname, port);
    }
    // The Bedrock refinement requires the guardrail's id when the request applies one (Converse's guardrailConfig,
    // InvokeModel's guardrailIdentifier).
    const input = obj(obj(args)?.input);
    reportLLMAttribute(
      ATTR_AWS_BEDROCK_GUARDRAIL_ID,
      obj(input?.guardrailConfig)?.guardrailIdentifier ?? input?.guardrailIdentifier,
    );
    return next(args);
  };
}

function addServerMiddleware(client: unknown): void {
  if (!isObject(client) || WITH_SERVER_MIDDLEWARE.has(client)) return;
  WITH_SERVER_MIDDLEWARE.add(client);
  try {
    const stack = obj(client.middlewareStack);
    if (typeof stack?.add !== 'function') return;
    (stack.add as (middleware: unknown, options: object) => void).call(stack, serverMiddleware, {
      step: 'build',
      name: 'genaiOtelServerAddress',
    });
  } catch (error) {
    errorOnce('bedrock:middleware', 'could not add the server middleware to a Bedrock client', error);
  }
}

/**
 * The instrumentation of `@aws-sdk/client-bedrock-runtime`: `client.send()` of Converse, ConverseStream, InvokeModel
 * and InvokeModelWithResponseStream (and the aggregated client's `converse()`, ... which call it) as `aws.bedrock`
 * spans. Other commands, and calls with a callback, are left alone.
 */
export function createBedrockInstrumentation(): InstrumentationModule.Instrumentation {
  return createProviderInstrumentation({
    name: BEDROCK_INSTRUMENTATION_NAME,
    module: '@aws-sdk/client-bedrock-runtime',
    supportedVersions: BEDROCK_SUPPORTED_VERSIONS,
    patchPoints(moduleExports, isEnabled) {
      const exports = moduleExports as BedrockExports;
      const client = prototypeOf(exports?.BedrockRuntimeClient);
      const kinds = commandKinds(exports);
      if (client === undefined || typeof client.send !== 'function' || kinds.length === 0) return undefined;
      const describe = (self: unknown, args: readonly unknown[]): ProviderCall | undefined => {
        const [command, options, callback] = args;
        if (typeof options === 'function' || typeof callback === 'function') return undefined;
        const kind = kinds.find(([commandClass]) => command instanceof (commandClass as new () => unknown))?.[1];
        if (kind === undefined) return undefined;
        addServerMiddleware(self);
        return describeCommand(kind, obj(command)?.input);
      };
      return [
        {
          target: client,
          method: 'send',
          wrap: (original) => tracedProviderMethod(original, '@aws-sdk/client-bedrock-runtime', describe, isEnabled),
        },
      ];
    },
  });
}
