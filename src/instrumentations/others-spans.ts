import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_GENAI_OTEL_CALL_DUPLICATE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK_DEPRECATED,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_SYSTEM_DEPRECATED,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS_DEPRECATED,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_COMPLETION_TOKENS_DEPRECATED,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_PROMPT_TOKENS_DEPRECATED,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_TOKENS_DEPRECATED,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '../attributes/names.ts';
import { genaiSettings } from '../config/genai-settings.ts';
import { capturesContentOnSpans } from '../genai/content.ts';
import { recordAgentDuration, recordToolDuration } from '../genai/operation-metrics.ts';
import { recordChunkTiming, recordLLMCallEnd, type LLMCallTarget } from '../genai/llm-end.ts';
import type { TokenUsage } from '../genai/llm-types.ts';
import { conventionProviderName } from './ai-sdk.ts';
import { MODEL_OPERATIONS, type ModelCallNesting } from './model-call-nesting.ts';
import { noteCountedStep, stepCountedElsewhere } from './counted-steps.ts';
import {
  readOpenInferenceCall,
  readOpenInferenceStep,
  type OpenInferenceCall,
  type OpenInferenceStep,
} from './openinference-spans.ts';
import {
  durationSecondsOf,
  errorTypeOfSpan,
  numberAttribute,
  stringAttribute,
  stringListAttribute,
  type EndingSpan,
} from './span-facts.ts';

/** Operation names of older conventions (OpenLLMetry's `llm.request.type`) in the current ones. */
const LEGACY_OPERATIONS: Record<string, string> = {
  chat: 'chat',
  completion: 'text_completion',
  embedding: 'embeddings',
};

/** The GenAI operation a span of another library describes, if it describes one. */
export function operationOfSpan(attributes: Attributes): string | undefined {
  const operation = stringAttribute(attributes, ATTR_GEN_AI_OPERATION_NAME);
  if (operation !== undefined) return operation;
  const legacy = stringAttribute(attributes, 'llm.request.type');
  return legacy === undefined ? undefined : LEGACY_OPERATIONS[legacy];
}

function providerOfSpan(attributes: Attributes): string | undefined {
  const provider = stringAttribute(attributes, ATTR_GEN_AI_PROVIDER_NAME);
  if (provider !== undefined) return provider;
  const system = stringAttribute(attributes, ATTR_GEN_AI_SYSTEM_DEPRECATED);
  return system === undefined ? undefined : conventionProviderName(system);
}

function usageOfSpan(attributes: Attributes): TokenUsage {
  return {
    inputTokens: numberAttribute(
      attributes,
      ATTR_GEN_AI_USAGE_INPUT_TOKENS,
      ATTR_GEN_AI_USAGE_PROMPT_TOKENS_DEPRECATED,
    ),
    outputTokens: numberAttribute(
      attributes,
      ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
      ATTR_GEN_AI_USAGE_COMPLETION_TOKENS_DEPRECATED,
    ),
    cacheReadInputTokens: numberAttribute(attributes, ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
    cacheWriteInputTokens: numberAttribute(
      attributes,
      ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
      ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS_DEPRECATED,
    ),
    reasoningOutputTokens: numberAttribute(
      attributes,
      ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
      ATTR_GEN_AI_USAGE_REASONING_TOKENS_DEPRECATED,
    ),
  };
}

/** Finish reasons as a list, or as the JSON text of one (Mastra's bridge sets `["stop"]` as a string). */
function finishReasonsOf(attributes: Attributes): string[] | undefined {
  const value = attributes['gen_ai.response.finish_reasons'];
  if (typeof value === 'string' && value.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed)) return parsed.filter((item): item is string => typeof item === 'string');
    } catch {
      // Not JSON after all: the text is one reason.
    }
  }
  return stringListAttribute(attributes, 'gen_ai.response.finish_reasons');
}

