import { SeverityNumber, context, trace, type Span } from '@opentelemetry/api';
import { errorOnce } from '../core/diagnostics.ts';
import { findApplicationPackage } from '../core/application-package.ts';
import { currentStatus } from '../core/state.ts';
import { valuesIn } from '../context/scope.ts';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GENAI_OTEL_WORKLOAD_ID,
  ATTR_SESSION_ID,
  EVENT_GENAI_OTEL_LLM_REQUEST_RESPONSE,
} from '../attributes/names.ts';
import { isObject, safeJson } from '../attributes/safe-values.ts';
import { genaiSettings } from '../config/genai-settings.ts';
import type { LLMRequest, LLMResponseInfo, MessagePart, TokenUsage } from '../genai/llm-types.ts';
import { otelLogger } from './otel-logger.ts';

/** One finished LLM call, as LLMCall knows it when its span ends. */
export interface LLMExchange {
  span: Span;
  operation: string;
  provider: string;
  model: string | undefined;
  request: Partial<LLMRequest>;
  response: LLMResponseInfo;
  usage: TokenUsage;
  /** Set when the call failed: failed calls make no training example, so no record is emitted. */
  errorType?: string;
}

/** An OpenAI-style chat message, the format fine-tuning pipelines read. */
interface RecordMessage {
  role: string;
  content: unknown;
  [key: string]: unknown;
}

function textOf(parts: readonly MessagePart[]): string | null {
  const texts = parts
    .filter((part) => part.type === 'text' && typeof part.content === 'string')
    .map((part) => part.content as string);
  return texts.length === 0 ? null : texts.join('');
}

/** Request messages in the OpenAI shape: provider-shaped messages pass as they are, conventions-shaped ones are flattened. */
function requestMessages(request: Partial<LLMRequest>): RecordMessage[] {
  const messages: RecordMessage[] = [];
  const instructions = request.systemInstructions;
  if (typeof instructions === 'string' || Array.isArray(instructions)) {
    messages.push({ role: 'system', content: typeof instructions === 'string' ? instructions : textOf(instructions) });
  }
  for (const message of Array.isArray(request.messages) ? request.messages : []) {
    if (!isObject(message)) continue;
    const { parts, ...rest } = message;
    const role = typeof rest.role === 'string' ? rest.role : 'user';
    messages.push(
      rest.content === undefined && Array.isArray(parts)
        ? { ...rest, role, content: textOf(parts) }
        : { ...rest, role, content: rest.content },
    );
  }
  return messages;
}

function toolCallsOf(parts: readonly MessagePart[]): unknown[] {
  return parts
    .filter((part) => part.type === 'tool_call')
    .map((part) => ({
      id: part.id,
      type: 'function',
      function: {
        name: part.name,
        arguments:
          typeof part.arguments === 'string' ? part.arguments : safeJson(part.arguments ?? {}, Number.MAX_SAFE_INTEGER),
      },
    }));
}

