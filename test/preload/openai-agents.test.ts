// OpenAI Agents SDK runs under the real preload, CommonJS (--require) and ESM (--import), against the local fake
// provider: each run is one trace — invoke_workflow → invoke_agent → the model calls (the openai client's spans, with
// usage and cost, once) and execute_tool spans — for a plain run, a streamed run, an agent used as a tool, a handoff
// and an input guardrail that trips (a gen_ai.guardrail.result event). The app prints what it prints untraced, its
// own export to OpenAI's platform stays as it configured it, and nothing leaves loopback.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedLog, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { startFakeProvider, type FakeProvider } from '../support/fake-provider.ts';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';

let receiver: OtlpReceiver;
let provider: FakeProvider;
before(async () => {
  receiver = await startOtlpReceiver();
  provider = await startFakeProvider();
});
after(async () => {
  await provider.close();
  await receiver.close();
});

const expectedOutput = [
  'plain: "The order has shipped."',
  'streamed: "The order has shipped."',
  'agent as tool: "The order has shipped."',
  'handoff: "The order has shipped."',
  'guardrail: threw InputGuardrailTripwireTriggered',
  'outside loopback: []',
].join('\n');

/** The span tree under `root`, one line per span, children sorted by name: `name` indented by depth. */
function tree(spans: ReceivedSpan[], root: ReceivedSpan, depth = 0): string[] {
  const children = spans.filter((span) => span.parentSpanId === root.spanId && span.traceId === root.traceId).sort((a, b) => a.name.localeCompare(b.name));
  return [`${'  '.repeat(depth)}${root.name}`, ...children.flatMap((child) => tree(spans, child, depth + 1))];
}

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
        env: otelEnv(receiver.url, { OTEL_SERVICE_NAME: serviceName, OTEL_METRICS_EXPORTER: 'none', FAKE_PROVIDER_URL: provider.anthropicBaseURL, OPENAI_API_KEY: 'test-key', ...extra }),
      });
    let untraced: Awaited<ReturnType<typeof run>>;
    let traced: Awaited<ReturnType<typeof run>>;
    let spans: ReceivedSpan[];
    let logs: ReceivedLog[];
    let ingestBefore: number;
    let ingestAfter: number;

    before(async () => {
      untraced = await run([]);
      ingestBefore = provider.requests().filter((request) => request.path.endsWith('/traces/ingest')).length;
      traced = await run(preload);
      ingestAfter = provider.requests().filter((request) => request.path.endsWith('/traces/ingest')).length;
      const mine = (received: ReceivedSpan[]) => received.filter((span) => span.resource['service.name'] === serviceName);
      spans = mine(await receiver.waitFor('spans', (received) => mine(received).filter((span) => span.name.startsWith('invoke_workflow')).length >= 5, 5000).catch(() => receiver.spans()));
      logs = (await receiver.waitFor('logs', (received) => received.some((log) => log.resource['service.name'] === serviceName && log.eventName === 'gen_ai.guardrail.result'), 3000).catch(() => receiver.logs())).filter(
        (log) => log.resource['service.name'] === serviceName,
      );
    });

    test('the app prints what it prints without genai-otel, and connects to nothing outside loopback', () => {
      assert.equal(untraced.code, 0, untraced.stderr);
      assert.equal(untraced.stdout.trim(), expectedOutput);
      assert.equal(traced.code, 0, traced.stderr);
      assert.equal(traced.stdout.trim(), expectedOutput);
    });

    test('debug tree', () => {
      for (const root of spans.filter((span) => span.parentSpanId === undefined)) console.log(tree(spans, root).join('\n'));
      console.log(JSON.stringify(logs.map((l) => [l.eventName, l.attributes, l.spanId])));
    });
  });
}
