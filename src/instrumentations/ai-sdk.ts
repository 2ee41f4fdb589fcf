import { SpanKind, trace, type Attributes, type Context } from '@opentelemetry/api';
import { capturesContentOnSpans } from '../genai/content.ts';
import { recordToolDuration } from '../genai/operation-metrics.ts';
import { recordChunkTiming, recordLLMCallEnd, type LLMCallTarget } from '../genai/llm-end.ts';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
} from '../attributes/names.ts';
import { genaiSettings } from '../config/genai-settings.ts';
import type { TokenUsage } from '../genai/llm-types.ts';
import {
  durationSecondsOf,
  errorTypeOfSpan,
  numberAttribute,
  stringAttribute,
  stringListAttribute,
  type EndingSpan,
} from './span-facts.ts';

/** Scope of the spans of `ai` up to 6 (`experimental_telemetry`) and of `LegacyOpenTelemetry` from `@ai-sdk/otel`. */
export const AI_SDK_LEGACY_SCOPE = 'ai';
/** Scope of the `OpenTelemetry` integration of `@ai-sdk/otel` (ai 7), whose spans follow the GenAI conventions. */
export const AI_SDK_GENAI_SCOPE = 'gen_ai';

/** The AI SDK names providers after its provider packages (`openai.chat`, `anthropic.messages`, `google.generative-ai`). */
const PROVIDER_PREFIXES: [string, string][] = [
  ['azure', 'azure.ai.openai'],
  ['openai', 'openai'],
  ['anthropic', 'anthropic'],
  ['google.vertex', 'gcp.vertex_ai'],
  ['vertex', 'gcp.vertex_ai'],
  ['google', 'gcp.gemini'],
  ['amazon-bedrock', 'aws.bedrock'],
  ['bedrock', 'aws.bedrock'],
  ['mistral', 'mistral_ai'],
  ['xai', 'x_ai'],
  ['groq', 'groq'],
  ['deepseek', 'deepseek'],
  ['cohere', 'cohere'],
  ['perplexity', 'perplexity'],
];

export function conventionProviderName(aiSdkProvider: string | undefined): string {
  if (aiSdkProvider === undefined) return '_OTHER';
  const lower = aiSdkProvider.toLowerCase();
  for (const [prefix, name] of PROVIDER_PREFIXES) if (lower.startsWith(prefix)) return name;
  return lower.split('.')[0] ?? lower;
}

const LEGACY_MODEL_CALL = /^ai\.[A-Za-z]+\.(doGenerate|doStream|doEmbed)$/;

interface ModelCall {
  operation: string;
  streamed: boolean;
}

/** Which AI SDK spans are one model call (and so priced and measured), as opposed to operations, steps or tools. */
function modelCallOf(span: EndingSpan): ModelCall | undefined {
  const scope = span.instrumentationScope.name;
  if (scope === AI_SDK_LEGACY_SCOPE) {
    const match = LEGACY_MODEL_CALL.exec(span.name);
    if (match === null) return undefined;
    return { operation: match[1] === 'doEmbed' ? 'embeddings' : 'chat', streamed: match[1] === 'doStream' };
  }
  const operation = stringAttribute(span.attributes, ATTR_GEN_AI_OPERATION_NAME);
  if (span.kind !== SpanKind.CLIENT || (operation !== 'chat' && operation !== 'embeddings')) return undefined;
  // embed/embedMany: the operation span and its provider calls share a name; only the calls are counted.
  if (operationSpansWithCalls.has(span)) return undefined;
  return { operation, streamed: span.attributes['gen_ai.client.operation.time_to_first_chunk'] !== undefined };
}

/** Whether an AI SDK span is one model call (priced and measured), not an operation, step or tool. */
export function isAiSdkModelCall(span: EndingSpan): boolean {
  return modelCallOf(span) !== undefined;
}

const operationSpansWithCalls = new WeakSet<object>();

/** Remembers which `@ai-sdk/otel` embeddings spans have provider-call children (they must not be counted twice). */
export function noteAiSdkSpanStart(span: EndingSpan, parentContext: Context): void {
  if (
    span.instrumentationScope.name !== AI_SDK_GENAI_SCOPE ||
    span.attributes[ATTR_GEN_AI_OPERATION_NAME] !== 'embeddings'
  )
    return;
  const parent = trace.getSpan(parentContext) as Partial<EndingSpan> | undefined;
  if (
    parent?.instrumentationScope?.name === AI_SDK_GENAI_SCOPE &&
    parent.attributes?.[ATTR_GEN_AI_OPERATION_NAME] === 'embeddings'
  ) {
    operationSpansWithCalls.add(parent);
  }
}

