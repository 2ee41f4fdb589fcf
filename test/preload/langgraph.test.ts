// LangGraph runs under the real preload, CommonJS (--require) and ESM (--import), against the local fake provider:
// with no code in the app, a graph run is one trace — invoke_workflow (the graph) → a span per node, named from
// LangGraph's own metadata → the chat spans of the openai client instrumentation (usage and cost once) and the
// execute_tool spans of the ToolNode. A GenAICallbackHandler the app passes by hand (even with `llmRuns: 'all'`)
// makes no second span and counts no call twice.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ReceivedMetric, type ReceivedSpan } from '@genai-otel/mock-otlp-receiver';
import { useFakeServices } from '../support/fake-services.ts';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';
import { spanTree } from '../support/span-tree.ts';

const services = useFakeServices();

const expectedOutput = [
  'graph: 2 tool results, "The order has shipped."',
  'graph with the handler by hand: 2 tool results, "The order has shipped."',
  'prebuilt agent: 2 tool results, "The order has shipped."',
].join('\n');

const tree = (spans: ReceivedSpan[], root: ReceivedSpan): string[] => spanTree(spans, root, 'start');

const graphRun = [
  'invoke_workflow order graph',
  '  langgraph.node agent',
  '    chat gpt-4o-mini',
  '  langgraph.node tools',
  '    execute_tool lookup_order',
  '    execute_tool shipping_eta',
  '  langgraph.node agent',
  '    chat gpt-4o-mini',
];

const cases = [
  { module: 'CommonJS', script: 'langgraph.cjs', preload: ['--require', 'genai-otel/register'] },
  { module: 'ESM', script: 'langgraph.mjs', preload: ['--import', 'genai-otel/register'] },
];

