// OpenAI Agents SDK runs under the real preload, CommonJS (--require) and ESM (--import), against the local fake
// provider: each run is one trace — invoke_workflow → invoke_agent → the model calls (the openai client's spans, with
// usage and cost, once) and execute_tool spans — for a plain run, a streamed run, an agent used as a tool, a handoff,
// an input guardrail that trips (a genai_otel.guardrail.result event) and an agent using an MCP server's tools. The app prints what it prints untraced, its
// own export to OpenAI's platform stays as it configured it, and nothing leaves loopback.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ReceivedLog, type ReceivedSpan } from '@genai-otel/mock-otlp-receiver';
import { useFakeServices } from '../support/fake-services.ts';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';
import { spanTree } from '../support/span-tree.ts';

const services = useFakeServices();

const expectedOutput = [
  'plain: "The order has shipped."',
  'streamed: "The order has shipped."',
  'agent as tool: "The order has shipped."',
  'handoff: "The order has shipped."',
  'guardrail: threw InputGuardrailTripwireTriggered',
  'mcp server: "The order has shipped."',
  'outside loopback: []',
].join('\n');

const tree = (spans: ReceivedSpan[], root: ReceivedSpan): string[] => spanTree(spans, root, 'name');

function workflow(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const root = spans.find((span) => span.name === `invoke_workflow ${name}`);
  assert.ok(root, spans.map((span) => span.name).join(', '));
  return root;
}

const cases = [
  { module: 'CommonJS', script: 'openai-agents.cjs', preload: ['--require', 'genai-otel/register'] },
  { module: 'ESM', script: 'openai-agents.mjs', preload: ['--import', 'genai-otel/register'] },
];

