// The real `@qdrant/js-client-rest` (1.x, CommonJS build through the require hook) against a local server speaking
// Qdrant's REST API: queries are retrieval spans, upserts and deletes memory operations.
import { test, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeVectorStore } from '../../support/fake-vector-store.ts';
import { createQdrantInstrumentation } from '../../../src/instrumentations/qdrant.ts';
import { withAgent } from '../../../src/genai/operations.ts';
import { resetGenAISettingsForTests } from '../../../src/config/genai-settings.ts';

const sdk = installMemorySdk();
const instrumentation = createQdrantInstrumentation();
const require = createRequire(import.meta.url);
const { QdrantClient } = require('@qdrant/js-client-rest') as typeof import('@qdrant/js-client-rest');

const POINTS = [
  { id: 7, version: 1, score: 0.88, payload: { text: 'The user prefers window seats.' } },
  { id: 'b1c2', version: 1, score: 0.61, payload: { text: 'The user is vegetarian.' } },
];
const ok = (result: unknown) => ({ body: { result, status: 'ok', time: 0.001 } });
const store = await startFakeVectorStore((request) => {
  if (request.path === '/') return { body: { title: 'qdrant - vector search engine', version: '1.16.0' } };
  if (request.path.startsWith('/collections/missing/'))
    return { status: 404, body: { status: { error: 'Not found: Collection `missing` does not exist!' }, time: 0 } };
  if (request.path.endsWith('/points/query')) return ok({ points: POINTS });
  if (request.path.endsWith('/points/query/batch')) return ok([{ points: POINTS }, { points: POINTS.slice(0, 1) }]);
  if (request.path.endsWith('/points') && request.method === 'PUT') return ok({ operation_id: 1, status: 'completed' });
  if (request.path.endsWith('/points/delete')) return ok({ operation_id: 2, status: 'completed' });
  return undefined;
});
after(async () => {
  instrumentation.disable();
  await store.close();
});
beforeEach(async () => {
  delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
  resetGenAISettingsForTests();
  await sdk.reset();
});

const version = (
  JSON.parse(
    readFileSync(new URL('../../../node_modules/@qdrant/js-client-rest/package.json', import.meta.url), 'utf8'),
  ) as { version: string }
).version;
const client = new QdrantClient({ url: store.url, checkCompatibility: false });

test('query: a CLIENT retrieval span with the collection, limit as top-k, db.* attributes and the point count', async () => {
  assert.match(version, /^1\./);
  const result = await withAgent({ name: 'travel-agent' }, () =>
    client.query('user-memories', { query: [0.1, 0.2, 0.3], limit: 5, with_payload: true }),
  );
  assert.equal(result.points.length, 2, 'the caller gets the result unchanged');
  const span = sdk.span('retrieval user-memories');
  assert.equal(span.kind, SpanKind.CLIENT);
  assert.equal(span.parentSpanContext?.spanId, sdk.span('invoke_agent travel-agent').spanContext().spanId);
  assert.deepEqual(
    { ...span.attributes },
    {
      'gen_ai.operation.name': 'retrieval',
      'gen_ai.data_source.id': 'user-memories',
      'gen_ai.retrieval.top_k': 5,
      'db.system.name': 'qdrant',
      'db.collection.name': 'user-memories',
      'db.operation.name': 'query',
      'db.query.summary': 'query user-memories',
      'db.response.returned_rows': 2,
      'server.address': '127.0.0.1',
      'server.port': store.port,
    },
  );
  const point = sdk
    .points((await sdk.collect()).get('db.client.operation.duration'))
    .find((candidate) => candidate.attributes['db.system.name'] === 'qdrant');
  assert.equal(point?.attributes['db.collection.name'], 'user-memories');
});

test('with content capture on: the points (id, score, payload) and a text query are recorded', async () => {
  process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'SPAN_ONLY';
  resetGenAISettingsForTests();
  await client.query('user-memories', {
    query: { text: 'seat preference', model: 'sentence-transformers/all-minilm-l6-v2' },
    with_payload: true,
  });
  const span = sdk.span('retrieval user-memories');
  assert.equal(span.attributes['gen_ai.retrieval.top_k'], 10, "Qdrant's default limit");
  assert.equal(span.attributes['gen_ai.retrieval.query.text'], 'seat preference');
  assert.deepEqual(JSON.parse(span.attributes['gen_ai.retrieval.documents'] as string), [
    { id: 7, score: 0.88, content: { text: 'The user prefers window seats.' } },
    { id: 'b1c2', score: 0.61, content: { text: 'The user is vegetarian.' } },
  ]);
  await client.upsert('user-memories', {
    points: [{ id: 9, vector: [0.1, 0.1, 0.1], payload: { text: 'likes tea' } }],
  });
  assert.deepEqual(JSON.parse(sdk.span('upsert_memory').attributes['gen_ai.memory.records'] as string), [
    { id: 9, content: { text: 'likes tea' } },
  ]);
});

test('queryBatch counts the points of every query; upsert and delete are memory operations', async () => {
  await client.queryBatch('user-memories', { searches: [{ query: [0.1, 0.2, 0.3] }, { query: [0.3, 0.2, 0.1] }] });
  assert.equal(sdk.span('retrieval user-memories').attributes['db.response.returned_rows'], 3);
  await client.upsert('user-memories', {
    points: [
      { id: 1, vector: [0.1, 0.2, 0.3], payload: { text: 'a' } },
      { id: 2, vector: [0.3, 0.2, 0.1], payload: { text: 'b' } },
    ],
  });
  await client.delete('user-memories', { points: [1] });
  const upsert = sdk.span('upsert_memory');
  assert.equal(upsert.attributes['gen_ai.memory.store.id'], 'user-memories');
  assert.equal(upsert.attributes['gen_ai.memory.record.count'], 2);
  assert.equal(upsert.attributes['db.operation.name'], 'upsert');
  assert.equal(upsert.attributes['gen_ai.memory.records'], undefined, 'no records without content capture');
  const deleted = sdk.span('delete_memory');
  assert.equal(deleted.attributes['gen_ai.memory.record.id'], '1');
  assert.equal(deleted.attributes['gen_ai.memory.record.count'], 1);
});

test('a failing call: the client error reaches the caller, the span records it', async () => {
  let caught: unknown;
  await client.query('missing', { query: [0, 0, 0] }).catch((error: unknown) => (caught = error));
  assert.ok(caught instanceof Error);
  const span = sdk.span('retrieval missing');
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal((caught as Error & { status?: number }).status, 404);
  assert.equal(span.attributes['error.type'], '404', "the server's status, as for the LLM clients");
});

test('a hostile argument reaches the client as it is; genai-otel adds no error of its own', async () => {
  const hostile = {
    get limit(): number {
      throw new Error('getter says no');
    },
  };
  await assert.rejects(() => client.query('user-memories', hostile), /getter says no/);
});
