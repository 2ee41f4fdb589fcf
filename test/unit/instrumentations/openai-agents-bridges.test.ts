// Another library's bridge of the OpenAI Agents SDK beside genai-otel: OpenInference's
// `@arizeai/openinference-instrumentation-openai-agents` (a trace processor of its own, registered as its README says)
// with the real SDK and `openai` client against the local fake provider, genai-otel wired as the preload wires it (its
// Agents SDK processor, the openai instrumentation, the span processor that completes spans). Each model call is
// counted once (cost, duration and token metrics), by the client's span; OpenInference's LLM spans of the same calls
// (its own conventions, beside the client's spans rather than around them) are marked duplicates by their response id
// and add nothing to genai-otel's metrics.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { ResolvingContextManager } from '../../../src/context/agents-context.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';
import { installOnAgentsSdk } from '../../../src/instrumentations/openai-agents.ts';
import { createOpenAIInstrumentation } from '../../../src/instrumentations/openai.ts';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { useOpenInferenceAgents } from '../../support/openinference-agents.ts';
import { runOrderAgent } from '../../support/order-agent.ts';

const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor()] });
context.disable();
context.setGlobalContextManager(new ResolvingContextManager(new AsyncLocalStorageContextManager()).enable());
// As the preload: the openai instrumentation patches the client when it loads.
const openaiInstrumentation = createOpenAIInstrumentation({ captureContent: 'none' });
const { agents, z } = useOpenInferenceAgents((sdkCopy) => installOnAgentsSdk(sdkCopy));
after(() => openaiInstrumentation.disable());

async function counted(name: string): Promise<number> {
  const metric = (await sdk.collect()).get(name) as HistogramMetricData | undefined;
  return (metric?.dataPoints ?? []).reduce((sum, point) => sum + point.value.count, 0);
}

test('OpenInference bridge beside genai-otel: cost and metrics once per model call, tool durations once', async () => {
  await sdk.reset();
  assert.equal(typeof (await runOrderAgent(agents, z)), 'string');

  const spans = sdk.spans();
  // Both bridges made their spans of the run: OpenInference's (its own conventions) and genai-otel's.
  const openInference = spans.filter((span) => span.attributes['openinference.span.kind'] !== undefined);
  const theirModelCalls = openInference.filter((span) => span.attributes['openinference.span.kind'] === 'LLM');
  assert.ok(theirModelCalls.length >= 2, openInference.map((span) => span.name).join(', '));
  assert.ok(spans.some((span) => span.name === 'invoke_agent Order assistant'));
  const clientCalls = spans.filter(
    (span) => span.instrumentationScope.name === '@opentelemetry/instrumentation-openai',
  );
  assert.equal(clientCalls.length, theirModelCalls.length, 'one client span per model call OpenInference saw');

  // Metrics: one duration point per model call, cost summed once.
  assert.equal(await counted('gen_ai.client.inference.duration'), clientCalls.length);
  assert.equal(await counted('gen_ai.client.inference.operation.input_tokens'), clientCalls.length);
  const costOnSpans = spans
    .map((span) => span.attributes['genai_otel.cost.usd'])
    .filter((cost): cost is number => typeof cost === 'number');
  assert.equal(costOnSpans.length, clientCalls.length, 'cost on the client spans only');
  const cost = (await sdk.collect()).get('genai_otel.client.cost');
  const costTotal = (cost?.dataPoints ?? []).reduce((sum, point) => sum + (point.value as number), 0);
  assert.ok(Math.abs(costTotal - costOnSpans.reduce((sum, value) => sum + value, 0)) < 1e-12, String(costTotal));
  for (const span of theirModelCalls) {
    assert.equal(span.attributes['genai_otel.cost.usd'], undefined);
    assert.equal(span.attributes['genai_otel.call.duplicate'], true, 'the client’s span of the same response counts');
  }
  // One tool call, one execute_tool duration (genai-otel's span; OpenInference's TOOL span is not counted again).
  assert.equal(await counted('gen_ai.execute_tool.duration'), 1);
  assert.equal(await counted('gen_ai.invoke_agent.duration'), 1);
});
