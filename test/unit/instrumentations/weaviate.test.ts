// The real `weaviate-client` v3 (installed into a scratch folder, CommonJS build through the require hook) against a
// local Weaviate: REST (`/v1/meta`, `/v1/.well-known/ready`, `/v1/objects`) from the fake vector store, and a gRPC
// server implementing Weaviate's `Search`, `BatchObjects` and `BatchDelete` RPCs with nice-grpc (the client's own
// dependency, on @grpc/grpc-js) and the service definition the client package ships (its generated protobuf code).
import { test, after, afterEach, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { checkSpan } from '../../support/semconv-conformance.ts';
import { startFakeVectorStore } from '../../support/fake-vector-store.ts';
import { scratchFolder, scratchRequire } from '../../support/scratch-packages.ts';
import { createWeaviateInstrumentation } from '../../../src/instrumentations/weaviate.ts';
import { withAgent } from '../../../src/genai/operations.ts';
import { resetGenAISettingsForTests } from '../../../src/config/genai-settings.ts';

const sdk = installMemorySdk();
const instrumentation = createWeaviateInstrumentation();
const scratch = await scratchRequire('weaviate', ['weaviate-client@^3']);
const clientFolder = join(scratchFolder('weaviate'), 'node_modules/weaviate-client/dist/node/cjs');

/** What the tests use of the client and of the packages the fake server is made with (types out of reach). */
interface Collection {
  query: Record<string, (...args: unknown[]) => Promise<{ objects: { uuid: string; properties: object }[] }>>;
  data: Record<string, (...args: unknown[]) => Promise<unknown>>;
}
interface WeaviateClient {
  collections: { use(name: string): Collection };
  close(): Promise<void>;
}
const weaviate = (scratch('weaviate-client') as { default: Record<string, (options: object) => Promise<unknown>> })
  .default;
const { createServer, ServerError, Status } = scratch('nice-grpc') as {
  ServerError: new (code: number, details: string) => Error;
  Status: { NOT_FOUND: number };
  createServer(): {
    add(definition: unknown, implementation: object): void;
    listen(address: string): Promise<number>;
    shutdown(): Promise<void>;
  };
};
const { WeaviateDefinition } = scratch(join(clientFolder, 'proto/v1/weaviate.js')) as { WeaviateDefinition: unknown };
const { SearchReply } = scratch(join(clientFolder, 'proto/v1/search_get.js')) as {
  SearchReply: { fromPartial(value: object): unknown };
};
const { BatchObjectsReply } = scratch(join(clientFolder, 'proto/v1/batch.js')) as {
  BatchObjectsReply: { fromPartial(value: object): unknown };
};
const { BatchDeleteReply } = scratch(join(clientFolder, 'proto/v1/batch_delete.js')) as {
  BatchDeleteReply: { fromPartial(value: object): unknown };
};
const { version } = scratch(join(clientFolder, '../../../package.json')) as { version: string };

const NOTE_1 = '6f1c2a8e-6a8b-4c57-9d1e-0b7f3c7d9a11';
const NOTE_2 = '7f1c2a8e-6a8b-4c57-9d1e-0b7f3c7d9a12';
const text = (value: string) => ({ textValue: value });
const searches: { collection: string; limit: number }[] = [];
const grpc = createServer();
/** The RPCs the tests do not use answer as a server without them would. */
const unimplemented = Object.fromEntries(
  Object.keys((WeaviateDefinition as { methods: object }).methods).map((method) => [
    method,
    () => {
      throw new Error(`${method} is not implemented by this fake`);
    },
  ]),
);
grpc.add(WeaviateDefinition, {
  ...unimplemented,
  search(request: { collection: string; limit: number }) {
    searches.push({ collection: request.collection, limit: request.limit });
    if (request.collection === 'Missing')
      throw new ServerError(Status.NOT_FOUND, 'could not find class Missing in schema');
    return SearchReply.fromPartial({
      took: 0.001,
      results: [
        {
          properties: { nonRefProps: { fields: { text: text('Ana likes green tea.') } } },
          metadata: { id: NOTE_1, distance: 0.125, distancePresent: true },
        },
        {
          properties: { nonRefProps: { fields: { text: text('Ana lives in Porto.') } } },
          metadata: { id: NOTE_2, distance: 0.5, distancePresent: true },
        },
      ],
    });
  },
  batchObjects() {
    return BatchObjectsReply.fromPartial({ took: 0.001, errors: [] });
  },
  batchDelete() {
    return BatchDeleteReply.fromPartial({ took: 0.001, failed: 0, matches: 2, successful: 2, objects: [] });
  },
});
const grpcPort = await grpc.listen('127.0.0.1:0');
const rest = await startFakeVectorStore((request) => {
  if (request.path === '/v1/meta') return { body: { version: '1.32.0', hostname: 'http://[::]:8080', modules: {} } };
  if (request.path === '/v1/.well-known/ready') return { body: {} };
  if (request.path === '/v1/objects' && request.method === 'POST')
    return { body: { ...(request.body as object), id: (request.body as { id?: string }).id ?? NOTE_1 } };
  if (request.path.startsWith('/v1/objects/') && request.method === 'DELETE') return { body: {} };
  return undefined;
});
const client = (await weaviate.connectToLocal!({
  host: '127.0.0.1',
  port: rest.port,
  grpcPort,
  skipInitChecks: true,
})) as WeaviateClient;
const notes = client.collections.use('Notes');
after(async () => {
  instrumentation.disable();
  await client.close();
  await grpc.shutdown();
  await rest.close();
});
beforeEach(async () => {
  delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
  resetGenAISettingsForTests();
  await sdk.reset();
});

test('query.nearVector: a CLIENT retrieval span, limit as top-k, db.* attributes and the object count', async () => {
  assert.match(version, /^3\./);
  const result = await withAgent({ name: 'notes-agent' }, () => notes.query.nearVector!([0.1, 0.2, 0.3], { limit: 2 }));
  assert.deepEqual(
    result.objects.map((object) => object.uuid),
    [NOTE_1, NOTE_2],
    'the caller gets the result unchanged',
  );
  assert.deepEqual(searches.at(-1), { collection: 'Notes', limit: 2 }, 'the query reached the gRPC server');
  const span = sdk.span('retrieval Notes');
  assert.equal(span.kind, SpanKind.CLIENT);
  assert.equal(span.parentSpanContext?.spanId, sdk.span('invoke_agent notes-agent').spanContext().spanId);
  assert.deepEqual(
    { ...span.attributes },
    {
      'gen_ai.operation.name': 'retrieval',
      'gen_ai.data_source.id': 'Notes',
      'gen_ai.retrieval.top_k': 2,
      'db.system.name': 'weaviate',
      'db.collection.name': 'Notes',
      'db.operation.name': 'nearVector',
      'db.query.summary': 'nearVector Notes',
      'db.response.returned_rows': 2,
      'server.address': '127.0.0.1',
    },
  );
});

test('nearText, hybrid and bm25 with content capture: the query text and the objects with their distances', async () => {
  process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'SPAN_ONLY';
  resetGenAISettingsForTests();
  await notes.query.nearText!('what does Ana drink?', { limit: 2 });
  await notes.query.hybrid!('green tea', { limit: 5 });
  await notes.query.bm25!('Porto');
  const spans = sdk.spans().filter((span) => span.name === 'retrieval Notes');
  assert.deepEqual(
    spans.map((span) => [
      span.attributes['db.operation.name'],
      span.attributes['gen_ai.retrieval.query.text'],
      span.attributes['gen_ai.retrieval.top_k'],
    ]),
    [
      ['nearText', 'what does Ana drink?', 2],
      ['hybrid', 'green tea', 5],
      ['bm25', 'Porto', undefined],
    ],
  );
  assert.deepEqual(JSON.parse(spans[0]!.attributes['gen_ai.retrieval.documents'] as string), [
    { id: NOTE_1, distance: 0.125, content: { text: 'Ana likes green tea.' } },
    { id: NOTE_2, distance: 0.5, content: { text: 'Ana lives in Porto.' } },
  ]);
});

test('fetchObjects is a search_memory; insert, insertMany, deleteById and deleteMany are memory operations', async () => {
  await notes.query.fetchObjects!({ limit: 10 });
  const id = await notes.data.insert!({ properties: { text: 'Ana has a cat.' }, id: NOTE_2 });
  assert.equal(id, NOTE_2, 'the caller gets the id unchanged');
  await notes.data.insertMany!([{ text: 'a' }, { text: 'b' }]);
  await notes.data.deleteById!(NOTE_1);
  const filter = (scratch('weaviate-client') as { Filters: unknown }).Filters;
  assert.ok(filter !== undefined);
  const deleted = (await notes.data.deleteMany!(
    (notes as unknown as { filter: { byProperty(name: string): { equal(value: string): unknown } } }).filter
      .byProperty('text')
      .equal('a'),
  )) as { successful: number };
  assert.equal(deleted.successful, 2);
  assert.deepEqual(
    sdk
      .spans()
      .map((span) => [
        span.name,
        span.attributes['db.operation.name'],
        span.attributes['gen_ai.memory.store.id'],
        span.attributes['gen_ai.memory.record.count'],
        span.attributes['gen_ai.memory.record.id'],
      ]),
    [
      ['search_memory', 'fetchObjects', 'Notes', 2, undefined],
      ['create_memory', 'insert', 'Notes', 1, NOTE_2],
      ['create_memory', 'insertMany', 'Notes', 2, undefined],
      ['delete_memory', 'deleteById', 'Notes', 1, NOTE_1],
      ['delete_memory', 'deleteMany', 'Notes', undefined, undefined],
    ],
  );
  assert.equal(sdk.spans()[1]!.attributes['server.port'], rest.port, 'REST calls carry the REST port');
});

test('a failing call: the client error reaches the caller, the span records it', async () => {
  const missing = client.collections.use('Missing');
  let caught: unknown;
  await missing.query.nearVector!([0.1, 0.2, 0.3], { limit: 1 }).catch((error: unknown) => (caught = error));
  assert.ok(caught instanceof Error);
  const span = sdk.span('retrieval Missing');
  assert.equal(span.status.code, 2);
  assert.equal(span.attributes['error.type'], caught.name);
});

test('disabled: calls run untraced', async () => {
  instrumentation.disable();
  try {
    await notes.data.deleteById!(NOTE_1);
    assert.equal(sdk.spans().length, 0);
  } finally {
    instrumentation.enable();
  }
});

test('a hostile argument reaches the client as it is; genai-otel adds no error of its own', async () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const traced: unknown = await notes.query.nearVector!([0.1, 0.2, 0.3], proxy).catch((error: unknown) => error);
  instrumentation.disable();
  let untraced: unknown;
  try {
    untraced = await notes.query.nearVector!([0.1, 0.2, 0.3], proxy).catch((error: unknown) => error);
  } finally {
    instrumentation.enable();
  }
  assert.ok(traced instanceof Error);
  assert.equal(traced.message, (untraced as Error).message);
  assert.equal(traced.constructor, (untraced as Error).constructor);
});

// Every span the tests above made, checked against the pinned conventions (names, types, enum values, kinds,
// requirement levels), as test/unit/semconv/conformance*.test.ts check the other instrumentations.
const conventionProblems: string[] = [];
let spansChecked = 0;
afterEach(() => {
  for (const span of sdk.spans()) {
    spansChecked++;
    checkSpan(span, conventionProblems);
  }
});

test('every span above follows the pinned GenAI conventions', () => {
  assert.ok(spansChecked >= 6, `${spansChecked} spans checked`);
  assert.deepEqual(conventionProblems, []);
});
