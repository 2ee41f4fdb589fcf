import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import {
  traceAgent,
  traceMemory,
  traceRetrieval,
  traceSpan,
  traceTool,
  traceWorkflow,
  withAgent,
  withMemoryOperation,
  withRetrieval,
  withSpan,
  withToolCall,
  withWorkflow,
} from '../../../src/genai/operations.ts';
import { AGENT_DURATION_BUCKETS_SECONDS } from '../../../src/genai/genai-instruments.ts';

const sdk = installMemorySdk();

test('withToolCall: INTERNAL execute_tool span, tool attributes, duration metric by tool name; arguments not captured by default', async () => {
  const result = await withToolCall(
    {
      name: 'lookup_order',
      callId: 'call_9',
      type: 'function',
      description: 'Finds an order',
      arguments: { orderId: 'A-1' },
    },
    async () => ({ status: 'shipped' }),
  );
  assert.deepEqual(result, { status: 'shipped' });
  const span = sdk.span('execute_tool lookup_order');
  assert.equal(span.kind, SpanKind.INTERNAL);
  assert.deepEqual(
    { ...span.attributes },
    {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'lookup_order',
      'gen_ai.tool.call.id': 'call_9',
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.description': 'Finds an order',
    },
  );
  const metrics = await sdk.collect();
  const point = sdk.points(metrics.get('gen_ai.execute_tool.duration'))[0];
  // The conventions' tool metric: the tool span's attributes, without gen_ai.operation.name (the metric names it).
  assert.deepEqual(point?.attributes, { 'gen_ai.tool.name': 'lookup_order', 'gen_ai.tool.type': 'function' });
});

test('a failing tool: ERROR status, error.type on span and metric, the same error reaches the caller', async () => {
  const failure = new RangeError('no such order');
  await assert.rejects(
    withToolCall({ name: 'flaky' }, async () => {
      throw failure;
    }),
    (error) => error === failure,
  );
  const span = sdk.span('execute_tool flaky');
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.attributes['error.type'], 'RangeError');
  const metrics = await sdk.collect();
  const point = sdk
    .points(metrics.get('gen_ai.execute_tool.duration'))
    .find((candidate) => candidate.attributes['gen_ai.tool.name'] === 'flaky');
  assert.equal(point?.attributes['error.type'], 'RangeError');
});

test('tool arguments and result are captured when asked', async () => {
  await withToolCall({ name: 'capture_tool', arguments: { q: 'x' }, captureContent: true } as never, () => ({
    answer: 1,
  }));
  const span = sdk.span('execute_tool capture_tool');
  assert.equal(span.attributes['gen_ai.tool.call.arguments'], '{"q":"x"}');
  assert.equal(span.attributes['gen_ai.tool.call.result'], '{"answer":1}');
});

test('withMemoryOperation: operation names of the conventions (short forms accepted), store and record attributes, counted results', async () => {
  const found = await withMemoryOperation(
    { operation: 'search', storeId: 'user-facts', query: 'favourite colour' },
    async () => ['blue', 'green'],
  );
  assert.deepEqual(found, ['blue', 'green']);
  const search = sdk.span('search_memory');
  assert.equal(search.kind, SpanKind.CLIENT);
  assert.equal(search.attributes['gen_ai.operation.name'], 'search_memory');
  assert.equal(search.attributes['gen_ai.memory.store.id'], 'user-facts');
  assert.equal(search.attributes['gen_ai.memory.record.count'], 2);
  assert.equal(search.attributes['gen_ai.memory.query.text'], undefined, 'query is content: off by default');

  for (const [operation, expected] of [
    ['upsert_memory', 'upsert_memory'],
    ['create_store', 'create_memory_store'],
    ['delete', 'delete_memory'],
  ] as const) {
    withMemoryOperation({ operation, storeId: 's', recordId: 'r1' }, () => undefined);
    assert.equal(sdk.span(expected).attributes['gen_ai.memory.record.id'], 'r1');
  }
  const metrics = await sdk.collect();
  const names = sdk
    .points(metrics.get('genai_otel.memory.operation.duration'))
    .map((point) => point.attributes['gen_ai.operation.name'])
    .sort();
  assert.deepEqual(names, ['create_memory_store', 'delete_memory', 'search_memory', 'upsert_memory']);
});

test('withAgent and withWorkflow: invoke spans, agent duration with its buckets; remote agents are CLIENT', async () => {
  await withWorkflow({ name: 'support-flow' }, async () => {
    await withAgent({ name: 'triage', id: 'agent-1', description: 'routes tickets', version: '2' }, async () => 'ok');
    await withAgent({ name: 'remote-helper', remote: true, provider: 'openai' }, async () => 'ok');
  });
  const workflow = sdk.span('invoke_workflow support-flow');
  const agent = sdk.span('invoke_agent triage');
  assert.equal(workflow.attributes['gen_ai.workflow.name'], 'support-flow');
  assert.equal(agent.kind, SpanKind.INTERNAL);
  assert.equal(agent.parentSpanContext?.spanId, workflow.spanContext().spanId);
  assert.deepEqual(
    { ...agent.attributes },
    {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'triage',
      'gen_ai.agent.id': 'agent-1',
      'gen_ai.agent.description': 'routes tickets',
      'gen_ai.agent.version': '2',
    },
  );
  assert.equal(sdk.span('invoke_agent remote-helper').kind, SpanKind.CLIENT);
  // Only a remote agent's span names a provider: the conventions' in-process agent span has none.
  assert.equal(sdk.span('invoke_agent remote-helper').attributes['gen_ai.provider.name'], 'openai');
  const metrics = await sdk.collect();
  const point = sdk
    .points(metrics.get('gen_ai.invoke_agent.duration'))
    .find((candidate) => candidate.attributes['gen_ai.agent.name'] === 'triage');
  // The conventions' agent metric: the agent's name (and its one model), no operation name, no provider.
  assert.deepEqual(point?.attributes, { 'gen_ai.agent.name': 'triage' });
  assert.deepEqual(
    (point?.value as { buckets: { boundaries: number[] } }).buckets.boundaries,
    AGENT_DURATION_BUCKETS_SECONDS,
  );
  assert.equal(AGENT_DURATION_BUCKETS_SECONDS.at(-1), 409.6);
});

