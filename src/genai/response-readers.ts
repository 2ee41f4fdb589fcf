import type {
  ChatMessage,
  LLMResponseInfo,
  MessagePart,
  TokenModality,
  TokensByModality,
  TokenUsage,
} from './llm-types.ts';
import { isObject } from '../attributes/safe-values.ts';
import { deserializedArguments } from './content.ts';

/** What could be read from a provider's response object or stream. */
export interface ReadResponse {
  usage: TokenUsage;
  response: LLMResponseInfo;
}

type Json = Record<string, unknown>;

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const obj = (value: unknown): Json | undefined => (isObject(value) && !Array.isArray(value) ? value : undefined);
const sum = (...values: (number | undefined)[]): number | undefined =>
  values.every((value) => value === undefined)
    ? undefined
    : values.reduce<number>((total, value) => total + (value ?? 0), 0);

function textPart(content: unknown): MessagePart[] {
  return typeof content === 'string' && content !== '' ? [{ type: 'text', content }] : [];
}

const OPENAI_MODALITY_KEYS = [
  ['text_tokens', 'text'],
  ['image_tokens', 'image'],
  ['audio_tokens', 'audio'],
] as const;

/** The modalities of OpenAI's token details (`prompt_tokens_details`, `completion_tokens_details`, ...). */
function openAIModalities(details: Json | undefined): TokensByModality | undefined {
  if (details === undefined) return undefined;
  let split: TokensByModality | undefined;
  for (const [key, modality] of OPENAI_MODALITY_KEYS) {
    const tokens = num(details[key]);
    if (tokens !== undefined && tokens > 0) (split ??= {})[modality] = tokens;
  }
  return split;
}

const NO_SPLIT: Pick<TokenUsage, 'inputByModality' | 'outputByModality'> = Object.freeze({});

/** The split fields of a usage, only those the provider reported. */
function modalitySplit(
  input: TokensByModality | undefined,
  output: TokensByModality | undefined,
): Pick<TokenUsage, 'inputByModality' | 'outputByModality'> {
  if (input === undefined && output === undefined) return NO_SPLIT;
  return {
    ...(input === undefined ? {} : { inputByModality: input }),
    ...(output === undefined ? {} : { outputByModality: output }),
  };
}

const GEMINI_MODALITIES: Record<string, TokenModality> = {
  TEXT: 'text',
  IMAGE: 'image',
  AUDIO: 'audio',
  VIDEO: 'video',
  DOCUMENT: 'document',
};

/** Gemini's modality token counts (`promptTokensDetails`, `candidatesTokensDetails`: `[{ modality, tokenCount }]`). */
function geminiModalities(details: unknown): TokensByModality | undefined {
  if (!Array.isArray(details)) return undefined;
  const split: TokensByModality = {};
  for (const entry of details.map(obj)) {
    const modality = GEMINI_MODALITIES[str(entry?.modality) ?? ''];
    const tokens = num(entry?.tokenCount);
    if (modality !== undefined && tokens !== undefined && tokens > 0) split[modality] = (split[modality] ?? 0) + tokens;
  }
  return Object.keys(split).length > 0 ? split : undefined;
}

/** OpenAI chat completion (`object: 'chat.completion'`). */
function readOpenAIChat(value: Json): ReadResponse {
  const usage = obj(value.usage);
  const choices: Json[] = [];
  const finishReasons: string[] = [];
  if (Array.isArray(value.choices))
    for (const item of value.choices as unknown[]) {
      const choice = obj(item);
      if (choice === undefined) continue;
      choices.push(choice);
      const reason = str(choice.finish_reason);
      if (reason !== undefined) finishReasons.push(reason);
    }
  const promptDetails = obj(usage?.prompt_tokens_details);
  const completionDetails = obj(usage?.completion_tokens_details);
  return {
    usage: {
      inputTokens: num(usage?.prompt_tokens),
      outputTokens: num(usage?.completion_tokens),
      cacheReadInputTokens: num(promptDetails?.cached_tokens),
      reasoningOutputTokens: num(completionDetails?.reasoning_tokens),
      ...modalitySplit(openAIModalities(promptDetails), openAIModalities(completionDetails)),
    },
    response: new OpenAIChatResponse(str(value.id), str(value.model), finishReasons, choices),
  };
}