for (const { module, script, preload } of cases) {
  describe(`LangGraph, ${module} app under ${preload.join(' ')}`, () => {
    const serviceName = `langgraph-${module.toLowerCase()}`;
    const run = (nodeArgs: string[], extra: Record<string, string> = {}) =>
      runFixture(fixture(script), {
        nodeArgs,
        env: otelEnv(services.receiver.url, {
          OTEL_SERVICE_NAME: serviceName,
          FAKE_PROVIDER_URL: services.provider.openaiBaseURL.replace(/\/v1$/, ''),
          OPENAI_API_KEY: 'test-key',
          ...extra,
        }),
      });
    let untraced: Awaited<ReturnType<typeof run>>;
    let traced: Awaited<ReturnType<typeof run>>;
    let spans: ReceivedSpan[];
    let metrics: ReceivedMetric[];

    before(async () => {
      untraced = await run([]);
      traced = await run(preload);
      const mine = <T extends { resource: Record<string, unknown> }>(received: T[]) =>
        received.filter((item) => item.resource['service.name'] === serviceName);
      spans = mine(
        await services.receiver
          .waitFor(
            'spans',
            (received) => mine(received).filter((span) => span.name.startsWith('invoke_')).length >= 3,
            5000,
          )
          .catch(() => services.receiver.spans()),
      );
      metrics = mine(
        await services.receiver
          .waitFor(
            'metrics',
            (received) => mine(received).some((metric) => metric.name === 'gen_ai.client.inference.usage.input_tokens'),
            5000,
          )
          .catch(() => services.receiver.metrics()),
      );
    });

    test('the app prints what it prints without genai-otel', () => {
      assert.equal(untraced.code, 0, untraced.stderr);
      assert.equal(untraced.stdout.trim(), expectedOutput);
      assert.equal(traced.code, 0, traced.stderr);
      assert.equal(traced.stdout.trim(), expectedOutput);
    });

    test('a graph run is one trace: graph → nodes → the openai client chat spans and the tools', () => {
      const root = spans.find((span) => span.name === 'invoke_workflow order graph');
      assert.ok(root, spans.map((span) => span.name).join(', '));
      assert.equal(root.parentSpanId, undefined);
      assert.deepEqual(tree(spans, root), graphRun);
      assert.equal(
        spans.filter((span) => span.traceId === root.traceId).length,
        graphRun.length,
        'no span outside the tree',
      );
      const chats = spans.filter((span) => span.traceId === root.traceId && span.name.startsWith('chat'));
      for (const chat of chats) assert.equal(chat.scope.name, '@opentelemetry/instrumentation-openai');
    });

    test("nodes carry LangGraph's metadata: node, step, triggers", () => {
      const root = spans.find((span) => span.name === 'invoke_workflow order graph')!;
      const nodes = spans
        .filter((span) => span.traceId === root.traceId && span.name.startsWith('langgraph.node'))
        .sort(
          (a, b) =>
            (a.attributes['genai_otel.langgraph.step'] as number) -
            (b.attributes['genai_otel.langgraph.step'] as number),
        );
      assert.deepEqual(
        nodes.map((span) => [
          span.attributes['genai_otel.langgraph.node'],
          span.attributes['genai_otel.langgraph.step'],
        ]),
        [
          ['agent', 1],
          ['tools', 2],
          ['agent', 3],
        ],
      );
      assert.ok(Array.isArray(nodes[1]!.attributes['genai_otel.langgraph.triggers']));
      const tools = spans.filter((span) => span.traceId === root.traceId && span.name.startsWith('execute_tool'));
      assert.deepEqual(tools.map((span) => span.attributes['gen_ai.tool.call.id']).sort(), [
        'call_abc123',
        'call_abc124',
      ]);
    });

    test('a prebuilt agent (createReactAgent): invoke_agent with its name, the same nodes', () => {
      const root = spans.find((span) => span.name === 'invoke_agent order agent');
      assert.ok(root, spans.map((span) => span.name).join(', '));
      assert.equal(root.attributes['gen_ai.agent.name'], 'order agent');
      assert.deepEqual(tree(spans, root), ['invoke_agent order agent', ...graphRun.slice(1)]);
    });

    test('usage once: 2 model calls per run, 3 runs → 6 input-token points, cost on the client spans only', () => {
      const withCost = spans.filter((span) => span.attributes['genai_otel.cost.usd'] !== undefined);
      assert.equal(withCost.length, 6);
      for (const span of withCost) assert.equal(span.scope.name, '@opentelemetry/instrumentation-openai');
      const usage = metrics.filter((metric) => metric.name === 'gen_ai.client.inference.operation.input_tokens');
      // Cumulative points, exported every 200 ms: the last export holds the process's total.
      const inputCounts = usage.map((metric) => metric.dataPoints.reduce((sum, point) => sum + (point.count ?? 0), 0));
      assert.equal(Math.max(...inputCounts), 6);
    });

    if (module === 'CommonJS') {
      test('turned off by name (GENAI_OTEL_INSTRUMENTATIONS without langchain): no handler injected; the one passed by hand still makes one trace', async () => {
        const off = await runFixture(fixture(script), {
          nodeArgs: preload,
          env: otelEnv(services.receiver.url, {
            OTEL_SERVICE_NAME: 'langgraph-off',
            GENAI_OTEL_INSTRUMENTATIONS: 'openai',
            FAKE_PROVIDER_URL: services.provider.openaiBaseURL.replace(/\/v1$/, ''),
            OPENAI_API_KEY: 'test-key',
          }),
        });
        assert.equal(off.stdout.trim(), expectedOutput, off.stderr);
        const received = (
          await services.receiver.waitFor(
            'spans',
            (all) =>
              all.filter((span) => span.resource['service.name'] === 'langgraph-off' && span.name.startsWith('chat'))
                .length >= 4,
            5000,
          )
        ).filter((span) => span.resource['service.name'] === 'langgraph-off');
        assert.equal(received.filter((span) => span.name === 'invoke_workflow order graph').length, 0);
        const root = received.find((span) => span.name === 'invoke_workflow order graph by hand');
        assert.ok(root);
        assert.deepEqual(tree(received, root), ['invoke_workflow order graph by hand', ...graphRun.slice(1)]);
      });
    }

    test('a handler passed by hand: the same tree, no second span per run', () => {
      const root = spans.find((span) => span.name === 'invoke_workflow order graph by hand');
      assert.ok(root, spans.map((span) => span.name).join(', '));
      assert.deepEqual(tree(spans, root), ['invoke_workflow order graph by hand', ...graphRun.slice(1)]);
      assert.equal(spans.filter((span) => span.traceId === root.traceId).length, graphRun.length);
    });
  });
}

describe('LangChain without LangGraph, CommonJS app under --require genai-otel/register', () => {
  test('a model called inside a RunnableLambda: its chat span is a child of the chain span, usage on it only', async () => {
    const env = otelEnv(services.receiver.url, {
      OTEL_SERVICE_NAME: 'langchain-chain',
      FAKE_PROVIDER_URL: services.provider.openaiBaseURL.replace(/\/v1$/, ''),
      OPENAI_API_KEY: 'test-key',
    });
    const result = await runFixture(fixture('langchain-chain.cjs'), {
      nodeArgs: ['--require', 'genai-otel/register'],
      env,
    });
    assert.equal(result.stdout.trim(), 'chain: "The order has shipped."', result.stderr);
    const spans = (
      await services.receiver.waitFor(
        'spans',
        (all) => all.filter((span) => span.resource['service.name'] === 'langchain-chain').length >= 2,
        5000,
      )
    ).filter((span) => span.resource['service.name'] === 'langchain-chain');
    const root = spans.find((span) => span.name === 'invoke_workflow answer chain');
    assert.ok(root, spans.map((span) => span.name).join(', '));
    assert.deepEqual(tree(spans, root), ['invoke_workflow answer chain', '  chat gpt-4o-mini']);
    assert.equal(spans.length, 2);
    assert.equal(spans.filter((span) => span.attributes['gen_ai.usage.input_tokens'] !== undefined).length, 1);
  });
});

