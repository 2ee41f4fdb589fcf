// The real `chromadb` (3.x, CommonJS build through the require hook) against a local server speaking Chroma's v2
// REST API: a collection's query() is a retrieval span; add, upsert, update, delete and get are memory operations.
import { test, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeVectorStore } from '../../support/fake-vector-store.ts';
import { createChromaInstrumentation } from '../../../src/instrumentations/chroma.ts';
import { withAgent } from '../../../src/genai/operations.ts';
import { resetGenAISettingsForTests } from '../../../src/config/genai-settings.ts';

const sdk = installMemorySdk();
const instrumentation = createChromaInstrumentation();
const require = createRequire(import.meta.url);
const { ChromaClient } = require('chromadb') as typeof import('chromadb');

const COLLECTION_ID = '5f1c2a8e-6a8b-4c57-9d1e-0b7f3c7d9a11';
const collectionJson = (name: string) => ({
  id: COLLECTION_ID,
  name,
  configuration_json: {},
  metadata: null,
  dimension: 3,
  tenant: 'default_tenant',
  database: 'default_database',
  log_position: 0,
  version: 0,
});
const store = await startFakeVectorStore((request) => {
  const base = '/api/v2/tenants/default_tenant/databases/default_database/collections';
  if (request.path === '/api/v2/auth/identity')
    return { body: { user_id: 'local', tenant: 'default_tenant', databases: ['default_database'] } };
  if (request.path === '/api/v2/pre-flight-checks')
    return { body: { max_batch_size: 1000, supports_base64_encoding: false } };
  if (request.path === base) return { body: collectionJson((request.body as { name: string }).name) };
  const action = request.path.startsWith(`${base}/${COLLECTION_ID}/`) ? request.path.split('/').at(-1) : undefined;
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (action === 'query') {
    if (body.n_results === 99) return { status: 500, body: { error: 'InternalError', message: 'index unavailable' } };
    return {
      body: {
        ids: [['note-1', 'note-2']],
        distances: [[0.12, 0.4]],
        documents: [['Ana likes green tea.', 'Ana lives in Porto.']],
        metadatas: [[{ source: 'chat' }, null]],
        embeddings: null,
        uris: null,
        include: ['documents', 'metadatas', 'distances'],
      },
    };
  }
  if (action === 'get')
    return {
      body: {
        ids: ['note-1'],
        documents: ['Ana likes green tea.'],
        metadatas: [null],
        include: ['documents', 'metadatas'],
      },
    };
  if (action === 'add' || action === 'upsert' || action === 'update') return { status: 201, body: {} };
  if (action === 'delete') return { body: {} };
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
  JSON.parse(readFileSync(new URL('../../../node_modules/chromadb/package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
const client = new ChromaClient({ host: '127.0.0.1', port: store.port, ssl: false });
const notes = await client.getOrCreateCollection({ name: 'user-notes', embeddingFunction: null });
await sdk.reset();

test('query: a CLIENT retrieval span with the collection, nResults as top-k, db.* attributes and the result count', async () => {
  assert.match(version, /^3\./);
  const result = await withAgent({ name: 'notes-agent' }, () =>
    notes.query({ queryEmbeddings: [[0.1, 0.2, 0.3]], nResults: 2 }),
  );
  assert.deepEqual(result.ids, [['note-1', 'note-2']], 'the caller gets the result unchanged');
  const span = sdk.span('retrieval user-notes');
  assert.equal(span.kind, SpanKind.CLIENT);
  assert.equal(span.parentSpanContext?.spanId, sdk.span('invoke_agent notes-agent').spanContext().spanId);
  assert.deepEqual(
    { ...span.attributes },
    {
      'gen_ai.operation.name': 'retrieval',
      'gen_ai.data_source.id': 'user-notes',
      'gen_ai.retrieval.top_k': 2,
      'db.system.name': 'chroma',
      'db.collection.name': 'user-notes',
      'db.namespace': 'default_database',
      'db.operation.name': 'query',
      'db.query.summary': 'query user-notes',
      'db.response.returned_rows': 2,
      'server.address': '127.0.0.1',
      'server.port': store.port,
    },
  );
  const point = sdk
    .points((await sdk.collect()).get('db.client.operation.duration'))
    .find((candidate) => candidate.attributes['db.system.name'] === 'chroma');
  assert.equal(point?.attributes['db.operation.name'], 'query');
});

test('with content capture on: the documents with their distances and metadata, and the records written', async () => {
  process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'SPAN_ONLY';
  resetGenAISettingsForTests();
  await notes.query({ queryEmbeddings: [[0.1, 0.2, 0.3]] });
  const span = sdk.span('retrieval user-notes');
  assert.equal(span.attributes['gen_ai.retrieval.top_k'], 10, "Chroma's default nResults");
  assert.deepEqual(JSON.parse(span.attributes['gen_ai.retrieval.documents'] as string), [
    { id: 'note-1', distance: 0.12, content: 'Ana likes green tea.', metadata: { source: 'chat' } },
    { id: 'note-2', distance: 0.4, content: 'Ana lives in Porto.' },
  ]);
  await notes.add({ ids: ['note-3'], embeddings: [[0.3, 0.2, 0.1]], documents: ['Ana has a cat.'] });
  const added = sdk.span('create_memory');
  assert.equal(added.attributes['gen_ai.memory.record.id'], 'note-3');
  assert.deepEqual(JSON.parse(added.attributes['gen_ai.memory.records'] as string), [
    { id: 'note-3', content: 'Ana has a cat.' },
  ]);
});

test('add, upsert, update, delete and get are memory operations; peek() (which calls get) is one span', async () => {
  await notes.add({
    ids: ['a', 'b'],
    embeddings: [
      [0.1, 0.2, 0.3],
      [0.3, 0.2, 0.1],
    ],
    documents: ['x', 'y'],
  });
  await notes.upsert({ ids: ['a'], embeddings: [[0.1, 0.2, 0.3]], documents: ['x2'] });
  await notes.update({ ids: ['b'], documents: ['y2'], embeddings: [[0.3, 0.2, 0.1]] });
  await notes.delete({ ids: ['a', 'b'] });
  const found = await notes.get({ ids: ['note-1'] });
  assert.deepEqual(found.ids, ['note-1']);
  await notes.peek({ limit: 1 });
  assert.deepEqual(
    sdk
      .spans()
      .map((span) => [
        span.name,
        span.attributes['db.operation.name'],
        span.attributes['gen_ai.memory.store.id'],
        span.attributes['gen_ai.memory.record.count'],
      ]),
    [
      ['create_memory', 'add', 'user-notes', 2],
      ['upsert_memory', 'upsert', 'user-notes', 1],
      ['update_memory', 'update', 'user-notes', 1],
      ['delete_memory', 'delete', 'user-notes', 2],
      ['search_memory', 'get', 'user-notes', 1],
      ['search_memory', 'get', 'user-notes', 1],
    ],
  );
  assert.equal(sdk.spans()[0]!.attributes['gen_ai.memory.records'], undefined, 'no records without content capture');
});

test('a failing call: the client error reaches the caller, the span records it', async () => {
  let caught: unknown;
  await notes.query({ queryEmbeddings: [[0.1, 0.2, 0.3]], nResults: 99 }).catch((error: unknown) => (caught = error));
  assert.ok(caught instanceof Error);
  const span = sdk.span('retrieval user-notes');
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.attributes['error.type'], caught.name);
});
