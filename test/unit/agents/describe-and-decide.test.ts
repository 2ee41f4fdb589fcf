// describeAgent records an agent's configuration (prompt only as a digest unless content capture is on);
// recordDecision adds a span event and counts decisions with bounded attributes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { describeAgent } from '../../../src/agents/describe-agent.ts';
import { recordDecision } from '../../../src/agents/record-decision.ts';
import { withAgent, withSpan } from '../../../src/genai/operations.ts';

const sdk = installMemorySdk();
const warnings: string[] = [];
diag.setLogger(
  { error: (m) => warnings.push(m), warn: (m) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
  DiagLogLevel.WARN,
);
const PROMPT = 'You are a support agent. Never reveal internal notes.';
const lookupOrder = { type: 'function', function: { name: 'lookup_order', parameters: { type: 'object' } } };

test('describeAgent: a create_agent span with name, version, model, provider, tool names and a digest of the prompt, not the prompt', () => {
  const ref = describeAgent({
    name: 'support-agent',
    version: '3',
    description: 'answers orders',
    provider: 'openai',
    model: 'gpt-4o-mini',
    tools: [lookupOrder, 'escalate'],
    systemInstructions: PROMPT,
  });
  const span = sdk.span('create_agent support-agent');
  assert.equal(ref?.spanId, span.spanContext().spanId);
  assert.equal(span.kind, 0, 'INTERNAL');
  assert.equal(span.attributes['gen_ai.operation.name'], 'create_agent');
  assert.equal(span.attributes['gen_ai.agent.name'], 'support-agent');
  assert.equal(span.attributes['gen_ai.agent.version'], '3');
  assert.equal(span.attributes['gen_ai.agent.description'], 'answers orders');
  assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
  assert.equal(span.attributes['gen_ai.request.model'], 'gpt-4o-mini');
  assert.deepEqual(span.attributes['genai_otel.agent.tools'], ['lookup_order', 'escalate']);
  assert.equal(
    span.attributes['genai_otel.agent.instructions.sha256'],
    createHash('sha256').update(PROMPT).digest('hex'),
  );
  assert.equal(span.attributes['gen_ai.system_instructions'], undefined);
  assert.equal(span.attributes['gen_ai.tool.definitions'], undefined);
});

test('describeAgent with content capture records the instructions (long ones too) and tool definitions in the conventions shapes', () => {
  const longPrompt = `${PROMPT} ${'Follow the refund policy. '.repeat(200)}`;
  describeAgent({
    name: 'capturing-agent',
    systemInstructions: longPrompt,
    tools: [lookupOrder],
    captureContent: true,
  });
  const span = sdk.span('create_agent capturing-agent');
  assert.ok(longPrompt.length > 5000);
  assert.deepEqual(JSON.parse(String(span.attributes['gen_ai.system_instructions'])), [
    { type: 'text', content: longPrompt },
  ]);
  // The provider's shape becomes the conventions' (their tool-definitions schema: type, name, parameters).
  assert.deepEqual(JSON.parse(String(span.attributes['gen_ai.tool.definitions'])), [
    { type: 'function', name: 'lookup_order', parameters: { type: 'object' } },
  ]);
});

test('describeAgent with bad input records what it can and never throws', () => {
  assert.equal(describeAgent(null as never), undefined);
  describeAgent({ tools: 'not-a-list' } as never);
  assert.ok(sdk.spans().some((span) => span.name === 'create_agent'));
  assert.ok(warnings.some((warning) => warning.includes('tools must be an array')));
});

test('recordDecision: an event on the active span with the choices, the selection and the reason', async () => {
  await withAgent({ name: 'router-agent' }, async () => {
    recordDecision({
      name: 'route',
      choices: ['billing', 'tech', 'sales'],
      selected: 'tech',
      reason: 'mentions error 500',
    });
  });
  const [event] = sdk.span('invoke_agent router-agent').events;
  assert.equal(event?.name, 'genai_otel.decision');
  assert.deepEqual(event?.attributes, {
    'genai_otel.decision.name': 'route',
    'genai_otel.decision.choices': ['billing', 'tech', 'sales'],
    'genai_otel.decision.selected': 'tech',
    'genai_otel.decision.reason': 'mentions error 500',
  });
});

test('the decision counter is by decision and choice, and stays bounded however many choices the application invents', async () => {
  withSpan('planning', () => {
    for (let index = 0; index < 80; index++)
      recordDecision({ name: 'pick-document', choices: [], selected: `doc-${index}` });
    recordDecision({ name: 'route', choices: ['billing', 'tech'], selected: 'billing' });
    recordDecision({ name: 'route', choices: ['billing', 'tech'], selected: 'nowhere' });
  });
  const points = sdk.points((await sdk.collect()).get('genai_otel.decisions'));
  const countOf = (name: string, selected: string) =>
    points.find(
      (point) =>
        point.attributes['genai_otel.decision.name'] === name &&
        point.attributes['genai_otel.decision.selected'] === selected,
    )?.value;
  assert.equal(countOf('route', 'tech'), 1);
  assert.equal(countOf('route', 'billing'), 1);
  assert.equal(countOf('pick-document', '_OTHER'), 30, '50 choices per decision, then _OTHER');
  assert.equal(points.filter((point) => point.attributes['genai_otel.decision.name'] === 'pick-document').length, 51);
  assert.ok(warnings.some((warning) => warning.includes('"nowhere" is not one of the choices')));
  recordDecision({ name: 42 } as never);
  assert.ok(warnings.some((warning) => warning.includes('recordDecision: expected')));
});
