// MCP through the real preload: a client and a server (separate processes, the real @modelcontextprotocol/sdk 1.x, and
// the 2.x packages @modelcontextprotocol/client, /server and /node) over stdio and Streamable HTTP, in CommonJS and ES
// modules; the server's spans must join the client's trace, notifications included.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedMetric,
  type ReceivedSpan,
} from '@genai-otel/mock-otlp-receiver';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';

let receiver: OtlpReceiver;
before(async () => {
  receiver = await startOtlpReceiver();
});
after(async () => {
  await receiver.close();
});

const CLIENT = 3;
const SERVER = 2;
const ERROR = 2;

const REQUIRE = ['--require', 'genai-otel/register'];
const IMPORT = ['--import', 'genai-otel/register'];
const cases = [
  { script: 'mcp-app.cjs', kind: 'stdio', nodeArgs: REQUIRE, transport: 'pipe' },
  { script: 'mcp-app.cjs', kind: 'http', nodeArgs: REQUIRE, transport: 'tcp' },
  { script: 'mcp-app.mjs', kind: 'stdio', nodeArgs: IMPORT, transport: 'pipe' },
  { script: 'mcp-app.mjs', kind: 'http', nodeArgs: IMPORT, transport: 'tcp' },
  { script: 'mcp2-app.cjs', kind: 'stdio', nodeArgs: REQUIRE, transport: 'pipe' },
  { script: 'mcp2-app.cjs', kind: 'http', nodeArgs: REQUIRE, transport: 'tcp' },
  { script: 'mcp2-app.mjs', kind: 'stdio', nodeArgs: IMPORT, transport: 'pipe' },
  { script: 'mcp2-app.mjs', kind: 'http', nodeArgs: IMPORT, transport: 'tcp' },
];