/**
 * What a chat completion says about itself. Its output messages are built when read: only content capture and log
 * records read them, and tool call arguments are parsed JSON. A class, so that the getter is its prototype's: an
 * object literal with a getter cost more to make than the rest of the reading. Copied with `responseInfoOf`, not a
 * spread (which skips the prototype's getter).
 */
class OpenAIChatResponse implements LLMResponseInfo {
  readonly id: string | undefined;
  readonly model: string | undefined;
  readonly finishReasons: string[];
  private readonly choices: Json[];
  private built: ChatMessage[] | undefined;

  constructor(id: string | undefined, model: string | undefined, finishReasons: string[], choices: Json[]) {
    this.id = id;
    this.model = model;
    this.finishReasons = finishReasons;
    this.choices = choices;
  }

  get outputMessages(): ChatMessage[] {
    this.built ??= this.choices.map((choice) => openAIMessage(obj(choice.message), str(choice.finish_reason)));
    return this.built;
  }
}

/**
 * A plain copy of what a reader said about a response, its lazily built output messages included.
 *
 * @example
 * const response = { ...responseInfoOf(read.response), ...reported };
 */
export function responseInfoOf(response: LLMResponseInfo): LLMResponseInfo {
  if (!(response instanceof OpenAIChatResponse)) return { ...response };
  return {
    id: response.id,
    model: response.model,
    finishReasons: response.finishReasons,
    outputMessages: response.outputMessages,
  };
}

function openAIMessage(message: Json | undefined, finishReason: string | undefined): ChatMessage {
  const parts: MessagePart[] = textPart(message?.content);
  for (const call of Array.isArray(message?.tool_calls) ? message.tool_calls : []) {
    const fn = obj(obj(call)?.function);
    parts.push({
      type: 'tool_call',
      id: str(obj(call)?.id),
      name: str(fn?.name),
      arguments: deserializedArguments(fn?.arguments),
    });
  }
  return {
    role: str(message?.role) ?? 'assistant',
    parts,
    ...(finishReason === undefined ? {} : { finish_reason: finishReason }),
  };
}

/** OpenAI Responses API (`object: 'response'`). */
function readOpenAIResponses(value: Json): ReadResponse {
  const usage = obj(value.usage);
  const output = Array.isArray(value.output) ? value.output.map(obj).filter((item) => item !== undefined) : [];
  const calledTools = output.some((item) => item.type === 'function_call');
  const status = str(value.status);
  const incompleteReason = str(obj(value.incomplete_details)?.reason);
  const finishReason = status === 'completed' ? (calledTools ? 'tool_calls' : 'stop') : (incompleteReason ?? status);
  const parts: MessagePart[] = [];
  for (const item of output) {
    if (item.type === 'message' && Array.isArray(item.content)) {
      for (const piece of item.content.map(obj)) if (piece?.type === 'output_text') parts.push(...textPart(piece.text));
    } else if (item.type === 'function_call') {
      parts.push({
        type: 'tool_call',
        id: str(item.call_id),
        name: str(item.name),
        arguments: deserializedArguments(item.arguments),
      });
    }
  }
  return {
    usage: {
      inputTokens: num(usage?.input_tokens),
      outputTokens: num(usage?.output_tokens),
      cacheReadInputTokens: num(obj(usage?.input_tokens_details)?.cached_tokens),
      reasoningOutputTokens: num(obj(usage?.output_tokens_details)?.reasoning_tokens),
    },
    response: {
      id: str(value.id),
      model: str(value.model),
      finishReasons: finishReason === undefined ? [] : [finishReason],
      outputMessages: [
        { role: 'assistant', parts, ...(finishReason === undefined ? {} : { finish_reason: finishReason }) },
      ],
    },
  };
}