test('withWorkflow records gen_ai.invoke_workflow.duration by workflow name, with error.type when it fails', async () => {
  await withWorkflow({ name: 'nightly-digest' }, async () => 'done');
  await assert.rejects(
    withWorkflow({ name: 'broken-digest' }, async () => {
      throw new SyntaxError('bad feed');
    }),
    SyntaxError,
  );
  const metrics = await sdk.collect();
  assert.equal(metrics.get('gen_ai.invoke_workflow.duration')?.descriptor.unit, 's');
  const points = sdk.points(metrics.get('gen_ai.invoke_workflow.duration'));
  const ok = points.find((point) => point.attributes['gen_ai.workflow.name'] === 'nightly-digest');
  const failed = points.find((point) => point.attributes['gen_ai.workflow.name'] === 'broken-digest');
  // The conventions give the workflow metric the workflow name and error type only.
  assert.deepEqual(ok?.attributes, { 'gen_ai.workflow.name': 'nightly-digest' });
  assert.equal(failed?.attributes['error.type'], 'SyntaxError');
});

test('a tool inside an agent names its agent (gen_ai.agent.name on execute_tool); outside one it names none', async () => {
  await withAgent({ name: 'order-agent' }, async () => {
    await withToolCall({ name: 'inside_tool' }, async () => 'found');
  });
  await withToolCall({ name: 'outside_tool' }, async () => 'found');
  assert.equal(sdk.span('execute_tool inside_tool').attributes['gen_ai.agent.name'], 'order-agent');
  assert.equal(sdk.span('execute_tool outside_tool').attributes['gen_ai.agent.name'], undefined);
});

test('withRetrieval: CLIENT retrieval span with data source and top_k', async () => {
  await withRetrieval({ dataSourceId: 'kb-articles', topK: 5, query: 'refund policy' }, async () => [{ id: 'doc1' }]);
  const span = sdk.span('retrieval kb-articles');
  assert.equal(span.kind, SpanKind.CLIENT);
  assert.equal(span.attributes['gen_ai.data_source.id'], 'kb-articles');
  assert.equal(span.attributes['gen_ai.retrieval.top_k'], 5);
  assert.equal(
    span.attributes['gen_ai.request.top_k'],
    undefined,
    'the conventions moved it to gen_ai.retrieval.top_k',
  );
  assert.equal(span.attributes['gen_ai.retrieval.query.text'], undefined);
});

test('withSpan: any span, with attributes and kind, and the span handed to the function', async () => {
  const value = await withSpan(
    'plan',
    async (span) => {
      assert.equal(trace.getActiveSpan(), span);
      return 'planned';
    },
    { attributes: { 'app.step': 1 }, kind: 'server' },
  );
  assert.equal(value, 'planned');
  const span = sdk.span('plan');
  assert.equal(span.kind, SpanKind.SERVER);
  assert.equal(span.attributes['app.step'], 1);
});

test('trace* wrappers keep this, arguments and return values, and trace each call', async () => {
  class Store {
    name = 'facts';
    search(query: string, limit: number) {
      return [`${this.name}:${query}:${limit}`];
    }
  }
  const store = new Store();
  const search = traceMemory(store.search, { operation: 'search', storeId: 'facts' });
  assert.deepEqual(search.call(store, 'x', 3), ['facts:x:3']);
  const tool = traceTool(
    async (a: number, b: number) => a + b,
    (a) => ({ name: `add-${a}` }),
  );
  assert.equal(await tool(2, 3), 5);
  assert.ok(sdk.span('execute_tool add-2'));
  const agent = traceAgent(
    async function (this: { id: string }) {
      return this.id;
    },
    { name: 'wrapped-agent' },
  );
  assert.equal(await agent.call({ id: 'self' }), 'self');
  const workflow = traceWorkflow(() => 'w', { name: 'wrapped-flow' });
  assert.equal(workflow(), 'w');
  const retrieval = traceRetrieval((q: string) => [q], { dataSourceId: 'wrapped-kb' });
  assert.deepEqual(retrieval('q'), ['q']);
  const spanFn = traceSpan((x: number) => x * 2, 'double');
  assert.equal(spanFn(21), 42);
  for (const name of [
    'search_memory',
    'invoke_agent wrapped-agent',
    'invoke_workflow wrapped-flow',
    'retrieval wrapped-kb',
    'double',
  ])
    assert.ok(sdk.span(name));
});
