// Where captured content goes: span attributes, the gen_ai.client.inference.operation.details event, both or neither.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installRedactingSdk } from '../../support/redacting-sdk.ts';
import { withLLMCall, withToolCall } from '../../../src/index.ts';
import { contentDestinations } from '../../../src/genai/content.ts';
import { resetGenAISettingsForTests } from '../../../src/config/genai-settings.ts';
import { TRUNCATION_MARKER } from '../../../src/attributes/safe-values.ts';

const sdk = installRedactingSdk();
const EVENT = 'gen_ai.client.inference.operation.details';

function withMode(mode: string | undefined, extra: Record<string, string> = {}): void {
  if (mode === undefined) delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
  else process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = mode;
  for (const [key, value] of Object.entries(extra)) process.env[key] = value;
  resetGenAISettingsForTests();
  sdk.reset();
}

const completion = {
  object: 'chat.completion',
  id: 'chatcmpl-7',
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ message: { role: 'assistant', content: 'Paris.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 9, completion_tokens: 2 },
};

async function call(captureContent?: boolean) {
  await withLLMCall(
    {
      provider: 'openai',
      model: 'gpt-4o-mini',
      temperature: 0.1,
      messages: [{ role: 'user', content: 'Capital of France?' }],
      systemInstructions: 'Answer in one word.',
      tools: [{ type: 'function', name: 'lookup' }],
      ...(captureContent === undefined ? {} : { captureContent }),
    },
    async () => completion,
  );
  await sdk.flush();
  const span = sdk.spans().find((item) => item.name === 'chat gpt-4o-mini')!;
  const events = sdk.logs().filter((record) => record.eventName === EVENT);
  return { span, events };
}

test('EVENT_ONLY: the event carries structured content and the call attributes, correlated to the span; the span holds no content', async () => {
  withMode('EVENT_ONLY');
  const { span, events } = await call();
  assert.equal(span.attributes['gen_ai.input.messages'], undefined);
  assert.equal(span.attributes['gen_ai.output.messages'], undefined);
  assert.equal(events.length, 1);
  const [event] = events;
  assert.equal(event!.spanContext?.traceId, span.spanContext().traceId);
  assert.equal(event!.spanContext?.spanId, span.spanContext().spanId);
  assert.equal(event!.instrumentationScope.name, 'genai-otel');
  assert.equal(event!.body, undefined);
  assert.deepEqual(event!.attributes['gen_ai.input.messages'], [
    { role: 'user', parts: [{ type: 'text', content: 'Capital of France?' }] },
  ]);
  assert.deepEqual(event!.attributes['gen_ai.output.messages'], [
    { role: 'assistant', parts: [{ type: 'text', content: 'Paris.' }], finish_reason: 'stop' },
  ]);
  assert.deepEqual(event!.attributes['gen_ai.system_instructions'], [{ type: 'text', content: 'Answer in one word.' }]);
  assert.deepEqual(event!.attributes['gen_ai.tool.definitions'], [{ type: 'function', name: 'lookup' }]);
  assert.equal(event!.attributes['gen_ai.operation.name'], 'chat');
  assert.equal(event!.attributes['gen_ai.provider.name'], 'openai');
  assert.equal(event!.attributes['gen_ai.request.model'], 'gpt-4o-mini');
  assert.equal(event!.attributes['gen_ai.request.temperature'], 0.1);
  assert.equal(event!.attributes['gen_ai.response.id'], 'chatcmpl-7');
  assert.equal(event!.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
  assert.deepEqual(event!.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(event!.attributes['gen_ai.usage.input_tokens'], 9);
});

test('SPAN_AND_EVENT: the same content as JSON strings on the span and structured on the event', async () => {
  withMode('SPAN_AND_EVENT');
  const { span, events } = await call();
  assert.equal(events.length, 1);
  assert.deepEqual(
    JSON.parse(String(span.attributes['gen_ai.input.messages'])),
    events[0]!.attributes['gen_ai.input.messages'],
  );
  assert.deepEqual(
    JSON.parse(String(span.attributes['gen_ai.output.messages'])),
    events[0]!.attributes['gen_ai.output.messages'],
  );
});

test('default: no content anywhere and no event', async () => {
  withMode(undefined);
  const { span, events } = await call();
  assert.equal(events.length, 0);
  for (const key of [
    'gen_ai.input.messages',
    'gen_ai.output.messages',
    'gen_ai.system_instructions',
    'gen_ai.tool.definitions',
  ]) {
    assert.equal(span.attributes[key], undefined, key);
  }
  await withToolCall({ name: 'lookup', arguments: { q: 'secret' } }, async () => ({ found: true }));
  await sdk.flush();
  const tool = sdk.spans().find((item) => item.name === 'execute_tool lookup')!;
  assert.equal(tool.attributes['gen_ai.tool.call.arguments'], undefined);
  assert.equal(tool.attributes['gen_ai.tool.call.result'], undefined);
});

test('per call: captureContent false captures nothing even in SPAN_AND_EVENT; true goes where the mode says', async () => {
  withMode('SPAN_AND_EVENT');
  const off = await call(false);
  assert.equal(off.events.length, 0);
  assert.equal(off.span.attributes['gen_ai.input.messages'], undefined);
  withMode('EVENT_ONLY');
  const on = await call(true);
  assert.equal(on.events.length, 1);
  assert.equal(on.span.attributes['gen_ai.input.messages'], undefined);
  assert.deepEqual(contentDestinations('none', true), { span: true, event: false });
  assert.deepEqual(contentDestinations('event', undefined), { span: false, event: true });
});

test('long content is cut at GENAI_OTEL_MAX_CONTENT_LENGTH and marked, in the event as on the span', async () => {
  withMode('SPAN_AND_EVENT', { GENAI_OTEL_MAX_CONTENT_LENGTH: '64' });
  await withLLMCall(
    { provider: 'openai', model: 'long-model', messages: [{ role: 'user', content: 'x'.repeat(500) }] },
    async () => 'ok',
  );
  await sdk.flush();
  const span = sdk.spans().find((item) => item.name === 'chat long-model')!;
  const spanValue = String(span.attributes['gen_ai.input.messages']);
  assert.equal(spanValue.length, 64);
  assert.ok(spanValue.endsWith(TRUNCATION_MARKER));
  const event = sdk.logs().find((record) => record.eventName === EVENT)!;
  const content = (event.attributes['gen_ai.input.messages'] as { parts: { content: string }[] }[])[0]!.parts[0]!
    .content;
  assert.equal(content.length, 64);
  assert.ok(content.endsWith(TRUNCATION_MARKER));
  delete process.env.GENAI_OTEL_MAX_CONTENT_LENGTH;
});

test('a failed call still emits its event, with error.type', async () => {
  withMode('EVENT_ONLY');
  await assert.rejects(
    withLLMCall(
      { provider: 'openai', model: 'failing-model', messages: [{ role: 'user', content: 'hi' }] },
      async () => {
        throw new RangeError('quota');
      },
    ),
    RangeError,
  );
  await sdk.flush();
  const event = sdk.logs().find((record) => record.eventName === EVENT)!;
  assert.equal(event.attributes['error.type'], 'RangeError');
  assert.deepEqual(event.attributes['gen_ai.input.messages'], [
    { role: 'user', parts: [{ type: 'text', content: 'hi' }] },
  ]);
});
