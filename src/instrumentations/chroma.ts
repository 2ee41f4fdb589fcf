import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { createStoreInstrumentation } from './store-instrumentation.ts';
import type { MemoryOperation } from '../genai/llm-types.ts';
import { DB_SYSTEM_NAME_VALUE_CHROMA } from '../attributes/names.ts';
import { isObject } from '../attributes/safe-values.ts';
import {
  countOf,
  optionsOf,
  serverOf,
  storeAttributes,
  textOf,
  type DescribeStoreCall,
  type StoreCall,
} from './store-call.ts';

/** `chromadb` versions traced: 3.x, whose collections are `CollectionImpl` objects (and `CollectionHandle`, a subclass). */
export const CHROMA_SUPPORTED_VERSIONS = ['>=3.0.0 <4'];
export const CHROMA_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-chroma';

/** Chroma's default number of results per query without `nResults`. */
const DEFAULT_RESULTS = 10;

interface CollectionLike {
  name?: unknown;
  tenant?: unknown;
  database?: unknown;
  apiClient?: { getConfig?: () => { baseUrl?: unknown } };
}

function facts(thisArg: unknown, operation: string) {
  const collection = isObject(thisArg) ? (thisArg as CollectionLike) : {};
  const name = textOf(collection.name);
  const baseUrl = typeof collection.apiClient?.getConfig === 'function' ? collection.apiClient.getConfig().baseUrl : '';
  const database = textOf(collection.database);
  return {
    name,
    attributes: storeAttributes(DB_SYSTEM_NAME_VALUE_CHROMA, name, operation, {
      namespace: database,
      server: serverOf(baseUrl),
    }),
  };
}

const at = (list: unknown, index: number): unknown => (Array.isArray(list) ? (list[index] as unknown) : undefined);

/** Records as column lists (`{ ids, documents, metadatas }`, Chroma's shape) turned into one object per record. */
function recordsOf(
  columns: Record<string, unknown>,
  distances?: unknown,
  scores?: unknown,
): Record<string, unknown>[] | undefined {
  if (!Array.isArray(columns.ids)) return undefined;
  return columns.ids.map((id: unknown, index) => {
    const record: Record<string, unknown> = { id };
    const distance = at(distances, index);
    if (typeof distance === 'number') record.distance = distance;
    const score = at(scores, index);
    if (typeof score === 'number') record.score = score;
    const document = at(columns.documents, index);
    if (document !== undefined && document !== null) record.content = document;
    const metadata = at(columns.metadatas, index);
    if (metadata !== undefined && metadata !== null) record.metadata = metadata;
    return record;
  });
}

const describeQuery: DescribeStoreCall = (thisArg, args): StoreCall => {
  const options = optionsOf(args);
  const { name, attributes } = facts(thisArg, 'query');
  const texts = Array.isArray(options.queryTexts) ? options.queryTexts : undefined;
  return {
    kind: 'retrieval',
    request: {
      dataSourceId: name as string,
      topK: countOf(options.nResults) ?? DEFAULT_RESULTS,
      query: texts?.length === 1 ? textOf(texts[0]) : undefined,
    },
    facts: {
      attributes,
      // One list per query: every query's results, flattened.
      resultRecords: (value) => {
        if (!isObject(value) || !Array.isArray(value.ids)) return undefined;
        return value.ids.flatMap(
          (ids: unknown, query) =>
            recordsOf(
              { ids, documents: at(value.documents, query), metadatas: at(value.metadatas, query) },
              at(value.distances, query),
            ) ?? [],
        );
      },
    },
  };
};

/** A `Search` (its builder's payload) or a plain `SearchInit`, as JSON: `{ limit, rank }`. May throw. */
function searchPayloadOf(search: unknown): Record<string, unknown> {
  if (!isObject(search)) return {};
  const payload: unknown = typeof search.toPayload === 'function' ? (search.toPayload as () => unknown)() : search;
  return isObject(payload) ? payload : {};
}

/** The number a search's `limit` asks for (`5`, `{ limit: 5 }`, a `Limit` object), if any. */
function searchLimitOf(limit: unknown): number | undefined {
  if (isObject(limit)) return countOf(limit.limit);
  return countOf(limit);
}

