// Faults of the store, through the real clients: the store is away (nothing listens), or answers with a shape the
// instrumentation does not expect. The caller gets the same value or error with genai-otel as without it; the span
// records the failure, or the call without a count it cannot read.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { SpanStatusCode } from '@opentelemetry/api';
import type { InstrumentationBase } from '@opentelemetry/instrumentation';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { closedPort } from '../../support/ports.ts';
import { startFakeVectorStore } from '../../support/fake-vector-store.ts';
import { createPineconeInstrumentation } from '../../../src/instrumentations/pinecone.ts';
import { createQdrantInstrumentation } from '../../../src/instrumentations/qdrant.ts';

const sdk = installMemorySdk();
const instrumentations = [createPineconeInstrumentation(), createQdrantInstrumentation()] as InstrumentationBase[];
const require = createRequire(import.meta.url);
const { Pinecone } = require('@pinecone-database/pinecone') as typeof import('@pinecone-database/pinecone');
const { QdrantClient } = require('@qdrant/js-client-rest') as typeof import('@qdrant/js-client-rest');

// 200 with bodies of the wrong shape: fields missing, of the wrong type, or null.
const odd = await startFakeVectorStore((request) => {
  if (request.path === '/query') return { body: { matches: 'not a list', namespace: 7 } };
  if (request.path.endsWith('/points/query')) return { body: { result: { points: null }, status: 'ok' } };
  return undefined;
});
after(async () => {
  for (const instrumentation of instrumentations) instrumentation.disable();
  await odd.close();
});

/** The call's outcome with the instrumentations on, then off: what the caller sees must not differ. */
type Seen = { value: string } | { error: string };

async function bothWays(call: () => Promise<unknown>): Promise<{ on: Seen; off: Seen }> {
  const settle = (promise: Promise<unknown>): Promise<Seen> =>
    promise.then(
      (value) => ({ value: JSON.stringify(value) }),
      (error: Error) => ({ error: `${error.constructor.name}: ${error.message}` }),
    );
  const on = await settle(call());
  for (const instrumentation of instrumentations) instrumentation.disable();
  try {
    return { on, off: await settle(call()) };
  } finally {
    for (const instrumentation of instrumentations) instrumentation.enable();
  }
}

test('the store is away: the same connection error as without genai-otel, and an error span', async () => {
  const port = await closedPort();
  const index = new Pinecone({ apiKey: 'test-key', maxRetries: 0 }).index({
    name: 'kb',
    host: `http://127.0.0.1:${port}`,
  });
  const qdrant = new QdrantClient({ url: `http://127.0.0.1:${port}`, checkCompatibility: false });
  for (const [name, call] of [
    ['retrieval kb', () => index.query({ topK: 1, vector: [0, 0, 0] })],
    ['retrieval memories', () => qdrant.query('memories', { query: [0, 0, 0] })],
  ] as const) {
    await sdk.reset();
    const { on, off } = await bothWays(call);
    assert.deepEqual(on, off, name);
    assert.ok('error' in on, name);
    const span = sdk.span(name);
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(typeof span.attributes['error.type'], 'string');
  }
});

test('an answer of an unexpected shape: the caller gets what the client makes of it, the span no count it cannot read', async () => {
  const index = new Pinecone({ apiKey: 'test-key' }).index({ name: 'kb', host: odd.url });
  const qdrant = new QdrantClient({ url: odd.url, checkCompatibility: false });
  for (const [name, call] of [
    ['retrieval kb', () => index.query({ topK: 1, vector: [0, 0, 0] })],
    ['retrieval memories', () => qdrant.query('memories', { query: [0, 0, 0] })],
  ] as const) {
    await sdk.reset();
    const { on, off } = await bothWays(call);
    assert.deepEqual(on, off, name);
    const span = sdk.span(name);
    // Some clients reject a shape they do not know themselves; then the span says so, as the caller sees it.
    assert.equal(span.status.code, 'error' in on ? SpanStatusCode.ERROR : SpanStatusCode.UNSET, name);
    assert.equal(span.attributes['db.response.returned_rows'], undefined);
  }
});
