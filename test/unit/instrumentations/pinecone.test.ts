// The real `@pinecone-database/pinecone` (9.x, through the require hook) against a local server speaking Pinecone's
// data-plane REST API: queries are retrieval spans, upserts and deletes memory operations, nested under the agent.
import { test, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeVectorStore } from '../../support/fake-vector-store.ts';
import { createPineconeInstrumentation } from '../../../src/instrumentations/pinecone.ts';
import { withAgent } from '../../../src/genai/operations.ts';
import { resetGenAISettingsForTests } from '../../../src/config/genai-settings.ts';

const sdk = installMemorySdk();
const instrumentation = createPineconeInstrumentation();
const require = createRequire(import.meta.url);
const { Pinecone } = require('@pinecone-database/pinecone') as typeof import('@pinecone-database/pinecone');

const MATCHES = [
  { id: 'doc-1', score: 0.93, values: [], metadata: { text: 'Returns are free within 30 days.' } },
  { id: 'doc-2', score: 0.81, values: [], metadata: { text: 'Refunds take 5 days.' } },
];
const store = await startFakeVectorStore((request) => {
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (body.namespace === 'broken')
    return { status: 400, body: { error: { code: 'INVALID_ARGUMENT', message: 'bad vector' } } };
  if (request.path === '/query')
    return { body: { matches: MATCHES, namespace: body.namespace ?? '', usage: { readUnits: 5 } } };
  if (request.path === '/vectors/upsert') return { body: { upsertedCount: (body.vectors as unknown[]).length } };
  if (request.path === '/vectors/delete') return { body: {} };
  if (request.path.endsWith('/search'))
    return {
      body: {
        result: { hits: [{ _id: 'rec-1', _score: 0.7, fields: { chunk_text: 'Shipping is free over 50 EUR.' } }] },
        usage: { read_units: 1 },
      },
    };
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
    readFileSync(new URL('../../../node_modules/@pinecone-database/pinecone/package.json', import.meta.url), 'utf8'),
  ) as { version: string }
).version;
const pinecone = new Pinecone({ apiKey: 'test-key' });
const index = pinecone.index({ name: 'support-kb', host: store.url, namespace: 'faq' });

test('query: a CLIENT retrieval span with the index, top-k, the db.* attributes and the number of matches', async () => {
  assert.match(version, /^9\./);
  const result = await withAgent({ name: 'support-agent' }, () =>
    index.query({ topK: 3, vector: [0.1, 0.2, 0.3], includeMetadata: true }),
  );
  assert.equal(result.matches.length, 2, 'the caller gets the response unchanged');
  const span = sdk.span('retrieval support-kb');
  const agent = sdk.span('invoke_agent support-agent');
  assert.equal(span.kind, SpanKind.CLIENT);
  assert.equal(span.parentSpanContext?.spanId, agent.spanContext().spanId, 'nested under the agent step');
  assert.equal(span.instrumentationScope.name, 'genai-otel');
  assert.deepEqual(
    { ...span.attributes },
    {
      'gen_ai.operation.name': 'retrieval',
      'gen_ai.data_source.id': 'support-kb',
      'gen_ai.retrieval.top_k': 3,
      'db.system.name': 'pinecone',
      'db.collection.name': 'support-kb',
      'db.namespace': 'faq',
      'db.operation.name': 'query',
      'db.query.summary': 'query support-kb',
      'db.response.returned_rows': 2,
      'server.address': '127.0.0.1',
      'server.port': store.port,
    },
    'no documents without content capture',
  );
  const duration = (await sdk.collect()).get('db.client.operation.duration');
  const point = sdk.points(duration).find((candidate) => candidate.attributes['db.system.name'] === 'pinecone');
  assert.ok(point, 'db.client.operation.duration recorded');
  assert.equal(point.attributes['db.collection.name'], 'support-kb');
  assert.equal(point.attributes['db.operation.name'], 'query');
});

