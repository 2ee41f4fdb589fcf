// The vector stores through the real preload: CommonJS and ESM apps using the real Pinecone, Qdrant, Chroma and pg
// clients, in child processes, against a local fake of the three REST APIs and a real Postgres with pgvector (PGlite
// over the wire protocol), exporting to the local OTLP receiver. And each integration turned off by name.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@genai-otel/mock-otlp-receiver';
import { startFakeVectorStore, type FakeVectorStore } from '../support/fake-vector-store.ts';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';

const COLLECTION_ID = '5f1c2a8e-6a8b-4c57-9d1e-0b7f3c7d9a11';
let receiver: OtlpReceiver;
let store: FakeVectorStore;
let db: PGlite;
let postgres: PGLiteSocketServer;
let pgPort: number;

before(async () => {
  receiver = await startOtlpReceiver();
  store = await startFakeVectorStore((request) => {
    const path = request.path;
    // Pinecone's data plane
    if (path === '/query') return { body: { matches: [{ id: 'a', score: 0.9 }], namespace: 'faq' } };
    if (path === '/vectors/upsert') return { body: { upsertedCount: 1 } };
    // Qdrant
    if (path.endsWith('/points/query')) return { body: { result: { points: [{ id: 1, score: 0.8 }] }, status: 'ok' } };
    if (path.endsWith('/points')) return { body: { result: { operation_id: 1, status: 'completed' }, status: 'ok' } };
    // Chroma
    if (path === '/api/v2/auth/identity')
      return { body: { user_id: 'local', tenant: 'default_tenant', databases: ['default_database'] } };
    if (path === '/api/v2/pre-flight-checks') return { body: { max_batch_size: 1000 } };
    if (path.endsWith('/collections'))
      return {
        body: {
          id: COLLECTION_ID,
          name: 'notes',
          configuration_json: {},
          metadata: null,
          dimension: 3,
          tenant: 'default_tenant',
          database: 'default_database',
          log_position: 0,
          version: 0,
        },
      };
    if (path.endsWith(`${COLLECTION_ID}/query`))
      return { body: { ids: [['n1', 'n2']], distances: [[0.1, 0.2]], documents: null, metadatas: null } };
    if (path.endsWith(`${COLLECTION_ID}/add`)) return { status: 201, body: {} };
    return undefined;
  });
  db = await PGlite.create({ extensions: { vector } });
  await db.exec(
    "CREATE EXTENSION IF NOT EXISTS vector; CREATE TABLE notes (id serial PRIMARY KEY, embedding vector(3)); INSERT INTO notes (embedding) VALUES ('[1,2,3]'), ('[3,2,1]');",
  );
  postgres = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
  await postgres.start();
  pgPort = Number(postgres.getServerConn().split(':').at(-1));
});
after(async () => {
  await postgres?.stop();
  await db?.close();
  await store?.close();
  await receiver?.close();
});

function run(script: string, nodeArgs: string[], serviceName: string, extra: Record<string, string> = {}) {
  return runFixture(fixture(script), {
    nodeArgs,
    env: otelEnv(receiver.url, {
      OTEL_SERVICE_NAME: serviceName,
      OTEL_METRICS_EXPORTER: 'none',
      FAKE_STORE_URL: store.url,
      PG_PORT: String(pgPort),
      ...extra,
    }),
  });
}

const storeSpansOf = (spans: ReceivedSpan[], serviceName: string) =>
  spans.filter((span) => span.resource['service.name'] === serviceName && 'db.system.name' in span.attributes);
const describeSpan = (span: ReceivedSpan) => `${String(span.attributes['db.system.name'])} ${span.name}`;

const cases = [
  {
    name: 'CommonJS app with --require genai-otel/register',
    script: 'vector-stores.cjs',
    nodeArgs: ['--require', 'genai-otel/register'],
  },
  {
    name: 'ESM app with --import genai-otel/register',
    script: 'vector-stores.mjs',
    nodeArgs: ['--import', 'genai-otel/register'],
  },
];

for (const { name, script, nodeArgs } of cases) {
  describe(name, () => {
    const serviceName = `vectors-${script.replace(/\W+/g, '-')}`;
    let spans: ReceivedSpan[];
    let all: ReceivedSpan[];

    before(async () => {
      const result = await run(script, nodeArgs, serviceName);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim(), 'found 5\napp finished');
      all = await receiver.waitFor('spans', (received) => storeSpansOf(received, serviceName).length >= 7, 15000);
      spans = storeSpansOf(all, serviceName);
    });

    test('each store gives its retrieval and memory spans, all nested under the agent step', () => {
      assert.deepEqual(spans.map(describeSpan).sort(), [
        'chroma create_memory',
        'chroma retrieval notes',
        'pinecone retrieval kb',
        'pinecone upsert_memory',
        'postgresql retrieval notes',
        'qdrant retrieval memories',
        'qdrant upsert_memory',
      ]);
      const agent = all.find(
        (span) => span.resource['service.name'] === serviceName && span.name === 'invoke_agent memory-agent',
      )!;
      assert.ok(spans.every((span) => span.parentSpanId === agent.spanId && span.traceId === agent.traceId));
      assert.ok(spans.every((span) => span.scope.name === 'genai-otel'));
      const topK = Object.fromEntries(
        spans
          .filter((span) => span.name.startsWith('retrieval'))
          .map((span) => [span.attributes['db.system.name'], span.attributes['gen_ai.retrieval.top_k']]),
      );
      assert.deepEqual(topK, { pinecone: 2, qdrant: 2, chroma: 2, postgresql: 2 });
    });
  });
}

test('GENAI_OTEL_INSTRUMENTATIONS without a store leaves that store alone', async () => {
  const serviceName = 'vectors-some-off';
  const result = await run('vector-stores.cjs', ['--require', 'genai-otel/register'], serviceName, {
    GENAI_OTEL_INSTRUMENTATIONS: 'qdrant,chroma',
  });
  assert.equal(result.code, 0, result.stderr);
  const received = await receiver.waitFor('spans', (all) => storeSpansOf(all, serviceName).length >= 4, 15000);
  assert.deepEqual(
    [...new Set(storeSpansOf(received, serviceName).map((span) => span.attributes['db.system.name']))].sort(),
    ['chroma', 'qdrant'],
  );
});
