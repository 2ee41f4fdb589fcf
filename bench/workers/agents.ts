// Row A: one OpenAI Agents SDK run (an agent, 2 function tools, 3 model calls made by the real `openai` client through
// the SDK's OpenAIChatCompletionsModel; the endpoint answers in process, so the figure is CPU, not a network's) under
// three sides in the same process, alternating in rounds: telemetry off; genai-otel (its Agents SDK processor and
// context resolver, the openai instrumentation and the span processor that completes its spans, as the preload
// installs them); and a hand-written processor making one plain OTel span per step (workflow, agent, each tool, each
// model call) with as many attributes as genai-otel's spans carry.
// Prints one JSON line: median CPU µs per run per side, the medians of the per-round added CPU, and the checks made.
import { createRequire } from 'node:module';
import type * as AgentsCore from '@openai/agents-core';
import { context, trace, ROOT_CONTEXT, type Attributes, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ResolvingContextManager, setActiveContextResolver } from '../../src/context/agents-context.ts';
import { LLMSpanProcessor } from '../../src/instrumentations/llm-span-processor.ts';
import { OpenAIAgentsProcessor } from '../../src/instrumentations/openai-agents-processor.ts';
import { readToolCalls } from '../../src/instrumentations/openai-agents.ts';
import { createOpenAIInstrumentation } from '../../src/instrumentations/openai.ts';
import { threadMillis } from '../../test/support/cpu-clock.ts';
import { fakeOpenAIFetch, FINAL_ANSWER } from '../lib/fake-openai-fetch.ts';
import { startInProcessSdk } from '../lib/in-process-sdk.ts';
import { median, measureSides } from '../lib/side-rounds.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 60);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);
// Uncounted rounds first: the JIT speeds every side up for a few hundred runs.
const WARMUP_ROUNDS = Number(process.env.BENCH_WARMUP_ROUNDS ?? 5);

// --- the SDK, as start() wires it, minus the network ---------------------------------------------------------------
const sdk = startInProcessSdk({
  contextManager: new ResolvingContextManager(new AsyncLocalStorageContextManager()),
  spanProcessors: [new LLMSpanProcessor({ openai: true, aiSdk: false })],
});
// The openai instrumentation patches the client when it loads (require hook); off and plain sides disable it.
const openaiInstrumentation = createOpenAIInstrumentation({ captureContent: 'none' });
const require = createRequire(import.meta.url);
const { OpenAI } = require('openai') as typeof import('openai');
const agents = require('@openai/agents-core') as typeof AgentsCore;
const { OpenAIChatCompletionsModel } = require('@openai/agents-openai') as typeof import('@openai/agents-openai');
const { z } = require('zod') as typeof import('zod');

// --- the processors ------------------------------------------------------------------------------------------------
const genaiOtel = new OpenAIAgentsProcessor({
  span: () => agents.getCurrentSpan(),
  trace: () => agents.getCurrentTrace(),
});
// The preload also reads the SDK's agent_start / agent_tool_start events (tool call ids, descriptions).
readToolCalls(agents.Runner.prototype, genaiOtel);

const tracer = trace.getTracer('bench-baseline');
const MODEL = 'gpt-4o-mini';
const descriptions = new Map<string, string>();

/**
 * One plain span per workflow, agent, tool and model call, nested by the SDK's parent ids, with as many attributes
 * as genai-otel's: what a user's minimal processor would make.
 */