/** OpenAI embeddings (`object: 'list'` of `object: 'embedding'`). */
function readOpenAIEmbeddings(value: Json): ReadResponse {
  const first = Array.isArray(value.data) ? obj(value.data[0]) : undefined;
  const vector = first?.embedding;
  return {
    usage: { inputTokens: num(obj(value.usage)?.prompt_tokens) },
    response: { model: str(value.model), embeddingDimensions: Array.isArray(vector) ? vector.length : undefined },
  };
}

/** Anthropic's usage counts input tokens without the cached ones; the conventions count them in. */
function anthropicUsage(usage: Json | undefined): TokenUsage {
  const cacheRead = num(usage?.cache_read_input_tokens);
  const cacheWrite = num(usage?.cache_creation_input_tokens);
  return {
    inputTokens: sum(num(usage?.input_tokens), cacheRead, cacheWrite),
    outputTokens: num(usage?.output_tokens),
    cacheReadInputTokens: cacheRead,
    cacheWriteInputTokens: cacheWrite,
  };
}

/** Anthropic message (`type: 'message'`). */
function readAnthropicMessage(value: Json): ReadResponse {
  const stopReason = str(value.stop_reason);
  const parts: MessagePart[] = [];
  for (const block of Array.isArray(value.content) ? value.content.map(obj) : []) {
    if (block?.type === 'text') parts.push(...textPart(block.text));
    else if (block?.type === 'tool_use')
      parts.push({ type: 'tool_call', id: str(block.id), name: str(block.name), arguments: block.input });
  }
  return {
    usage: anthropicUsage(obj(value.usage)),
    response: {
      id: str(value.id),
      model: str(value.model),
      finishReasons: stopReason === undefined ? [] : [stopReason],
      outputMessages: [
        {
          role: str(value.role) ?? 'assistant',
          parts,
          ...(stopReason === undefined ? {} : { finish_reason: stopReason }),
        },
      ],
    },
  };
}

/** AWS Bedrock Converse (`output.message`, `stopReason`, `usage.inputTokens`). */
function readBedrockConverse(value: Json): ReadResponse {
  const usage = obj(value.usage);
  const cacheRead = num(usage?.cacheReadInputTokens);
  const cacheWrite = num(usage?.cacheWriteInputTokens);
  const stopReason = str(value.stopReason);
  const message = obj(obj(value.output)?.message);
  const parts: MessagePart[] = [];
  for (const block of Array.isArray(message?.content) ? message.content.map(obj) : []) {
    if (block?.text !== undefined) parts.push(...textPart(block.text));
    const toolUse = obj(block?.toolUse);
    if (toolUse !== undefined)
      parts.push({ type: 'tool_call', id: str(toolUse.toolUseId), name: str(toolUse.name), arguments: toolUse.input });
  }
  return {
    usage: {
      inputTokens: sum(num(usage?.inputTokens), cacheRead, cacheWrite),
      outputTokens: num(usage?.outputTokens),
      cacheReadInputTokens: cacheRead,
      cacheWriteInputTokens: cacheWrite,
    },
    response: {
      id: str(obj(value.$metadata)?.requestId),
      finishReasons: stopReason === undefined ? [] : [stopReason],
      outputMessages:
        message === undefined
          ? []
          : [
              {
                role: str(message.role) ?? 'assistant',
                parts,
                ...(stopReason === undefined ? {} : { finish_reason: stopReason }),
              },
            ],
    },
  };
}

