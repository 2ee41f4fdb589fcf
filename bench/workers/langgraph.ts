// Row L: one LangGraph run in LangGraph's documented style (a StateGraph with a model node, "agent": a ChatOpenAI bound
// to 2 tools, and a ToolNode, "tools", looping until the model answers: 3 model calls made by the real `openai` client,
// whose endpoint answers in process, so the figure is CPU, not a network's) under three sides in the same process,
// alternating in rounds: telemetry off; genai-otel (its LangChain handler injected into every callback manager and
// its context resolver, the openai instrumentation and the span processor that completes its spans, as the preload
// installs them); and a hand-written LangChain callback handler, passed to `invoke()`, making one plain OTel span per
// step (graph, node, model call, tool) with as many attributes as genai-otel's spans carry.
// Prints one JSON line: median CPU µs per run per side, the medians of the per-round added CPU, and the checks made.
import { createRequire } from 'node:module';
import { context, trace, ROOT_CONTEXT, SpanKind, type Attributes, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ResolvingContextManager } from '../../src/context/agents-context.ts';
import { resolveConfig } from '../../src/config/resolve.ts';
import { setState, startedState } from '../../src/core/state.ts';
import { createLangChainInstrumentation } from '../../src/instrumentations/langchain-auto.ts';
import { LLMSpanProcessor } from '../../src/instrumentations/llm-span-processor.ts';
import { createOpenAIInstrumentation } from '../../src/instrumentations/openai.ts';
import { fakeOpenAIFetch, FINAL_ANSWER } from '../lib/fake-openai-fetch.ts';
import { startInProcessSdk } from '../lib/in-process-sdk.ts';
import { median, measureSides } from '../lib/side-rounds.ts';
import { threadMillis } from '../../test/support/cpu-clock.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
// Uncounted rounds first: the JIT speeds every side up for a few hundred runs.
const WARMUP_ROUNDS = Number(process.env.BENCH_WARMUP_ROUNDS ?? 5);

// --- the SDK, as start() wires it, minus the network ---------------------------------------------------------------
const sdk = startInProcessSdk({
  contextManager: new ResolvingContextManager(new AsyncLocalStorageContextManager()),
  spanProcessors: [new LLMSpanProcessor({ openai: true, aiSdk: false })],
});
// As start() records it: the openai client is traced automatically, so the handler leaves model calls to its spans.
const state = startedState(resolveConfig({}).config, false);
state.status.instrumentations.push('openai', 'langchain');
setState(state);
// Both instrumentations patch when the modules load (require hook); the off and plain sides disable them.
const instrumentations = [createOpenAIInstrumentation({ captureContent: 'none' }), createLangChainInstrumentation()];
const require = createRequire(import.meta.url);
const { StateGraph, MessagesAnnotation, START, END } =
  require('@langchain/langgraph') as typeof import('@langchain/langgraph');
const { ToolNode } = require('@langchain/langgraph/prebuilt') as typeof import('@langchain/langgraph/prebuilt');
const { ChatOpenAI } = require('@langchain/openai') as typeof import('@langchain/openai');
const { tool } = require('@langchain/core/tools') as typeof import('@langchain/core/tools');
const { z } = require('zod') as typeof import('zod');

// --- the plain handler ---------------------------------------------------------------------------------------------
const tracer = trace.getTracer('bench-baseline');
const MODEL = 'gpt-4o-mini';
type Json = Record<string, unknown>;

/**
 * One plain span per graph, node, model call and tool, nested by LangChain's parent run ids, with as many attributes
 * as genai-otel's: what a user's minimal handler would make. A node is the first run of a LangGraph task (its
 * metadata names the node); the runs inside it and LangGraph's own tasks pass their parent's span on.
 */
class PlainHandler {
  readonly name = 'PlainHandler';
  readonly awaitHandlers = true;
  private readonly runs = new Map<string, { span?: Span; parent?: Span; task?: string }>();

