// The real `pg` client against a real PostgreSQL with the real pgvector extension: PGlite (Postgres compiled to
// WebAssembly) with @electric-sql/pglite-pgvector, served over the Postgres wire protocol on 127.0.0.1 by
// @electric-sql/pglite-socket. Vector searches (`<->`, `<=>`, `<#>`, `<+>`) are retrieval spans; other SQL makes none.
import { test, after, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { createPgvectorInstrumentation, vectorSearchOf } from '../../../src/instrumentations/pgvector.ts';
import { withAgent } from '../../../src/genai/operations.ts';
import { resetGenAISettingsForTests } from '../../../src/config/genai-settings.ts';

const sdk = installMemorySdk();
const instrumentation = createPgvectorInstrumentation();
const require = createRequire(import.meta.url);
const pg = require('pg') as typeof import('pg');

let db: PGlite;
let server: PGLiteSocketServer;
let port: number;
let pool: import('pg').Pool;
// One connection (PGlite serves one at a time): the pool's only client, checked out between Pool.query() calls.
let client: import('pg').PoolClient;
before(async () => {
  db = await PGlite.create({ extensions: { vector } });
  server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
  await server.start();
  port = Number(server.getServerConn().split(':').at(-1));
  pool = new pg.Pool({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', max: 1 });
  client = await pool.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS vector');
  await client.query('CREATE TABLE notes (id serial PRIMARY KEY, body text, embedding vector(3))');
  await client.query(
    "INSERT INTO notes (body, embedding) VALUES ('likes green tea', '[1,2,3]'), ('lives in Porto', '[3,2,1]'), ('has a cat', '[1,1,1]')",
  );
});
after(async () => {
  instrumentation.disable();
  client?.release();
  await pool?.end();
  await server?.stop();
  await db?.close();
});
beforeEach(async () => {
  delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
  resetGenAISettingsForTests();
  await sdk.reset();
});

const SEARCH = 'SELECT id, body, embedding <-> $1 AS distance FROM notes ORDER BY embedding <-> $1 LIMIT $2';

test('a vector search is a CLIENT retrieval span: table, LIMIT as top-k, rows returned, db.* attributes', async () => {
  const result = await withAgent({ name: 'memory-agent' }, () => client.query(SEARCH, ['[1,2,2]', 2]));
  assert.deepEqual(
    result.rows.map((row: { body: string }) => row.body),
    ['likes green tea', 'has a cat'],
    'the caller gets the rows unchanged',
  );
  const span = sdk.span('retrieval notes');
  assert.equal(span.kind, SpanKind.CLIENT);
  assert.equal(span.parentSpanContext?.spanId, sdk.span('invoke_agent memory-agent').spanContext().spanId);
  assert.deepEqual(
    { ...span.attributes },
    {
      'gen_ai.operation.name': 'retrieval',
      'gen_ai.data_source.id': 'notes',
      'gen_ai.retrieval.top_k': 2,
      'db.system.name': 'postgresql',
      'db.collection.name': 'notes',
      'db.namespace': 'postgres',
      'db.operation.name': 'SELECT',
      'db.query.summary': 'SELECT notes',
      'db.response.returned_rows': 2,
      'server.address': '127.0.0.1',
      'server.port': port,
    },
  );
  const point = sdk
    .points((await sdk.collect()).get('db.client.operation.duration'))
    .find((candidate) => candidate.attributes['db.system.name'] === 'postgresql');
  assert.equal(point?.attributes['db.collection.name'], 'notes');
});

test('SQL without a vector operator makes no span', async () => {
  await client.query('SELECT count(*) FROM notes');
  await client.query('UPDATE notes SET body = body WHERE id = 1');
  assert.equal(sdk.spans().length, 0);
});

test('every distance operator is seen; a literal LIMIT and a cosine search through Pool.query()', async () => {
  for (const operator of ['<=>', '<#>', '<+>'])
    await client.query(`SELECT id FROM notes ORDER BY embedding ${operator} '[1,1,1]' LIMIT 1`);
  assert.equal(sdk.spans().length, 3);
  assert.ok(sdk.spans().every((span) => span.attributes['gen_ai.retrieval.top_k'] === 1));
  client.release();
  try {
    await withAgent({ name: 'pool-agent' }, () =>
      pool.query("SELECT body FROM notes ORDER BY embedding <=> '[1,2,3]' LIMIT 3"),
    );
    const span = sdk
      .spans()
      .find(
        (candidate) =>
          candidate.attributes['db.system.name'] === 'postgresql' &&
          candidate.attributes['gen_ai.retrieval.top_k'] === 3,
      )!;
    assert.equal(span.parentSpanContext?.spanId, sdk.span('invoke_agent pool-agent').spanContext().spanId);
    assert.equal(span.attributes['db.response.returned_rows'], 3);
  } finally {
    client = await pool.connect();
  }
});

test('callback style: the callback gets the result as pg gives it, and the span ends with it', async () => {
  const rows = await new Promise<unknown[]>((resolve, reject) => {
    const returned = client.query(SEARCH, ['[1,2,2]', 1], (error: Error | null, result: { rows: unknown[] }) =>
      error ? reject(error) : resolve(result.rows),
    );
    assert.equal(returned, undefined, 'pg returns nothing in callback style');
  });
  assert.equal(rows.length, 1);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(sdk.span('retrieval notes').attributes['db.response.returned_rows'], 1);
});

test('with content capture on, the rows are the documents, without their vectors', async () => {
  process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'SPAN_ONLY';
  resetGenAISettingsForTests();
  await client.query('SELECT id, body, embedding FROM notes ORDER BY embedding <-> $1 LIMIT 1', ['[1,1,1]']);
  assert.deepEqual(JSON.parse(sdk.span('retrieval notes').attributes['gen_ai.retrieval.documents'] as string), [
    { id: 3, body: 'has a cat' },
  ]);
});

test('a failing search: the database error reaches the caller, the span records it', async () => {
  let caught: unknown;
  await client
    .query("SELECT id FROM missing_table ORDER BY embedding <-> '[1,1,1]' LIMIT 1")
    .catch((error: unknown) => (caught = error));
  assert.equal((caught as { code?: string }).code, '42P01');
  const span = sdk.span('retrieval missing_table');
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(typeof span.attributes['error.type'], 'string');
});

test('statements are read for what they are: quoted and schema-qualified tables, WITH, non-SELECT', () => {
  assert.deepEqual(vectorSearchOf('select * from "My Docs" order by e <-> $1 limit 4', []), {
    operation: 'SELECT',
    table: 'My Docs',
    topK: 4,
  });
  assert.equal(
    vectorSearchOf('WITH q AS (SELECT 1) SELECT * FROM kb.chunks ORDER BY e <=> $1', [])?.table,
    'kb.chunks',
  );
  assert.equal(vectorSearchOf("DELETE FROM notes WHERE embedding <-> '[1,1,1]' < 0.1", []), undefined);
  assert.equal(
    vectorSearchOf('SELECT 1 WHERE a < -1', []),
    undefined,
    'a comparison with a negative number is not <->',
  );
});