class PlainProcessor {
  private readonly spans = new Map<string, Span>();
  private start(id: string, name: string, attributes: Attributes, parentId: string | undefined, kind = 0): void {
    const parent = parentId === undefined ? undefined : this.spans.get(parentId);
    this.spans.set(
      id,
      tracer.startSpan(
        name,
        { attributes, kind },
        parent === undefined ? context.active() : trace.setSpan(ROOT_CONTEXT, parent),
      ),
    );
  }
  async onTraceStart(t: AgentsCore.Trace) {
    this.start(
      t.traceId,
      `invoke_workflow ${t.name}`,
      { 'gen_ai.operation.name': 'invoke_workflow', 'gen_ai.workflow.name': t.name },
      undefined,
    );
  }
  async onTraceEnd(t: AgentsCore.Trace) {
    this.spans.get(t.traceId)?.end();
    this.spans.delete(t.traceId);
  }
  async onSpanStart(s: AgentsCore.Span<AgentsCore.SpanData>) {
    const data = s.spanData;
    const parent = s.parentId ?? s.traceId;
    // Under the closest ancestor that has a span (task and turn spans have none).
    const parentId = this.spans.has(parent) ? parent : [...this.spans.keys()].pop();
    if (data.type === 'agent')
      this.start(
        s.spanId,
        `invoke_agent ${data.name}`,
        { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': data.name, 'gen_ai.provider.name': 'openai' },
        parentId,
      );
    else if (data.type === 'function')
      this.start(
        s.spanId,
        `execute_tool ${data.name}`,
        {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': data.name,
          'gen_ai.tool.type': 'function',
          'gen_ai.tool.call.id': `call_${data.name}`,
          'gen_ai.tool.description': descriptions.get(data.name) ?? '',
        },
        parentId,
      );
    else if (data.type === 'generation')
      this.start(
        s.spanId,
        `chat ${MODEL}`,
        {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.system': 'openai',
          'gen_ai.request.model': MODEL,
          'server.address': '127.0.0.1',
          'server.port': 9,
        },
        parentId,
        2,
      );
  }
  async onSpanEnd(s: AgentsCore.Span<AgentsCore.SpanData>) {
    const span = this.spans.get(s.spanId);
    if (span === undefined) return;
    this.spans.delete(s.spanId);
    const data = s.spanData;
    if (data.type === 'agent') span.setAttribute('gen_ai.agent.tools', data.tools ?? []);
    else if (data.type === 'generation') {
      // The SDK keeps the raw chat completion as the generation's output.
      const response = (data.output?.[0] ?? {}) as {
        id?: string;
        model?: string;
        choices?: { finish_reason?: string }[];
        usage?: { prompt_tokens?: number; completion_tokens?: number };
      };
      const input = response.usage?.prompt_tokens ?? 0;
      const output = response.usage?.completion_tokens ?? 0;
      span.setAttributes({
        'gen_ai.response.model': response.model ?? '',
        'gen_ai.response.id': response.id ?? '',
        'gen_ai.response.finish_reasons': (response.choices ?? []).map((choice) => choice.finish_reason ?? ''),
        'gen_ai.usage.input_tokens': input,
        'gen_ai.usage.output_tokens': output,
        'genai_otel.cost.usd': (input * 0.15 + output * 0.6) / 1e6,
      });
    }
    span.end();
  }
  async shutdown() {}
  async forceFlush() {}
}
const plain = new PlainProcessor();

// --- the run -------------------------------------------------------------------------------------------------------
const client = new OpenAI({ apiKey: 'bench', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0, fetch: fakeOpenAIFetch });
const model = new OpenAIChatCompletionsModel(client, MODEL);
const lookup = agents.tool({
  name: 'lookup_order',
  description: 'Finds an order',
  parameters: z.object({ order_id: z.string() }),
  execute: async ({ order_id }) => `${order_id}: shipped`,
});
const eta = agents.tool({
  name: 'shipping_eta',
  description: 'Tells when a parcel arrives',
  parameters: z.object({ order_id: z.string(), carrier: z.string() }),
  execute: async ({ carrier }) => `${carrier}: 2 days`,
});
for (const tool of [lookup, eta]) descriptions.set(tool.name, tool.description);
const agent = new agents.Agent({ name: 'Order assistant', instructions: 'Answer.', model, tools: [lookup, eta] });
const runner = new agents.Runner({ workflowName: 'bench run' });

const sides: Record<string, () => void> = {
  off: () => {
    openaiInstrumentation.disable();
    agents.setTraceProcessors([]);
    genaiOtel.enabled = false;
    setActiveContextResolver('openai-agents', undefined);
  },
  'genai-otel': () => {
    openaiInstrumentation.enable();
    agents.setTraceProcessors([genaiOtel]);
    genaiOtel.enabled = true;
    setActiveContextResolver('openai-agents', (stored) => genaiOtel.resolve(stored));
  },
  plain: () => {
    openaiInstrumentation.disable();
    agents.setTraceProcessors([plain as never]);
    genaiOtel.enabled = false;
    setActiveContextResolver('openai-agents', undefined);
  },
};

async function block(name: string, runs: number): Promise<number> {
  sdk.sides.current = name;
  sides[name]!();
  const before = threadMillis();
  for (let index = 0; index < runs; index++) {
    const result = await runner.run(agent, 'Where is my order A-1?');
    if (result.finalOutput !== FINAL_ANSWER) throw new Error(`unexpected output ${String(result.finalOutput)}`);
  }
  await sdk.tracerProvider.forceFlush();
  return ((threadMillis() - before) * 1000) / runs;
}

// BENCH_SIDES=genai-otel (a comma list) runs only those: for a profile of one side.
if (process.env.BENCH_SIDES !== undefined) {
  const names = process.env.BENCH_SIDES.split(',');
  for (const name of names) await block(name, Math.max(20, RUNS / 2));
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
// Per run: workflow, agent, 2 tools, 3 model calls.
const expected = RUNS * ROUNDS * 7;
for (const name of ['genai-otel', 'plain'])
  if ((sdk.sides.spans.get(name) ?? 0) !== expected)
    checks.push(`${name} made ${sdk.sides.spans.get(name)} spans, not ${expected}`);
if ((sdk.sides.spans.get('off') ?? 0) !== 0) checks.push(`off made ${sdk.sides.spans.get('off')} spans`);
console.log(JSON.stringify({ ...result, checks }));
