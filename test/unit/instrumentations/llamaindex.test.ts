// The real LlamaIndex.TS (`llamaindex` 0.12 with `@llamaindex/openai`, installed into a scratch folder) over its
// in-memory SimpleVectorStore, with OpenAI models pointed at the local fake OpenAI server: a VectorStoreIndex's query
// engine is one trace, `invoke_workflow {engine}` over the retriever's `retrieval` span and the model calls the
// openai instrumentation makes (the query's embedding inside the retrieval, the chat after it).
import { register } from 'node:module';
import { test, after, afterEach, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { checkSpan } from '../../support/semconv-conformance.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { scratchRequire } from '../../support/scratch-packages.ts';
import { createLlamaIndexInstrumentation } from '../../../src/instrumentations/llamaindex.ts';
import { createOpenAIInstrumentation } from '../../../src/instrumentations/openai.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';
import { resetGenAISettingsForTests } from '../../../src/config/genai-settings.ts';

// @llamaindex/openai imports `openai` with import(): the ES module loader hook sees it, as the preload's does.
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
// As the preload has it: the official openai instrumentation's spans completed by genai-otel's span processor.
const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor({ openai: true, aiSdk: false })] });
const instrumentation = createLlamaIndexInstrumentation();
createOpenAIInstrumentation({ captureContent: 'none' });
const scratch = await scratchRequire('llamaindex', ['llamaindex@^0.12', '@llamaindex/openai@latest']);
const fake = await startFakeProvider();
after(() => fake.close());

/** What the tests use of LlamaIndex (its types are in the scratch folder). */
interface QueryEngine {
  query(params: { query: string }): Promise<{ toString(): string; sourceNodes?: unknown[] }>;
}
interface Retriever {
  retrieve(params: { query: string } | string): Promise<{ node: { text: string }; score?: number }[]>;
}
interface Index {
  asQueryEngine(options?: object): QueryEngine;
  asRetriever(options?: object): Retriever;
}
const llamaindex = scratch('llamaindex') as {
  VectorStoreIndex: { fromDocuments(documents: unknown[]): Promise<Index> };
  Document: new (fields: { text: string; id_?: string }) => unknown;
  Settings: { llm: unknown; embedModel: unknown };
};
const { OpenAI, OpenAIEmbedding } = scratch('@llamaindex/openai') as {
  OpenAI: new (options: object) => unknown;
  OpenAIEmbedding: new (options: object) => unknown;
};
llamaindex.Settings.llm = new OpenAI({ apiKey: 'test-key', baseURL: fake.openaiBaseURL, model: 'gpt-4o-mini' });
llamaindex.Settings.embedModel = new OpenAIEmbedding({
  apiKey: 'test-key',
  baseURL: fake.openaiBaseURL,
  model: 'text-embedding-3-small',
});
const index = await llamaindex.VectorStoreIndex.fromDocuments([
  new llamaindex.Document({ text: 'Order A-1 shipped on Monday.', id_: 'doc-a1' }),
  new llamaindex.Document({ text: 'Order B-2 is waiting for payment.', id_: 'doc-b2' }),
]);

beforeEach(async () => {
  delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
  resetGenAISettingsForTests();
  await sdk.reset();
});

test('a query engine: invoke_workflow over the retrieval span and the chat call, one trace', async () => {
  const response = await index.asQueryEngine({ similarityTopK: 2 }).query({ query: 'Where is order A-1?' });
  assert.equal(typeof response.toString(), 'string', 'the caller gets the response unchanged');
  const workflow = sdk.span('invoke_workflow RetrieverQueryEngine');
  assert.equal(workflow.attributes['gen_ai.operation.name'], 'invoke_workflow');
  assert.equal(workflow.attributes['gen_ai.workflow.name'], 'RetrieverQueryEngine');
  const retrieval = sdk.span('retrieval VectorIndexRetriever');
  assert.equal(retrieval.kind, SpanKind.CLIENT);
  assert.equal(retrieval.parentSpanContext?.spanId, workflow.spanContext().spanId);
  assert.equal(retrieval.attributes['gen_ai.retrieval.top_k'], 2);
  assert.equal(retrieval.attributes['db.response.returned_rows'], 2);
  assert.equal(retrieval.attributes['db.system.name'], undefined, 'a retriever is not a database');
  const embedding = sdk.spans().find((span) => span.attributes['gen_ai.operation.name'] === 'embeddings');
  assert.equal(embedding?.parentSpanContext?.spanId, retrieval.spanContext().spanId, 'the query embedded inside');
  const chat = sdk.spans().find((span) => span.attributes['gen_ai.operation.name'] === 'chat');
  assert.ok(chat !== undefined, 'the synthesizer’s chat call');
  assert.equal(chat.parentSpanContext?.spanId, workflow.spanContext().spanId);
  const traces = new Set(sdk.spans().map((span) => span.spanContext().traceId));
  assert.equal(traces.size, 1);
  const durations = sdk.points((await sdk.collect()).get('db.client.operation.duration'));
  assert.equal(durations.length, 0, 'no database duration for a LlamaIndex retriever');
});

test('a retriever alone, with content capture: the query text and the nodes with their scores', async () => {
  process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'SPAN_ONLY';
  resetGenAISettingsForTests();
  const nodes = await index.asRetriever({ similarityTopK: 1 }).retrieve({ query: 'Where is order A-1?' });
  assert.equal(nodes.length, 1);
  const span = sdk.span('retrieval VectorIndexRetriever');
  assert.equal(span.attributes['gen_ai.retrieval.query.text'], 'Where is order A-1?');
  const documents = JSON.parse(span.attributes['gen_ai.retrieval.documents'] as string) as {
    content: string;
    score?: number;
  }[];
  assert.equal(documents.length, 1);
  assert.equal(documents[0]!.content, nodes[0]!.node.text);
  const score = nodes[0]!.score;
  assert.equal(documents[0]!.score, typeof score === 'number' && Number.isFinite(score) ? score : undefined);
});

test('disabled: calls run untraced (the model calls keep their own spans)', async () => {
  instrumentation.disable();
  try {
    await index.asRetriever().retrieve('Where is order A-1?');
    assert.equal(
      sdk.spans().filter((span) => span.name.startsWith('retrieval') || span.name.startsWith('invoke_workflow')).length,
      0,
    );
  } finally {
    instrumentation.enable();
  }
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
  assert.ok(spansChecked >= 4, `${spansChecked} spans checked`);
  assert.deepEqual(conventionProblems, []);
});
