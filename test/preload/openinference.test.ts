// An app traced by OpenInference's own instrumentations (`@arizeai/openinference-instrumentation-openai` and
// `-openai-agents`, as Arize Phoenix users register them) under the real preload, against the local fake provider:
// a chat completion, a Responses call, an embedding and an agent run (two model calls). Each model call is counted
// once — cost on one span, one point in genai-otel's duration metric — whether genai-otel's own openai
// instrumentation traces it too (then OpenInference's spans of it are the duplicates) or is turned off
// (GENAI_OTEL_INSTRUMENTATIONS without openai: OpenInference's spans are priced and counted, and of the two it makes
// of an agent's model call, the client's and the agent bridge's, one counts; with its Agents SDK bridge alone, the
// bridge's spans count). The run's tool call and agent invocation are counted once each too: by genai-otel's Agents SDK
// processor's spans, or with that processor off, by OpenInference's TOOL and AGENT spans.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ReceivedMetric, type ReceivedSpan } from '@genai-otel/mock-otlp-receiver';
import { inferenceMetrics, useFakeServices } from '../support/fake-services.ts';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';

const services = useFakeServices();

const expectedOutput = [
  'chat: The order has shipped.',
  'responses: The order has shipped.',
  'embeddings: 1',
  'agent: The order has shipped.',
].join('\n');

const OPENINFERENCE_KIND = 'openinference.span.kind';
const isModelCall = (span: ReceivedSpan) =>
  span.attributes[OPENINFERENCE_KIND] === 'LLM' ||
  span.attributes[OPENINFERENCE_KIND] === 'EMBEDDING' ||
  span.scope.name === '@opentelemetry/instrumentation-openai';
const counts = (span: ReceivedSpan) => isModelCall(span) && span.attributes['genai_otel.call.duplicate'] !== true;

// Inference calls: the chat completion, the Responses call and the agent's two; and one embeddings call. The Agents
// SDK's bridge alone sees the agent's two only.
const cases = [
  {
    mode: 'beside genai-otel’s openai instrumentation',
    service: 'oi-beside',
    instrumentations: undefined,
    clientInstrumentation: 'on',
    inferenceCalls: 4,
    embeddingCalls: 1,
  },
  {
    mode: 'with genai-otel’s openai instrumentation off',
    service: 'oi-alone',
    instrumentations: 'openai-agents',
    clientInstrumentation: 'on',
    inferenceCalls: 4,
    embeddingCalls: 1,
  },
  {
    mode: '(the Agents SDK’s bridge alone) with genai-otel’s openai instrumentation off',
    service: 'oi-agents-alone',
    instrumentations: 'openai-agents',
    clientInstrumentation: 'off',
    inferenceCalls: 2,
    embeddingCalls: 0,
  },
  {
    mode: 'with genai-otel’s Agents SDK processor off (OpenInference’s agent and tool spans count)',
    service: 'oi-genai-agents-off',
    instrumentations: 'openai',
    clientInstrumentation: 'on',
    inferenceCalls: 4,
    embeddingCalls: 1,
  },
];