/** Google Gemini generateContent (`candidates`, `usageMetadata`). Thinking tokens are counted as output, as OpenAI does. */
function readGemini(value: Json): ReadResponse {
  const usage = obj(value.usageMetadata);
  const thoughts = num(usage?.thoughtsTokenCount);
  const candidates = Array.isArray(value.candidates)
    ? value.candidates.map(obj).filter((candidate) => candidate !== undefined)
    : [];
  return {
    usage: {
      inputTokens: num(usage?.promptTokenCount),
      outputTokens: sum(num(usage?.candidatesTokenCount), thoughts),
      cacheReadInputTokens: num(usage?.cachedContentTokenCount),
      reasoningOutputTokens: thoughts,
      ...modalitySplit(geminiModalities(usage?.promptTokensDetails), geminiModalities(usage?.candidatesTokensDetails)),
    },
    response: {
      id: str(value.responseId),
      model: str(value.modelVersion),
      finishReasons: candidates
        .map((candidate) => str(candidate.finishReason))
        .filter((reason) => reason !== undefined),
      outputMessages: candidates.map((candidate) => geminiMessage(candidate)),
    },
  };
}

function geminiMessage(candidate: Json): ChatMessage {
  const content = obj(candidate.content);
  const parts: MessagePart[] = [];
  for (const part of Array.isArray(content?.parts) ? content.parts.map(obj) : []) {
    if (typeof part?.text === 'string') parts.push(...textPart(part.text));
    const call = obj(part?.functionCall);
    if (call !== undefined)
      parts.push({ type: 'tool_call', id: str(call.id), name: str(call.name), arguments: call.args });
  }
  const finishReason = str(candidate.finishReason);
  return { role: 'assistant', parts, ...(finishReason === undefined ? {} : { finish_reason: finishReason }) };
}

/** Google Gemini / Vertex AI embedContent (`embeddings[].values`, token counts in `statistics` on Vertex AI). */
function readGeminiEmbeddings(value: Json): ReadResponse {
  const embeddings = Array.isArray(value.embeddings) ? value.embeddings.map(obj) : [];
  const counts = embeddings.map((embedding) => num(obj(embedding?.statistics)?.tokenCount));
  const vector = embeddings[0]?.values;
  return {
    usage: { inputTokens: num(obj(value.usageMetadata)?.promptTokenCount) ?? sum(...counts) },
    response: { embeddingDimensions: Array.isArray(vector) ? vector.length : undefined },
  };
}

/**
 * Reads usage, id, model and finish reasons from a provider's response object: OpenAI chat completions, responses and
 * embeddings, Anthropic messages, AWS Bedrock Converse and Google Gemini. Undefined for anything else.
 */
export function readProviderResponse(value: unknown): ReadResponse | undefined {
  const response = obj(value);
  if (response === undefined) return undefined;
  if (response.object === 'chat.completion' || response.object === 'text_completion') return readOpenAIChat(response);
  if (response.object === 'response') return readOpenAIResponses(response);
  if (response.object === 'list' && Array.isArray(response.data)) return readOpenAIEmbeddings(response);
  if (response.type === 'message' && 'usage' in response) return readAnthropicMessage(response);
  if ('stopReason' in response && ('output' in response || 'usage' in response)) return readBedrockConverse(response);
  if (Array.isArray(response.embeddings) && obj(response.embeddings[0])?.values !== undefined)
    return readGeminiEmbeddings(response);
  if ('usageMetadata' in response || 'candidates' in response) return readGemini(response);
  return undefined;
}

/**
 * Gathers usage, id, model and finish reasons across the chunks of a streamed response (OpenAI chat chunks and
 * Responses events, Anthropic message events, Bedrock ConverseStream events, Gemini chunks).
 */
export class StreamAccumulator {
  readonly usage: TokenUsage = {};
  readonly response: LLMResponseInfo = {};
  private readonly finishReasons: string[] = [];
  private readonly text: string[] = [];
  /** Whether any chunk carried token usage: without it the span says the counts are missing. */
  sawUsage = false;
  /** Streamed text is kept only when content is captured. */
  private readonly collectText: boolean;

  constructor(collectText: boolean) {
    this.collectText = collectText;
  }