for (const { module, script, preload } of [
  { module: 'CommonJS', script: 'langchain-lcel.cjs', preload: ['--require', 'genai-otel/register'] },
  { module: 'ESM', script: 'langchain-lcel.mjs', preload: ['--import', 'genai-otel/register'] },
]) {
  describe(`a plain LCEL chain (prompt.pipe(model)), ${module} app under ${preload.join(' ')}`, () => {
    test('one trace: the chain span, and the openai client’s chat span under it with the usage', async () => {
      const serviceName = `langchain-lcel-${module.toLowerCase()}`;
      const env = otelEnv(services.receiver.url, {
        OTEL_SERVICE_NAME: serviceName,
        FAKE_PROVIDER_URL: services.provider.openaiBaseURL.replace(/\/v1$/, ''),
        OPENAI_API_KEY: 'test-key',
      });
      const result = await runFixture(fixture(script), { nodeArgs: preload, env });
      assert.equal(result.stdout.trim(), 'chain: "The order has shipped."', result.stderr);
      const spans = (
        await services.receiver.waitFor(
          'spans',
          (all) => all.filter((span) => span.resource['service.name'] === serviceName).length >= 2,
          5000,
        )
      ).filter((span) => span.resource['service.name'] === serviceName);
      const root = spans.find((span) => span.name === 'invoke_workflow lcel chain');
      assert.ok(root, spans.map((span) => span.name).join(', '));
      assert.deepEqual(tree(spans, root), ['invoke_workflow lcel chain', '  chat gpt-4o-mini']);
      assert.equal(spans.length, 2, spans.map((span) => span.name).join(', '));
      const chat = spans.find((span) => span.name === 'chat gpt-4o-mini')!;
      assert.equal(chat.scope.name, '@opentelemetry/instrumentation-openai');
      assert.equal(typeof chat.attributes['genai_otel.cost.usd'], 'number');
    });
  });
}

for (const { module, script, preload } of [
  { module: 'CommonJS', script: 'langchain-stream.cjs', preload: ['--require', 'genai-otel/register'] },
  { module: 'ESM', script: 'langchain-stream.mjs', preload: ['--import', 'genai-otel/register'] },
]) {
  describe(`a model streamed as a chain step (.stream()), ${module} app under ${preload.join(' ')}`, () => {
    test('each chain is one trace: the chain span, and the streamed chat span under it with the usage', async () => {
      const serviceName = `langchain-stream-${module.toLowerCase()}`;
      const env = otelEnv(services.receiver.url, {
        OTEL_SERVICE_NAME: serviceName,
        FAKE_PROVIDER_URL: services.provider.openaiBaseURL.replace(/\/v1$/, ''),
        OPENAI_API_KEY: 'test-key',
      });
      const result = await runFixture(fixture(script), { nodeArgs: preload, env });
      assert.equal(
        result.stdout.trim(),
        'streamed chain: "The order has shipped."\nstreaming step: "The order has shipped."',
        result.stderr,
      );
      const spans = (
        await services.receiver.waitFor(
          'spans',
          (all) => all.filter((span) => span.resource['service.name'] === serviceName).length >= 4,
          5000,
        )
      ).filter((span) => span.resource['service.name'] === serviceName);
      for (const name of ['invoke_workflow streamed chain', 'invoke_workflow streaming step']) {
        const root = spans.find((span) => span.name === name);
        assert.ok(root, spans.map((span) => span.name).join(', '));
        assert.deepEqual(tree(spans, root), [name, '  chat gpt-4o-mini']);
      }
      assert.equal(spans.length, 4, spans.map((span) => span.name).join(', '));
      const chats = spans.filter((span) => span.name === 'chat gpt-4o-mini');
      for (const chat of chats) {
        assert.equal(chat.attributes['gen_ai.request.stream'], true);
        assert.equal(typeof chat.attributes['gen_ai.usage.input_tokens'], 'number');
      }
    });
  });
}
