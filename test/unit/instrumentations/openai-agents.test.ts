// The OpenAI Agents SDK processor in process, with the real SDK and a local fake provider: the SDK's current step is
// the active OpenTelemetry span inside tools, and nothing genai-otel does wrong reaches the run (hostile values given
// to the processor, a tracer that throws, a context resolver that throws).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, context, createContextKey, diag, DiagLogLevel, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { z } from 'zod';
import OpenAI from 'openai';
import * as agents from '@openai/agents';
import { ResolvingContextManager, setActiveContextResolver } from '../../../src/context/agents-context.ts';
import { genaiTracer } from '../../../src/genai/span-runner.ts';
import { installOnAgentsSdk } from '../../../src/instrumentations/openai-agents.ts';
import { OpenAIAgentsProcessor } from '../../../src/instrumentations/openai-agents-processor.ts';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { fakeClientOptions, startFakeProvider, type FakeProvider } from '../../support/fake-provider.ts';

const messages: string[] = [];
diag.setLogger(
  { error: (m) => messages.push(m), warn: (m) => messages.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
  DiagLogLevel.WARN,
);

const sdk = installMemorySdk();
// The SDK genai-otel starts registers the resolving manager; the memory SDK registered a plain one.
context.disable();
context.setGlobalContextManager(new ResolvingContextManager(new AsyncLocalStorageContextManager()).enable());

let provider: FakeProvider;
before(async () => {
  provider = await startFakeProvider();
  installOnAgentsSdk(agents);
  // No export to OpenAI's platform from a test; genai-otel's processor stays.
  agents.setTraceProcessors([]);
  agents.setDefaultOpenAIClient(new OpenAI(fakeClientOptions(provider, 'tool-loop')));
});
after(async () => {
  setActiveContextResolver('test', undefined);
  await provider.close();
});

const revoked = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
const throwing = (): object =>
  new Proxy(
    {},
    {
      get() {
        throw new Error('hostile getter');
      },
    },
  );

function agentWith(execute: (input: { order_id: string }) => Promise<string>) {
  const lookup = agents.tool({
    name: 'lookup_order',
    description: 'Finds an order',
    parameters: z.object({ order_id: z.string() }),
    execute,
  });
  return new agents.Agent({ name: 'Order assistant', instructions: 'Answer.', model: 'gpt-4o-mini', tools: [lookup] });
}

test('inside a tool, its execute_tool span is the active span: a span the app starts there nests under it', async () => {
  await sdk.reset();
  let activeInTool: string | undefined;
  const agent = agentWith(async ({ order_id }) => {
    activeInTool = trace.getActiveSpan()?.spanContext().spanId;
    genaiTracer().startSpan('app work').end();
    return `${order_id}: shipped`;
  });
  const result = await agents.run(agent, 'Where is A-1?');
  assert.equal(result.finalOutput, 'The order has shipped.');
  const tool = sdk.span('execute_tool lookup_order');
  assert.equal(activeInTool, tool.spanContext().spanId);
  assert.equal(sdk.span('app work').parentSpanContext?.spanId, tool.spanContext().spanId);
  assert.equal(tool.parentSpanContext?.spanId, sdk.span('invoke_agent Order assistant').spanContext().spanId);
  assert.equal(
    sdk.span('invoke_agent Order assistant').parentSpanContext?.spanId,
    sdk.span('invoke_workflow Agent workflow').spanContext().spanId,
  );
  assert.equal(tool.attributes['gen_ai.tool.call.id'], 'call_abc123');
  assert.equal(tool.attributes['gen_ai.agent.name'], 'Order assistant', 'the conventions name the agent on its tools');
  const toolDuration = sdk.points((await sdk.collect()).get('gen_ai.execute_tool.duration'));
  assert.ok(toolDuration.some((point) => point.attributes['gen_ai.tool.type'] === 'function'));
});

test('a run started inside a span of the app joins its trace; outside any run nothing is resolved', async () => {
  await sdk.reset();
  const outer = genaiTracer().startSpan('request');
  await context.with(trace.setSpan(context.active(), outer), () =>
    agents.run(
      agentWith(async () => 'shipped'),
      'Where is A-1?',
    ),
  );
  outer.end();
  assert.equal(sdk.span('invoke_workflow Agent workflow').parentSpanContext?.spanId, outer.spanContext().spanId);
  assert.equal(trace.getActiveSpan(), undefined);
});

test("the app's own custom spans become spans of that name; the SDK's group id is the conversation id", async () => {
  await sdk.reset();
  await agents.withTrace(
    'support chat',
    () =>
      agents.withCustomSpan(
        async () =>
          agents.run(
            agentWith(async () => 'shipped'),
            'Where is A-1?',
          ),
        { data: { name: 'answer question', data: {} } },
      ),
    { groupId: 'thread-42' },
  );
  const root = sdk.span('invoke_workflow support chat');
  assert.equal(root.attributes['gen_ai.conversation.id'], 'thread-42');
  const custom = sdk.span('answer question');
  assert.equal(custom.parentSpanContext?.spanId, root.spanContext().spanId);
  assert.equal(sdk.span('invoke_agent Order assistant').parentSpanContext?.spanId, custom.spanContext().spanId);
});

test('an MCP tool (the SDK marks its span with mcp_data while it runs) is an extension tool', async () => {
  await sdk.reset();
  await agents.run(
    agentWith(async () => {
      // What agents-core's MCP tool wrapper does to the current span before calling the server.
      (agents.getCurrentSpan()!.spanData as { mcp_data?: unknown }).mcp_data = { server: 'orders' };
      return 'shipped';
    }),
    'Where is A-1?',
  );
  assert.equal(sdk.span('execute_tool lookup_order').attributes['gen_ai.tool.type'], 'extension');
});

test('a tool that throws: the run gets what it gets untraced, the tool span records the failure', async () => {
  await sdk.reset();
  const result = await agents.run(
    agentWith(async () => {
      throw new Error('database down');
    }),
    'Where is A-1?',
  );
  assert.equal(result.finalOutput, 'The order has shipped.');
  const tool = sdk.span('execute_tool lookup_order');
  assert.equal(tool.status.code, 2);
  assert.equal(tool.attributes['error.type'], '_OTHER');
});

test('a tracer that throws: the run returns its own result, the fault is logged', async () => {
  await sdk.reset();
  const tracer = genaiTracer() as Tracer & { startSpan: Tracer['startSpan'] };
  const startSpan = tracer.startSpan;
  tracer.startSpan = () => {
    throw new Error('tracer fault');
  };
  try {
    const result = await agents.run(
      agentWith(async () => 'shipped'),
      'Where is A-1?',
    );
    assert.equal(result.finalOutput, 'The order has shipped.');
    assert.ok(
      messages.some((message) => message.includes('tracer fault')),
      messages.join('\n'),
    );
    assert.equal(sdk.spans().length, 0);
  } finally {
    tracer.startSpan = startSpan;
  }
});

test('hostile values given to the processor: every method resolves, nothing is thrown', async () => {
  const processor = new OpenAIAgentsProcessor({ span: () => throwing() as never, trace: () => revoked() as never });
  const hostile = [
    undefined,
    null,
    42,
    {},
    revoked(),
    throwing(),
    { spanId: 's', traceId: 't', parentId: null, spanData: throwing(), error: null },
  ];
  for (const value of hostile) {
    await assert.doesNotReject(processor.onTraceStart(value as never));
    await assert.doesNotReject(processor.onSpanStart(value as never));
    await assert.doesNotReject(processor.onSpanEnd(value as never));
    await assert.doesNotReject(processor.onTraceEnd(value as never));
  }
  assert.throws(
    () => processor.resolve(ROOT_CONTEXT),
    /hostile getter/,
    'resolve() throws to the context manager, which catches it',
  );
  await assert.doesNotReject(processor.shutdown());
  await assert.doesNotReject(processor.forceFlush());
});

test('a context resolver that throws: the stored context is active, logged once', () => {
  const key = createContextKey('k');
  const manager = new ResolvingContextManager(new AsyncLocalStorageContextManager()).enable();
  const stored = ROOT_CONTEXT.setValue(key, 'stored');
  setActiveContextResolver('test', () => {
    throw new Error('resolver fault');
  });
  try {
    const before = messages.length;
    assert.equal(
      manager.with(stored, () => manager.active()),
      stored,
    );
    assert.equal(
      manager.with(stored, () => manager.active()),
      stored,
    );
    assert.equal(messages.length - before, 1);
    assert.match(messages.at(-1)!, /resolver fault/);
    setActiveContextResolver('test', () => ROOT_CONTEXT.setValue(key, 'resolved'));
    assert.equal(manager.with(stored, () => manager.active()).getValue(key), 'resolved');
  } finally {
    manager.disable();
    // The global manager's resolver again.
    setActiveContextResolver('test', undefined);
    installOnAgentsSdk(agents);
  }
});

test('a processor turned off mid-step (the instrumentation disabled) notes no tool call or agent description', async () => {
  await sdk.reset();
  const sdkTrace = { traceId: 'trace_off', name: 'turned off', groupId: null };
  const agentSpan = {
    spanId: 'span_agent',
    traceId: 'trace_off',
    parentId: null,
    error: null,
    spanData: { type: 'agent', name: 'Helper' },
  };
  const toolSpan = {
    spanId: 'span_tool',
    traceId: 'trace_off',
    parentId: 'span_agent',
    error: null,
    spanData: { type: 'function', name: 'lookup' },
  };
  let current: typeof agentSpan | typeof toolSpan = agentSpan;
  const processor = new OpenAIAgentsProcessor({ span: () => current, trace: () => sdkTrace });
  await processor.onTraceStart(sdkTrace);
  await processor.onSpanStart(agentSpan);
  await processor.onSpanStart(toolSpan);
  processor.enabled = false;
  processor.noteAgent({ name: 'Helper', handoffDescription: 'Helps' });
  current = toolSpan;
  processor.noteToolCall('call_off', 'Looks things up');
  processor.enabled = true;
  await processor.onSpanEnd(toolSpan);
  await processor.onSpanEnd(agentSpan);
  await processor.onTraceEnd(sdkTrace);
  assert.equal(sdk.span('execute_tool lookup').attributes['gen_ai.tool.call.id'], undefined);
  assert.equal(sdk.span('execute_tool lookup').attributes['gen_ai.tool.description'], undefined);
  assert.equal(sdk.span('invoke_agent Helper').attributes['gen_ai.agent.description'], undefined);
});
