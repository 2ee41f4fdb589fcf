// OpenInference's TOOL and AGENT spans (a tool execution, an agent invocation, as its specification defines them) read
// by the span processor: they feed gen_ai.execute_tool.duration and gen_ai.invoke_agent.duration with the GenAI
// attributes genai-otel's own spans give them, once: not when a GenAI span of the same step (another library's, or
// genai-otel's OpenAI Agents SDK processor's) was counted; CHAIN and unnamed AGENT spans (the Agents SDK bridge's span
// of a whole run) feed nothing; hostile names are left out and said once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diag, DiagLogLevel, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';

const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor()] });
const warnings: string[] = [];
diag.setLogger(
  { error: (m) => warnings.push(m), warn: (m) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
  DiagLogLevel.WARN,
);

const openInference = trace.getTracer('@arizeai/openinference-instrumentation-beeai');
const otherLibrary = trace.getTracer('another-agents-bridge');
const pause = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

function exported(span: { spanContext(): { spanId: string } }): ReadableSpan {
  const spanId = span.spanContext().spanId;
  return sdk.spans().find((candidate) => candidate.spanContext().spanId === spanId)!;
}

/** One OpenInference span, ended at once, as exported. */
function openInferenceSpan(attributes: Attributes, error = false): ReadableSpan {
  const span = openInference.startSpan('step', { attributes });
  if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
  span.end();
  return exported(span);
}

/** Points of a duration metric: count per attribute set, as `name|error` keys. */
async function points(metric: string, nameKey: string): Promise<Map<string, number>> {
  const data = (await sdk.collect()).get(metric) as HistogramMetricData | undefined;
  const byName = new Map<string, number>();
  for (const point of data?.dataPoints ?? []) {
    const key = `${String(point.attributes[nameKey])}|${String(point.attributes['error.type'])}`;
    byName.set(key, (byName.get(key) ?? 0) + point.value.count);
  }
  return byName;
}

async function total(metric: string): Promise<number> {
  const data = (await sdk.collect()).get(metric) as HistogramMetricData | undefined;
  return (data?.dataPoints ?? []).reduce((sum, point) => sum + point.value.count, 0);
}

test('a TOOL span is a tool execution: gen_ai.execute_tool.duration, named by tool.name', async () => {
  const before = await points('gen_ai.execute_tool.duration', 'gen_ai.tool.name');
  const span = openInferenceSpan({ 'openinference.span.kind': 'TOOL', 'tool.name': 'lookup_order' });
  assert.equal(span.attributes['gen_ai.operation.name'], 'execute_tool');
  assert.equal(span.attributes['gen_ai.tool.name'], 'lookup_order');
  assert.equal(span.attributes['genai_otel.call.duplicate'], undefined);
  openInferenceSpan({ 'openinference.span.kind': 'TOOL', 'tool.name': 'lookup_order' }, true);
  const after = await points('gen_ai.execute_tool.duration', 'gen_ai.tool.name');
  assert.equal((after.get('lookup_order|undefined') ?? 0) - (before.get('lookup_order|undefined') ?? 0), 1);
  assert.equal((after.get('lookup_order|_OTHER') ?? 0) - (before.get('lookup_order|_OTHER') ?? 0), 1);
});

test('an AGENT span is an agent invocation named by agent.name, else graph.node.id; unnamed, CHAIN, GUARDRAIL: nothing', async () => {
  const before = await points('gen_ai.invoke_agent.duration', 'gen_ai.agent.name');
  const toolsBefore = await total('gen_ai.execute_tool.duration');
  const named = openInferenceSpan({ 'openinference.span.kind': 'AGENT', 'agent.name': 'Planner' });
  assert.equal(named.attributes['gen_ai.operation.name'], 'invoke_agent');
  assert.equal(named.attributes['gen_ai.agent.name'], 'Planner');
  openInferenceSpan({ 'openinference.span.kind': 'AGENT', 'graph.node.id': 'Order assistant' });
  // The OpenAI Agents SDK bridge's span of a whole run: an AGENT span that names no agent.
  const run = openInferenceSpan({ 'openinference.span.kind': 'AGENT', 'llm.system': 'openai' });
  const chain = openInferenceSpan({ 'openinference.span.kind': 'CHAIN', 'tool.name': 'x', 'agent.name': 'y' });
  const guardrail = openInferenceSpan({ 'openinference.span.kind': 'GUARDRAIL', 'tool.name': 'no_pii' });
  for (const span of [run, chain, guardrail]) assert.equal(span.attributes['gen_ai.operation.name'], undefined);
  const after = await points('gen_ai.invoke_agent.duration', 'gen_ai.agent.name');
  assert.equal((after.get('Planner|undefined') ?? 0) - (before.get('Planner|undefined') ?? 0), 1);
  assert.equal((after.get('Order assistant|undefined') ?? 0) - (before.get('Order assistant|undefined') ?? 0), 1);
  const added = [...after.values()].reduce((sum, count) => sum + count, 0);
  assert.equal(added - [...before.values()].reduce((sum, count) => sum + count, 0), 2);
  assert.equal(await total('gen_ai.execute_tool.duration'), toolsBefore);
});

test('a step another library’s GenAI span counted (same name, same time) is the duplicate; others still count', async () => {
  const before = await total('gen_ai.execute_tool.duration');
  const theirs = openInference.startSpan('lookup_order', {
    attributes: { 'openinference.span.kind': 'TOOL', 'tool.name': 'lookup_order' },
  });
  const bridge = otherLibrary.startSpan('execute_tool lookup_order', {
    attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup_order' },
  });
  await pause(5);
  bridge.end();
  theirs.end();
  assert.equal(exported(theirs).attributes['genai_otel.call.duplicate'], true);
  assert.equal(exported(theirs).attributes['gen_ai.operation.name'], undefined);
  // Another tool at the same time, and the same tool later: counted.
  const other = openInferenceSpan({ 'openinference.span.kind': 'TOOL', 'tool.name': 'refund_order' });
  assert.equal(other.attributes['genai_otel.call.duplicate'], undefined);
  await pause(20);
  const later = openInferenceSpan({ 'openinference.span.kind': 'TOOL', 'tool.name': 'lookup_order' });
  assert.equal(later.attributes['genai_otel.call.duplicate'], undefined);
  assert.equal((await total('gen_ai.execute_tool.duration')) - before, 3, 'bridge, refund_order, the later lookup');
});

test('hostile names are left out and said once; the tool is still counted, an agent without a name is not', async () => {
  warnings.length = 0;
  const before = await points('gen_ai.execute_tool.duration', 'gen_ai.tool.name');
  const agentsBefore = await total('gen_ai.invoke_agent.duration');
  const huge = 'x'.repeat(1_000_000);
  const started = process.hrtime.bigint();
  for (const value of [huge, 42, ['a', 'b'], true] as unknown[]) {
    const tool = openInferenceSpan({ 'openinference.span.kind': 'TOOL', 'tool.name': value });
    assert.equal(tool.attributes['gen_ai.operation.name'], 'execute_tool');
    assert.equal(tool.attributes['gen_ai.tool.name'], undefined);
    const agent = openInferenceSpan({ 'openinference.span.kind': 'AGENT', 'agent.name': value });
    assert.equal(agent.attributes['gen_ai.operation.name'], undefined);
  }
  assert.ok(process.hrtime.bigint() - started < 5_000_000_000n, 'no scan worse than linear');
  const after = await points('gen_ai.execute_tool.duration', 'gen_ai.tool.name');
  assert.equal((after.get('undefined|undefined') ?? 0) - (before.get('undefined|undefined') ?? 0), 4);
  assert.equal(await total('gen_ai.invoke_agent.duration'), agentsBefore);
  for (const key of ['tool.name', 'agent.name'])
    assert.equal(warnings.filter((warning) => warning.includes(`span's ${key} is not`)).length, 1, warnings.join('\n'));
  assert.ok(
    warnings.every((warning) => warning.length < 300),
    'the values themselves are not printed',
  );
});
