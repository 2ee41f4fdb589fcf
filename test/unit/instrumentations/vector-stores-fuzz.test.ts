// Property-based, for the vector-store instrumentations: each one's patch is applied to a stand-in of its library's
// classes whose methods return, throw, resolve or reject what fast-check picks; whatever `this`, arguments and result
// (hostile values included), the caller gets exactly what the method gave, and the method exactly what the caller
// passed. pg's callback style: the caller's callback gets exactly what the client gave it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { InstrumentationBase } from '@opentelemetry/instrumentation';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { createPineconeInstrumentation } from '../../../src/instrumentations/pinecone.ts';
import { createQdrantInstrumentation } from '../../../src/instrumentations/qdrant.ts';
import { createChromaInstrumentation } from '../../../src/instrumentations/chroma.ts';
import { createPgvectorInstrumentation } from '../../../src/instrumentations/pgvector.ts';
import { resetGenAISettingsForTests } from '../../../src/config/genai-settings.ts';

installMemorySdk();
diag.setLogger({ error() {}, warn() {}, info() {}, debug() {}, verbose() {} }, DiagLogLevel.NONE);
// Content capture on: the readers of results and records run too.
process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'SPAN_ONLY';
resetGenAISettingsForTests();

const revoked = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
const throwing = (keys: string[]): object => {
  const value = {};
  for (const key of keys)
    Object.defineProperty(value, key, {
      enumerable: true,
      get() {
        throw new Error(`hostile ${key}`);
      },
    });
  return value;
};
const anyValue = fc.anything({ withBigInt: true, withMap: true, withNullPrototype: true, maxDepth: 3 });
// fast-check inspects the values it generates (and a revoked proxy throws at any look): hostile values are generated
// as tags and made real inside the property, by `real()`.
const REVOKED = '@@revoked';
const THROWING = '@@throwing';
const hostile = fc.oneof(anyValue, fc.constantFrom(REVOKED, THROWING));
const HOSTILE_KEYS = ['topK', 'records', 'ids', 'limit', 'points', 'text', 'matches', 'rows', 'id'];
function real(value: unknown, depth = 0): unknown {
  if (value === REVOKED) return revoked();
  if (value === THROWING) return throwing(HOSTILE_KEYS);
  if (depth > 2 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => real(item, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, real(item, depth + 1)]));
}
// What a store method might be handed: its documented shapes with random values, or anything at all.
const optionsLike = fc.oneof(
  hostile,
  fc.record(
    {
      topK: hostile,
      vector: hostile,
      namespace: hostile,
      records: fc.oneof(hostile, fc.array(hostile, { maxLength: 3 })),
      ids: fc.oneof(hostile, fc.array(hostile, { maxLength: 3 })),
      id: hostile,
      query: hostile,
      limit: hostile,
      points: fc.oneof(hostile, fc.array(hostile, { maxLength: 3 })),
      nResults: hostile,
      queryTexts: fc.oneof(hostile, fc.array(hostile, { maxLength: 2 })),
      documents: hostile,
      text: fc.oneof(hostile, fc.constantFrom('SELECT * FROM t ORDER BY e <-> $1 LIMIT $2', 'SELECT 1')),
      values: hostile,
    },
    { requiredKeys: [] },
  ),
);
const resultLike = fc.oneof(
  hostile,
  fc.record({ matches: hostile, points: hostile, ids: hostile, rows: hostile, result: hostile }, { requiredKeys: [] }),
);
type Outcome = { kind: 'value' | 'throw' | 'resolve' | 'reject'; value: unknown };
const outcome: fc.Arbitrary<Outcome> = fc.record({
  kind: fc.constantFrom('value' as const, 'throw' as const, 'resolve' as const, 'reject' as const),
  value: resultLike,
});

/** A stand-in method: records how it was called, then does what the outcome says. */
function standIn(calls: { self: unknown; args: unknown[] }[], pick: () => Outcome) {
  return function (this: unknown, ...args: unknown[]): unknown {
    calls.push({ self: this, args });
    const result = pick();
    if (result.kind === 'throw') throw result.value;
    if (result.kind === 'resolve') return Promise.resolve(result.value);
    if (result.kind === 'reject') return Promise.reject(result.value);
    return result.value;
  };
}

interface Library {
  name: string;
  instrumentation: InstrumentationBase;
  methods: string[];
  /** The stand-in module exports, with `methods` on the prototype `target()` returns. */
  exports(method: (this: unknown, ...args: unknown[]) => unknown): { exports: object; target: object };
  /** `this` as the library would have it: an object with the fields the instrumentation reads, random values. */
  self: fc.Arbitrary<unknown>;
  argsOf(options: unknown, text: unknown): unknown[];
}

