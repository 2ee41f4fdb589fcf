import type { ContentCaptureMode } from '../config/config-types.ts';
import { safeJson, isObject, truncate } from '../attributes/safe-values.ts';
import type { ChatMessage, MessagePart } from './llm-types.ts';

/**
 * Whether content goes on span attributes, given the setting and the call's own override. For tools, retrieval and
 * memory, which the conventions give no event form: in EVENT_ONLY mode their content is not captured.
 */
export function capturesContentOnSpans(mode: ContentCaptureMode, override: boolean | undefined): boolean {
  if (override !== undefined) return override;
  return mode === 'span' || mode === 'span_and_event';
}

/** Where an LLM call's content goes: span attributes, the `gen_ai.client.inference.operation.details` event, both or neither. */
export interface ContentDestinations {
  span: boolean;
  event: boolean;
}

/**
 * The destinations of an LLM call's content. A call's `captureContent: false` captures nothing; `true` captures where
 * the setting says, or on the span when the setting captures nothing.
 *
 * @example
 * contentDestinations('event', true); // { span: false, event: true }
 */
export function contentDestinations(mode: ContentCaptureMode, override: boolean | undefined): ContentDestinations {
  if (override === false) return { span: false, event: false };
  const span = mode === 'span' || mode === 'span_and_event';
  const event = mode === 'event' || mode === 'span_and_event';
  if (override === true && !span && !event) return { span: true, event: false };
  return { span, event };
}

/** What a conversion met: `callerValues` when the result holds values of the caller's (parts, tool arguments). */
interface ConversionNotes {
  callerValues: boolean;
}

function partsOf(content: unknown, notes: ConversionNotes | undefined): MessagePart[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (!Array.isArray(content)) return [{ type: 'text', content: safeJson(content, Number.MAX_SAFE_INTEGER) }];
  return content.map((item): MessagePart => {
    if (typeof item === 'string') return { type: 'text', content: item };
    if (!isObject(item)) return { type: 'text', content: String(item) };
    // OpenAI {type:'text', text}, Anthropic {type:'text', text}, Responses {type:'input_text', text}
    if (typeof item.text === 'string') return { type: 'text', content: item.text };
    if (item.type === 'tool_use') {
      if (notes !== undefined) notes.callerValues = true;
      return { type: 'tool_call', id: item.id, name: item.name, arguments: item.input };
    }
    if (item.type === 'tool_result') {
      if (notes !== undefined) notes.callerValues = true;
      return { type: 'tool_call_response', id: item.tool_use_id, response: item.content };
    }
    return { type: typeof item.type === 'string' ? item.type : 'unknown' };
  });
}

/**
 * Messages in the conventions' shape (`{ role, parts: [{ type: 'text', content }] }`), from either that shape or the
 * OpenAI / Anthropic request shapes (string or block content, assistant tool calls, tool results).
 */
export function toConventionMessages(messages: readonly unknown[], notes?: ConversionNotes): ChatMessage[] {
  return messages.map((message): ChatMessage => {
    if (!isObject(message)) return { role: 'user', parts: partsOf(message, notes) };
    const role = typeof message.role === 'string' ? message.role : 'user';
    if (Array.isArray(message.parts)) {
      if (notes !== undefined) notes.callerValues = true;
      return { role, parts: message.parts as MessagePart[] };
    }
    const parts = partsOf(message.content, notes);
    if (Array.isArray(message.tool_calls)) {
      if (notes !== undefined) notes.callerValues = true;
      for (const call of message.tool_calls) {
        const fn = isObject(call) && isObject(call.function) ? call.function : undefined;
        parts.push({
          type: 'tool_call',
          id: isObject(call) ? call.id : undefined,
          name: fn?.name,
          arguments: deserializedArguments(fn?.arguments),
        });
      }
    }
    if (role === 'tool' && typeof message.tool_call_id === 'string') {
      if (notes !== undefined) notes.callerValues = true;
      return { role, parts: [{ type: 'tool_call_response', id: message.tool_call_id, response: message.content }] };
    }
    return { role, parts };
  });
}

/**
 * `gen_ai.input.messages`: the messages in the conventions' shape, as JSON cut at `maxLength`. Where the conversion
 * kept no value of the caller's (messages of text, the common case), the shape is made of fresh objects with string
 * leaves, which JSON.stringify serialises exactly as safeJson would, without safeJson's walk over it.
 *
 * @example
 * inputMessagesJson([{ role: 'user', content: 'Hi' }], 16384); // '[{"role":"user","parts":[{"type":"text","content":"Hi"}]}]'
 */
export function inputMessagesJson(messages: readonly unknown[], maxLength: number): string {
  const notes: ConversionNotes = { callerValues: false };
  const converted = toConventionMessages(messages, notes);
  return notes.callerValues ? safeJson(converted, maxLength) : truncate(JSON.stringify(converted), maxLength);
}

/** System instructions in the conventions' shape: a list of parts. */
export function toInstructionParts(instructions: string | readonly MessagePart[]): MessagePart[] {
  return typeof instructions === 'string' ? [{ type: 'text', content: instructions }] : [...instructions];
}

/** One entry of `gen_ai.tool.definitions` in the conventions' shape (their tool-definitions JSON schema). */
export interface ToolDefinition {
  type: string;
  name: string;
  description?: string | null;
  parameters?: unknown;
}

function textOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * One tool in the conventions' shape, from a name or a provider's request shape: OpenAI Chat
 * `{ type: 'function', function: { name, description, parameters } }`, OpenAI Responses and the conventions'
 * own `{ type, name, description, parameters }`, Anthropic `{ name, description, input_schema }`, or a built-in tool
 * with only a type (`{ type: 'web_search' }`, named after its type). Undefined for what names no tool.
 */
function toToolDefinition(tool: unknown): ToolDefinition | undefined {
  if (typeof tool === 'string') return tool === '' ? undefined : { type: 'function', name: tool };
  if (!isObject(tool)) return undefined;
  const fn = isObject(tool.function) ? tool.function : undefined;
  const source = fn ?? tool;
  const type = textOrUndefined(tool.type) ?? 'function';
  const name =
    textOrUndefined(source.name) ?? (fn === undefined && typeof tool.type === 'string' ? tool.type : undefined);
  if (name === undefined || name === '') return undefined;
  const parameters = source.parameters ?? source.input_schema ?? source.inputSchema;
  const definition: ToolDefinition = { type, name };
  if (typeof source.description === 'string' || source.description === null)
    definition.description = source.description;
  if (isObject(parameters) || typeof parameters === 'boolean') definition.parameters = parameters;
  return definition;
}

/**
 * `gen_ai.tool.definitions` in the conventions' shape (`[{ type: 'function', name, description, parameters }]`), from
 * tool names or the providers' request shapes; entries that name no tool are left out.
 *
 * @example
 * toToolDefinitions([{ type: 'function', function: { name: 'lookup_order', parameters: { type: 'object' } } }]);
 * // [{ type: 'function', name: 'lookup_order', parameters: { type: 'object' } }]
 */
export function toToolDefinitions(tools: readonly unknown[]): ToolDefinition[] {
  const definitions: ToolDefinition[] = [];
  for (const tool of tools) {
    const definition = toToolDefinition(tool);
    if (definition !== undefined) definitions.push(definition);
  }
  return definitions;
}

/**
 * Tool-call arguments as the conventions want them: the object a JSON string holds, else the value as given (a string
 * that is not JSON stays a string).
 */
export function deserializedArguments(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) return value;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return value;
  }
}