for (const { mode, service, instrumentations, clientInstrumentation, inferenceCalls, embeddingCalls } of cases) {
  describe(`OpenInference instrumentations ${mode}`, () => {
    let result: Awaited<ReturnType<typeof runFixture>>;
    let spans: ReceivedSpan[];
    let metrics: ReceivedMetric[];

    before(async () => {
      result = await runFixture(fixture('openinference-app.cjs'), {
        nodeArgs: ['--require', 'genai-otel/register'],
        env: otelEnv(services.receiver.url, {
          OTEL_SERVICE_NAME: service,
          FAKE_PROVIDER_URL: services.provider.anthropicBaseURL,
          OPENAI_API_KEY: 'test-key',
          GENAI_OTEL_INSTRUMENTATIONS: instrumentations,
          OPENINFERENCE_OPENAI: clientInstrumentation,
        }),
      });
      const mine = <T extends { resource: Record<string, unknown> }>(received: T[]) =>
        received.filter((item) => item.resource['service.name'] === service);
      spans = mine(
        await services.receiver
          .waitFor('spans', (received) => mine(received).filter(counts).length >= inferenceCalls + embeddingCalls, 8000)
          .catch(() => services.receiver.spans()),
      );
      metrics = await inferenceMetrics(services.receiver, mine, inferenceCalls);
    });

    test('the app prints what it prints untraced', () => {
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim(), expectedOutput);
    });

    test('each model call is priced on one span; the other spans of it are marked duplicates', () => {
      const counted = spans.filter(counts);
      assert.equal(
        counted.length,
        inferenceCalls + embeddingCalls,
        spans.map((span) => `${span.scope.name} ${span.name}`).join(', '),
      );
      for (const span of counted) {
        assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
        const inputTokens = span.attributes['gen_ai.usage.input_tokens'] as number | undefined;
        // OpenInference's openai instrumentation records no usage of embeddings calls: such a call is unpriced.
        if (span.attributes['gen_ai.operation.name'] !== 'embeddings') assert.ok(inputTokens! > 0, span.name);
        assert.equal(
          (span.attributes['genai_otel.cost.usd'] as number) > 0,
          inputTokens !== undefined,
          `${span.name}: ${JSON.stringify(span.attributes)}`,
        );
      }
      for (const span of spans.filter((span) => isModelCall(span) && !counts(span)))
        assert.equal(span.attributes['genai_otel.cost.usd'], undefined, span.name);
      const openInference = counted.filter((span) => span.attributes[OPENINFERENCE_KIND] !== undefined);
      // Beside genai-otel's openai instrumentation the client's spans count; without it, OpenInference's.
      const clientTraced = instrumentations === undefined || instrumentations.split(',').includes('openai');
      assert.equal(openInference.length, clientTraced ? 0 : counted.length);
    });

    test('genai-otel’s metrics count each call once, with the cost of the spans that count', () => {
      const last = (name: string) =>
        metrics.filter((metric) => metric.name === name && metric.scope.name === 'genai-otel').at(-1);
      const total = (name: string, field: 'count' | 'value') =>
        (last(name)?.dataPoints ?? []).reduce((sum, point) => sum + (point[field] ?? 0), 0);
      assert.equal(total('gen_ai.client.inference.duration', 'count'), inferenceCalls);
      assert.equal(total('gen_ai.client.operation.duration', 'count'), embeddingCalls);
      const costOnSpans = spans
        .filter(counts)
        .reduce((sum, span) => sum + ((span.attributes['genai_otel.cost.usd'] as number | undefined) ?? 0), 0);
      assert.ok(costOnSpans > 0);
      assert.ok(Math.abs(total('genai_otel.client.cost', 'value') - costOnSpans) < 1e-12);
    });

    test('the agent run’s tool call and agent invocation are counted once each', () => {
      const last = (name: string) =>
        metrics.filter((metric) => metric.name === name && metric.scope.name === 'genai-otel').at(-1);
      const points = (name: string, key: string) =>
        (last(name)?.dataPoints ?? []).map((point) => [point.attributes[key], point.count]);
      assert.deepEqual(points('gen_ai.execute_tool.duration', 'gen_ai.tool.name'), [['lookup_order', 1]]);
      assert.deepEqual(points('gen_ai.invoke_agent.duration', 'gen_ai.agent.name'), [['Order assistant', 1]]);
      // Without genai-otel's processor, OpenInference's spans of the steps are the ones that count.
      const stepsCounted = spans.filter(
        (span) =>
          (span.attributes[OPENINFERENCE_KIND] === 'TOOL' || span.attributes[OPENINFERENCE_KIND] === 'AGENT') &&
          span.attributes['gen_ai.operation.name'] !== undefined,
      );
      assert.equal(stepsCounted.length, instrumentations === 'openai' ? 2 : 0);
    });
  });
}