for (const { module, script, preload } of cases) {
  describe(`OpenAI Agents SDK, ${module} app under ${preload.join(' ')}`, () => {
    const serviceName = `agents-${module.toLowerCase()}`;
    const run = (nodeArgs: string[], extra: Record<string, string> = {}) =>
      runFixture(fixture(script), {
        nodeArgs,
        env: otelEnv(services.receiver.url, {
          OTEL_SERVICE_NAME: serviceName,
          OTEL_METRICS_EXPORTER: 'none',
          FAKE_PROVIDER_URL: services.provider.anthropicBaseURL,
          OPENAI_API_KEY: 'test-key',
          ...extra,
        }),
      });
    let untraced: Awaited<ReturnType<typeof run>>;
    let traced: Awaited<ReturnType<typeof run>>;
    let spans: ReceivedSpan[];
    let logs: ReceivedLog[];
    let ingestBefore: number;
    let ingestAfter: number;

    before(async () => {
      untraced = await run([]);
      ingestBefore = services.provider.requests().filter((request) => request.path.endsWith('/traces/ingest')).length;
      traced = await run(preload);
      ingestAfter = services.provider.requests().filter((request) => request.path.endsWith('/traces/ingest')).length;
      const mine = (received: ReceivedSpan[]) =>
        received.filter((span) => span.resource['service.name'] === serviceName);
      spans = mine(
        await services.receiver
          .waitFor(
            'spans',
            (received) => mine(received).filter((span) => span.name.startsWith('invoke_workflow')).length >= 6,
            5000,
          )
          .catch(() => services.receiver.spans()),
      );
      logs = (
        await services.receiver
          .waitFor(
            'logs',
            (received) =>
              received.some(
                (log) =>
                  log.resource['service.name'] === serviceName && log.eventName === 'genai_otel.guardrail.result',
              ),
            3000,
          )
          .catch(() => services.receiver.logs())
      ).filter((log) => log.resource['service.name'] === serviceName);
    });

    test('the app prints what it prints without genai-otel, and connects to nothing outside loopback', () => {
      assert.equal(untraced.code, 0, untraced.stderr);
      assert.equal(untraced.stdout.trim(), expectedOutput);
      assert.equal(traced.code, 0, traced.stderr);
      assert.equal(traced.stdout.trim(), expectedOutput);
    });

    test('each run is one trace: workflow → agent → its model calls and tools', () => {
      const agentRun = [
        '    chat gpt-4o-mini',
        '    chat gpt-4o-mini',
        '    chat gpt-4o-mini',
        '    execute_tool lookup_order',
        '    execute_tool shipping_eta',
      ];
      assert.deepEqual(tree(spans, workflow(spans, 'plain run')), [
        'invoke_workflow plain run',
        '  invoke_agent Order assistant',
        ...agentRun,
      ]);
      assert.deepEqual(tree(spans, workflow(spans, 'streamed run')), [
        'invoke_workflow streamed run',
        '  invoke_agent Order assistant',
        ...agentRun,
      ]);
      assert.deepEqual(tree(spans, workflow(spans, 'agent as tool run')), [
        'invoke_workflow agent as tool run',
        '  invoke_agent Orchestrator',
        '    chat gpt-4o-mini',
        '    chat gpt-4o-mini',
        '    execute_tool ask_shipping_expert',
        '      invoke_agent Shipping expert',
        '        chat gpt-4o-mini',
        '        chat gpt-4o-mini',
        '        execute_tool shipping_eta',
      ]);
      assert.deepEqual(tree(spans, workflow(spans, 'handoff run')), [
        'invoke_workflow handoff run',
        '  invoke_agent Refund agent',
        '    chat gpt-4o-mini',
        '  invoke_agent Triage agent',
        '    chat gpt-4o-mini',
        '    handoff Refund agent',
      ]);
      // The tools of an MCP server the agent uses: extension tools, with the server's descriptions.
      assert.deepEqual(tree(spans, workflow(spans, 'mcp run')), [
        'invoke_workflow mcp run',
        '  invoke_agent Weather agent',
        '    chat gpt-4o-mini',
        '    chat gpt-4o-mini',
        '    chat gpt-4o-mini',
        '    execute_tool explode',
        '    execute_tool get_weather',
        // The SDK lists the server's tools on each turn: MCP client spans of their own.
        '    tools/list',
        '    tools/list',
        '    tools/list',
      ]);
      const mcpTools = spans
        .filter((span) => span.traceId === workflow(spans, 'mcp run').traceId && span.name.startsWith('execute_tool'))
        .sort((a, b) => a.name.localeCompare(b.name));
      assert.deepEqual(
        mcpTools.map((span) => [
          span.attributes['gen_ai.tool.type'],
          span.attributes['gen_ai.tool.call.id'],
          span.attributes['gen_ai.tool.description'],
        ]),
        [
          ['extension', 'call_abc124', 'Always fails'],
          ['extension', 'call_abc123', 'Weather of a city'],
        ],
      );
      for (const name of ['plain run', 'streamed run', 'agent as tool run', 'handoff run']) {
        assert.ok(
          spans
            .filter((span) => span.traceId === workflow(spans, name).traceId)
            .every((span) => span.status.code !== 2),
          name,
        );
      }
    });

    test('usage and cost once per model call: on the openai client span, never on the agent spans', () => {
      const run = spans.filter((span) => span.traceId === workflow(spans, 'plain run').traceId);
      const withUsage = run.filter(
        (span) =>
          span.attributes['gen_ai.usage.input_tokens'] !== undefined ||
          span.attributes['genai_otel.cost.usd'] !== undefined,
      );
      assert.equal(withUsage.length, 3);
      for (const span of withUsage) {
        assert.equal(span.scope.name, '@opentelemetry/instrumentation-openai');
        assert.equal(span.attributes['gen_ai.usage.input_tokens'], 90);
        assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
      }
    });

    test("invoke_agent, execute_tool, invoke_workflow and handoff spans carry the conventions' attributes, no content by default", () => {
      const root = workflow(spans, 'plain run');
      assert.equal(root.kind, 1);
      assert.equal(root.attributes['gen_ai.operation.name'], 'invoke_workflow');
      assert.equal(root.attributes['gen_ai.workflow.name'], 'plain run');
      const agent = spans.find((span) => span.parentSpanId === root.spanId)!;
      assert.equal(agent.kind, 1);
      assert.equal(agent.attributes['gen_ai.operation.name'], 'invoke_agent');
      assert.equal(agent.attributes['gen_ai.agent.name'], 'Order assistant');
      assert.equal(agent.attributes['gen_ai.provider.name'], undefined, 'the in-process agent span names no provider');
      assert.deepEqual(agent.attributes['genai_otel.agent.tools'], ['lookup_order', 'shipping_eta']);
      const tools = spans
        .filter((span) => span.parentSpanId === agent.spanId && span.name.startsWith('execute_tool'))
        .sort((a, b) => a.name.localeCompare(b.name));
      assert.deepEqual(
        tools.map((span) => [
          span.attributes['gen_ai.operation.name'],
          span.attributes['gen_ai.tool.name'],
          span.attributes['gen_ai.tool.type'],
          span.attributes['gen_ai.tool.call.id'],
          span.attributes['gen_ai.tool.description'],
        ]),
        [
          ['execute_tool', 'lookup_order', 'function', 'call_abc123', 'Finds an order'],
          ['execute_tool', 'shipping_eta', 'function', 'call_abc124', 'Tells when a parcel arrives'],
        ],
      );
      for (const span of tools) {
        // A local function tool: INTERNAL (the GenAI conventions' execute_tool span).
        assert.equal(span.kind, 1, span.name);
        assert.equal(span.attributes['gen_ai.tool.call.arguments'], undefined);
        assert.equal(span.attributes['gen_ai.tool.call.result'], undefined);
      }
      const handoff = spans.find(
        (span) => span.traceId === workflow(spans, 'handoff run').traceId && span.name === 'handoff Refund agent',
      )!;
      assert.equal(handoff.attributes['genai_otel.handoff.from_agent'], 'Triage agent');
      assert.equal(handoff.attributes['genai_otel.handoff.to_agent'], 'Refund agent');
      const refunds = spans.find(
        (span) => span.traceId === handoff.traceId && span.name === 'invoke_agent Refund agent',
      )!;
      assert.equal(refunds.attributes['gen_ai.agent.description'], 'Handles refunds');
      assert.equal(
        agent.attributes['gen_ai.agent.description'],
        undefined,
        'an agent without a handoff description has none',
      );
    });

    test('a tripped input guardrail: a genai_otel.guardrail.result event in the agent span, the agent and its run failed', () => {
      const root = workflow(spans, 'guardrail run');
      assert.equal(root.status.code, 2);
      const agent = spans.find(
        (span) => span.parentSpanId === root.spanId && span.name === 'invoke_agent Guarded agent',
      );
      assert.ok(agent);
      assert.equal(agent.status.code, 2);
      assert.equal(agent.attributes['error.type'], '_OTHER');
      const event = logs.find((log) => log.eventName === 'genai_otel.guardrail.result');
      assert.ok(event);
      assert.deepEqual(event.attributes, {
        'genai_otel.guardrail.name': 'no_refund_talk',
        'genai_otel.guardrail.result.type': 'tripwire_triggered',
        'genai_otel.guardrail.result.value': 'true',
      });
      assert.equal(event.traceId, agent.traceId);
      assert.equal(event.spanId, agent.spanId);
    });

    test("the SDK's own export, pointed by the app at the fake provider, still runs", () => {
      assert.ok(ingestAfter > ingestBefore);
    });

    if (module === 'CommonJS') {
      test('with content capture on, tool arguments and results; the SDK export dropped by the app stays dropped', async () => {
        const ingest = () =>
          services.provider.requests().filter((request) => request.path.endsWith('/traces/ingest')).length;
        const before = ingest();
        const captured = await run(preload, {
          OTEL_SERVICE_NAME: 'agents-content',
          OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'SPAN_ONLY',
          AGENTS_EXPORT: 'drop',
        });
        assert.equal(captured.stdout.trim(), expectedOutput, captured.stderr);
        assert.equal(ingest(), before);
        const received = await services.receiver.waitFor(
          'spans',
          (all) =>
            all.filter(
              (span) => span.resource['service.name'] === 'agents-content' && span.name === 'execute_tool shipping_eta',
            ).length >= 3,
          5000,
        );
        const lookup = received.find(
          (span) => span.resource['service.name'] === 'agents-content' && span.name === 'execute_tool lookup_order',
        )!;
        assert.equal(lookup.attributes['gen_ai.tool.call.arguments'], '{"order_id":"A-1"}');
        assert.equal(lookup.attributes['gen_ai.tool.call.result'], 'A-1: shipped');
      });

      test("an MCP tool call is one execute_tool span, the agent's, with the MCP client's attributes; the MCP server's spans join under it", async () => {
        const root = workflow(spans, 'mcp run');
        const calls = spans.filter((span) => span.traceId === root.traceId && span.name.startsWith('execute_tool'));
        // No second span for the same call: the MCP client joined the agent's execute_tool span (MCP conventions).
        assert.equal(spans.filter((span) => span.attributes['mcp.method.name'] === 'tools/call').length, 2);
        for (const call of calls) {
          // CLIENT: the MCP client's span (the MCP conventions), parent of the MCP server's SERVER span.
          assert.equal(call.kind, 3, call.name);
          assert.equal(call.attributes['mcp.method.name'], 'tools/call');
          assert.equal(call.attributes['network.transport'], 'pipe');
          assert.match(String(call.attributes['jsonrpc.request.id']), /^\d+$/);
          assert.match(String(call.attributes['mcp.protocol.version']), /^\d{4}-\d{2}-\d{2}$/);
        }
        const explode = calls.find((span) => span.name === 'execute_tool explode')!;
        assert.equal(explode.attributes['error.type'], 'tool_error');
        const weather = calls.find((span) => span.name === 'execute_tool get_weather')!;
        const serverName = `${serviceName}-mcp-server`;
        const server = (
          await services.receiver.waitFor(
            'spans',
            (all) =>
              all.some((span) => span.resource['service.name'] === serverName && span.name === 'lookup_forecast'),
            5000,
          )
        ).filter((span) => span.resource['service.name'] === serverName && span.traceId === root.traceId);
        const handled = server.find((span) => span.name === 'tools/call get_weather');
        assert.ok(handled, server.map((span) => span.name).join(', '));
        assert.equal(handled.kind, 2);
        assert.equal(handled.parentSpanId, weather.spanId);
        assert.equal(server.find((span) => span.name === 'lookup_forecast')?.parentSpanId, handled.spanId);
      });

      test("OPENAI_AGENTS_DISABLE_TRACING=1: the SDK's tracing is off, genai-otel's mapping with it; the model calls still traced", async () => {
        const off = await run(preload, {
          OTEL_SERVICE_NAME: 'agents-sdk-tracing-off',
          OPENAI_AGENTS_DISABLE_TRACING: '1',
        });
        assert.equal(off.stdout.trim(), expectedOutput, off.stderr);
        const received = (
          await services.receiver.waitFor(
            'spans',
            (all) => all.filter((span) => span.resource['service.name'] === 'agents-sdk-tracing-off').length >= 15,
            5000,
          )
        ).filter((span) => span.resource['service.name'] === 'agents-sdk-tracing-off');
        assert.ok(
          received.every((span) => span.name.startsWith('chat ') || span.attributes['mcp.method.name'] !== undefined),
          received.map((span) => span.name).join(', '),
        );
        // Without the SDK's function spans to join, each MCP tool call is its MCP client span, the one execute_tool.
        const calls = received.filter((span) => span.attributes['mcp.method.name'] === 'tools/call');
        assert.deepEqual(calls.map((span) => [span.name, span.kind, span.attributes['gen_ai.operation.name']]).sort(), [
          ['tools/call explode', 3, 'execute_tool'],
          ['tools/call get_weather', 3, 'execute_tool'],
        ]);
      });

      test('GENAI_OTEL_INSTRUMENTATIONS without openai-agents: no agent spans, the model calls still traced', async () => {
        const off = await run(preload, { OTEL_SERVICE_NAME: 'agents-off', GENAI_OTEL_INSTRUMENTATIONS: 'openai' });
        assert.equal(off.stdout.trim(), expectedOutput, off.stderr);
        const received = (
          await services.receiver.waitFor(
            'spans',
            (all) => all.filter((span) => span.resource['service.name'] === 'agents-off').length >= 15,
            5000,
          )
        ).filter((span) => span.resource['service.name'] === 'agents-off');
        assert.ok(
          received.every((span) => span.name.startsWith('chat ')),
          received.map((span) => span.name).join(', '),
        );
      });
    }
  });
}
