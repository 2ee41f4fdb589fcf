import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { isObject } from '../attributes/safe-values.ts';
import type { ChatMessage, LLMOperation, LLMRequest, MessagePart } from '../genai/llm-types.ts';
import {
  createProviderInstrumentation,
  methodsOf,
  prototypeOf,
  tracedProviderMethod,
  type AnyFunction,
  type ProviderCall,
} from './provider-method.ts';

/** `@google/genai` versions traced: the 1.x to 3.x lines, whose `Models` make each request in the same three methods. */
export const GOOGLE_GENAI_SUPPORTED_VERSIONS = ['>=1.0.0 <4'];
export const GOOGLE_GENAI_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-google-genai';

type Json = Record<string, unknown>;
interface ApiClient {
  isVertexAI?: () => unknown;
  getBaseUrl?: () => unknown;
}

/**
 * The methods of `Models` that send one request each. The public ones (`generateContent`, `generateContentStream`,
 * `embedContent`) are arrow functions made per instance, and with automatic function calling one public call makes
 * several requests: tracing these gives one span per model request, whatever the public entry point (chats too).
 * Before 1.45, `embedContent` was itself a method of `Models` (there was no `embedContentInternal`).
 */
const OPERATIONS: Record<string, LLMOperation> = {
  generateContentInternal: 'generate_content',
  generateContentStreamInternal: 'generate_content',
  embedContentInternal: 'embeddings',
  embedContent: 'embeddings',
};
const GENERATE_METHODS = ['generateContentInternal', 'generateContentStreamInternal'];

/** The embedding method of this version's `Models`: the internal one where it exists, else the public method. */
function embedMethodOf(models: Record<string, unknown>): string {
  return typeof models.embedContentInternal === 'function' ? 'embedContentInternal' : 'embedContent';
}

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** A Gemini part in the conventions' shape. */
function partOf(part: unknown): MessagePart {
  if (typeof part === 'string') return { type: 'text', content: part };
  if (!isObject(part)) return { type: 'unknown' };
  if (typeof part.text === 'string') return { type: part.thought === true ? 'reasoning' : 'text', content: part.text };
  if (isObject(part.functionCall))
    return {
      type: 'tool_call',
      id: part.functionCall.id,
      name: part.functionCall.name,
      arguments: part.functionCall.args,
    };
  if (isObject(part.functionResponse))
    return { type: 'tool_call_response', id: part.functionResponse.id, response: part.functionResponse.response };
  if (isObject(part.inlineData)) return { type: 'blob', mime_type: part.inlineData.mimeType };
  if (isObject(part.fileData)) return { type: 'uri', mime_type: part.fileData.mimeType, uri: part.fileData.fileUri };
  return { type: 'unknown' };
}

function roleOf(role: unknown): string {
  return role === 'model' ? 'assistant' : typeof role === 'string' ? role : 'user';
}

/** Gemini `contents` (a string, a Content, parts, or a list of Contents) as the conventions' messages. */
export function geminiMessages(contents: unknown): ChatMessage[] | undefined {
  if (contents === undefined) return undefined;
  const list: unknown[] = Array.isArray(contents) ? contents : [contents];
  if (list.every((item) => isObject(item) && Array.isArray(item.parts))) {
    return list.map((content) => {
      const { role, parts } = content as Json;
      return { role: roleOf(role), parts: (parts as unknown[]).map(partOf) };
    });
  }
  return [{ role: 'user', parts: list.map(partOf) }];
}

function systemInstructionOf(instruction: unknown): string | MessagePart[] | undefined {
  if (instruction === undefined) return undefined;
  if (typeof instruction === 'string') return instruction;
  if (isObject(instruction) && Array.isArray(instruction.parts)) return instruction.parts.map(partOf);
  return (Array.isArray(instruction) ? instruction : [instruction]).map(partOf);
}

function outputTypeOf(mimeType: unknown): string | undefined {
  if (typeof mimeType !== 'string') return undefined;
  return mimeType === 'application/json' ? 'json' : mimeType.startsWith('text/') ? 'text' : undefined;
}

function clientFacts(apiClient: ApiClient | undefined): { provider: string; serverAddress?: string } {
  let vertex = false;
  let baseUrl: unknown;
  try {
    vertex = apiClient?.isVertexAI?.() === true;
    baseUrl = apiClient?.getBaseUrl?.();
  } catch {
    // A client without a base URL (a version that throws until configured) is traced without server.address.
  }
  return {
    provider: vertex ? 'gcp.vertex_ai' : 'gcp.gemini',
    serverAddress: typeof baseUrl === 'string' ? baseUrl : undefined,
  };
}

/** The request one `Models` request method describes; its `this` is the `Models` instance. */
export function googleGenAIRequestOf(self: unknown, params: unknown, operation: LLMOperation): LLMRequest {
  const body = isObject(params) ? params : {};
  const config = isObject(body.config) ? body.config : {};
  const facts = clientFacts(isObject(self) ? (self.apiClient as ApiClient) : undefined);
  const request: LLMRequest = {
    provider: facts.provider,
    model: body.model as string,
    operation,
    serverAddress: facts.serverAddress,
  };
  if (operation === 'embeddings') return request;
  return {
    ...request,
    temperature: num(config.temperature),
    maxTokens: num(config.maxOutputTokens),
    topP: num(config.topP),
    topK: num(config.topK),
    seed: num(config.seed),
    frequencyPenalty: num(config.frequencyPenalty),
    presencePenalty: num(config.presencePenalty),
    choiceCount: num(config.candidateCount),
    stopSequences: Array.isArray(config.stopSequences) ? (config.stopSequences as string[]) : undefined,
    outputType: outputTypeOf(config.responseMimeType),
    messages: geminiMessages(body.contents),
    systemInstructions: systemInstructionOf(config.systemInstruction),
    tools: Array.isArray(config.tools) ? config.tools : undefined,
  };
}

function describe(method: string, streamed: boolean) {
  return (self: unknown, args: readonly unknown[]): ProviderCall => {
    const request = googleGenAIRequestOf(self, args[0], OPERATIONS[method]!);
    return { request: streamed ? { ...request, stream: true } : request };
  };
}

interface GoogleGenAIExports {
  Models?: unknown;
}

/**
 * The instrumentation of `@google/genai` (Gemini API and Vertex AI): `generateContent`, `generateContentStream` (and
 * chats, which call them) as `generate_content {model}` spans, `embedContent` as `embeddings {model}`.
 */
export function createGoogleGenAIInstrumentation(): InstrumentationModule.Instrumentation {
  return createProviderInstrumentation({
    name: GOOGLE_GENAI_INSTRUMENTATION_NAME,
    module: '@google/genai',
    supportedVersions: GOOGLE_GENAI_SUPPORTED_VERSIONS,
    patchPoints(moduleExports, isEnabled) {
      const models = prototypeOf((moduleExports as GoogleGenAIExports)?.Models);
      if (models === undefined) return undefined;
      const methods = [...GENERATE_METHODS, embedMethodOf(models)];
      const points = methodsOf(
        models,
        methods,
        (method) => (original: AnyFunction) =>
          tracedProviderMethod(
            original,
            '@google/genai',
            describe(method, method === 'generateContentStreamInternal'),
            isEnabled,
          ),
      );
      return points.length === methods.length ? points : undefined;
    },
  });
}
