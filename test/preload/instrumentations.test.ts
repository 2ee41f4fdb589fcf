// Automatic instrumentation through the real preload: CommonJS and ESM apps using the real openai and
// @anthropic-ai/sdk clients, in child processes, against the fake provider and the local OTLP services.receiver.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ReceivedMetric, type ReceivedSpan } from '@genai-otel/mock-otlp-receiver';
import { useFakeServices } from '../support/fake-services.ts';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';

const services = useFakeServices();

function run(script: string, nodeArgs: string[], serviceName: string, extra: Record<string, string> = {}) {
  return runFixture(fixture(script), {
    nodeArgs,
    env: otelEnv(services.receiver.url, {
      OTEL_SERVICE_NAME: serviceName,
      FAKE_PROVIDER_URL: services.provider.anthropicBaseURL,
      ...extra,
    }),
  });
}

const llmSpansOf = (spans: ReceivedSpan[], serviceName: string) =>
  spans.filter(
    (span) =>
      span.resource['service.name'] === serviceName && typeof span.attributes['gen_ai.provider.name'] === 'string',
  );

const cases = [
  {
    name: 'CommonJS app with --require genai-otel/register',
    script: 'llm-clients.cjs',
    nodeArgs: ['--require', 'genai-otel/register'],
  },
  {
    name: 'ESM app with --import genai-otel/register (import-in-the-middle hook)',
    script: 'llm-clients.mjs',
    nodeArgs: ['--import', 'genai-otel/register'],
  },
];

for (const { name, script, nodeArgs } of cases) {
  describe(name, () => {
    const serviceName = `instr-${script.replace(/\W+/g, '-')}`;
    let spans: ReceivedSpan[];
    let metrics: ReceivedMetric[];

    before(async () => {
      const result = await run(script, nodeArgs, serviceName);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim(), 'caught InternalServerError\napp finished');
      spans = llmSpansOf(
        await services.receiver.waitFor('spans', (all) => llmSpansOf(all, serviceName).length >= 4, 10000),
        serviceName,
      );
      metrics = (
        await services.receiver.waitFor(
          'metrics',
          (all) =>
            all.some(
              (metric) => metric.resource['service.name'] === serviceName && metric.name === 'genai_otel.client.errors',
            ),
          10000,
        )
      ).filter((metric) => metric.resource['service.name'] === serviceName);
    });

    test('openai: the official instrumentation’s spans, completed by genai-otel (provider, cost, retries, stream facts)', () => {
      const openai = spans.filter((span) => span.scope.name === '@opentelemetry/instrumentation-openai');
      assert.equal(openai.length, 2, spans.map((span) => `${span.scope.name} ${span.name}`).join(', '));
      const [retried, streamed] = openai.sort((a, b) => Number(a.startTimeUnixNano - b.startTimeUnixNano));
      assert.equal(retried!.attributes['gen_ai.provider.name'], 'openai');
      assert.equal(retried!.attributes['genai_otel.retry.count'], 1);
      assert.equal(retried!.attributes['genai_otel.retry.reason'], 'rate_limited');
      assert.ok((retried!.attributes['genai_otel.cost.usd'] as number) > 0);
      assert.equal(streamed!.attributes['gen_ai.usage.output_tokens'], 40);
      assert.ok((streamed!.attributes['gen_ai.response.time_to_first_chunk'] as number) > 0);
    });

    test('anthropic: genai-otel spans (one per call), tool use, the 500 as an error', () => {
      const anthropic = spans.filter((span) => span.attributes['gen_ai.provider.name'] === 'anthropic');
      assert.ok(
        anthropic.every((span) => span.scope.name === 'genai-otel' && span.name === 'chat claude-sonnet-4-20250514'),
      );
      assert.equal(anthropic.length, 2);
      const streamed = anthropic.find((span) => span.attributes['gen_ai.request.stream'] === true)!;
      assert.deepEqual(streamed.attributes['gen_ai.response.finish_reasons'], ['tool_use']);
      assert.equal(streamed.attributes['gen_ai.usage.input_tokens'], 250);
      const failed = anthropic.find((span) => span.status.code === 2)!;
      assert.equal(failed.attributes['error.type'], 'InternalServerError');
    });

    test('metrics: one scope (genai-otel) with cost, retries, errors, duration and time to first chunk for both providers', () => {
      const byName = new Map(metrics.map((metric) => [metric.name, metric]));
      // The SDK's own self-observability (@opentelemetry/sdk-trace: spans processed, queue) aside, GenAI metrics come from
      // genai-otel only: the official OpenAI instrumentation's duplicates are not exported.
      const scopes = new Set(metrics.map((metric) => metric.scope.name));
      scopes.delete('@opentelemetry/sdk-trace');
      assert.deepEqual([...scopes], ['genai-otel']);
      const providers = (metricName: string) =>
        new Set(byName.get(metricName)?.dataPoints.map((point) => point.attributes['gen_ai.provider.name']));
      assert.deepEqual(providers('gen_ai.client.inference.duration'), new Set(['openai', 'anthropic']));
      assert.deepEqual(providers('genai_otel.client.cost'), new Set(['openai', 'anthropic']));
      assert.deepEqual(providers('gen_ai.client.inference.time_to_first_chunk'), new Set(['openai', 'anthropic']));
      assert.deepEqual(providers('genai_otel.client.retries'), new Set(['openai']));
      assert.deepEqual(providers('genai_otel.client.errors'), new Set(['anthropic']));
    });
  });
}

