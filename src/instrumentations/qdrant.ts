import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { createStoreInstrumentation } from './store-instrumentation.ts';
import type { Attributes } from '@opentelemetry/api';
import { ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, DB_SYSTEM_NAME_VALUE_QDRANT } from '../attributes/names.ts';
import { isObject } from '../attributes/safe-values.ts';
import { countOf, idOf, storeAttributes, textOf, type DescribeStoreCall, type StoreCall } from './store-call.ts';

/** `@qdrant/js-client-rest` versions traced: the 1.x line (the Query API arrived in 1.10; `search()` before it). */
export const QDRANT_SUPPORTED_VERSIONS = ['>=1.9.0 <2'];
export const QDRANT_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-qdrant';

/** Qdrant's default number of points for a query without `limit`. */
const DEFAULT_LIMIT = 10;

function serverOfClient(thisArg: unknown): Attributes {
  if (!isObject(thisArg)) return {};
  const { _host: host, _port: port } = thisArg as { _host?: unknown; _port?: unknown };
  const attributes: Attributes = {};
  if (typeof host === 'string') attributes[ATTR_SERVER_ADDRESS] = host;
  if (typeof port === 'number') attributes[ATTR_SERVER_PORT] = port;
  return attributes;
}

function facts(thisArg: unknown, args: unknown[], operation: string) {
  const collection = textOf(args[0]);
  const options = isObject(args[1]) ? args[1] : {};
  return {
    collection,
    options,
    attributes: storeAttributes(DB_SYSTEM_NAME_VALUE_QDRANT, collection, operation, {
      server: serverOfClient(thisArg),
    }),
  };
}

/** A scored point as the conventions' document: id, score and payload (its content), never its vector. */
function pointOf(point: unknown): Record<string, unknown> {
  if (!isObject(point)) return {};
  const out: Record<string, unknown> = { id: point.id };
  if (typeof point.score === 'number') out.score = point.score;
  if (point.payload !== undefined && point.payload !== null) out.content = point.payload;
  return out;
}

/** The text of a query that asks the server to embed it (`{ text, model }`, or inside `nearest`). */
function queryTextOf(query: unknown): string | undefined {
  if (!isObject(query)) return undefined;
  if (typeof query.text === 'string') return textOf(query.text);
  return isObject(query.nearest) ? textOf(query.nearest.text) : undefined;
}

const describeQuery: DescribeStoreCall = (thisArg, args): StoreCall => {
  const { collection, options, attributes } = facts(thisArg, args, 'query');
  return {
    kind: 'retrieval',
    request: {
      dataSourceId: collection as string,
      topK: countOf(options.limit) ?? DEFAULT_LIMIT,
      query: queryTextOf(options.query),
    },
    facts: {
      attributes,
      resultRecords: (value) =>
        isObject(value) && Array.isArray(value.points) ? value.points.map(pointOf) : undefined,
    },
  };
};

const describeQueryBatch: DescribeStoreCall = (thisArg, args): StoreCall => {
  const { collection, attributes } = facts(thisArg, args, 'query_batch');
  return {
    kind: 'retrieval',
    request: { dataSourceId: collection as string },
    facts: {
      attributes,
      resultRecords: (value) =>
        Array.isArray(value)
          ? value.flatMap((result: unknown) =>
              isObject(result) && Array.isArray(result.points) ? result.points.map(pointOf) : [],
            )
          : undefined,
    },
  };
};

/**
 * `scroll()` pages through a collection by filter, with no similarity: a memory search (as Chroma's `get()`), the
 * points of the page as its records.
 */
const describeScroll: DescribeStoreCall = (thisArg, args): StoreCall => {
  const { collection, attributes } = facts(thisArg, args, 'scroll');
  return {
    kind: 'memory',
    request: { operation: 'search_memory', storeId: collection },
    facts: {
      attributes,
      resultRecords: (value) =>
        isObject(value) && Array.isArray(value.points) ? value.points.map(pointOf) : undefined,
    },
  };
};

const describeUpsert: DescribeStoreCall = (thisArg, args): StoreCall => {
  const { collection, options, attributes } = facts(thisArg, args, 'upsert');
  const points = Array.isArray(options.points) ? (options.points as unknown[]) : undefined;
  const batchIds = isObject(options.batch) && Array.isArray(options.batch.ids) ? options.batch.ids : undefined;
  const only = points?.length === 1 && isObject(points[0]) ? points[0] : undefined;
  return {
    kind: 'memory',
    request: {
      operation: 'upsert_memory',
      storeId: collection,
      recordCount: points?.length ?? batchIds?.length,
      recordId: idOf(only?.id),
    },
    facts: { attributes, sentRecords: () => points?.map(pointOf) },
  };
};

const describeDelete: DescribeStoreCall = (thisArg, args): StoreCall => {
  const { collection, options, attributes } = facts(thisArg, args, 'delete');
  const ids = Array.isArray(options.points) ? options.points : undefined;
  return {
    kind: 'memory',
    request: {
      operation: 'delete_memory',
      storeId: collection,
      recordCount: ids?.length,
      recordId: ids?.length === 1 ? idOf(ids[0]) : undefined,
    },
    facts: { attributes },
  };
};

/** The traced methods of `QdrantClient`, each with how its calls are read. */
const METHODS: Record<string, DescribeStoreCall> = {
  query: describeQuery,
  queryBatch: describeQueryBatch,
  scroll: describeScroll,
  upsert: describeUpsert,
  delete: describeDelete,
};

function clientPrototypes(moduleExports: unknown): Record<string, unknown>[] {
  const exported = moduleExports as { QdrantClient?: { prototype?: Record<string, unknown> } } | undefined;
  const prototype = exported?.QdrantClient?.prototype;
  return isObject(prototype) ? [prototype] : [];
}

/**
 * The instrumentation of `@qdrant/js-client-rest`: `query()` and `queryBatch()` are retrieval spans, `scroll()`
 * (`search_memory`), `upsert()` and `delete()` memory operations, on `QdrantClient.prototype` (its CommonJS and ES module builds each).
 */
export function createQdrantInstrumentation(): InstrumentationModule.Instrumentation {
  return createStoreInstrumentation({
    instrumentationName: QDRANT_INSTRUMENTATION_NAME,
    packageName: '@qdrant/js-client-rest',
    supportedVersions: QDRANT_SUPPORTED_VERSIONS,
    store: 'qdrant',
    prototypesOf: clientPrototypes,
    missingShape: 'has no QdrantClient',
    methods: METHODS,
  });
}