function classWith(methods: string[], method: (this: unknown, ...args: unknown[]) => unknown) {
  const prototype: Record<string, unknown> = {};
  for (const name of methods) prototype[name] = method;
  const Class = function () {} as unknown as { prototype: Record<string, unknown> };
  Class.prototype = prototype;
  return Class;
}

const libraries: Library[] = [
  {
    name: 'pinecone',
    instrumentation: createPineconeInstrumentation() as InstrumentationBase,
    methods: ['query', 'searchRecords', 'upsert', 'upsertRecords', 'deleteOne', 'deleteMany', 'deleteAll'],
    exports(method) {
      const Index = classWith(this.methods, method);
      return { exports: { Index }, target: Index.prototype };
    },
    self: fc.oneof(
      hostile,
      fc.record({ target: fc.record({ indexName: hostile, namespace: hostile, indexHostUrl: hostile }) }),
    ),
    argsOf: (options) => [options],
  },
  {
    name: 'qdrant',
    instrumentation: createQdrantInstrumentation() as InstrumentationBase,
    methods: ['query', 'queryBatch', 'upsert', 'delete'],
    exports(method) {
      const QdrantClient = classWith(this.methods, method);
      return { exports: { QdrantClient }, target: QdrantClient.prototype };
    },
    self: fc.oneof(hostile, fc.record({ _host: hostile, _port: hostile })),
    argsOf: (options, text) => [text, options],
  },
  {
    name: 'chroma',
    instrumentation: createChromaInstrumentation() as InstrumentationBase,
    methods: ['query', 'get', 'add', 'upsert', 'update', 'delete'],
    exports(method) {
      const CollectionHandle = classWith(this.methods, method);
      return { exports: { CollectionHandle }, target: CollectionHandle.prototype };
    },
    self: fc.oneof(hostile, fc.record({ name: hostile, database: hostile, apiClient: hostile })),
    argsOf: (options) => [options],
  },
  {
    name: 'pgvector',
    instrumentation: createPgvectorInstrumentation() as InstrumentationBase,
    methods: ['query'],
    exports(method) {
      const Client = classWith(this.methods, method);
      return { exports: { Client }, target: Client.prototype };
    },
    self: fc.oneof(hostile, fc.record({ host: hostile, port: hostile, database: hostile })),
    argsOf: (options, text) => [text, options],
  },
];

for (const library of libraries) {
  test(`${library.name}: 400 random calls, the caller and the client see each other exactly as without genai-otel`, async () => {
    const calls: { self: unknown; args: unknown[] }[] = [];
    let next: Outcome = { kind: 'value', value: undefined };
    const { exports, target } = library.exports(standIn(calls, () => next));
    const definition = library.instrumentation.getModuleDefinitions()[0]!;
    definition.patch?.(exports, '0.0.0');
    const texts = fc.oneof(
      hostile,
      fc.constantFrom('kb', 'SELECT id FROM notes ORDER BY embedding <=> $1 LIMIT 3', 'SELECT 1'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...library.methods),
        library.self,
        optionsLike,
        texts,
        outcome,
        async (method, self, options, text, result) => {
          // A promise resolved with a revoked proxy rejects (reading its `then` throws): JavaScript's doing, not ours.
          next = {
            kind: result.kind,
            value: result.kind === 'resolve' && result.value === REVOKED ? 1 : real(result.value),
          };
          calls.length = 0;
          self = real(self);
          const args = library.argsOf(real(options), real(text));
          let returned: unknown;
          try {
            returned = (target as Record<string, (...a: unknown[]) => unknown>)[method]!.apply(self, args);
          } catch (error) {
            assert.equal(result.kind, 'throw', 'threw although the method did not');
            assert.ok(Object.is(error, next.value));
            assert.equal(calls.length, 1);
            return;
          }
          assert.notEqual(result.kind, 'throw', "the method's error must come through");
          assert.equal(calls.length, 1, 'the method is called once');
          assert.ok(Object.is(calls[0]!.self, self), 'with the same this');
          assert.equal(calls[0]!.args.length, args.length);
          calls[0]!.args.forEach((arg, index) => assert.ok(Object.is(arg, args[index]), `argument ${index}`));
          if (result.kind === 'value') {
            assert.ok(Object.is(returned, next.value));
            return;
          }
          const expected = next.value;
          if (result.kind === 'resolve') assert.ok(Object.is(await returned, expected));
          else {
            let rejected = false;
            await (returned as Promise<unknown>).catch((error: unknown) => {
              rejected = Object.is(error, expected);
            });
            assert.ok(rejected, "the method's rejection comes through as it is");
          }
        },
      ),
      { numRuns: 400 },
    );
  });
}