test('the ESM app under --require gets no loader hook: its ES module clients are not patched (the ESM case above is not vacuous)', async () => {
  const serviceName = 'instr-esm-without-hook';
  const result = await run('llm-clients.mjs', ['--require', 'genai-otel/register'], serviceName, {
    OTEL_METRICS_EXPORTER: 'none',
  });
  assert.equal(result.code, 0, result.stderr);
  // The Anthropic SDK 1.x traces itself with whatever provider is registered: only its own spans may be there.
  const spans = await services.receiver.waitFor(
    'spans',
    (all) => all.some((span) => span.resource['service.name'] === serviceName),
    10000,
  );
  assert.deepEqual(
    [...new Set(llmSpansOf(spans, serviceName).map((span) => span.scope.name))],
    ['com.anthropic.sdk.typescript'],
  );
});

test('GENAI_OTEL_INSTRUMENTATIONS=none turns the automatic instrumentation off', async () => {
  const serviceName = 'instr-none';
  const result = await run('llm-clients.cjs', ['--require', 'genai-otel/register'], serviceName, {
    GENAI_OTEL_INSTRUMENTATIONS: 'none',
    OTEL_METRICS_EXPORTER: 'none',
  });
  assert.equal(result.code, 0, result.stderr);
  const spans = await services.receiver.waitFor(
    'spans',
    (all) => all.some((span) => span.resource['service.name'] === serviceName),
    10000,
  );
  assert.deepEqual(
    [...new Set(llmSpansOf(spans, serviceName).map((span) => span.scope.name))],
    ['com.anthropic.sdk.typescript'],
  );
});

test('GENAI_OTEL_INSTRUMENTATIONS with an unknown name: one diagnostic naming the variable and the accepted values', async () => {
  const result = await run('llm-clients.cjs', ['--require', 'genai-otel/register'], 'instr-bad', {
    GENAI_OTEL_INSTRUMENTATIONS: 'openai,langchian',
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'none',
  });
  assert.equal(result.code, 0);
  assert.match(
    result.stderr,
    /GENAI_OTEL_INSTRUMENTATIONS="openai,langchian" is not valid: "langchian" is not supported; accepted values are openai, anthropic, ai-sdk, mcp, openai-agents, langchain, mastra, pinecone, qdrant, chroma, pgvector, google-genai, bedrock, mistral, cohere, ollama, groq, http, express, fastify, koa, nestjs, weaviate, llamaindex, all, none/,
  );
});

describe('getStatus().instrumentations: libraries actually patched', () => {
  const statusRun = (serviceName: string, extra: Record<string, string>) =>
    runFixture(fixture('status-before-load.mjs'), {
      env: otelEnv(services.receiver.url, {
        OTEL_SERVICE_NAME: serviceName,
        FAKE_OPENAI_URL: services.provider.openaiBaseURL,
        GENAI_OTEL_INSTRUMENTATIONS: 'openai',
        ...extra,
      }),
    });
  const chatSpans = (spans: ReceivedSpan[], serviceName: string) =>
    spans.filter((span) => span.resource['service.name'] === serviceName && span.name === 'chat gpt-status');

  test('started from code: openai is listed once require() loaded it, not at start; an ES module import without the loader hook is not patched and not listed', async () => {
    const required = await statusRun('status-require', { FIXTURE_LOAD: 'require' });
    assert.equal(required.code, 0, required.stderr);
    assert.match(required.stdout, /^at start: $/m);
    assert.match(required.stdout, /^after loading openai: openai$/m);
    const imported = await statusRun('status-import', {});
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /^after loading openai: $/m);
  });

  test('in a Next.js server (NEXT_RUNTIME=nodejs), start() patches the ES module copy: listed at start, and the imported client is traced', async () => {
    const result = await statusRun('status-next', { NEXT_RUNTIME: 'nodejs' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^at start: openai$/m);
    const spans = await services.receiver.waitFor('spans', (all) => chatSpans(all, 'status-next').length > 0, 5000);
    assert.equal(chatSpans(spans, 'status-next').length, 1);
  });
});