test('with content capture on, the matches are recorded as the documents (ids, scores, metadata; no vectors)', async () => {
  process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'SPAN_ONLY';
  resetGenAISettingsForTests();
  await index.query({ topK: 2, vector: [0.1, 0.2, 0.3], includeMetadata: true });
  const documents = JSON.parse(
    sdk.span('retrieval support-kb').attributes['gen_ai.retrieval.documents'] as string,
  ) as unknown;
  assert.deepEqual(documents, [
    { id: 'doc-1', score: 0.93, metadata: { text: 'Returns are free within 30 days.' } },
    { id: 'doc-2', score: 0.81, metadata: { text: 'Refunds take 5 days.' } },
  ]);
  await index.searchRecords({ query: { topK: 1, inputs: { text: 'free shipping?' } } });
  const search = sdk.spans().find((span) => span.attributes['db.operation.name'] === 'search_records')!;
  assert.equal(search.attributes['gen_ai.retrieval.query.text'], 'free shipping?');
  assert.equal(search.attributes['db.response.returned_rows'], 1);
  assert.deepEqual(JSON.parse(search.attributes['gen_ai.retrieval.documents'] as string), [
    { id: 'rec-1', score: 0.7, content: { chunk_text: 'Shipping is free over 50 EUR.' } },
  ]);
});

test('upsert and deletes are memory operations on the index, with record ids and counts', async () => {
  await index.upsert({
    records: [
      { id: 'a', values: [0.1, 0.2, 0.3], metadata: { text: 'alpha' } },
      { id: 'b', values: [0.3, 0.2, 0.1] },
    ],
  });
  await index.deleteOne({ id: 'a' });
  await index.deleteMany({ ids: ['a', 'b', 'c'] });
  await index.deleteAll();
  const memory = sdk.spans().filter((span) => span.name === 'upsert_memory' || span.name === 'delete_memory');
  assert.deepEqual(
    memory.map((span) => [
      span.name,
      span.attributes['db.operation.name'],
      span.attributes['gen_ai.memory.store.id'],
      span.attributes['gen_ai.memory.record.id'],
      span.attributes['gen_ai.memory.record.count'],
    ]),
    [
      ['upsert_memory', 'upsert', 'support-kb', undefined, 2],
      ['delete_memory', 'delete_one', 'support-kb', 'a', 1],
      ['delete_memory', 'delete_many', 'support-kb', undefined, 3],
      ['delete_memory', 'delete_all', 'support-kb', undefined, undefined],
    ],
  );
  assert.equal(memory[0]!.kind, SpanKind.CLIENT);
  assert.equal(memory[0]!.attributes['gen_ai.memory.records'], undefined, 'no records without content capture');
  const durations = sdk.points((await sdk.collect()).get('genai_otel.memory.operation.duration'));
  assert.ok(durations.some((point) => point.attributes['gen_ai.operation.name'] === 'upsert_memory'));
});

test('a failing call: the caller gets the client error, the span is an error with error.type', async () => {
  const broken = pinecone.index({ name: 'support-kb', host: store.url, namespace: 'broken' });
  await assert.rejects(
    () => broken.query({ topK: 1, vector: [0, 0, 0] }),
    (error: Error) => {
      assert.equal(error.constructor.name, 'PineconeBadRequestError');
      return true;
    },
  );
  const span = sdk.span('retrieval support-kb');
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.attributes['error.type'], 'PineconeBadRequestError');
});

test('a hostile argument: the client sees it as it is, the call runs untraced, nothing throws from genai-otel', async () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  await assert.rejects(
    () => index.query(proxy as never),
    (error: Error) => error instanceof TypeError && /revoked/.test(error.message),
  );
  assert.equal(sdk.spans().length, 0);
});

test('disabled: calls are not traced', async () => {
  instrumentation.disable();
  try {
    await index.query({ topK: 1, vector: [0, 0, 0] });
    assert.equal(sdk.spans().length, 0);
  } finally {
    instrumentation.enable();
  }
});