test('pgvector, callback style: the callback gets what the client gives it, however the call ends', async () => {
  const library = libraries.find((candidate) => candidate.name === 'pgvector')!;
  let give: unknown[] = [];
  let thrown: unknown;
  const method = function (this: unknown, ...args: unknown[]): unknown {
    if (thrown !== undefined) throw thrown;
    const callback = args.at(-1) as (...results: unknown[]) => unknown;
    queueMicrotask(() => callback(...give));
    return undefined;
  };
  const { exports, target } = library.exports(method);
  library.instrumentation.getModuleDefinitions()[0]!.patch?.(exports, '0.0.0');
  const query = (target as { query: (...args: unknown[]) => unknown }).query;
  await fc.assert(
    fc.asyncProperty(resultLike, hostile, fc.boolean(), async (result, error, throws) => {
      thrown = throws ? (error ?? new Error('sync')) : undefined;
      give = [error, result];
      const received = new Promise<unknown[]>((resolve) => {
        try {
          query.call({}, 'SELECT id FROM notes ORDER BY e <-> $1 LIMIT 1', [], (...results: unknown[]) =>
            resolve(results),
          );
        } catch (caught) {
          assert.ok(Object.is(caught, thrown), 'a synchronous throw comes through as it is');
          resolve(give);
        }
      });
      const results = await received;
      assert.ok(Object.is(results[0], give[0]) && Object.is(results[1], give[1]));
    }),
    { numRuns: 300 },
  );
});

test('weaviate: 400 random calls on a traced collection, the caller and the client see each other exactly as without genai-otel', async () => {
  const { createWeaviateInstrumentation } = await import('../../../src/instrumentations/weaviate.ts');
  const calls: { self: unknown; args: unknown[] }[] = [];
  let next: Outcome = { kind: 'value', value: undefined };
  const method = standIn(calls, () => next);
  const queryMethods = ['nearText', 'nearVector', 'hybrid', 'bm25', 'fetchObjects'];
  const dataMethods = ['insert', 'insertMany', 'deleteById', 'deleteMany'];
  const collection = {
    name: 'Docs',
    query: Object.fromEntries(queryMethods.map((name) => [name, method])),
    data: Object.fromEntries(dataMethods.map((name) => [name, method])),
  };
  const client = { collections: { use: () => collection, get: () => collection } };
  const exports = { default: { connectToLocal: async () => client } };
  const instrumentation = createWeaviateInstrumentation() as InstrumentationBase;
  instrumentation.getModuleDefinitions()[0]!.patch?.(exports, '3.0.0');
  // The client the connector resolves to is traced by a reaction registered before the caller's.
  const connected = await exports.default.connectToLocal();
  const traced = connected.collections.use();
  assert.notEqual(traced.query.nearText, method, 'the collection is traced');
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...queryMethods.map((name) => ['query', name]), ...dataMethods.map((name) => ['data', name])),
      hostile,
      optionsLike,
      hostile,
      outcome,
      fc.boolean(),
      async ([part, name], self, options, text, result, ownThis) => {
        next = {
          kind: result.kind,
          value: result.kind === 'resolve' && result.value === REVOKED ? 1 : real(result.value),
        };
        calls.length = 0;
        const target = traced[part as 'query' | 'data'] as Record<string, (...a: unknown[]) => unknown>;
        const args = [real(text), real(options)];
        const thisArg = ownThis ? target : real(self);
        let returned: unknown;
        try {
          returned = target[name as string]!.apply(thisArg, args);
        } catch (error) {
          assert.equal(result.kind, 'throw', 'threw although the method did not');
          assert.ok(Object.is(error, next.value));
          return;
        }
        assert.notEqual(result.kind, 'throw', "the method's error must come through");
        assert.equal(calls.length, 1, 'the method is called once');
        assert.ok(Object.is(calls[0]!.self, thisArg), 'with the same this');
        calls[0]!.args.forEach((arg, index) => assert.ok(Object.is(arg, args[index]), `argument ${index}`));
        if (result.kind === 'value') return assert.ok(Object.is(returned, next.value));
        if (result.kind === 'resolve') return assert.ok(Object.is(await returned, next.value));
        let rejected = false;
        await (returned as Promise<unknown>).catch((error: unknown) => {
          rejected = Object.is(error, next.value);
        });
        assert.ok(rejected, "the method's rejection comes through as it is");
      },
    ),
    { numRuns: 400 },
  );
});
