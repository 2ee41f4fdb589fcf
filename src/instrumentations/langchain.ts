import { context, trace, type Context, type Span } from '@opentelemetry/api';
import { withLLMCall } from '../genai/llm.ts';
import { withAgent, withRetrieval, withToolCall, withWorkflow } from '../genai/operations.ts';
import { isObject } from '../attributes/safe-values.ts';
import type { ChatMessage, LLMCallHandle, LLMRequest, TokenUsage } from '../genai/llm-types.ts';
import { errorOnce } from '../core/diagnostics.ts';
import { currentStatus } from '../core/state.ts';
import { conventionProviderName } from './ai-sdk.ts';

type Json = Record<string, unknown>;
const obj = (value: unknown): Json | undefined => (isObject(value) && !Array.isArray(value) ? (value as Json) : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

interface Run {
  /** The context children of this run start in. */
  context: Context;
  llm?: LLMCallHandle;
  finish(): void;
  fail(error: unknown): void;
}

export interface GenAICallbackHandlerOptions {
  /**
   * `auto` (default): chat model and LLM runs get a span unless their provider's client is already traced by
   * genai-otel's automatic instrumentation (openai, anthropic), which would make a second span for the same call.
   * `all`: every model run gets a span.
   */
  llmRuns?: 'auto' | 'all';
}

/** `ls_provider` values of LangChain's model integrations whose clients the automatic instrumentation traces. */
const AUTO_TRACED: Record<string, string> = { openai: 'openai', azure: 'openai', azure_openai: 'openai', anthropic: 'anthropic' };

/** The name of a LangChain `Serialized` object (`{ id: ['langchain', 'chat_models', 'openai', 'ChatOpenAI'] }`). */
function serializedName(serialized: unknown): string | undefined {
  const value = obj(serialized);
  if (str(value?.name) !== undefined) return str(value?.name);
  const id = value?.id;
  return Array.isArray(id) ? str(id[id.length - 1]) : undefined;
}

function messageOf(message: unknown): ChatMessage {
  const value = obj(message);
  const type = typeof (value as { _getType?: unknown })?._getType === 'function' ? (value as { _getType(): string })._getType() : str(value?.type);
  const role = type === 'human' ? 'user' : type === 'ai' ? 'assistant' : type === 'system' ? 'system' : type === 'tool' ? 'tool' : (type ?? 'user');
  return { role, content: value?.content };
}

/** Usage of a LangChain `LLMResult`: the message's `usage_metadata` (chat models), else `llmOutput.tokenUsage`. */
function usageOf(output: Json | undefined): TokenUsage {
  const generation = obj(Array.isArray(output?.generations) && Array.isArray(output.generations[0]) ? output.generations[0][0] : undefined);
  const metadata = obj(obj(generation?.message)?.usage_metadata);
  if (metadata !== undefined) {
    return {
      inputTokens: num(metadata.input_tokens),
      outputTokens: num(metadata.output_tokens),
      cacheReadInputTokens: num(obj(metadata.input_token_details)?.cache_read),
      cacheWriteInputTokens: num(obj(metadata.input_token_details)?.cache_creation),
      reasoningOutputTokens: num(obj(metadata.output_token_details)?.reasoning),
    };
  }
  const tokenUsage = obj(obj(output?.llmOutput)?.tokenUsage) ?? obj(obj(output?.llmOutput)?.estimatedTokenUsage);
  return { inputTokens: num(tokenUsage?.promptTokens), outputTokens: num(tokenUsage?.completionTokens) };
}

function responseOf(output: Json | undefined): { model?: string; id?: string; finishReasons: string[] } {
  const generation = obj(Array.isArray(output?.generations) && Array.isArray(output.generations[0]) ? output.generations[0][0] : undefined);
  const message = obj(generation?.message);
  const metadata = obj(message?.response_metadata);
  const info = obj(generation?.generationInfo);
  const reason = str(info?.finish_reason) ?? str(metadata?.finish_reason) ?? str(metadata?.stop_reason);
  return {
    model: str(metadata?.model_name) ?? str(metadata?.model) ?? str(obj(output?.llmOutput)?.model_name),
    id: str(message?.id),
    finishReasons: reason === undefined ? [] : [reason],
  };
}

/**
 * A LangChain JS callback handler that turns runs into genai-otel spans and metrics: chat model and LLM runs into LLM
 * calls (`chat {model}`, with usage, cost and streaming timing), tools into `execute_tool`, retrievers into
 * `retrieval`, agents into `invoke_agent` and top-level chains into `invoke_workflow`, nested as LangChain nests its
 * runs. It needs no import of `@langchain/core` (LangChain accepts any object with the handler fields).
 *
 * @example
 * import { GenAICallbackHandler } from 'genai-otel';
 * const answer = await chain.invoke(input, { callbacks: [new GenAICallbackHandler()] });
 */
export class GenAICallbackHandler {
  readonly name = 'GenAICallbackHandler';
  // The fields LangChain reads on every handler.
  readonly awaitHandlers = false;
  readonly raiseError = false;
  readonly ignoreLLM = false;
  readonly ignoreChain = false;
  readonly ignoreAgent = false;
  readonly ignoreRetriever = false;
  readonly ignoreCustomEvent = true;
  private readonly runs = new Map<string, Run>();
  private readonly llmRuns: 'auto' | 'all';

  constructor(options: GenAICallbackHandlerOptions = {}) {
    this.llmRuns = options.llmRuns ?? 'auto';
  }

  /** LangChain copies handlers for child runs; the copies share the runs in progress. */
  copy(): this {
    return this;
  }

  private begin(runId: string, parentRunId: string | undefined, start: (work: (span: Span) => Promise<void>) => unknown): Run | undefined {
    try {
      const parent = (parentRunId === undefined ? undefined : this.runs.get(parentRunId)?.context) ?? context.active();
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((onResolve, onReject) => {
        resolve = onResolve;
        reject = onReject;
      });
      promise.catch(() => undefined);
      const run: Run = { context: parent, finish: () => resolve(), fail: (error) => reject(error) };
      context.with(parent, () =>
        start((span) => {
          run.context = trace.setSpan(parent, span);
          return promise;
        }),
      );
      this.runs.set(runId, run);
      return run;
    } catch (error) {
      errorOnce('langchain:start', 'GenAICallbackHandler could not start a span', error);
      return undefined;
    }
  }

  private end(runId: string, error?: unknown): Run | undefined {
    const run = this.runs.get(runId);
    this.runs.delete(runId);
    if (run !== undefined) {
      if (error === undefined) run.finish();
      else run.fail(error);
    }
    return run;
  }

  private startModelRun(llm: unknown, messages: ChatMessage[], runId: string, parentRunId: string | undefined, extraParams: unknown, metadata: unknown, operation: 'chat' | 'text_completion'): void {
    const meta = obj(metadata);
    const params = obj(obj(extraParams)?.invocation_params);
    const lsProvider = str(meta?.ls_provider);
    const autoTraced = lsProvider === undefined ? undefined : AUTO_TRACED[lsProvider];
    if (this.llmRuns === 'auto' && autoTraced !== undefined && currentStatus()?.instrumentations.includes(autoTraced) === true) return;
    const request: LLMRequest = {
      provider: lsProvider === undefined ? (serializedName(llm) ?? '_OTHER') : conventionProviderName(lsProvider),
      model: str(meta?.ls_model_name) ?? str(params?.model) ?? str(params?.model_name) ?? serializedName(llm) ?? '',
      operation,
      temperature: num(meta?.ls_temperature) ?? num(params?.temperature),
      maxTokens: num(meta?.ls_max_tokens) ?? num(params?.max_tokens),
      stream: params?.stream === true ? true : undefined,
      messages,
    };
    let handle: LLMCallHandle | undefined;
    const run = this.begin(runId, parentRunId, (work) =>
      withLLMCall(request, (call) => {
        handle = call;
        return work(call.span);
      }),
    );
    if (run !== undefined) run.llm = handle;
  }

  handleChatModelStart(llm: unknown, messages: unknown[][], runId: string, parentRunId?: string, extraParams?: unknown, _tags?: string[], metadata?: unknown): void {
    this.startModelRun(llm, (messages[0] ?? []).map(messageOf), runId, parentRunId, extraParams, metadata, 'chat');
  }

  handleLLMStart(llm: unknown, prompts: string[], runId: string, parentRunId?: string, extraParams?: unknown, _tags?: string[], metadata?: unknown): void {
    this.startModelRun(llm, prompts.map((prompt) => ({ role: 'user', content: prompt })), runId, parentRunId, extraParams, metadata, 'text_completion');
  }

  handleLLMNewToken(_token: string, _index: unknown, runId: string): void {
    this.runs.get(runId)?.llm?.recordChunk();
  }

  handleLLMEnd(output: unknown, runId: string): void {
    const run = this.runs.get(runId);
    if (run?.llm !== undefined) {
      const value = obj(output);
      run.llm.setUsage(usageOf(value));
      const response = responseOf(value);
      run.llm.setResponse({ ...response, id: response.id });
    }
    this.end(runId);
  }

  handleLLMError(error: unknown, runId: string): void {
    this.end(runId, error);
  }

  handleChainStart(chain: unknown, _inputs: unknown, runId: string, parentRunId?: string, _tags?: string[], metadata?: unknown, _runType?: string, runName?: string): void {
    const name = runName ?? serializedName(chain) ?? 'chain';
    const isAgent = /agent/i.test(name) || str(obj(metadata)?.langgraph_node) === 'agent';
    // Every runnable in a chain is a chain run; only agents and the outermost chain become spans. The others pass
    // their parent's context on, so that what runs inside them nests under the nearest span.
    if (!isAgent && parentRunId !== undefined) {
      const parent = this.runs.get(parentRunId)?.context ?? context.active();
      this.runs.set(runId, { context: parent, finish: () => undefined, fail: () => undefined });
      return;
    }
    this.begin(runId, parentRunId, (work) => (isAgent ? withAgent({ name }, work) : withWorkflow({ name }, work)));
  }

  handleChainEnd(_outputs: unknown, runId: string): void {
    this.end(runId);
  }

  handleChainError(error: unknown, runId: string): void {
    this.end(runId, error);
  }

  handleToolStart(tool: unknown, input: string, runId: string, parentRunId?: string, _tags?: string[], _metadata?: unknown, runName?: string, toolCallId?: string): void {
    const name = runName ?? serializedName(tool) ?? 'tool';
    const description = str(obj(tool)?.description) ?? str(obj(obj(tool)?.kwargs)?.description);
    this.begin(runId, parentRunId, (work) => withToolCall({ name, callId: toolCallId, description, arguments: input }, work));
  }

  handleToolEnd(_output: unknown, runId: string): void {
    this.end(runId);
  }

  handleToolError(error: unknown, runId: string): void {
    this.end(runId, error);
  }

  handleRetrieverStart(retriever: unknown, query: string, runId: string, parentRunId?: string, _tags?: string[], _metadata?: unknown, name?: string): void {
    const dataSourceId = name ?? serializedName(retriever) ?? 'retriever';
    this.begin(runId, parentRunId, (work) => withRetrieval({ dataSourceId, query }, work));
  }

  handleRetrieverEnd(_documents: unknown, runId: string): void {
    this.end(runId);
  }

  handleRetrieverError(error: unknown, runId: string): void {
    this.end(runId, error);
  }
}
