import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { withLLMCall } from '../../../src/genai/llm.ts';
import { withAgent, withMemoryOperation, withToolCall } from '../../../src/genai/operations.ts';

const sdk = installMemorySdk();
const warnings: string[] = [];
diag.setLogger(
  { error: (m) => warnings.push(m), warn: (m) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
  DiagLogLevel.WARN,
);

function warningsAbout(text: string): string[] {
  return warnings.filter((warning) => warning.includes(text));
}

test('a missing model: the call runs, the span is named after the operation, one diagnostic however often it happens', async () => {
  for (let index = 0; index < 3; index++) {
    const value = await withLLMCall({ provider: 'openai' } as never, async () => 'still works');
    assert.equal(value, 'still works');
  }
  assert.equal(sdk.spans().filter((span) => span.name === 'chat').length, 3);
  assert.equal(warningsAbout('request.model is missing').length, 1);
});

test('NaN, negative and string token counts are left out with a diagnostic; the good ones are kept', async () => {
  const value = await withLLMCall({ provider: 'openai', model: 'nan-model' }, async (call) => {
    call.setUsage({
      inputTokens: Number.NaN,
      outputTokens: 7,
      cacheReadInputTokens: -3,
      reasoningOutputTokens: '5' as never,
    });
    return 'ok';
  });
  assert.equal(value, 'ok');
  const attributes = sdk.span('chat nan-model').attributes;
  assert.equal(attributes['gen_ai.usage.input_tokens'], undefined);
  assert.equal(attributes['gen_ai.usage.output_tokens'], 7);
  assert.equal(attributes['gen_ai.usage.cache_read.input_tokens'], undefined);
  assert.equal(warningsAbout('inputTokens must be a non-negative number').length, 1);
});

test('cyclic messages do not throw and are captured with the cycle marked', async () => {
  const message: Record<string, unknown> = { role: 'user', content: 'loop' };
  message.self = message;
  const cyclic = { role: 'user', parts: [{ type: 'text', content: 'x', back: null as unknown }] };
  cyclic.parts[0]!.back = cyclic;
  await withLLMCall(
    { provider: 'openai', model: 'cyclic-model', messages: [message as never, cyclic as never], captureContent: true },
    async () => 'ok',
  );
  const captured = sdk.span('chat cyclic-model').attributes['gen_ai.input.messages'] as string;
  assert.match(captured, /\[Circular\]/);
});

test('a 10 MB string is cut: plain attributes at 1 KB, captured content at GENAI_OTEL_MAX_CONTENT_LENGTH', async () => {
  const huge = 'x'.repeat(10 * 1024 * 1024);
  await withLLMCall(
    {
      provider: 'openai',
      model: 'big-model',
      conversationId: huge,
      messages: [{ role: 'user', content: huge }],
      captureContent: true,
    },
    async () => 'ok',
  );
  const attributes = sdk.span('chat big-model').attributes;
  assert.ok((attributes['gen_ai.conversation.id'] as string).length <= 1024);
  assert.ok((attributes['gen_ai.input.messages'] as string).length <= 16384);
  assert.ok((attributes['gen_ai.input.messages'] as string).endsWith('…[truncated]'));
});

test('a 10 MB model name does not become a 10 MB span name or attribute', async () => {
  const model = 'm'.repeat(10 * 1024 * 1024);
  await withLLMCall({ provider: 'openai', model }, async () => 'ok');
  const span = sdk.spans().at(-1)!;
  assert.ok((span.attributes['gen_ai.request.model'] as string).length <= 1024);
  assert.ok(span.name.length <= 2048, `span name length ${span.name.length}`);
});

test('requests that are not objects, and non-function callbacks, never throw', async () => {
  for (const request of [null, undefined, 42, 'gpt-4o', [], () => {}]) {
    assert.equal(await withLLMCall(request as never, async () => 'value'), 'value');
    assert.equal(
      withToolCall(request as never, () => 'tool'),
      'tool',
    );
    assert.equal(
      withAgent(request as never, () => 'agent'),
      'agent',
    );
    assert.equal(
      withMemoryOperation(request as never, () => 'memory'),
      'memory',
    );
  }
  assert.equal(withLLMCall({ provider: 'openai', model: 'x' }, 'not a function' as never), 'not a function');
  assert.equal(withToolCall({ name: 't' }, undefined as never), undefined);
});

test('a bad response object is ignored, the value is returned unchanged', async () => {
  const weird = {
    object: 'chat.completion',
    choices: 'nope',
    usage: { prompt_tokens: 'many', completion_tokens: Infinity },
  };
  assert.equal(await withLLMCall({ provider: 'openai', model: 'weird' }, async () => weird), weird);
  assert.equal(sdk.span('chat weird').attributes['gen_ai.usage.input_tokens'], undefined);
});

test('a getter that throws inside a response does not reach the caller', async () => {
  const hostile = {
    object: 'chat.completion',
    get usage(): never {
      throw new Error('boom');
    },
  };
  assert.equal(await withLLMCall({ provider: 'openai', model: 'hostile' }, async () => hostile), hostile);
  assert.ok(sdk.span('chat hostile').ended);
});
