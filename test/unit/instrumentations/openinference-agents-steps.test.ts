// OpenInference's bridge of the OpenAI Agents SDK (`@arizeai/openinference-instrumentation-openai-agents`, registered
// as its README says) with the real SDK and `openai` client against the local fake provider: an agent run with one
// function tool. Alone, its AGENT and TOOL spans feed genai-otel's agent and tool duration metrics, once per step (its
// span of the whole run names no agent: no agent point). With genai-otel's own processor added on the same SDK, that
// processor's spans count and OpenInference's spans of the same steps are the duplicates: still one point per step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';
import { installOnAgentsSdk } from '../../../src/instrumentations/openai-agents.ts';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { useOpenInferenceAgents } from '../../support/openinference-agents.ts';
import { runOrderAgent } from '../../support/order-agent.ts';

const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor()] });
const { agents, z } = useOpenInferenceAgents();

/** Points of a duration metric by the value of `nameKey`. */
async function points(metric: string, nameKey: string): Promise<Map<string, number>> {
  const data = (await sdk.collect()).get(metric) as HistogramMetricData | undefined;
  const byName = new Map<string, number>();
  for (const point of data?.dataPoints ?? []) {
    const name = String(point.attributes[nameKey]);
    byName.set(name, (byName.get(name) ?? 0) + point.value.count);
  }
  return byName;
}

async function runAgent(): Promise<void> {
  assert.equal(typeof (await runOrderAgent(agents, z)), 'string');
}

test('OpenInference’s bridge alone: its TOOL and AGENT spans feed the tool and agent metrics, once per step', async () => {
  await sdk.reset();
  await runAgent();
  const spans = sdk.spans();
  const tool = spans.find((span) => span.attributes['openinference.span.kind'] === 'TOOL');
  assert.equal(tool?.attributes['gen_ai.operation.name'], 'execute_tool');
  assert.equal(tool?.attributes['gen_ai.tool.name'], 'lookup_order');
  assert.ok(
    spans.every((span) => !span.name.startsWith('invoke_agent')),
    'no genai-otel processor yet',
  );
  assert.deepEqual([...(await points('gen_ai.execute_tool.duration', 'gen_ai.tool.name'))], [['lookup_order', 1]]);
  assert.deepEqual([...(await points('gen_ai.invoke_agent.duration', 'gen_ai.agent.name'))], [['Order assistant', 1]]);
});

test('with genai-otel’s processor on the same SDK: its spans count, OpenInference’s of the same steps are duplicates', async () => {
  installOnAgentsSdk(agents);
  await sdk.reset();
  await runAgent();
  const spans = sdk.spans();
  assert.ok(spans.some((span) => span.name === 'invoke_agent Order assistant'));
  assert.ok(spans.some((span) => span.name === 'execute_tool lookup_order'));
  const openInferenceSteps = spans.filter(
    (span) =>
      span.attributes['openinference.span.kind'] === 'TOOL' ||
      (span.attributes['openinference.span.kind'] === 'AGENT' && span.attributes['graph.node.id'] !== undefined),
  );
  assert.equal(openInferenceSteps.length, 2);
  for (const span of openInferenceSteps) assert.equal(span.attributes['genai_otel.call.duplicate'], true, span.name);
  // Cumulative: the first run's point and this run's, one each.
  assert.deepEqual([...(await points('gen_ai.execute_tool.duration', 'gen_ai.tool.name'))], [['lookup_order', 2]]);
  assert.deepEqual([...(await points('gen_ai.invoke_agent.duration', 'gen_ai.agent.name'))], [['Order assistant', 2]]);
});
