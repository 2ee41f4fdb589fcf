import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { createStoreInstrumentation } from './store-instrumentation.ts';
import { DB_SYSTEM_NAME_VALUE_PINECONE } from '../attributes/names.ts';
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

/** `@pinecone-database/pinecone` versions traced: 9.x, whose data-plane methods take one options object. */
export const PINECONE_SUPPORTED_VERSIONS = ['>=9.0.0 <10'];
export const PINECONE_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-pinecone';

interface IndexTarget {
  indexName?: unknown;
  namespace?: unknown;
  indexHostUrl?: unknown;
}

/** The index, namespace and host a call goes to: the call's own namespace wins over the index's. */
function targetOf(thisArg: unknown, options: Record<string, unknown>) {
  const target = (isObject(thisArg) ? (thisArg as { target?: IndexTarget }).target : undefined) ?? {};
  const index = textOf(target.indexName);
  const namespace = textOf(options.namespace) ?? textOf(target.namespace);
  return { index, namespace, server: serverOf(target.indexHostUrl) };
}

function facts(thisArg: unknown, options: Record<string, unknown>, operation: string) {
  const { index, namespace, server } = targetOf(thisArg, options);
  return { index, attributes: storeAttributes(DB_SYSTEM_NAME_VALUE_PINECONE, index, operation, { namespace, server }) };
}

/** A Pinecone vector or match as the conventions' record: id, score and metadata, never the vector values. */
function recordOf(record: unknown): Record<string, unknown> {
  if (!isObject(record)) return {};
  const out: Record<string, unknown> = {};
  const id = record.id ?? record._id;
  if (id !== undefined) out.id = id;
  const score = record.score ?? record._score;
  if (typeof score === 'number') out.score = score;
  if (record.metadata !== undefined) out.metadata = record.metadata;
  if (record.fields !== undefined) out.content = record.fields;
  return out;
}

/** A record of `upsertRecords()` (integrated embedding): its id, and every other field as its content. */
function integratedRecordOf(record: unknown): Record<string, unknown> {
  if (!isObject(record)) return {};
  const { _id, id, ...content } = record;
  return { id: _id ?? id, content };
}

const describeQuery: DescribeStoreCall = (thisArg, args): StoreCall => {
  const options = optionsOf(args);
  const { index, attributes } = facts(thisArg, options, 'query');
  return {
    kind: 'retrieval',
    request: { dataSourceId: index as string, topK: countOf(options.topK) },
    facts: {
      attributes,
      resultRecords: (value) =>
        isObject(value) && Array.isArray(value.matches) ? value.matches.map(recordOf) : undefined,
    },
  };
};

const describeSearchRecords: DescribeStoreCall = (thisArg, args): StoreCall => {
  const options = optionsOf(args);
  const query = isObject(options.query) ? options.query : {};
  const { index, attributes } = facts(thisArg, options, 'search_records');
  return {
    kind: 'retrieval',
    request: {
      dataSourceId: index as string,
      topK: countOf(query.topK),
      query: isObject(query.inputs) ? textOf(query.inputs.text) : undefined,
    },
    facts: {
      attributes,
      resultRecords: (value) => {
        const result = isObject(value) && isObject(value.result) ? value.result : undefined;
        return result !== undefined && Array.isArray(result.hits) ? result.hits.map(recordOf) : undefined;
      },
    },
  };
};

function describeUpsert(operation: string, toRecord: (record: unknown) => Record<string, unknown>): DescribeStoreCall {
  return (thisArg, args): StoreCall => {
    const options = optionsOf(args);
    const records = Array.isArray(options.records) ? (options.records as unknown[]) : undefined;
    const { index, attributes } = facts(thisArg, options, operation);
    const only = records?.length === 1 && isObject(records[0]) ? records[0] : undefined;
    return {
      kind: 'memory',
      request: {
        operation: 'upsert_memory',
        storeId: index,
        recordCount: records?.length,
        recordId: textOf(only?.id) ?? textOf(only?._id),
      },
      facts: { attributes, sentRecords: () => records?.map(toRecord) },
    };
  };
}

function describeDelete(operation: 'delete_one' | 'delete_many' | 'delete_all'): DescribeStoreCall {
  return (thisArg, args): StoreCall => {
    const options = optionsOf(args);
    const { index, attributes } = facts(thisArg, options, operation);
    const ids = Array.isArray(options.ids) ? options.ids : undefined;
    return {
      kind: 'memory',
      request: {
        operation: 'delete_memory',
        storeId: index,
        recordId: operation === 'delete_one' ? textOf(options.id) : ids?.length === 1 ? textOf(ids[0]) : undefined,
        recordCount: operation === 'delete_one' ? 1 : ids?.length,
      },
      facts: { attributes },
    };
  };
}

/** The traced methods of `Index`, each with how its calls are read. */
const METHODS: Record<string, DescribeStoreCall> = {
  query: describeQuery,
  searchRecords: describeSearchRecords,
  upsert: describeUpsert('upsert', recordOf),
  upsertRecords: describeUpsert('upsert_records', integratedRecordOf),
  deleteOne: describeDelete('delete_one'),
  deleteMany: describeDelete('delete_many'),
  deleteAll: describeDelete('delete_all'),
};

function indexPrototypes(moduleExports: unknown): Record<string, unknown>[] {
  const exported = moduleExports as { Index?: { prototype?: Record<string, unknown> } } | undefined;
  const prototype = exported?.Index?.prototype;
  return isObject(prototype) ? [prototype] : [];
}

/**
 * The instrumentation of `@pinecone-database/pinecone`: queries and `searchRecords` are retrieval spans, upserts and
 * deletes memory operations, on `Index.prototype` (so every index handle, namespaces included). Loaded only when
 * enabled and installed.
 */
export function createPineconeInstrumentation(): InstrumentationModule.Instrumentation {
  return createStoreInstrumentation({
    instrumentationName: PINECONE_INSTRUMENTATION_NAME,
    packageName: '@pinecone-database/pinecone',
    supportedVersions: PINECONE_SUPPORTED_VERSIONS,
    store: 'pinecone',
    prototypesOf: indexPrototypes,
    missingShape: 'has no Index',
    methods: METHODS,
  });
}
