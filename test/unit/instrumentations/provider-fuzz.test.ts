// Property-based, for the provider instrumentations (Gemini, Bedrock, Mistral, Cohere, Ollama, Groq): whatever the
// arguments, the client's `this` and the value the client method returns (hostile getters and revoked proxies
// included), the traced method returns exactly what the client returned, throws exactly what it threw, and never
// throws an error of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { tracedProviderMethod, type DescribeCall } from '../../../src/instrumentations/provider-method.ts';
import { googleGenAIRequestOf } from '../../../src/instrumentations/google-genai.ts';
import {
  converseRequestOf,
  invokeChunkShape,
  invokeRequestOf,
  invokeResponseShape,
} from '../../../src/instrumentations/bedrock.ts';
import { mistralRequestOf } from '../../../src/instrumentations/mistral.ts';
import { cohereChunkShape, cohereRequestOf, cohereResponseShape } from '../../../src/instrumentations/cohere.ts';
import { ollamaRequestOf } from '../../../src/instrumentations/ollama.ts';
import { groqChunkShape, groqRequestOf } from '../../../src/instrumentations/groq.ts';
import { snakeCaseKeys } from '../../../src/instrumentations/wire-keys.ts';

process.env.GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS = '50';
const sdk = installMemorySdk();
diag.setLogger({ error() {}, warn() {}, info() {}, debug() {}, verbose() {} }, DiagLogLevel.NONE);

const revoked = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
const throwingGetters = (): object =>
  new Proxy(
    {},
    {
      get() {
        throw new Error('hostile getter');
      },
      ownKeys() {
        throw new Error('hostile keys');
      },
    },
  );
/** Stands for a hostile value, made inside the property: fast-check cannot inspect a revoked proxy itself. */
class Hostile {
  readonly kind: 'revoked' | 'throwing';
  constructor(kind: 'revoked' | 'throwing') {
    this.kind = kind;
  }
}
/** The value with its Hostile markers (at the top, in arrays and one level of records) made into hostile objects. */
function materialize(value: unknown, depth = 0): unknown {
  if (value instanceof Hostile) return value.kind === 'revoked' ? revoked() : throwingGetters();
  if (depth > 1 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => materialize(item, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, materialize(item, depth + 1)]));
}
const hostile = fc.constantFrom('revoked' as const, 'throwing' as const).map((kind) => new Hostile(kind));
const anyValue = fc.oneof(
  fc.anything({ withNullPrototype: true, withTypedArray: true, withSparseArray: true, maxDepth: 3 }),
  hostile,
  fc.record({ model: fc.oneof(fc.string(), hostile), messages: fc.oneof(fc.array(fc.anything()), hostile) }),
);

/** A stream whose chunks are `chunks`, then maybe an error: what SDK streams look like to the follower. */
function streamOf(chunks: unknown[], error: unknown, failAtEnd: boolean): AsyncIterable<unknown> {
  // A hand-made iterator, not an async generator: `yield` would await each chunk, and a revoked proxy cannot be.
  return {
    [Symbol.asyncIterator]() {
      let index = 0;
      return {
        next: () => {
          if (index < chunks.length) return Promise.resolve({ done: false, value: chunks[index++] });
          return failAtEnd ? Promise.reject(error) : Promise.resolve({ done: true, value: undefined });
        },
      };
    },
  };
}

type Outcome =
  | { kind: 'value' | 'resolve'; value: unknown }
  | { kind: 'throw' | 'reject'; error: unknown }
  | { kind: 'stream'; chunks: unknown[]; error: unknown; failAtEnd: boolean }
  | { kind: 'wrapped-stream'; property: 'stream' | 'body'; chunks: unknown[] };
const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  anyValue.map((value) => ({ kind: 'value' as const, value })),
  anyValue.map((value) => ({ kind: 'resolve' as const, value })),
  anyValue.map((error) => ({ kind: 'throw' as const, error })),
  anyValue.map((error) => ({ kind: 'reject' as const, error })),
  fc.record({
    kind: fc.constant('stream' as const),
    chunks: fc.array(anyValue, { maxLength: 4 }),
    error: anyValue,
    failAtEnd: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('wrapped-stream' as const),
    property: fc.constantFrom('stream' as const, 'body' as const),
    chunks: fc.array(anyValue, { maxLength: 4 }),
  }),
);

