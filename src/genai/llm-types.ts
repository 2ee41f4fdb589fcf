import type { Span } from '@opentelemetry/api';

/** `gen_ai.operation.name` values of an inference call. */
export type LLMOperation = 'chat' | 'text_completion' | 'generate_content' | 'embeddings';

/** Well-known `gen_ai.provider.name` values; any other string is accepted too. */
export type ProviderName =
  | 'openai'
  | 'anthropic'
  | 'aws.bedrock'
  | 'azure.ai.inference'
  | 'azure.ai.openai'
  | 'cohere'
  | 'deepseek'
  | 'gcp.gemini'
  | 'gcp.gen_ai'
  | 'gcp.vertex_ai'
  | 'groq'
  | 'ibm.watsonx.ai'
  | 'mistral_ai'
  | 'moonshot_ai'
  | 'perplexity'
  | 'x_ai'
  | (string & {});

/** A message part in the conventions' shape (`{ type: 'text', content }`, tool calls, ...). */
export interface MessagePart {
  type: string;
  content?: unknown;
  [key: string]: unknown;
}

/** A chat message, either in the conventions' shape (`parts`) or a provider's shape (`content`). Captured only when content capture is on. */
export interface ChatMessage {
  role: string;
  content?: unknown;
  parts?: MessagePart[];
  finish_reason?: string;
  [key: string]: unknown;
}

/** USD per million tokens, to price a call whose model is not in the bundled table (or to override it). */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
  reasoning?: number;
}

/**
 * What is asked of the model. Only `provider` and `model` matter for most users; everything maps to a `gen_ai.request.*`
 * attribute of the conventions.
 *
 * @example
 * const request: LLMRequest = { provider: 'openai', model: 'gpt-4o-mini', temperature: 0.2, maxTokens: 400 };
 */
export interface LLMRequest {
  provider: ProviderName;
  model: string;
  /** Default `chat`. */
  operation?: LLMOperation;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  topK?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  stopSequences?: string[];
  seed?: number;
  stream?: boolean;
  choiceCount?: number;
  /** `gen_ai.output.type`: text, json, image, speech. */
  outputType?: string;
  encodingFormats?: string[];
  messages?: ChatMessage[];
  systemInstructions?: string | MessagePart[];
  tools?: unknown[];
  conversationId?: string;
  serverAddress?: string;
  serverPort?: number;
  /** Overrides the bundled price of this model for this call. */
  price?: ModelPrice;
  /** Overrides OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT for this call. */
  captureContent?: boolean;
}

/** A modality the conventions' `gen_ai.token.modality` names (besides `unknown`). */
export type TokenModality = 'text' | 'image' | 'audio' | 'video' | 'document';
/** Tokens by modality, as far as the provider splits them (the rest of the total is of unknown modality). */
export type TokensByModality = Partial<Record<TokenModality, number>>;

/** Token counts as providers report them. `inputTokens` includes cached tokens, as the conventions ask. */
export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
  reasoningOutputTokens?: number;
  /** The provider's split of `inputTokens` by modality (OpenAI's token details, Gemini's modality counts). */
  inputByModality?: TokensByModality;
  outputByModality?: TokensByModality;
}

export interface LLMResponseInfo {
  id?: string;
  model?: string;
  finishReasons?: string[];
  outputMessages?: ChatMessage[];
  /** For embeddings: the vector length. */
  embeddingDimensions?: number;
}

/**
 * The handle `withLLMCall` gives its function, to report what only the function knows.
 *
 * @example
 * await withLLMCall({ provider: 'openai', model: 'gpt-4o' }, async (call) => {
 *   const res = await fetchCompletion();
 *   call.setUsage({ inputTokens: res.usage.prompt_tokens, outputTokens: res.usage.completion_tokens });
 *   return res;
 * });
 */
export interface LLMCallHandle {
  /** The span of this call, for attributes of your own. */
  readonly span: Span;
  setUsage(usage: TokenUsage): void;
  setResponse(response: LLMResponseInfo): void;
  /** Counts one retry of this call (`genai_otel.client.retries`), e.g. after a 429. */
  recordRetry(reason?: string): void;
  /** Marks the arrival of one streamed chunk: the first sets time to first chunk, later ones time per output chunk. */
  recordChunk(): void;
}

export type ToolType = 'function' | 'extension' | 'datastore' | (string & {});

export interface ToolCallRequest {
  name: string;
  callId?: string;
  type?: ToolType;
  description?: string;
  /** Captured only when content capture is on. */
  arguments?: unknown;
  /** Captured only when content capture is on: records the function's return value as `gen_ai.tool.call.result`. */
  captureResult?: boolean;
}

/** Memory operations of the conventions; the short forms (`search`, `create_store`, ...) are accepted too. */
export type MemoryOperation =
  | 'create_memory_store'
  | 'delete_memory_store'
  | 'create_memory'
  | 'update_memory'
  | 'upsert_memory'
  | 'search_memory'
  | 'delete_memory'
  | 'create_store'
  | 'delete_store'
  | 'create'
  | 'update'
  | 'upsert'
  | 'search'
  | 'delete';

export interface MemoryOperationRequest {
  operation: MemoryOperation;
  storeId?: string;
  recordId?: string;
  recordCount?: number;
  /** Captured only when content capture is on. */
  query?: string;
  provider?: ProviderName;
}

export interface AgentRequest {
  name: string;
  id?: string;
  description?: string;
  version?: string;
  provider?: ProviderName;
  model?: string;
  conversationId?: string;
  /** true when the agent runs in another service (span kind CLIENT instead of INTERNAL). */
  remote?: boolean;
}

export interface WorkflowRequest {
  name: string;
}

export interface RetrievalRequest {
  dataSourceId: string;
  topK?: number;
  /** Captured only when content capture is on. */
  query?: string;
  provider?: ProviderName;
}

export interface SpanOptions {
  attributes?: Record<string, unknown>;
  kind?: 'internal' | 'client' | 'server' | 'producer' | 'consumer';
}
