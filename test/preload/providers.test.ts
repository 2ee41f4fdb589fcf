// Automatic instrumentation of the other provider clients through the real preload: CommonJS and ESM apps using the
// real @google/genai, Bedrock Runtime, Mistral, Cohere, Ollama and Groq clients, in child processes, against the fake
// provider APIs and the local OTLP receiver.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedMetric,
  type ReceivedSpan,
} from '@genai-otel/mock-otlp-receiver';
import { startFakeProviderApis, type FakeProviderApis } from '../support/fake-provider-apis.ts';
import { scratchRequire } from '../support/scratch-packages.ts';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';

let receiver: OtlpReceiver;
let apis: FakeProviderApis;
let apps: string;
before(async () => {
  receiver = await startOtlpReceiver();
  apis = await startFakeProviderApis();
  // The apps run from the folder where Mistral is installed (it cannot be a devDependency, scratch-packages.ts), so
  // that they import it by name, as users do; the other clients resolve from the repository's node_modules above it.
  const scratch = await scratchRequire('mistral', ['@mistralai/mistralai@^2']);
  apps = dirname(scratch.resolve('./package.json'));
  for (const file of ['provider-clients.cjs', 'provider-clients.mjs', 'provider-clients-scenario.cjs'])
    copyFileSync(fixture(file), join(apps, file));
});
after(async () => {
  await apis.close();
  await receiver.close();
});

function run(script: string, nodeArgs: string[], serviceName: string, extra: Record<string, string> = {}) {
  return runFixture(join(apps, script), {
    nodeArgs,
    timeoutMillis: 60_000,
    env: otelEnv(receiver.url, {
      OTEL_SERVICE_NAME: serviceName,
      FAKE_APIS_URL: apis.baseURL,
      FAKE_BEDROCK_URL: apis.bedrockURL,
      ...extra,
    }),
  });
}

const PROVIDERS = ['gcp.gemini', 'aws.bedrock', 'mistral_ai', 'cohere', 'ollama', 'groq'];
const llmSpansOf = (spans: ReceivedSpan[], serviceName: string) =>
  spans.filter(
    (span) =>
      span.resource['service.name'] === serviceName &&
      PROVIDERS.includes(span.attributes['gen_ai.provider.name'] as string),
  );

const cases = [
  {
    name: 'CommonJS app with --require genai-otel/register',
    script: 'provider-clients.cjs',
    nodeArgs: ['--require', 'genai-otel/register'],
  },
  {
    name: 'ESM app with --import genai-otel/register (import-in-the-middle hook)',
    script: 'provider-clients.mjs',
    nodeArgs: ['--import', 'genai-otel/register'],
  },
];

for (const { name, script, nodeArgs } of cases) {
  describe(name, () => {
    const serviceName = `providers-${script.replace(/\W+/g, '-')}`;
    let spans: ReceivedSpan[];
    let metrics: ReceivedMetric[];

    before(async () => {
      const result = await run(script, nodeArgs, serviceName);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim(), 'caught ApiError\napp finished: The order has shipped.');
      spans = llmSpansOf(
        await receiver.waitFor('spans', (all) => llmSpansOf(all, serviceName).length >= 10, 15000),
        serviceName,
      );
      metrics = (
        await receiver.waitFor(
          'metrics',
          (all) =>
            all.some(
              (metric) => metric.resource['service.name'] === serviceName && metric.name === 'genai_otel.client.errors',
            ),
          15000,
        )
      ).filter((metric) => metric.resource['service.name'] === serviceName);
    });

    test('one genai-otel span per model call, named by the conventions, for every provider', () => {
      const names = spans.map((span) => `${span.attributes['gen_ai.provider.name'] as string} ${span.name}`).sort();
      assert.deepEqual(names, [
        'aws.bedrock chat anthropic.claude-sonnet-4-20250514-v1:0',
        'aws.bedrock chat anthropic.claude-sonnet-4-20250514-v1:0',
        'cohere chat command-a-03-2025',
        'gcp.gemini generate_content gemini-2.5-flash',
        'gcp.gemini generate_content gemini-2.5-flash',
        'gcp.gemini generate_content gemini-2.5-flash',
        'groq chat llama-3.3-70b-versatile',
        'mistral_ai chat mistral-small-latest',
        'mistral_ai chat mistral-small-latest',
        'ollama chat llama3.2',
      ]);
      assert.ok(spans.every((span) => span.scope.name === 'genai-otel'));
    });

    test('streams: usage and time to first chunk; the Gemini 400 as an error', () => {
      const streamed = spans.filter((span) => span.attributes['gen_ai.request.stream'] === true);
      assert.deepEqual(streamed.map((span) => span.attributes['gen_ai.provider.name']).sort(), [
        'aws.bedrock',
        'gcp.gemini',
        'mistral_ai',
        'ollama',
      ]);
      for (const span of streamed) {
        assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) > 0, span.name);
        assert.ok((span.attributes['gen_ai.usage.output_tokens'] as number) > 0, span.name);
      }
      const failed = spans.filter((span) => span.status.code === 2);
      assert.equal(failed.length, 1);
      assert.equal(failed[0]!.attributes['error.type'], 'ApiError');
    });

    test('metrics: duration and tokens for every provider, cost for the priced ones', () => {
      const byName = new Map(metrics.map((metric) => [metric.name, metric]));
      const providers = (metricName: string) =>
        new Set(byName.get(metricName)?.dataPoints.map((point) => point.attributes['gen_ai.provider.name']));
      assert.deepEqual(providers('gen_ai.client.inference.duration'), new Set(PROVIDERS));
      assert.deepEqual(providers('gen_ai.client.inference.usage.input_tokens'), new Set(PROVIDERS));
      assert.deepEqual(
        providers('genai_otel.client.cost'),
        new Set(['gcp.gemini', 'aws.bedrock', 'mistral_ai', 'cohere', 'groq']),
      );
      assert.deepEqual(providers('genai_otel.client.errors'), new Set(['gcp.gemini']));
    });
  });
}

test('GENAI_OTEL_INSTRUMENTATIONS without the provider names leaves those clients alone', async () => {
  const serviceName = 'providers-off';
  const result = await run('provider-clients.cjs', ['--require', 'genai-otel/register'], serviceName, {
    GENAI_OTEL_INSTRUMENTATIONS: 'openai,anthropic',
    OTEL_METRICS_EXPORTER: 'none',
  });
  assert.equal(result.code, 0, result.stderr);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(llmSpansOf(receiver.spans(), serviceName), []);
});
