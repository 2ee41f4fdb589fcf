import { context, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { setActiveContextResolver, storedActiveContext } from '../context/agents-context.ts';
import { withLLMCall } from '../genai/llm.ts';
import {
  ATTR_GENAI_OTEL_LANGGRAPH_NODE,
  ATTR_GENAI_OTEL_LANGGRAPH_PATH,
  ATTR_GENAI_OTEL_LANGGRAPH_STEP,
  ATTR_GENAI_OTEL_LANGGRAPH_TRIGGERS,
} from '../attributes/names.ts';
import { withAgent, withRetrieval, withSpan, withToolCall, withWorkflow } from '../genai/operations.ts';
import { isObject } from '../attributes/safe-values.ts';
import type { ChatMessage, LLMCallHandle, LLMRequest, TokenUsage } from '../genai/llm-types.ts';
import { errorOnce } from '../core/diagnostics.ts';
import { currentStatus } from '../core/state.ts';
import { conventionProviderName } from './ai-sdk.ts';

type Json = Record<string, unknown>;
const obj = (value: unknown): Json | undefined => (isObject(value) && !Array.isArray(value) ? value : undefined);
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

interface Run {
  /** The context children of this run start in. */
  context: Context;
  /** OpenTelemetry's own active context when the run started: code inside the run that set none still sees it. */
  stored: Context;
  /** The LangGraph task the run belongs to (node, step and checkpoint namespace), to tell a node from its inner runs. */
  task?: string;
  llm?: LLMCallHandle;
  finish(): void;
  fail(error: unknown): void;
}

/**
 * The runs in progress, shared by every handler (the one the preload injects and any passed by hand): LangChain
 * copies handlers for child runs, and the active-context lookup below finds a run by its id whichever handler began it.
 * Process-wide: an ES module app's `import { GenAICallbackHandler } from 'genai-otel'` is another copy of this module
 * than the preload's.
 */
const RUNS_KEY = Symbol.for('genai-otel.langchain.runs');
const runs: Map<string, Run> =
  ((globalThis as Record<symbol, unknown>)[RUNS_KEY] as Map<string, Run> | undefined) ?? new Map<string, Run>();
(globalThis as Record<symbol, unknown>)[RUNS_KEY] = runs;

// Where @langchain/core keeps the config of the runnable running now: its AsyncLocalStorage (a process global, shared
// by its CommonJS and ES module copies) holds a run tree whose `extra` carries the config under this key.
const LANGCHAIN_STORAGE = Symbol.for('ls:tracing_async_local_storage');
const LANGCHAIN_CHILD_CONFIG = Symbol.for('lc:child_config');

/**
 * The context of the LangChain run whose code runs now (a graph node's function, a tool's body), so that the spans
 * started inside it (the LLM client's, the app's) are its children: LangChain notifies handlers but does not run the
 * runnable inside them. The run is found by the parent run id of the callback manager in LangChain's current config.
 * A context the code set itself (a span it started inside the run) is kept.
 *
 * @example
 * setActiveContextResolver('langchain', langChainActiveContext);
 */
export function langChainActiveContext(stored: Context): Context | undefined {
  if (runs.size === 0) return undefined;
  const storage = (globalThis as Record<symbol, unknown>)[LANGCHAIN_STORAGE] as
    { getStore?: () => unknown } | undefined;
  if (typeof storage?.getStore !== 'function') return undefined;
  const config = obj(obj(obj(storage.getStore())?.extra)?.[LANGCHAIN_CHILD_CONFIG as unknown as string]);
  const callbacks = obj(config?.callbacks) as { getParentRunId?: () => unknown } | undefined;
  const parentRunId = typeof callbacks?.getParentRunId === 'function' ? callbacks.getParentRunId() : undefined;
  const run = typeof parentRunId === 'string' ? runs.get(parentRunId) : undefined;
  return run !== undefined && run.stored === stored ? run.context : undefined;
}

/**
 * The context of the run that called a chat model, from the callbacks LangChain passes it (`options.callbacks`, the
 * caller's child manager): a model that is a step of a chain (`prompt.pipe(model)`) runs with no LangChain config in
 * its async-local storage, so without this its client's span would start a trace of its own.
 *
 * @example
 * const parent = callerRunContext(options); // the chain's span, or undefined
 */
export function callerRunContext(options: unknown): Context | undefined {
  if (runs.size === 0) return undefined;
  const callbacks = obj(obj(options)?.callbacks) as { getParentRunId?: () => unknown } | undefined;
  const parentRunId = typeof callbacks?.getParentRunId === 'function' ? callbacks.getParentRunId() : undefined;
  return typeof parentRunId === 'string' ? runs.get(parentRunId)?.context : undefined;
}

/** LangGraph's metadata on the runs of a node (and inherited by every run inside it). */
function graphTaskOf(
  metadata: unknown,
): { node: string; step?: number; triggers?: string[]; path?: string[]; task: string } | undefined {
  const meta = obj(metadata);
  const node = str(meta?.langgraph_node);
  if (node === undefined) return undefined;
  const step = typeof meta?.langgraph_step === 'number' ? meta.langgraph_step : undefined;
  const strings = (value: unknown) =>
    Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined;
  const path = Array.isArray(meta?.langgraph_path) ? meta.langgraph_path.map(String) : undefined;
  return {
    node,
    step,
    triggers: strings(meta?.langgraph_triggers),
    path,
    task: `${node}|${String(step)}|${str(meta?.langgraph_checkpoint_ns) ?? ''}`,
  };
}

export interface GenAICallbackHandlerOptions {
  /**
   * `auto` (default): chat model and LLM runs get a span unless their provider's client is already traced by
   * genai-otel's automatic instrumentation (openai, anthropic, Bedrock Converse): that client span, a child of the node or chain that
   * made the call, records the call once. `all`: kept for compatibility, the same as `auto` (a second span for a
   * traced call counted its usage, cost and metrics twice).
   */
  llmRuns?: 'auto' | 'all';
}

/** `ls_provider` values of LangChain's model integrations whose clients the automatic instrumentation traces. */
const AUTO_TRACED: Record<string, string> = {
  openai: 'openai',
  azure: 'openai',
  azure_openai: 'openai',
  anthropic: 'anthropic',
  // @langchain/aws's ChatBedrockConverse calls the Bedrock Runtime client's Converse commands.
  amazon_bedrock: 'bedrock',
};

/** The name of a LangChain `Serialized` object (`{ id: ['langchain', 'chat_models', 'openai', 'ChatOpenAI'] }`). */
function serializedName(serialized: unknown): string | undefined {
  const value = obj(serialized);
  if (str(value?.name) !== undefined) return str(value?.name);
  const id = value?.id;
  return Array.isArray(id) ? str(id[id.length - 1]) : undefined;
}

function messageOf(message: unknown): ChatMessage {
  const value = obj(message);
  const type =
    typeof (value as { _getType?: unknown })?._getType === 'function'
      ? (value as { _getType(): string })._getType()
      : str(value?.type);
  const role =
    type === 'human'
      ? 'user'
      : type === 'ai'
        ? 'assistant'
        : type === 'system'
          ? 'system'
          : type === 'tool'
            ? 'tool'
            : (type ?? 'user');
  return { role, content: value?.content };
}

/** Usage of a LangChain `LLMResult`: the message's `usage_metadata` (chat models), else `llmOutput.tokenUsage`. */
function usageOf(output: Json | undefined): TokenUsage {
  const generation = obj(
    Array.isArray(output?.generations) && Array.isArray(output.generations[0]) ? output.generations[0][0] : undefined,
  );
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
  const generation = obj(
    Array.isArray(output?.generations) && Array.isArray(output.generations[0]) ? output.generations[0][0] : undefined,
  );
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
 * What a run's span waits for: settled by the handler when LangChain reports the run's end or error. A thenable rather
 * than a promise: the span helpers only call its `then`, and a run (LangGraph makes about thirty per graph run) then
 * costs no promise, no microtask and no async-hook call; the span ends as the run ends, not a turn later.
 */
class RunSettlement implements PromiseLike<void> {
  private onDone: (() => unknown) | undefined;
  private onFail: ((error: unknown) => unknown) | undefined;
  private outcome: { failed: boolean; error: unknown } | undefined;

  then<A = void, B = never>(
    onDone?: ((value: void) => A | PromiseLike<A>) | null,
    onFail?: ((error: unknown) => B | PromiseLike<B>) | null,
  ): PromiseLike<A | B> {
    this.onDone = onDone ?? undefined;
    this.onFail = onFail ?? undefined;
    if (this.outcome !== undefined) this.report(this.outcome);
    // The span helpers ignore what `then` returns.
    return this as unknown as PromiseLike<A | B>;
  }

  settle(failed: boolean, error: unknown): void {
    if (this.outcome !== undefined) return;
    this.outcome = { failed, error };
    this.report(this.outcome);
  }

  private report(outcome: { failed: boolean; error: unknown }): void {
    const done = this.onDone;
    const fail = this.onFail;
    this.onDone = undefined;
    this.onFail = undefined;
    if (outcome.failed) fail?.(outcome.error);
    else done?.();
  }
}

/**
 * A LangChain JS callback handler that turns runs into genai-otel spans and metrics: chat model and LLM runs into LLM
 * calls (`chat {model}`, with usage, cost and streaming timing), tools into `execute_tool`, retrievers into
 * `retrieval`, the outermost chain (a graph run) into `invoke_workflow` (`invoke_agent` when named an agent) and
 * LangGraph nodes into `langgraph.node {node}`, nested as LangChain nests its runs. The preload adds it to every run
 * (langchain-auto.ts); pass it by hand only without the preload. It needs no import of `@langchain/core` (LangChain
 * accepts any object with the handler fields).
 *
 * @example
 * import { GenAICallbackHandler } from 'genai-otel';
 * const answer = await chain.invoke(input, { callbacks: [new GenAICallbackHandler()] });
 */
export class GenAICallbackHandler {
  readonly name = 'GenAICallbackHandler';
  // The fields LangChain reads on every handler.
  // Awaited: LangChain then calls the handler before the run's code starts (not from its background queue), so the
  // run's span exists when the code inside looks for it. The handler only starts and ends spans, synchronously.
  readonly awaitHandlers = true;
  readonly raiseError = false;
  readonly ignoreLLM = false;
  readonly ignoreChain = false;
  readonly ignoreAgent = false;
  readonly ignoreRetriever = false;
  readonly ignoreCustomEvent = true;

  constructor(_options: GenAICallbackHandlerOptions = {}) {
    // A handler passed by hand (the automatic one turned off) still makes its runs the active context of their code.
    setActiveContextResolver('langchain', langChainActiveContext);
  }

  /** LangChain copies handlers for child runs; the copies share the runs in progress. */
  copy(): this {
    return this;
  }

  private begin(
    runId: string,
    parentRunId: string | undefined,
    start: (work: (span: Span) => RunSettlement) => unknown,
  ): Run | undefined {
    try {
      const stored = storedActiveContext();
      const parent = (parentRunId === undefined ? undefined : runs.get(parentRunId)?.context) ?? context.active();
      const settlement = new RunSettlement();
      const run: Run = {
        context: parent,
        stored,
        finish: () => settlement.settle(false, undefined),
        fail: (error) => settlement.settle(true, error),
      };
      context.with(parent, () =>
        start((span) => {
          run.context = trace.setSpan(parent, span);
          return settlement;
        }),
      );
      runs.set(runId, run);
      return run;
    } catch (error) {
      errorOnce('langchain:start', 'GenAICallbackHandler could not start a span', error);
      return undefined;
    }
  }

  private end(runId: string, error?: unknown): Run | undefined {
    const run = runs.get(runId);
    runs.delete(runId);
    if (run !== undefined) {
      if (error === undefined) run.finish();
      else run.fail(error);
    }
    return run;
  }

  private startModelRun(
    llm: unknown,
    messages: ChatMessage[],
    runId: string,
    parentRunId: string | undefined,
    extraParams: unknown,
    metadata: unknown,
    operation: 'chat' | 'text_completion',
  ): void {
    const meta = obj(metadata);
    const params = obj(obj(extraParams)?.invocation_params);
    const lsProvider = str(meta?.ls_provider);
    const autoTraced = lsProvider === undefined ? undefined : AUTO_TRACED[lsProvider];
    if (autoTraced !== undefined && currentStatus()?.instrumentations.includes(autoTraced) === true) return;
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

  handleChatModelStart(
    llm: unknown,
    messages: unknown[][],
    runId: string,
    parentRunId?: string,
    extraParams?: unknown,
    _tags?: string[],
    metadata?: unknown,
  ): void {
    this.startModelRun(llm, (messages[0] ?? []).map(messageOf), runId, parentRunId, extraParams, metadata, 'chat');
  }

  handleLLMStart(
    llm: unknown,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: unknown,
    _tags?: string[],
    metadata?: unknown,
  ): void {
    this.startModelRun(
      llm,
      prompts.map((prompt) => ({ role: 'user', content: prompt })),
      runId,
      parentRunId,
      extraParams,
      metadata,
      'text_completion',
    );
  }

  handleLLMNewToken(_token: string, _index: unknown, runId: string): void {
    runs.get(runId)?.llm?.recordChunk();
  }

  handleLLMEnd(output: unknown, runId: string): void {
    const run = runs.get(runId);
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

  handleChainStart(
    chain: unknown,
    _inputs: unknown,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: unknown,
    _runType?: string,
    runName?: string,
  ): void {
    const name = runName ?? serializedName(chain) ?? 'chain';
    const parentRun = parentRunId === undefined ? undefined : runs.get(parentRunId);
    // A LangGraph node: the first run of a task (LangGraph's metadata names it; every run inside inherits the same).
    const graphTask = graphTaskOf(metadata);
    // LangGraph's own tasks (`__start__`, which writes the input to the state) are not the app's nodes: no span.
    if (graphTask !== undefined && parentRun?.task !== graphTask.task && !graphTask.node.startsWith('__')) {
      const attributes: Attributes = { [ATTR_GENAI_OTEL_LANGGRAPH_NODE]: graphTask.node };
      if (graphTask.step !== undefined) attributes[ATTR_GENAI_OTEL_LANGGRAPH_STEP] = graphTask.step;
      if (graphTask.triggers !== undefined) attributes[ATTR_GENAI_OTEL_LANGGRAPH_TRIGGERS] = graphTask.triggers;
      if (graphTask.path !== undefined) attributes[ATTR_GENAI_OTEL_LANGGRAPH_PATH] = graphTask.path;
      const run = this.begin(runId, parentRunId, (work) =>
        withSpan(`langgraph.node ${graphTask.node}`, work, { attributes }),
      );
      if (run !== undefined) run.task = graphTask.task;
      return;
    }
    // Every runnable in a chain is a chain run; only the outermost chain (a graph run, an agent) becomes a span. The
    // others pass their parent's context on, so that what runs inside them nests under the nearest span.
    if (parentRunId !== undefined) {
      const parent = parentRun?.context ?? context.active();
      runs.set(runId, {
        context: parent,
        stored: storedActiveContext(),
        task: graphTask?.task,
        finish: () => undefined,
        fail: () => undefined,
      });
      return;
    }
    this.begin(runId, parentRunId, (work) =>
      /agent/i.test(name) ? withAgent({ name }, work) : withWorkflow({ name }, work),
    );
  }

  handleChainEnd(_outputs: unknown, runId: string): void {
    this.end(runId);
  }

  handleChainError(error: unknown, runId: string): void {
    this.end(runId, error);
  }

  handleToolStart(
    tool: unknown,
    input: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    _metadata?: unknown,
    runName?: string,
    toolCallId?: string,
  ): void {
    const name = runName ?? serializedName(tool) ?? 'tool';
    const description = str(obj(tool)?.description) ?? str(obj(obj(tool)?.kwargs)?.description);
    this.begin(runId, parentRunId, (work) =>
      withToolCall({ name, callId: toolCallId, description, arguments: input }, work),
    );
  }

  handleToolEnd(_output: unknown, runId: string): void {
    this.end(runId);
  }

  handleToolError(error: unknown, runId: string): void {
    this.end(runId, error);
  }

  handleRetrieverStart(
    retriever: unknown,
    query: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    _metadata?: unknown,
    name?: string,
  ): void {
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

// Never harm the app: LangChain logs a handler's error on every call (console.warn); ours is logged once, here.
for (const key of Object.getOwnPropertyNames(GenAICallbackHandler.prototype)) {
  if (!key.startsWith('handle')) continue;
  const prototype = GenAICallbackHandler.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = prototype[key]!;
  Object.defineProperty(prototype, key, {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function guarded(this: unknown, ...args: unknown[]): unknown {
      try {
        return original.apply(this, args);
      } catch (error) {
        errorOnce(
          `langchain:${key}`,
          `GenAICallbackHandler.${key} failed; that LangChain run may miss its span`,
          error,
        );
        return undefined;
      }
    },
  });
}
