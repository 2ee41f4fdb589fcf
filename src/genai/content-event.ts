import { SeverityNumber, context, logs, trace, type AnyValue, type Attributes, type Span } from '@opentelemetry/api';
import type { ThrownFacts } from '../core/error-type.ts';
import { VERSION } from '../version.ts';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
  EVENT_GEN_AI_CLIENT_OPERATION_EXCEPTION,
  INSTRUMENTATION_SCOPE,
} from '../attributes/names.ts';
import { safeJson, truncate } from '../attributes/safe-values.ts';

/** The content of one inference, already in the conventions' shapes (messages with parts, instruction parts, tools). */
export interface InferenceContent {
  inputMessages?: unknown;
  systemInstructions?: unknown;
  toolDefinitions?: unknown;
  outputMessages?: unknown;
}

/**
 * A plain, acyclic copy of `value` (what JSON can hold) whose strings are cut at `maxLength` and marked: the event form
 * carries content as structured values, where the span form carries JSON strings.
 */
export function structuredContent(value: unknown, maxLength: number): AnyValue {
  const plain = JSON.parse(safeJson(value, Number.MAX_SAFE_INTEGER)) as AnyValue;
  const cut = (item: AnyValue): AnyValue => {
    if (typeof item === 'string') return truncate(item, maxLength);
    if (Array.isArray(item)) return item.map(cut);
    if (typeof item === 'object' && item !== null && !(item instanceof Uint8Array)) {
      return Object.fromEntries(Object.entries(item).map(([key, entry]) => [key, cut(entry as AnyValue)]));
    }
    return item;
  };
  return cut(plain);
}

/**
 * Emits the `gen_ai.client.inference.operation.details` log event through the global LoggerProvider: the call's
 * attributes and its content in structured form, correlated to `span` (its trace and span ids).
 *
 * @example
 * emitInferenceDetails(span, { 'gen_ai.operation.name': 'chat', ... }, { inputMessages }, 16384);
 */
export function emitInferenceDetails(
  span: Span,
  attributes: Attributes,
  content: InferenceContent,
  maxContentLength: number,
): void {
  const eventAttributes: Record<string, AnyValue> = { ...(attributes as Record<string, AnyValue>) };
  const put = (key: string, value: unknown): void => {
    if (value !== undefined) eventAttributes[key] = structuredContent(value, maxContentLength);
  };
  put(ATTR_GEN_AI_INPUT_MESSAGES, content.inputMessages);
  put(ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, content.systemInstructions);
  put(ATTR_GEN_AI_TOOL_DEFINITIONS, content.toolDefinitions);
  put(ATTR_GEN_AI_OUTPUT_MESSAGES, content.outputMessages);
  logs.getLogger(INSTRUMENTATION_SCOPE, VERSION).emit({
    eventName: EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
    attributes: eventAttributes,
    context: trace.setSpan(context.active(), span),
  });
}

/**
 * Emits the conventions' `gen_ai.client.operation.exception` log event for a failed GenAI client operation, at WARN
 * (severity number 13) as they ask, correlated to `span`: the exception's type, message and stack trace (the span
 * also has its `exception` span event and `error.type`).
 *
 * @example
 * emitOperationException(span, describeThrown(error));
 */
export function emitOperationException(span: Span, exception: ThrownFacts): void {
  const attributes: Record<string, AnyValue> = {
    'exception.type': exception.type,
    'exception.message': exception.message,
  };
  if (exception.stack !== undefined) attributes['exception.stacktrace'] = exception.stack;
  logs.getLogger(INSTRUMENTATION_SCOPE, VERSION).emit({
    eventName: EVENT_GEN_AI_CLIENT_OPERATION_EXCEPTION,
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
    attributes,
    context: trace.setSpan(context.active(), span),
  });
}