function finishModelCall(span: EndingSpan, operation: string, provider: string, origin: string): void {
  const attributes = span.attributes;
  const target: LLMCallTarget = {
    operation,
    provider,
    requestModel: stringAttribute(attributes, ATTR_GEN_AI_REQUEST_MODEL),
    serverAddress: stringAttribute(attributes, ATTR_SERVER_ADDRESS),
    serverPort: numberAttribute(attributes, ATTR_SERVER_PORT),
  };
  // The conventions' provider name where the span only had the deprecated `gen_ai.system`.
  if (attributes[ATTR_GEN_AI_PROVIDER_NAME] === undefined) span.setAttribute(ATTR_GEN_AI_PROVIDER_NAME, provider);
  const timeToFirstChunk = numberAttribute(
    attributes,
    ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
    ATTR_GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK_DEPRECATED,
  );
  if (timeToFirstChunk !== undefined) recordChunkTiming(target, timeToFirstChunk, undefined);
  const settings = genaiSettings();
  recordLLMCallEnd(span, {
    target,
    usage: usageOfSpan(attributes),
    response: {
      id: stringAttribute(attributes, 'gen_ai.response.id'),
      model: stringAttribute(attributes, 'gen_ai.response.model'),
      finishReasons: finishReasonsOf(attributes),
    },
    durationSeconds: durationSecondsOf(span),
    errorType: errorTypeOfSpan(span),
    timeToFirstChunk,
    streamed: attributes[ATTR_GEN_AI_REQUEST_STREAM] === true || timeToFirstChunk !== undefined,
    captureContent: capturesContentOnSpans(settings.captureContent, undefined),
    maxContentLength: settings.maxContentLength,
    origin,
  });
}

/**
 * Completes an OpenInference model-call span that counts: the GenAI attributes the report and the dashboards read
 * (operation, provider, request model, then usage, response and cost from `recordLLMCallEnd`), and the metrics.
 */
function finishOpenInferenceCall(span: EndingSpan, call: OpenInferenceCall, origin: string): void {
  const target: LLMCallTarget = { operation: call.operation, provider: call.provider, requestModel: call.requestModel };
  span.setAttribute(ATTR_GEN_AI_OPERATION_NAME, call.operation);
  span.setAttribute(ATTR_GEN_AI_PROVIDER_NAME, call.provider);
  if (call.requestModel !== undefined) span.setAttribute(ATTR_GEN_AI_REQUEST_MODEL, call.requestModel);
  const settings = genaiSettings();
  recordLLMCallEnd(span, {
    target,
    usage: call.usage,
    response: { id: call.responseId, model: call.responseModel, finishReasons: call.finishReasons },
    durationSeconds: durationSecondsOf(span),
    errorType: errorTypeOfSpan(span),
    streamed: call.streamed,
    // OpenInference records content under its own names (and its own masking settings); genai-otel adds none.
    captureContent: false,
    maxContentLength: settings.maxContentLength,
    origin,
  });
}

/**
 * An OpenInference span of a tool execution or an agent invocation: the tool or agent duration metric, with the GenAI
 * operation and name set on the span (for `genai-otel report`), unless the step was counted already: genai-otel's
 * OpenAI Agents SDK processor traces the same steps as OpenInference's bridge of that SDK, and another library's GenAI
 * span of the same step may have ended first (see counted-steps.ts). That span is marked `genai_otel.call.duplicate`.
 */
function finishOpenInferenceStep(span: EndingSpan, step: OpenInferenceStep): void {
  if (stepCountedElsewhere(step.kind, step.name, span.startTime, span.endTime)) {
    span.setAttribute(ATTR_GENAI_OTEL_CALL_DUPLICATE, true);
    return;
  }
  const durationSeconds = durationSecondsOf(span);
  const errorType = errorTypeOfSpan(span);
  if (step.kind === 'tool') {
    span.setAttribute(ATTR_GEN_AI_OPERATION_NAME, 'execute_tool');
    if (step.name !== undefined) span.setAttribute(ATTR_GEN_AI_TOOL_NAME, step.name);
    recordToolDuration(durationSeconds, { name: step.name, errorType });
  } else {
    span.setAttribute(ATTR_GEN_AI_OPERATION_NAME, 'invoke_agent');
    if (step.name !== undefined) span.setAttribute(ATTR_GEN_AI_AGENT_NAME, step.name);
    recordAgentDuration(durationSeconds, { name: step.name, errorType });
  }
}