for (const { script, kind, nodeArgs, transport } of cases) {
  const split = script.startsWith('mcp2');
  describe(`${script} over ${kind} under ${nodeArgs.join(' ')}`, () => {
    const serviceName = `mcp-${script.replace(/\W+/g, '-')}-${kind}`;
    let client: ReceivedSpan[];
    let server: ReceivedSpan[];
    let all: ReceivedSpan[];
    let metrics: ReceivedMetric[];
    const named = (spans: ReceivedSpan[], name: string) => {
      const found = spans.filter((span) => span.name === name);
      assert.equal(found.length, 1, `${name} in ${spans.map((span) => span.name).join(', ')}`);
      return found[0]!;
    };

    before(async () => {
      const env = otelEnv(receiver.url, {
        OTEL_SERVICE_NAME: serviceName,
        MCP_SERVER_NODE_ARGS: JSON.stringify(nodeArgs),
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'SPAN_ONLY',
      });
      const result = await runFixture(fixture(script), {
        nodeArgs,
        args: ['client', kind],
        env,
        timeoutMillis: 60_000,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        result.stdout,
        `tools: get_weather,explode\nweather: sunny in Paris\nexplode isError: true\nprompt error: -32602\n${split ? 'logged: looking up Paris\n' : ''}client finished\n`,
        result.stderr,
      );
      const ofService = (spans: ReceivedSpan[], name: string) =>
        spans.filter((span) => span.resource['service.name'] === name);
      all = await receiver.waitFor(
        'spans',
        (spans) => ofService(spans, serviceName).length >= 6 && ofService(spans, `${serviceName}-server`).length >= 6,
        15000,
      );
      client = ofService(all, serviceName).filter((span) => span.scope.name === 'genai-otel');
      server = ofService(all, `${serviceName}-server`).filter((span) => span.scope.name === 'genai-otel');
      const has = (
        received: ReceivedMetric[],
        service: string,
        name: string,
        point: (attributes: ReceivedMetric['dataPoints'][number]['attributes']) => boolean,
      ) =>
        received.some(
          (metric) =>
            metric.resource['service.name'] === service &&
            metric.name === name &&
            metric.dataPoints.some((data) => point(data.attributes)),
        );
      metrics = await receiver.waitFor(
        'metrics',
        (received) =>
          has(
            received,
            `${serviceName}-server`,
            'mcp.server.operation.duration',
            (attributes) => attributes['gen_ai.tool.name'] === 'explode',
          ) &&
          has(
            received,
            serviceName,
            'mcp.client.operation.duration',
            (attributes) => attributes['gen_ai.tool.name'] === 'explode',
          ),
        15000,
      );
    });

    test('the tool call: a CLIENT span and the SERVER span under it, in the trace of the application’s run, the tool’s own span nested', () => {
      const run = named(
        all.filter((span) => span.resource['service.name'] === serviceName),
        'agent_run',
      );
      const call = named(client, 'tools/call get_weather');
      const handled = named(server, 'tools/call get_weather');
      assert.equal(call.kind, CLIENT);
      assert.equal(handled.kind, SERVER);
      assert.equal(call.traceId, run.traceId);
      assert.equal(call.parentSpanId, run.spanId);
      assert.equal(handled.traceId, call.traceId);
      assert.equal(handled.parentSpanId, call.spanId);
      const lookup = named(
        all.filter((span) => span.resource['service.name'] === `${serviceName}-server`),
        'lookup_forecast',
      );
      assert.equal(lookup.traceId, call.traceId);
      assert.equal(lookup.parentSpanId, handled.spanId);
    });

    test('attributes per the MCP conventions on both sides; content only because capture is on', () => {
      const call = named(client, 'tools/call get_weather');
      const handled = named(server, 'tools/call get_weather');
      for (const span of [call, handled]) {
        assert.equal(span.attributes['mcp.method.name'], 'tools/call');
        assert.equal(span.attributes['gen_ai.tool.name'], 'get_weather');
        assert.equal(span.attributes['gen_ai.operation.name'], 'execute_tool');
        assert.equal(span.attributes['network.transport'], transport);
        assert.equal(
          span.attributes['mcp.protocol.version'],
          named(client, 'initialize').attributes['mcp.protocol.version'],
        );
        assert.match(String(span.attributes['mcp.protocol.version']), /^\d{4}-\d{2}-\d{2}$/);
        assert.equal(span.attributes['gen_ai.tool.call.arguments'], '{"city":"Paris"}');
        assert.equal(span.attributes['error.type'], undefined);
        assert.equal(span.status.code, 0);
      }
      assert.equal(handled.attributes['gen_ai.tool.call.result'], '[{"type":"text","text":"sunny in Paris"}]');
      assert.equal(call.attributes['gen_ai.tool.call.result'], handled.attributes['gen_ai.tool.call.result']);
      assert.equal(call.attributes['jsonrpc.request.id'], handled.attributes['jsonrpc.request.id']);
      assert.match(String(call.attributes['jsonrpc.request.id']), /^\d+$/);
      if (kind === 'http') {
        assert.match(String(call.attributes['mcp.session.id']), /^[0-9a-f-]{36}$/);
        assert.equal(handled.attributes['mcp.session.id'], call.attributes['mcp.session.id']);
        assert.equal(call.attributes['server.address'], '127.0.0.1');
        assert.equal(typeof call.attributes['server.port'], 'number');
      } else {
        assert.equal(call.attributes['mcp.session.id'], undefined);
      }
    });

    test('errors: a tool result with isError is a tool_error, a JSON-RPC error its code, on both sides', () => {
      for (const span of [named(client, 'tools/call explode'), named(server, 'tools/call explode')]) {
        assert.equal(span.attributes['error.type'], 'tool_error');
        assert.equal(span.status.code, ERROR);
      }
      const asked = named(client, 'prompts/get nope');
      const answered = named(server, 'prompts/get nope');
      assert.equal(answered.parentSpanId, asked.spanId);
      for (const span of [asked, answered]) {
        assert.equal(span.attributes['error.type'], '-32602');
        assert.equal(span.attributes['rpc.response.status_code'], '-32602');
        assert.equal(span.attributes['gen_ai.prompt.name'], 'nope');
        assert.equal(span.status.code, ERROR);
        assert.match(span.status.message, /nope/);
      }
    });

    test('notifications are spans too: CLIENT where sent, SERVER where handled, joined through their _meta', () => {
      // Sent by the client's connect(), handled by the server.
      const sent = named(client, 'notifications/initialized');
      const handled = named(server, 'notifications/initialized');
      assert.equal(sent.kind, CLIENT);
      assert.equal(handled.kind, SERVER);
      assert.equal(handled.traceId, sent.traceId);
      assert.equal(handled.parentSpanId, sent.spanId);
      for (const span of [sent, handled]) {
        assert.equal(span.attributes['mcp.method.name'], 'notifications/initialized');
        assert.equal(span.attributes['network.transport'], transport);
        // A notification has no id.
        assert.equal(span.attributes['jsonrpc.request.id'], undefined);
        assert.equal(span.attributes['gen_ai.operation.name'], undefined);
      }
      if (!split) return;
      // Sent by the server's tool while it runs (a log message, a progress update) inside the tool's own span,
      // handled by the client.
      const tool = named(server, 'tools/call get_weather');
      const lookup = named(
        all.filter((span) => span.resource['service.name'] === `${serviceName}-server`),
        'lookup_forecast',
      );
      for (const method of ['notifications/message', 'notifications/progress']) {
        const fromServer = named(server, method);
        assert.equal(fromServer.kind, CLIENT);
        assert.equal(fromServer.traceId, tool.traceId);
        assert.equal(fromServer.parentSpanId, lookup.spanId);
        const atClient = named(client, method);
        assert.equal(atClient.kind, SERVER);
        assert.equal(atClient.traceId, tool.traceId);
        assert.equal(atClient.parentSpanId, fromServer.spanId);
      }
    });

    test('initialize and tools/list are traced too, and the duration metrics are recorded on each side', () => {
      assert.equal(named(server, 'initialize').parentSpanId, named(client, 'initialize').spanId);
      assert.equal(named(server, 'tools/list').parentSpanId, named(client, 'tools/list').spanId);
      // Cumulative: the latest export of each holds every series.
      const metricOf = (service: string, name: string) =>
        metrics.findLast((metric) => metric.resource['service.name'] === service && metric.name === name);
      const clientDuration = metricOf(serviceName, 'mcp.client.operation.duration');
      const serverDuration = metricOf(`${serviceName}-server`, 'mcp.server.operation.duration');
      assert.ok(clientDuration !== undefined && serverDuration !== undefined);
      const explode = serverDuration.dataPoints.find((point) => point.attributes['gen_ai.tool.name'] === 'explode');
      assert.equal(explode?.attributes['error.type'], 'tool_error');
      assert.equal(explode?.attributes['mcp.method.name'], 'tools/call');
      assert.ok(clientDuration.dataPoints.some((point) => point.attributes['mcp.method.name'] === 'initialize'));
      const prompt = clientDuration.dataPoints.find((point) => point.attributes['mcp.method.name'] === 'prompts/get');
      assert.equal(prompt?.attributes['error.type'], '-32602');
      assert.equal(prompt?.attributes['rpc.response.status_code'], '-32602');
      assert.equal(prompt?.attributes['network.transport'], transport);
      // Per-request values stay off the metric: its series must not grow with requests or sessions.
      assert.equal(prompt?.attributes['jsonrpc.request.id'], undefined);
      assert.equal(prompt?.attributes['mcp.session.id'], undefined);
    });
  });
}

test('GENAI_OTEL_INSTRUMENTATIONS without mcp: the app runs the same and no MCP span is made', async () => {
  const serviceName = 'mcp-off';
  const nodeArgs = ['--require', 'genai-otel/register'];
  const env = otelEnv(receiver.url, {
    OTEL_SERVICE_NAME: serviceName,
    MCP_SERVER_NODE_ARGS: JSON.stringify(nodeArgs),
    GENAI_OTEL_INSTRUMENTATIONS: 'openai,anthropic',
    OTEL_METRICS_EXPORTER: 'none',
  });
  const result = await runFixture(fixture('mcp-app.cjs'), {
    nodeArgs,
    args: ['client', 'stdio'],
    env,
    timeoutMillis: 60_000,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /weather: sunny in Paris\n/);
  const spans = await receiver.waitFor(
    'spans',
    (all) =>
      all.some((span) => span.resource['service.name'] === serviceName && span.name === 'agent_run') &&
      all.some((span) => span.resource['service.name'] === `${serviceName}-server` && span.name === 'lookup_forecast'),
    15000,
  );
  const ours = spans.filter(
    (span) => String(span.resource['service.name']).startsWith(serviceName) && span.scope.name === 'genai-otel',
  );
  assert.deepEqual(ours, []);
  // Without propagation the server's own span starts a trace of its own.
  const run = spans.find((span) => span.resource['service.name'] === serviceName && span.name === 'agent_run')!;
  const lookup = spans.find(
    (span) => span.resource['service.name'] === `${serviceName}-server` && span.name === 'lookup_forecast',
  )!;
  assert.notEqual(lookup.traceId, run.traceId);
});