function usageOf(attributes: Attributes): TokenUsage {
  return {
    inputTokens: numberAttribute(
      attributes,
      'gen_ai.usage.input_tokens',
      'ai.usage.inputTokens',
      'ai.usage.promptTokens',
      'ai.usage.tokens',
    ),
    outputTokens: numberAttribute(
      attributes,
      'gen_ai.usage.output_tokens',
      'ai.usage.outputTokens',
      'ai.usage.completionTokens',
    ),
    cacheReadInputTokens: numberAttribute(
      attributes,
      'gen_ai.usage.cache_read.input_tokens',
      'ai.usage.inputTokenDetails.cacheReadTokens',
      'ai.usage.cachedInputTokens',
    ),
    cacheWriteInputTokens: numberAttribute(
      attributes,
      'gen_ai.usage.cache_write.input_tokens',
      'gen_ai.usage.cache_creation.input_tokens',
      'ai.usage.inputTokenDetails.cacheWriteTokens',
    ),
    reasoningOutputTokens: numberAttribute(
      attributes,
      'gen_ai.usage.reasoning.output_tokens',
      'ai.usage.outputTokenDetails.reasoningTokens',
      'ai.usage.reasoningTokens',
    ),
  };
}

function timeToFirstChunkOf(attributes: Attributes): number | undefined {
  const seconds = numberAttribute(attributes, 'gen_ai.client.operation.time_to_first_chunk');
  if (seconds !== undefined) return seconds;
  const millis = numberAttribute(attributes, 'ai.response.msToFirstChunk');
  return millis === undefined ? undefined : millis / 1000;
}

function finishToolSpan(span: EndingSpan): void {
  const isTool =
    span.instrumentationScope.name === AI_SDK_LEGACY_SCOPE
      ? span.name === 'ai.toolCall'
      : span.attributes[ATTR_GEN_AI_OPERATION_NAME] === 'execute_tool';
  if (!isTool) return;
  const toolName = stringAttribute(span.attributes, ATTR_GEN_AI_TOOL_NAME, 'ai.toolCall.name');
  if (toolName !== undefined) span.setAttribute(ATTR_GEN_AI_TOOL_NAME, toolName);
  span.setAttribute(ATTR_GEN_AI_OPERATION_NAME, 'execute_tool');
  // AI SDK tools are functions the application runs (the conventions' `function` type).
  const toolType = stringAttribute(span.attributes, ATTR_GEN_AI_TOOL_TYPE) ?? 'function';
  span.setAttribute(ATTR_GEN_AI_TOOL_TYPE, toolType);
  recordToolDuration(durationSecondsOf(span), { name: toolName, type: toolType, errorType: errorTypeOfSpan(span) });
}

/**
 * Completes a span of the Vercel AI SDK: legacy `ai.*` model-call spans get the conventions' attributes (operation,
 * provider, usage, response), and every model call (legacy or `@ai-sdk/otel` GenAI spans) gets cost and genai-otel's
 * metrics, as `withLLMCall` records them. Tool spans feed `gen_ai.execute_tool.duration`.
 */
export function finishAiSdkSpan(span: EndingSpan): void {
  const call = modelCallOf(span);
  if (call === undefined) {
    finishToolSpan(span);
    return;
  }
  const attributes = span.attributes;
  const provider =
    stringAttribute(attributes, ATTR_GEN_AI_PROVIDER_NAME) ??
    conventionProviderName(stringAttribute(attributes, 'ai.model.provider', 'gen_ai.system'));
  const target: LLMCallTarget = {
    operation: call.operation,
    provider,
    requestModel: stringAttribute(attributes, ATTR_GEN_AI_REQUEST_MODEL, 'ai.model.id'),
    serverAddress: stringAttribute(attributes, 'server.address'),
    serverPort: numberAttribute(attributes, 'server.port'),
  };
  span.setAttributes({ [ATTR_GEN_AI_OPERATION_NAME]: call.operation, [ATTR_GEN_AI_PROVIDER_NAME]: provider });
  if (target.requestModel !== undefined) span.setAttribute(ATTR_GEN_AI_REQUEST_MODEL, target.requestModel);

  const finishReasons =
    stringListAttribute(attributes, 'gen_ai.response.finish_reasons') ??
    stringListAttribute(attributes, 'ai.response.finishReason');
  const timeToFirstChunk = timeToFirstChunkOf(attributes);
  if (timeToFirstChunk !== undefined)
    recordChunkTiming(
      target,
      timeToFirstChunk,
      undefined,
      stringAttribute(attributes, 'gen_ai.response.model', 'ai.response.model'),
    );
  const settings = genaiSettings();
  recordLLMCallEnd(span, {
    target,
    usage: usageOf(attributes),
    response: {
      id: stringAttribute(attributes, 'gen_ai.response.id', 'ai.response.id'),
      model: stringAttribute(attributes, 'gen_ai.response.model', 'ai.response.model'),
      finishReasons,
    },
    durationSeconds: durationSecondsOf(span),
    errorType: errorTypeOfSpan(span),
    timeToFirstChunk,
    streamed: call.streamed,
    captureContent: capturesContentOnSpans(settings.captureContent, undefined),
    maxContentLength: settings.maxContentLength,
    origin: 'AI SDK span processor',
  });
}
