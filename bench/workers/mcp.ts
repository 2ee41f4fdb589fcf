// Row M: one MCP tool call (the real SDK, client and server in one process over its in-memory transport, so that no
// network noise hides the tracing) untraced, traced by genai-otel, and traced by hand with one plain OTel span per
// step (a CLIENT span around callTool, the context put in _meta, a SERVER span in the tool), on the thread CPU clock.
// Prints one JSON line: medians of ns per call of each side, the medians of the per-round added CPU, and the median
// of the per-round ratio of the CPU each adds to the untraced call.
import { createRequire } from 'node:module';
import { ROOT_CONTEXT, SpanKind, context, propagation, trace, type Attributes, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { tracedRequest, tracedSetRequestHandler } from '../../src/instrumentations/mcp.ts';
import { threadMillis } from '../../test/support/cpu-clock.ts';
import { startInProcessSdk } from '../lib/in-process-sdk.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

const sdk = startInProcessSdk({});
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const tracer = trace.getTracer('bench-baseline');

const require = createRequire(import.meta.url);
type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
const { Protocol } = require('@modelcontextprotocol/sdk/shared/protocol.js') as {
  Protocol: { prototype: Record<string, AnyFunction> };
};
let traced = false;
Protocol.prototype.request = tracedRequest(Protocol.prototype.request!, () => traced);
Protocol.prototype.setRequestHandler = tracedSetRequestHandler(Protocol.prototype.setRequestHandler!, () => traced);
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { InMemoryTransport } = require('@modelcontextprotocol/sdk/inMemory.js');
const { z } = require('zod');

const toolResult = { content: [{ type: 'text', text: 'order 42 ships tomorrow' }] };
const attributes = (_kind: 'client' | 'server'): Attributes => ({
  'mcp.method.name': 'tools/call',
  'gen_ai.tool.name': 'lookup_order',
  'gen_ai.operation.name': 'execute_tool',
  'jsonrpc.request.id': '1',
});

const server = new McpServer({ name: 'bench', version: '1.0.0' });
server.registerTool('lookup_order', { inputSchema: { id: z.number() } }, async () => toolResult);
// The hand-traced tool: the server span a user would write, its parent taken from _meta.
server.registerTool(
  'lookup_order_by_hand',
  { inputSchema: { id: z.number() } },
  async (_args: unknown, extra: { _meta?: Record<string, unknown> }) => {
    const parent = propagation.extract(ROOT_CONTEXT, extra._meta ?? {});
    return tracer.startActiveSpan(
      'tools/call lookup_order',
      { kind: SpanKind.SERVER, attributes: attributes('server') },
      parent,
      async (span: Span) => {
        try {
          return toolResult;
        } finally {
          span.end();
        }
      },
    );
  },
);
const client = new Client({ name: 'bench', version: '1.0.0' });
const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
await Promise.all([server.connect(serverSide), client.connect(clientSide)]);

const untraced = () => client.callTool({ name: 'lookup_order', arguments: { id: 42 } });
const byHand = () =>
  tracer.startActiveSpan(
    'tools/call lookup_order',
    { kind: SpanKind.CLIENT, attributes: attributes('client') },
    async (span: Span) => {
      try {
        const meta: Record<string, string> = {};
        propagation.inject(context.active(), meta);
        return await client.callTool({ name: 'lookup_order_by_hand', arguments: { id: 42 }, _meta: meta });
      } finally {
        span.end();
      }
    },
  );

async function timeBlock(name: string, call: () => Promise<unknown>, withTracing: boolean): Promise<number> {
  sdk.sides.current = name;
  traced = withTracing;
  // The thread's CPU, not wall time: the machine is shared, and time other processes had the core is not the call's.
  const started = threadMillis();
  for (let index = 0; index < CALLS; index++) {
    await call();
    if (index % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
  }
  return ((threadMillis() - started) * 1e6) / CALLS;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const sides = [
  { name: 'off', call: untraced, tracing: false },
  { name: 'ours', call: untraced, tracing: true },
  { name: 'hand', call: byHand, tracing: false },
];
for (const each of sides) await timeBlock('warm-up', each.call, each.tracing);
sdk.sides.spans.clear();
const results = new Map<string, number[]>(sides.map((each) => [each.name, []]));
const ratios: number[] = [];
const added = { ours: [] as number[], hand: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order, so that no side always runs on a freshly collected heap.
  const order = [...sides.slice(round % 3), ...sides.slice(0, round % 3)];
  const round_: Record<string, number> = {};
  for (const each of order) round_[each.name] = await timeBlock(each.name, each.call, each.tracing);
  for (const each of sides) results.get(each.name)!.push(round_[each.name]!);
  added.ours.push(round_.ours! - round_.off!);
  added.hand.push(round_.hand! - round_.off!);
  ratios.push((round_.ours! - round_.off!) / (round_.hand! - round_.off!));
}
await client.close();
await server.close();

const checks: string[] = [];
if (sdk.sides.spans.get('ours') !== 2 * CALLS * ROUNDS)
  checks.push(`ours made ${sdk.sides.spans.get('ours')} spans, expected ${2 * CALLS * ROUNDS}`);
if (sdk.sides.spans.get('hand') !== 2 * CALLS * ROUNDS)
  checks.push(`by hand made ${sdk.sides.spans.get('hand')} spans, expected ${2 * CALLS * ROUNDS}`);
if ((sdk.sides.spans.get('off') ?? 0) !== 0) checks.push(`untraced made ${sdk.sides.spans.get('off')} spans`);
console.log(
  JSON.stringify({
    calls: CALLS,
    rounds: ROUNDS,
    offNs: median(results.get('off')!),
    oursNs: median(results.get('ours')!),
    handNs: median(results.get('hand')!),
    oursAddedNs: median(added.ours),
    handAddedNs: median(added.hand),
    ratio: median(ratios),
    checks,
  }),
);