/** Response choices in the OpenAI chat completion shape, from the output messages read off any provider's response. */
function responseChoices(response: LLMResponseInfo): unknown[] {
  return (response.outputMessages ?? []).map((message, index) => {
    const parts = Array.isArray(message.parts) ? message.parts : [];
    const toolCalls = toolCallsOf(parts);
    const content = message.content !== undefined ? message.content : textOf(parts);
    return {
      index,
      message: { role: message.role, content, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
      finish_reason: message.finish_reason ?? response.finishReasons?.[index] ?? null,
    };
  });
}

function usageOf(usage: TokenUsage): Record<string, number> {
  const record: Record<string, number> = {};
  if (usage.inputTokens !== undefined) record.prompt_tokens = usage.inputTokens;
  if (usage.outputTokens !== undefined) record.completion_tokens = usage.outputTokens;
  if (usage.inputTokens !== undefined && usage.outputTokens !== undefined)
    record.total_tokens = usage.inputTokens + usage.outputTokens;
  return record;
}

let defaultClientId: string | undefined;

function clientId(): string {
  const configured = genaiSettings().clientId;
  if (configured !== undefined) return configured;
  defaultClientId ??= currentStatus()?.config.serviceName ?? findApplicationPackage().name ?? 'unknown_service';
  return defaultClientId;
}

function spanAttribute(span: Span, key: string): string | undefined {
  const attributes = (span as unknown as { attributes?: Record<string, unknown> }).attributes;
  const value = attributes?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** The session the call belongs to: its span's `session.id`, else the active `withContext`'s. */
function sessionId(span: Span): string | undefined {
  return spanAttribute(span, ATTR_SESSION_ID) ?? valuesIn(context.active())?.sessionId;
}

/**
 * The workload the call served: the `workloadId` of its `withContext` (read off its span, which got it at start, else
 * from the active context), GENAI_OTEL_WORKLOAD_ID, then the session id (which the redacting exporter then treats
 * as the identity it is, see RedactingLogRecordExporter).
 */
function workloadId(span: Span): string {
  return (
    spanAttribute(span, ATTR_GENAI_OTEL_WORKLOAD_ID) ??
    valuesIn(context.active())?.workloadId ??
    genaiSettings().workloadId ??
    sessionId(span) ??
    'default'
  );
}

/** The body of a request/response record: the OpenAI chat request and completion, plus who sent it and for what. */
export function llmRecordBody(exchange: LLMExchange, now = Date.now()): Record<string, unknown> {
  const { request } = exchange;
  const requestBody: Record<string, unknown> = { model: exchange.model ?? null, messages: requestMessages(request) };
  if (request.temperature !== undefined) requestBody.temperature = request.temperature;
  if (request.maxTokens !== undefined) requestBody.max_tokens = request.maxTokens;
  if (Array.isArray(request.tools)) requestBody.tools = request.tools;
  const body = {
    request: requestBody,
    response: {
      id: exchange.response.id ?? null,
      model: exchange.response.model ?? exchange.model ?? null,
      choices: responseChoices(exchange.response),
      usage: usageOf(exchange.usage),
    },
    timestamp: Math.floor(now / 1000),
    client_id: clientId(),
    workload_id: workloadId(exchange.span),
  };
  // A plain JSON tree: no undefined, cycles or class instances reach the exporter.
  return JSON.parse(safeJson(body, Number.MAX_SAFE_INTEGER)) as Record<string, unknown>;
}

/**
 * With GENAI_OTEL_LLM_LOGS=true, emits one `genai_otel.llm.request_response` log record per successful inference call
 * (helpers and auto-instrumented clients alike), carrying the call's trace and span ids, for a collector to route to
 * fine-tuning storage. Content is in it by design: the switch is the opt-in. Redaction applies on export.
 */
export function recordLLMExchange(exchange: LLMExchange): void {
  if (!genaiSettings().llmLogs || exchange.errorType !== undefined || exchange.operation === 'embeddings') return;
  try {
    const attributes: Record<string, string> = {
      [ATTR_GEN_AI_OPERATION_NAME]: exchange.operation,
      [ATTR_GEN_AI_PROVIDER_NAME]: exchange.provider,
    };
    if (exchange.model !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = exchange.model;
    if (exchange.response.id !== undefined) attributes[ATTR_GEN_AI_RESPONSE_ID] = exchange.response.id;
    // An identity attribute: hashed or dropped on export as on spans, and how the exporter tells a workload_id that is
    // the session id.
    const session = sessionId(exchange.span);
    if (session !== undefined) attributes[ATTR_SESSION_ID] = session;
    otelLogger().emit({
      eventName: EVENT_GENAI_OTEL_LLM_REQUEST_RESPONSE,
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      body: llmRecordBody(exchange),
      attributes,
      context: trace.setSpan(context.active(), exchange.span),
    });
  } catch (error) {
    errorOnce('llm-record:failed', 'could not emit the request/response record of an LLM call', error);
  }
}
