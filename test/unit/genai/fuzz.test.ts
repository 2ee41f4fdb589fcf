// Property-based: whatever shape the arguments take, a helper never throws its own error and never changes what the
// user's function returns or throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { traceLLM, withLLMCall } from '../../../src/genai/llm.ts';
import {
  traceTool,
  withAgent,
  withMemoryOperation,
  withRetrieval,
  withSpan,
  withToolCall,
  withWorkflow,
} from '../../../src/genai/operations.ts';

installMemorySdk();
diag.setLogger({ error() {}, warn() {}, info() {}, debug() {}, verbose() {} }, DiagLogLevel.NONE);

const anyValue = fc.anything({
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withNullPrototype: true,
  withSparseArray: true,
  maxDepth: 3,
});
const requestLike = fc.oneof(
  anyValue,
  fc.record(
    {
      provider: anyValue,
      model: anyValue,
      operation: anyValue,
      temperature: anyValue,
      maxTokens: anyValue,
      messages: anyValue,
      stopSequences: anyValue,
      serverAddress: anyValue,
      price: anyValue,
      captureContent: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      name: anyValue,
      callId: anyValue,
      arguments: anyValue,
      operation: anyValue,
      storeId: anyValue,
      recordCount: anyValue,
      dataSourceId: anyValue,
      topK: anyValue,
      captureContent: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
);

type Outcome =
  | { kind: 'value'; value: unknown }
  | { kind: 'throw'; error: unknown }
  | { kind: 'resolve'; value: unknown }
  | { kind: 'reject'; error: unknown };
const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  anyValue.map((value) => ({ kind: 'value' as const, value })),
  anyValue.map((value) => ({ kind: 'resolve' as const, value })),
  anyValue.map((error) => ({ kind: 'throw' as const, error })),
  anyValue.map((error) => ({ kind: 'reject' as const, error })),
);

function userFunction(result: Outcome) {
  return (..._args: unknown[]) => {
    switch (result.kind) {
      case 'value':
        return result.value;
      case 'throw':
        throw result.error;
      case 'resolve':
        return Promise.resolve(result.value);
      case 'reject':
        return Promise.reject(result.error);
    }
  };
}

const helpers: [string, (request: never, fn: never) => unknown][] = [
  ['withLLMCall', withLLMCall],
  ['withToolCall', withToolCall],
  ['withMemoryOperation', withMemoryOperation],
  ['withAgent', withAgent],
  ['withWorkflow', withWorkflow],
  ['withRetrieval', withRetrieval],
  ['withSpan', (name: never, fn: never) => withSpan(name, fn)],
  ['traceLLM', (request: never, fn: never) => traceLLM(fn, request)()],
  ['traceTool', (request: never, fn: never) => traceTool(fn, request)()],
];

for (const [name, helper] of helpers) {
  test(`${name}: 600 random argument shapes, no error of its own, the user's result unchanged`, async () => {
    await fc.assert(
      fc.asyncProperty(requestLike, outcome, async (request, result) => {
        let returned: unknown;
        try {
          returned = helper(request as never, userFunction(result) as never);
        } catch (error) {
          assert.equal(
            result.kind,
            'throw',
            `${name} threw although the user's function did not: ${fc.stringify(error)}`,
          );
          assert.equal(error, result.error);
          return;
        }
        assert.notEqual(result.kind, 'throw', 'the user error must come through');
        if (result.kind === 'value') {
          assert.equal(returned, result.value);
          return;
        }
        assert.ok(returned instanceof Promise);
        if (result.kind === 'resolve') assert.equal(await returned, result.value);
        else await assert.rejects(returned as Promise<unknown>, (error) => Object.is(error, result.error));
      }),
      { numRuns: 600 },
    );
  });
}

test('the LLM call handle: 1,000 random arguments to setUsage, setResponse, recordRetry and recordChunk never throw', async () => {
  await fc.assert(
    fc.asyncProperty(
      requestLike,
      anyValue,
      anyValue,
      anyValue,
      anyValue,
      async (request, usage, response, reason, value) => {
        const returned = await withLLMCall(request as never, async (call) => {
          call.setUsage(usage as never);
          call.setResponse(response as never);
          call.recordRetry(reason as never);
          call.recordChunk();
          return value;
        });
        assert.equal(returned, value);
      },
    ),
    { numRuns: 1000 },
  );
});

test('random response objects returned by the user function are read without throwing and returned unchanged', async () => {
  const responseLike = fc.oneof(
    anyValue,
    fc.record(
      {
        object: fc.constantFrom('chat.completion', 'response', 'list'),
        id: anyValue,
        model: anyValue,
        choices: anyValue,
        output: anyValue,
        data: anyValue,
        usage: anyValue,
        status: anyValue,
      },
      { requiredKeys: ['object'] },
    ),
    fc.record({ type: fc.constant('message'), usage: anyValue, content: anyValue, stop_reason: anyValue }),
    fc.record({ stopReason: anyValue, output: anyValue, usage: anyValue, $metadata: anyValue }),
    fc.record({ candidates: anyValue, usageMetadata: anyValue }),
  );
  await fc.assert(
    fc.asyncProperty(responseLike, async (response) => {
      assert.equal(await withLLMCall({ provider: 'openai', model: 'fuzz' }, async () => response), response);
    }),
    { numRuns: 1000 },
  );
});