  copy(): this {
    return this;
  }
  private parentOf(parentRunId: string | undefined): Span | undefined {
    const parent = parentRunId === undefined ? undefined : this.runs.get(parentRunId);
    return parent?.span ?? parent?.parent;
  }
  private start(runId: string, parentRunId: string | undefined, name: string, attributes: Attributes, kind = 0) {
    const parent = this.parentOf(parentRunId);
    const span = tracer.startSpan(
      name,
      { attributes, kind },
      parent === undefined ? context.active() : trace.setSpan(ROOT_CONTEXT, parent),
    );
    this.runs.set(runId, { span });
    return span;
  }
  private end(runId: string) {
    this.runs.get(runId)?.span?.end();
    this.runs.delete(runId);
  }
  handleChainStart(
    _chain: unknown,
    _inputs: unknown,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: Json,
    _runType?: string,
    runName?: string,
  ) {
    const node = metadata?.langgraph_node as string | undefined;
    const task = node === undefined ? undefined : `${node}|${String(metadata?.langgraph_step)}`;
    if (parentRunId === undefined) {
      this.start(runId, parentRunId, `invoke_workflow ${runName}`, {
        'gen_ai.operation.name': 'invoke_workflow',
        'gen_ai.workflow.name': runName ?? 'graph',
      });
    } else if (task !== undefined && !node!.startsWith('__') && this.runs.get(parentRunId)?.task !== task) {
      this.start(runId, parentRunId, `langgraph.node ${node}`, {
        'genai_otel.langgraph.node': node!,
        'genai_otel.langgraph.step': metadata?.langgraph_step,
        'genai_otel.langgraph.triggers': metadata?.langgraph_triggers,
        'genai_otel.langgraph.path': (metadata?.langgraph_path as unknown[]).map(String),
      });
      this.runs.get(runId)!.task = task;
    } else this.runs.set(runId, { parent: this.parentOf(parentRunId), task });
  }
  handleChainEnd(_outputs: unknown, runId: string) {
    this.end(runId);
  }
  handleChatModelStart(_llm: unknown, _messages: unknown, runId: string, parentRunId?: string) {
    this.start(
      runId,
      parentRunId,
      `chat ${MODEL}`,
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.system': 'openai',
        'gen_ai.request.model': MODEL,
        'server.address': '127.0.0.1',
        'server.port': 9,
      },
      SpanKind.CLIENT,
    );
  }
  handleLLMEnd(output: { generations?: { message?: Json; generationInfo?: Json }[][] }, runId: string) {
    const generation = output.generations?.[0]?.[0];
    const message = generation?.message as
      | { id?: string; usage_metadata?: { input_tokens?: number; output_tokens?: number }; response_metadata?: Json }
      | undefined;
    const input = message?.usage_metadata?.input_tokens ?? 0;
    const outputTokens = message?.usage_metadata?.output_tokens ?? 0;
    this.runs.get(runId)?.span?.setAttributes({
      'gen_ai.response.model': String(message?.response_metadata?.model_name ?? ''),
      'gen_ai.response.id': message?.id ?? '',
      'gen_ai.response.finish_reasons': [String(generation?.generationInfo?.finish_reason ?? '')],
      'gen_ai.usage.input_tokens': input,
      'gen_ai.usage.output_tokens': outputTokens,
      'genai_otel.cost.usd': (input * 0.15 + outputTokens * 0.6) / 1e6,
    });
    this.end(runId);
  }
  handleToolStart(
    _tool: unknown,
    _input: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    _metadata?: unknown,
    runName?: string,
    toolCallId?: string,
  ) {
    this.start(runId, parentRunId, `execute_tool ${runName}`, {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': runName ?? 'tool',
      'gen_ai.tool.call.id': toolCallId ?? '',
    });
  }
  handleToolEnd(_output: unknown, runId: string) {
    this.end(runId);
  }
}
const plain = new PlainHandler();

// --- the run -------------------------------------------------------------------------------------------------------
const lookupOrder = tool(async ({ order_id }) => `${order_id}: shipped`, {
  name: 'lookup_order',
  description: 'Finds an order',
  schema: z.object({ order_id: z.string() }),
});
const shippingEta = tool(async ({ carrier }) => `${carrier}: 2 days`, {
  name: 'shipping_eta',
  description: 'Tells when a parcel arrives',
  schema: z.object({ order_id: z.string(), carrier: z.string() }),
});
const model = new ChatOpenAI({
  model: MODEL,
  apiKey: 'bench',
  maxRetries: 0,
  configuration: { baseURL: 'http://127.0.0.1:9/v1', fetch: fakeOpenAIFetch },
}).bindTools([lookupOrder, shippingEta]);
const graph = new StateGraph(MessagesAnnotation)
  .addNode('agent', async (state) => ({ messages: [await model.invoke(state.messages)] }))
  .addNode('tools', new ToolNode([lookupOrder, shippingEta]))
  .addEdge(START, 'agent')
  .addConditionalEdges(
    'agent',
    (state) => ((state.messages.at(-1) as { tool_calls?: unknown[] }).tool_calls?.length ? 'tools' : END),
    ['tools', END],
  )
  .addEdge('tools', 'agent')
  .compile({ name: 'order graph' });

const sides: Record<string, { on: boolean; callbacks?: unknown[] }> = {
  off: { on: false },
  'genai-otel': { on: true },
  plain: { on: false, callbacks: [plain] },
};

async function block(name: string, runs: number): Promise<number> {
  sdk.sides.current = name;
  const side = sides[name]!;
  for (const instrumentation of instrumentations) {
    if (side.on) instrumentation.enable();
    else instrumentation.disable();
  }
  const input = { messages: [{ role: 'user', content: 'Where is my order A-1?' }] };
  const config = side.callbacks === undefined ? {} : { callbacks: side.callbacks as never };
  const before = threadMillis();
  for (let index = 0; index < runs; index++) {
    const result = await graph.invoke(input, config);
    const answer = result.messages.at(-1)?.content;
    if (answer !== FINAL_ANSWER || result.messages.length !== 6) throw new Error(`unexpected answer ${String(answer)}`);
  }
  await sdk.tracerProvider.forceFlush();
  return ((threadMillis() - before) * 1000) / runs;
}

// BENCH_SIDES=genai-otel (a comma list) runs only those: for a profile of one side.
if (process.env.BENCH_SIDES !== undefined) {
  const names = process.env.BENCH_SIDES.split(',');
  for (const name of names) await block(name, Math.max(10, RUNS / 5));
  const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) for (const name of names) times[name]!.push(await block(name, RUNS));
  console.log(JSON.stringify(Object.fromEntries(names.map((name) => [name, median(times[name]!)]))));
  process.exit(0);
}
const result = await measureSides({
  rounds: ROUNDS,
  warmupRounds: WARMUP_ROUNDS,
  block: (name) => block(name, RUNS),
  afterWarmup: () => sdk.sides.spans.clear(),
});
const checks: string[] = [];
// Per run: the graph, 5 nodes (agent, tools, agent, tools, agent), 3 model calls, 2 tools.
const expected = RUNS * ROUNDS * 11;
for (const name of ['genai-otel', 'plain'])
  if ((sdk.sides.spans.get(name) ?? 0) !== expected)
    checks.push(`${name} made ${sdk.sides.spans.get(name)} spans, not ${expected}`);
if ((sdk.sides.spans.get('off') ?? 0) !== 0) checks.push(`off made ${sdk.sides.spans.get('off')} spans`);
console.log(JSON.stringify({ ...result, checks }));