  add(chunk: unknown): void {
    const event = obj(chunk);
    if (event === undefined) return;
    if (event.object === 'chat.completion.chunk') {
      this.response.id ??= str(event.id);
      this.response.model ??= str(event.model);
      for (const choice of Array.isArray(event.choices) ? event.choices.map(obj) : []) {
        const reason = str(choice?.finish_reason);
        if (reason !== undefined) this.finishReasons.push(reason);
        const delta = obj(choice?.delta);
        if (this.collectText && typeof delta?.content === 'string') this.text.push(delta.content);
      }
      if (obj(event.usage) !== undefined) this.merge(readOpenAIChat(event).usage);
      return;
    }
    if (typeof event.type === 'string' && event.type.startsWith('response.') && obj(event.response) !== undefined) {
      const read = readOpenAIResponses(obj(event.response)!);
      this.response.id ??= read.response.id;
      this.response.model ??= read.response.model;
      if (
        event.type === 'response.completed' ||
        event.type === 'response.incomplete' ||
        event.type === 'response.failed'
      ) {
        this.finishReasons.push(...(read.response.finishReasons ?? []));
        if (obj(obj(event.response)?.usage) !== undefined) this.merge(read.usage);
      }
      return;
    }
    if (event.type === 'response.output_text.delta' && typeof event.delta === 'string') {
      if (this.collectText) this.text.push(event.delta);
      return;
    }
    if (event.type === 'message_start') {
      const message = obj(event.message);
      this.response.id ??= str(message?.id);
      this.response.model ??= str(message?.model);
      if (obj(message?.usage) !== undefined) this.merge(anthropicUsage(obj(message?.usage)));
      return;
    }
    if (event.type === 'message_delta') {
      const reason = str(obj(event.delta)?.stop_reason);
      if (reason !== undefined) this.finishReasons.push(reason);
      const usage = obj(event.usage);
      if (usage !== undefined) this.merge({ outputTokens: num(usage.output_tokens) });
      return;
    }
    if (event.type === 'content_block_delta') {
      const text = obj(event.delta)?.text;
      if (this.collectText && typeof text === 'string') this.text.push(text);
      return;
    }
    const bedrockDelta = obj(event.contentBlockDelta);
    if (bedrockDelta !== undefined) {
      const text = obj(bedrockDelta.delta)?.text;
      if (this.collectText && typeof text === 'string') this.text.push(text);
      return;
    }
    const bedrockStop = obj(event.messageStop);
    if (bedrockStop !== undefined) {
      const reason = str(bedrockStop.stopReason);
      if (reason !== undefined) this.finishReasons.push(reason);
      return;
    }
    const bedrockMetadata = obj(event.metadata);
    if (bedrockMetadata !== undefined && obj(bedrockMetadata.usage) !== undefined) {
      this.merge(readBedrockConverse({ usage: bedrockMetadata.usage, stopReason: undefined }).usage);
      return;
    }
    if ('usageMetadata' in event || 'candidates' in event) {
      const read = readGemini(event);
      this.response.id ??= read.response.id;
      this.response.model ??= read.response.model;
      this.finishReasons.push(...(read.response.finishReasons ?? []));
      if (obj(event.usageMetadata) !== undefined) this.merge(read.usage);
      if (this.collectText)
        for (const part of read.response.outputMessages?.[0]?.parts ?? [])
          if (part.type === 'text' && typeof part.content === 'string') this.text.push(part.content);
    }
  }

  private merge(usage: TokenUsage): void {
    for (const [key, value] of Object.entries(usage) as [keyof TokenUsage, TokenUsage[keyof TokenUsage]][]) {
      if (value !== undefined) {
        (this.usage as Record<string, unknown>)[key] = value;
        this.sawUsage = true;
      }
    }
  }

  result(): ReadResponse {
    const finishReasons = [...new Set(this.finishReasons)];
    const text = this.text.join('');
    return {
      usage: this.usage,
      response: {
        ...this.response,
        finishReasons,
        outputMessages:
          text === ''
            ? []
            : [
                {
                  role: 'assistant',
                  parts: [{ type: 'text', content: text }],
                  ...(finishReasons[0] === undefined ? {} : { finish_reason: finishReasons[0] }),
                },
              ],
      },
    };
  }
}
