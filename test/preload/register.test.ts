// The zero-code start: real child processes under `--require genai-otel/register` and `--import genai-otel/register`,
// CommonJS and ESM apps, exporting to a local OTLP receiver.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@genai-otel/mock-otlp-receiver';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';

let receiver: OtlpReceiver;
before(async () => {
  receiver = await startOtlpReceiver();
});
after(async () => {
  await receiver.close();
});

const cases = [
  { name: 'CommonJS app with --require', nodeArgs: ['--require', 'genai-otel/register'], script: 'llm-call.cjs' },
  { name: 'ESM app with --import', nodeArgs: ['--import', 'genai-otel/register'], script: 'llm-call.mjs' },
  { name: 'CommonJS app with --import', nodeArgs: ['--import', 'genai-otel/register'], script: 'llm-call.cjs' },
  { name: 'ESM app with --require', nodeArgs: ['--require', 'genai-otel/register'], script: 'llm-call.mjs' },
];

for (const { name, nodeArgs, script } of cases) {
  describe(name, () => {
    const serviceName = `svc-${name.replace(/\W+/g, '-').toLowerCase()}`;
    let spans: ReceivedSpan[];
    let exitCode: number | null;

    before(async () => {
      const result = await runFixture(fixture(script), {
        nodeArgs,
        env: otelEnv(receiver.url, {
          OTEL_SERVICE_NAME: serviceName,
          OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,team=ai%20platform',
        }),
      });
      exitCode = result.code;
      assert.equal(result.stdout.trim(), 'app finished');
      assert.equal(result.stderr, '', 'no diagnostics on a clean run');
      spans = (
        await receiver.waitFor(
          'spans',
          (all) => all.filter((span) => span.resource['service.name'] === serviceName).length >= 3,
          10000,
        )
      ).filter((span) => span.resource['service.name'] === serviceName);
    });

    test('the app exits normally and its spans arrive, as a tree, with the conventions names', () => {
      assert.equal(exitCode, 0);
      const agent = spans.find((span) => span.name === 'invoke_agent support-agent');
      const llm = spans.find((span) => span.name === 'chat gpt-4o-mini');
      const tool = spans.find((span) => span.name === 'execute_tool lookup_order');
      assert.ok(agent && llm && tool, `spans: ${spans.map((span) => span.name).join(', ')}`);
      assert.equal(llm.kind, 3, 'CLIENT');
      assert.equal(llm.parentSpanId, agent.spanId);
      assert.equal(tool.parentSpanId, agent.spanId);
      assert.equal(llm.attributes['gen_ai.usage.input_tokens'], 120);
      assert.equal(llm.scope.name, 'genai-otel');
    });

    test('the resource names the service, the distro, the host and the process', () => {
      const resource = spans[0]!.resource;
      assert.equal(resource['service.name'], serviceName);
      assert.equal(resource['deployment.environment.name'], 'test');
      assert.equal(resource['team'], 'ai platform');
      assert.equal(resource['telemetry.distro.name'], 'genai-otel');
      assert.match(String(resource['telemetry.distro.version']), /^\d+\.\d+\.\d+/);
      assert.equal(resource['telemetry.sdk.language'], 'nodejs');
      assert.equal(typeof resource['host.name'], 'string');
      assert.equal(typeof resource['process.pid'], 'number');
      assert.equal(resource['process.runtime.name'], 'nodejs');
      assert.equal(typeof resource['service.instance.id'], 'string');
    });

    test('the GenAI metrics of the call arrive before the process ends', async () => {
      const metrics = await receiver.waitFor(
        'metrics',
        (all) =>
          all.some(
            (metric) =>
              metric.resource['service.name'] === serviceName &&
              metric.name === 'gen_ai.client.inference.usage.input_tokens',
          ),
        10000,
      );
      const names = new Set(
        metrics.filter((metric) => metric.resource['service.name'] === serviceName).map((metric) => metric.name),
      );
      for (const expected of [
        'gen_ai.client.inference.duration',
        'gen_ai.client.inference.usage.input_tokens',
        'gen_ai.execute_tool.duration',
        'gen_ai.invoke_agent.duration',
        'genai_otel.client.cost',
      ]) {
        assert.ok(names.has(expected), `${expected} in ${[...names].join(', ')}`);
      }
    });
  });
}

test('without OTEL_SERVICE_NAME the service is named after the application package.json', async () => {
  const result = await runFixture(fixture('llm-call.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env: otelEnv(receiver.url, { FIXTURE_MARK: 'pkg' }),
  });
  assert.equal(result.code, 0);
  // The fixture lives inside this repository, whose package.json is genai-otel's own.
  const spans = await receiver.waitFor(
    'spans',
    (all) => all.some((span) => span.resource['service.name'] === 'genai-otel'),
    10000,
  );
  assert.match(
    String(spans.find((span) => span.resource['service.name'] === 'genai-otel')?.resource['service.version']),
    /^\d+\.\d+\.\d+$/,
  );
});

test('the exit code the app sets is kept', async () => {
  const result = await runFixture(fixture('llm-call.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env: otelEnv(receiver.url, { FIXTURE_EXIT_CODE: '7', OTEL_SERVICE_NAME: 'exit-code' }),
  });
  assert.equal(result.code, 7);
  await receiver.waitFor('spans', (all) => all.some((span) => span.resource['service.name'] === 'exit-code'), 10000);
});
