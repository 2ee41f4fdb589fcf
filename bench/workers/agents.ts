// Row A: one OpenAI Agents SDK run (an agent, 2 function tools, 3 model calls; the model answers in process, so the
// figure is the SDK's and the telemetry's CPU, not a network's) under three sides in the same process, alternating
// in rounds: no processor (telemetry off), genai-otel's processor (its context resolver on), and a hand-written
// processor making one plain OTel span per step (workflow, agent, each tool) with the same names and attributes.
// Prints one JSON line: median CPU µs per run per side, the medians of the per-round added CPU, and the checks made.
import { context, trace, ROOT_CONTEXT, type Attributes, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { z } from 'zod';
import * as agents from '@openai/agents-core';
import { ResolvingContextManager, setActiveContextResolver } from '../../src/context/agents-context.ts';
import { OpenAIAgentsProcessor } from '../../src/instrumentations/openai-agents-processor.ts';
import { startInProcessSdk } from '../lib/in-process-sdk.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);

// --- the SDK, as start() wires it, minus the network ---------------------------------------------------------------
const sdk = startInProcessSdk({ contextManager: new ResolvingContextManager(new AsyncLocalStorageContextManager()) });

// --- the processors ------------------------------------------------------------------------------------------------
const genaiOtel = new OpenAIAgentsProcessor({
  span: () => agents.getCurrentSpan(),
  trace: () => agents.getCurrentTrace(),
});
const tracer = trace.getTracer('bench-baseline');
/** One plain span per workflow, agent and tool, nested by the SDK's parent ids, the same names and attributes. */
class PlainProcessor {
  private readonly spans = new Map<string, Span>();
  private start(id: string, name: string, attributes: Attributes, parentId: string | undefined): void {
    const parent = parentId === undefined ? undefined : this.spans.get(parentId);
    this.spans.set(
      id,
      tracer.startSpan(
        name,
        { attributes },
        parent === undefined ? context.active() : trace.setSpan(ROOT_CONTEXT, parent),
      ),
    );
  }
  async onTraceStart(t: agents.Trace) {
    this.start(
      t.traceId,
      `invoke_workflow ${t.name}`,
      { 'gen_ai.operation.name': 'invoke_workflow', 'gen_ai.workflow.name': t.name },
      undefined,
    );
  }
  async onTraceEnd(t: agents.Trace) {
    this.spans.get(t.traceId)?.end();
    this.spans.delete(t.traceId);
  }
  async onSpanStart(s: agents.Span<agents.SpanData>) {
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
        { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': data.name, 'gen_ai.tool.type': 'function' },
        parentId,
      );
  }
  async onSpanEnd(s: agents.Span<agents.SpanData>) {
    this.spans.get(s.spanId)?.end();
    this.spans.delete(s.spanId);
  }
  async shutdown() {}
  async forceFlush() {}
}
const plain = new PlainProcessor();

// --- the run -------------------------------------------------------------------------------------------------------
const usage = new agents.Usage({ requests: 1, inputTokens: 90, outputTokens: 30, totalTokens: 120 });
/** Calls each tool once, one per response, then answers: an agent loop of 3 model calls. */
const model: agents.Model = {
  async getResponse(request) {
    const input = Array.isArray(request.input) ? request.input : [];
    const called = new Set(
      input.filter((item) => item.type === 'function_call').map((item) => (item as { name: string }).name),
    );
    const next = request.tools.find((tool) => tool.type === 'function' && !called.has(tool.name));
    const output =
      next === undefined
        ? [
            {
              type: 'message' as const,
              id: 'msg_1',
              role: 'assistant' as const,
              status: 'completed' as const,
              content: [{ type: 'output_text' as const, text: 'The order has shipped.' }],
            },
          ]
        : [
            {
              type: 'function_call' as const,
              id: `fc_${next.name}`,
              callId: `call_${next.name}`,
              name: next.name,
              arguments: JSON.stringify({ order_id: 'A-1', carrier: 'DHL' }),
              status: 'completed' as const,
            },
          ];
    return { usage, output, responseId: 'resp_bench' };
  },
  getStreamedResponse() {
    throw new Error('not used');
  },
};
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
const agent = new agents.Agent({ name: 'Order assistant', instructions: 'Answer.', model, tools: [lookup, eta] });
const runner = new agents.Runner({ workflowName: 'bench run' });

const sides: Record<string, () => void> = {
  off: () => {
    agents.setTraceProcessors([]);
    setActiveContextResolver('openai-agents', undefined);
  },
  'genai-otel': () => {
    agents.setTraceProcessors([genaiOtel]);
    setActiveContextResolver('openai-agents', (stored) => genaiOtel.resolve(stored));
  },
  plain: () => {
    agents.setTraceProcessors([plain as never]);
    setActiveContextResolver('openai-agents', undefined);
  },
};

async function block(name: string, runs: number): Promise<number> {
  sdk.sides.current = name;
  sides[name]!();
  const before = process.cpuUsage();
  for (let index = 0; index < runs; index++) {
    const result = await runner.run(agent, 'Where is my order A-1?');
    if (result.finalOutput !== 'The order has shipped.')
      throw new Error(`unexpected output ${String(result.finalOutput)}`);
  }
  await sdk.tracerProvider.forceFlush();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / runs;
}

// BENCH_SIDES=genai-otel (a comma list) runs only those: for a profile of one side.
const names = process.env.BENCH_SIDES?.split(',') ?? Object.keys(sides);
for (const name of names) await block(name, Math.max(20, RUNS / 10));
sdk.sides.spans.clear();
const perSide = new Map<string, number[]>(names.map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const order = names.map((_, index) => names[(index + round) % names.length]!);
  for (const name of order) perSide.get(name)!.push(await block(name, RUNS));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const checks: string[] = [];
if (process.env.BENCH_SIDES !== undefined) {
  console.log(JSON.stringify(Object.fromEntries(names.map((name) => [name, median(perSide.get(name)!)]))));
  process.exit(0);
}
const expected = RUNS * ROUNDS * 4;
if ((sdk.sides.spans.get('genai-otel') ?? 0) !== expected)
  checks.push(`genai-otel made ${sdk.sides.spans.get('genai-otel')} spans, not ${expected}`);
if ((sdk.sides.spans.get('plain') ?? 0) !== expected)
  checks.push(`plain made ${sdk.sides.spans.get('plain')} spans, not ${expected}`);
if ((sdk.sides.spans.get('off') ?? 0) !== 0) checks.push(`off made ${sdk.sides.spans.get('off')} spans`);
// Added CPU per round, against that round's own "off" block: the machine's load drifts between rounds.
const added = (name: string) => median(perSide.get(name)!.map((value, round) => value - perSide.get('off')![round]!));
console.log(
  JSON.stringify({
    offUs: median(perSide.get('off')!),
    oursUs: median(perSide.get('genai-otel')!),
    plainUs: median(perSide.get('plain')!),
    oursAddedUs: added('genai-otel'),
    plainAddedUs: added('plain'),
    checks,
  }),
);