/** An OpenInference span of a model call: counted once, as a GenAI span of another library is. */
function finishOpenInferenceSpan(span: EndingSpan, nesting: ModelCallNesting): void {
  const step = readOpenInferenceStep(span.attributes);
  if (step !== undefined) {
    finishOpenInferenceStep(span, step);
    return;
  }
  const call = readOpenInferenceCall(span.attributes);
  if (call === undefined) return;
  if (nesting.countedElsewhere(span, call.responseId)) {
    span.setAttribute(ATTR_GENAI_OTEL_CALL_DUPLICATE, true);
  } else {
    finishOpenInferenceCall(span, call, `span processor (${span.instrumentationScope.name})`);
    nesting.noteCountedResponse(span, call.responseId);
  }
  nesting.noteModelCallEnding(span);
}

/** The tool metric of another library's `execute_tool` span, with the attributes genai-otel's own tool spans give it. */
function recordOthersToolDuration(span: EndingSpan): void {
  const name = stringAttribute(span.attributes, ATTR_GEN_AI_TOOL_NAME);
  noteCountedStep('tool', name, span.startTime, span.endTime);
  recordToolDuration(durationSecondsOf(span), {
    name,
    type: stringAttribute(span.attributes, ATTR_GEN_AI_TOOL_TYPE),
    agentName: stringAttribute(span.attributes, ATTR_GEN_AI_AGENT_NAME),
    errorType: errorTypeOfSpan(span),
  });
}

function recordOthersAgentDuration(span: EndingSpan): void {
  const name = stringAttribute(span.attributes, ATTR_GEN_AI_AGENT_NAME);
  noteCountedStep('agent', name, span.startTime, span.endTime);
  recordAgentDuration(durationSecondsOf(span), {
    name,
    requestModel: stringAttribute(span.attributes, ATTR_GEN_AI_REQUEST_MODEL),
    errorType: errorTypeOfSpan(span),
  });
}

/** Whether an ending span of another library is one model call: a model operation with a provider or a model. */
export function isOthersModelCall(span: EndingSpan): boolean {
  const operation = operationOfSpan(span.attributes);
  return (
    operation !== undefined &&
    MODEL_OPERATIONS.has(operation) &&
    (providerOfSpan(span.attributes) !== undefined ||
      stringAttribute(span.attributes, ATTR_GEN_AI_REQUEST_MODEL) !== undefined)
  );
}

/**
 * Completes a GenAI span another library made (Mastra's OTel bridge, the Anthropic SDK's own spans, OpenLLMetry-style
 * instrumentations, OpenInference's `LLM`, `EMBEDDING`, `TOOL` and `AGENT` spans, ...) as genai-otel completes its own: a model call
 * gets cost and the duration, token, cost and error metrics, once (`nesting` says when another span already counts
 * the call: then the span is marked `genai_otel.call.duplicate` instead); a tool execution feeds
 * `gen_ai.execute_tool.duration`, an agent invocation `gen_ai.invoke_agent.duration`. Spans that describe no GenAI
 * operation are left alone.
 *
 * @example
 * onEnding(span) { if (!isOwnScope(span.instrumentationScope.name)) finishOthersSpan(span, nesting); }
 */
export function finishOthersSpan(span: EndingSpan, nesting: ModelCallNesting): void {
  const operation = operationOfSpan(span.attributes);
  if (operation === undefined) {
    finishOpenInferenceSpan(span, nesting);
    return;
  }
  if (operation === 'execute_tool') {
    recordOthersToolDuration(span);
    return;
  }
  if (operation === 'invoke_agent') {
    recordOthersAgentDuration(span);
    return;
  }
  if (!isOthersModelCall(span)) return;
  const responseId = stringAttribute(span.attributes, ATTR_GEN_AI_RESPONSE_ID);
  if (nesting.countedElsewhere(span, responseId)) {
    span.setAttribute(ATTR_GENAI_OTEL_CALL_DUPLICATE, true);
  } else {
    const provider = providerOfSpan(span.attributes) ?? '_OTHER';
    finishModelCall(span, operation, provider, `span processor (${span.instrumentationScope.name})`);
    nesting.noteCountedResponse(span, responseId);
  }
  nesting.noteModelCallEnding(span);
}