const describers: [string, DescribeCall][] = [
  ['google-genai', (self, args) => ({ request: googleGenAIRequestOf(self, args[0], 'generate_content') })],
  [
    'bedrock converse',
    (_self, args) => ({
      request: converseRequestOf(args[0], true),
      shapes: { streamIn: (value) => (value as { stream: AsyncIterable<unknown> }).stream },
    }),
  ],
  [
    'bedrock invoke',
    (_self, args) => ({
      request: invokeRequestOf(args[0], false),
      shapes: {
        response: (value) => invokeResponseShape((args[0] as { modelId?: unknown }).modelId, value as never),
        chunk: invokeChunkShape,
        streamIn: (value) => (value as { body: AsyncIterable<unknown> }).body,
      },
    }),
  ],
  [
    'mistral',
    (self, args) => ({
      request: mistralRequestOf(self, args[0], 'chat', true),
      shapes: { response: snakeCaseKeys, chunk: snakeCaseKeys },
    }),
  ],
  [
    'cohere',
    (_self, args) => ({
      request: cohereRequestOf(args[0], 'chat', false),
      shapes: { response: cohereResponseShape, chunk: cohereChunkShape },
    }),
  ],
  ['ollama', (self, args) => ({ request: ollamaRequestOf(self, args[0], 'chat') })],
  ['groq', (self, args) => ({ request: groqRequestOf(self, args[0], 'chat'), shapes: { chunk: groqChunkShape } })],
];

function materializeOutcome(result: Outcome): Outcome {
  switch (result.kind) {
    case 'value':
    case 'resolve':
      return { ...result, value: materialize(result.value) };
    case 'throw':
    case 'reject':
      return { ...result, error: materialize(result.error) };
    case 'stream':
      return { ...result, chunks: result.chunks.map((chunk) => materialize(chunk)), error: materialize(result.error) };
    case 'wrapped-stream':
      return { ...result, chunks: result.chunks.map((chunk) => materialize(chunk)) };
  }
}

function clientMethod(result: Outcome) {
  let returned: unknown;
  const original = function (this: unknown): unknown {
    switch (result.kind) {
      case 'value':
        returned = result.value;
        return returned;
      case 'resolve':
        returned = Promise.resolve(result.value);
        return returned;
      case 'throw':
        throw result.error;
      case 'reject':
        returned = Promise.reject(result.error);
        return returned;
      case 'stream':
        returned = Promise.resolve(streamOf(result.chunks, result.error, result.failAtEnd));
        return returned;
      case 'wrapped-stream':
        returned = Promise.resolve({ [result.property]: streamOf(result.chunks, undefined, false) });
        return returned;
    }
  };
  return { original, returned: () => returned };
}

for (const [name, describe] of describers) {
  test(`${name}: 300 random calls, the client's own value or error, never one of ours`, async () => {
    await fc.assert(
      fc.asyncProperty(anyValue, anyValue, outcome, async (selfMarker, paramsMarker, generated) => {
        const self = materialize(selfMarker);
        const params = materialize(paramsMarker);
        const result = materializeOutcome(generated);
        const { original, returned } = clientMethod(result);
        const traced = tracedProviderMethod(original, name, describe);
        let value: unknown;
        try {
          value = traced.call(self, params);
        } catch (error) {
          assert.equal(result.kind, 'throw', `${name} threw although the client did not`);
          assert.equal(error, (result as { error: unknown }).error);
          return;
        }
        assert.notEqual(result.kind, 'throw');
        assert.equal(value, returned(), 'the very same value (promise, stream) the client returned');
        // The same promise the client returned: however it settles (a value that is itself hostile makes it reject),
        // that is the client's doing.
        const [settledResult] = await Promise.allSettled([value]);
        if (settledResult.status === 'rejected') {
          const [own] = await Promise.allSettled([returned()]);
          assert.equal(own?.status, 'rejected');
          // A promise rejects with one reason; awaiting a hostile non-promise fails anew each time.
          if (result.kind !== 'value') assert.equal(settledResult.reason, own.reason);
          return;
        }
        const settled: unknown = settledResult.value;
        const stream =
          result.kind === 'stream'
            ? settled
            : result.kind === 'wrapped-stream'
              ? (settled as Record<string, unknown>)[result.property]
              : undefined;
        if (stream === undefined) return;
        const seen: unknown[] = [];
        try {
          for await (const chunk of stream as AsyncIterable<unknown>) seen.push(chunk);
        } catch (error) {
          assert.ok(result.kind === 'stream' && result.failAtEnd);
          assert.equal(error, result.error);
        }
        const chunks = result.kind === 'stream' || result.kind === 'wrapped-stream' ? result.chunks : [];
        assert.equal(seen.length, chunks.length);
        seen.forEach((chunk, index) => assert.equal(chunk, chunks[index], 'each chunk reaches the caller as yielded'));
      }),
      { numRuns: 300 },
    );
  });
}

test('the random calls made spans, and each ended', () => {
  assert.ok(sdk.spans().length > 100);
  assert.ok(sdk.spans().every((span) => span.ended));
});