/** The text of a `Knn({ query: 'text' })` rank (a `RankExpression` or its JSON `{ $knn: { query } }`). */
function knnTextOf(rank: unknown): string | undefined {
  if (!isObject(rank)) return undefined;
  const json: unknown = typeof rank.toJSON === 'function' ? (rank.toJSON as () => unknown)() : rank;
  return isObject(json) && isObject(json.$knn) ? textOf(json.$knn.query) : undefined;
}

/**
 * `search()` (chromadb 3.1+), one or several searches: a retrieval whose top-k is the limit and whose query is the
 * Knn text of a single search; its result is column lists per search, with scores.
 */
const describeSearch: DescribeStoreCall = (thisArg, args): StoreCall => {
  const { name, attributes } = facts(thisArg, 'search');
  const searches = Array.isArray(args[0]) ? (args[0] as unknown[]) : [args[0]];
  const only = searches.length === 1 ? searchPayloadOf(searches[0]) : undefined;
  return {
    kind: 'retrieval',
    request: {
      dataSourceId: name as string,
      topK: only === undefined ? undefined : searchLimitOf(only.limit),
      query: only === undefined ? undefined : knnTextOf(only.rank),
    },
    facts: {
      attributes,
      resultRecords: (value) => {
        if (!isObject(value) || !Array.isArray(value.ids)) return undefined;
        return value.ids.flatMap(
          (ids: unknown, search) =>
            recordsOf(
              { ids, documents: at(value.documents, search), metadatas: at(value.metadatas, search) },
              undefined,
              at(value.scores, search),
            ) ?? [],
        );
      },
    },
  };
};

const describeGet: DescribeStoreCall = (thisArg, args): StoreCall => {
  const { name, attributes } = facts(thisArg, 'get');
  const ids = Array.isArray(optionsOf(args).ids) ? (optionsOf(args).ids as unknown[]) : undefined;
  return {
    kind: 'memory',
    request: { operation: 'search_memory', storeId: name, recordId: ids?.length === 1 ? textOf(ids[0]) : undefined },
    facts: { attributes, resultRecords: (value) => (isObject(value) ? recordsOf(value) : undefined) },
  };
};

function describeWrite(operation: MemoryOperation, method: string): DescribeStoreCall {
  return (thisArg, args): StoreCall => {
    const options = optionsOf(args);
    const { name, attributes } = facts(thisArg, method);
    const ids = Array.isArray(options.ids)
      ? (options.ids as unknown[])
      : typeof options.ids === 'string'
        ? [options.ids]
        : undefined;
    return {
      kind: 'memory',
      request: {
        operation,
        storeId: name,
        recordCount: ids?.length,
        recordId: ids?.length === 1 ? textOf(ids[0]) : undefined,
      },
      facts: { attributes, sentRecords: operation === 'delete_memory' ? undefined : () => recordsOf(options) },
    };
  };
}

/** The traced collection methods, each with how its calls are read. */
const METHODS: Record<string, DescribeStoreCall> = {
  query: describeQuery,
  search: describeSearch,
  get: describeGet,
  add: describeWrite('create_memory', 'add'),
  upsert: describeWrite('upsert_memory', 'upsert'),
  update: describeWrite('update_memory', 'update'),
  delete: describeWrite('delete_memory', 'delete'),
};

/** `CollectionHandle.prototype` and the `CollectionImpl.prototype` it extends (that class is not exported). */
function collectionPrototypes(moduleExports: unknown): Record<string, unknown>[] {
  const handle = (moduleExports as { CollectionHandle?: { prototype?: unknown } } | undefined)?.CollectionHandle
    ?.prototype;
  if (!isObject(handle)) return [];
  const base: unknown = Object.getPrototypeOf(handle);
  return isObject(base) && base !== Object.prototype ? [handle, base] : [handle];
}

/**
 * The instrumentation of `chromadb`: a collection's `query()` and `search()` are retrieval spans; `add()`, `upsert()`, `update()`,
 * `delete()` and `get()` are memory operations (create, upsert, update, delete, search). A method calling another
 * (`peek()` calls `get()`, a handle's `add()` its base class's) makes one span.
 */
export function createChromaInstrumentation(): InstrumentationModule.Instrumentation {
  return createStoreInstrumentation({
    instrumentationName: CHROMA_INSTRUMENTATION_NAME,
    packageName: 'chromadb',
    supportedVersions: CHROMA_SUPPORTED_VERSIONS,
    store: 'chroma',
    prototypesOf: collectionPrototypes,
    missingShape: 'has no CollectionHandle',
    methods: METHODS,
    ownMethodsOnly: true,
  });
}
