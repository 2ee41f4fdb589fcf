import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { errorOnce } from '../core/diagnostics.ts';
import type { Attributes } from '@opentelemetry/api';
import { createStoreInstrumentation, type AnyFunction, type MakerTools } from './store-instrumentation.ts';
import type { MemoryOperation } from '../genai/llm-types.ts';
import { ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, DB_SYSTEM_NAME_VALUE_WEAVIATE } from '../attributes/names.ts';
import { isObject } from '../attributes/safe-values.ts';
import {
  countOf,
  idOf,
  serverOf,
  storeAttributes,
  textOf,
  type DescribeStoreCall,
  type StoreCall,
} from './store-call.ts';

/** `weaviate-client` versions traced: the v3 line (collections API; queries over gRPC, object writes over REST). */
export const WEAVIATE_SUPPORTED_VERSIONS = ['>=3.0.0 <4'];
export const WEAVIATE_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-weaviate';

/** Where a client connects: the REST host and port from the arguments of `connectToLocal()` and the others. */
export interface WeaviateServer {
  address?: string;
  restPort?: number;
}

/** The REST server a connector was given: `connectToLocal({ host, port })`, `connectToCustom({ httpHost, … })`, a URL. */
export function serverOfConnect(connector: string, args: unknown[]): WeaviateServer {
  const [first] = args;
  if (connector === 'connectToLocal') {
    const options = isObject(first) ? first : {};
    return {
      address: textOf(options.host) ?? 'localhost',
      restPort: countOf(options.port) ?? 8080,
    };
  }
  if (connector === 'connectToCustom') {
    const options = isObject(first) ? first : {};
    return {
      address: textOf(options.httpHost),
      restPort: countOf(options.httpPort) ?? (options.httpSecure === true ? 443 : 80),
    };
  }
  const url = typeof first === 'string' ? (/^[a-z]+:\/\//i.test(first) ? first : `https://${first}`) : undefined;
  const server = serverOf(url);
  return { address: server[ATTR_SERVER_ADDRESS] as string | undefined, restPort: 443 };
}

/**
 * The collection and server of a call, from what its object was made with (`[server, collection name]`): queries go
 * over gRPC, whose port is not the REST one, so they carry the address only.
 */
function facts(madeWith: unknown[] | undefined, operation: string, grpc: boolean) {
  const [server, name] = madeWith ?? [];
  const collection = textOf(name);
  const { address, restPort } = (isObject(server) ? server : {}) as WeaviateServer;
  const attributes: Attributes = {};
  if (address !== undefined) attributes[ATTR_SERVER_ADDRESS] = address;
  if (!grpc && restPort !== undefined) attributes[ATTR_SERVER_PORT] = restPort;
  return {
    collection,
    attributes: storeAttributes(DB_SYSTEM_NAME_VALUE_WEAVIATE, collection, operation, { server: attributes }),
  };
}

/** A returned object as the conventions' document: id, distance or score, properties (its content), never vectors. */
function objectOf(object: unknown): Record<string, unknown> {
  if (!isObject(object)) return {};
  const out: Record<string, unknown> = { id: object.uuid };
  const metadata = isObject(object.metadata) ? object.metadata : {};
  if (typeof metadata.distance === 'number') out.distance = metadata.distance;
  if (typeof metadata.score === 'number') out.score = metadata.score;
  if (object.properties !== undefined && object.properties !== null) out.content = object.properties;
  return out;
}

const objectsOf = (value: unknown): Record<string, unknown>[] | undefined =>
  isObject(value) && Array.isArray(value.objects) ? value.objects.map(objectOf) : undefined;

/** A similarity query: `nearText(text)`, `nearVector(vector)`, `hybrid(text)`, `bm25(text)`, with `{ limit }`. */
function describeSearch(method: string, textQuery: boolean): DescribeStoreCall {
  return (_thisArg, args, madeWith): StoreCall => {
    const { collection, attributes } = facts(madeWith, method, true);
    const options = isObject(args[1]) ? args[1] : {};
    const query = Array.isArray(args[0]) && args[0].length === 1 ? (args[0][0] as unknown) : args[0];
    return {
      kind: 'retrieval',
      request: {
        dataSourceId: collection as string,
        topK: countOf(options.limit),
        query: textQuery ? textOf(query) : undefined,
      },
      facts: { attributes, resultRecords: objectsOf },
    };
  };
}

/** `fetchObjects()` pages through a collection with no similarity: a memory search, as Qdrant's `scroll()`. */
const describeFetchObjects: DescribeStoreCall = (_thisArg, _args, madeWith): StoreCall => {
  const { collection, attributes } = facts(madeWith, 'fetchObjects', true);
  return {
    kind: 'memory',
    request: { operation: 'search_memory', storeId: collection },
    facts: { attributes, resultRecords: objectsOf },
  };
};

/** An object to insert: `{ id?, properties, vectors? }` or its properties alone. */
function insertedOf(object: unknown): Record<string, unknown> {
  if (!isObject(object)) return {};
  if (isObject(object.properties)) return { id: object.id, content: object.properties };
  return { content: object };
}

function describeWrite(operation: MemoryOperation, method: string, grpc: boolean): DescribeStoreCall {
  return (_thisArg, args, madeWith): StoreCall => {
    const { collection, attributes } = facts(madeWith, method, grpc);
    const first = args[0];
    let recordCount: number | undefined;
    let recordId: string | undefined;
    let sent: (() => unknown[] | undefined) | undefined;
    if (method === 'insert') {
      recordCount = 1;
      recordId = isObject(first) && isObject(first.properties) ? idOf(first.id) : undefined;
      sent = () => [insertedOf(first)];
    } else if (method === 'insertMany') {
      recordCount = Array.isArray(first) ? first.length : undefined;
      sent = () => (Array.isArray(first) ? first.map(insertedOf) : undefined);
    } else if (method === 'deleteById') {
      recordCount = 1;
      recordId = idOf(first);
    }
    return {
      kind: 'memory',
      request: { operation, storeId: collection, recordCount, recordId },
      facts: { attributes, sentRecords: sent },
    };
  };
}

const QUERY_METHODS: Record<string, DescribeStoreCall> = {
  nearText: describeSearch('nearText', true),
  nearVector: describeSearch('nearVector', false),
  hybrid: describeSearch('hybrid', true),
  bm25: describeSearch('bm25', true),
  fetchObjects: describeFetchObjects,
};
const DATA_METHODS: Record<string, DescribeStoreCall> = {
  insert: describeWrite('create_memory', 'insert', false),
  insertMany: describeWrite('create_memory', 'insertMany', true),
  deleteById: describeWrite('delete_memory', 'deleteById', false),
  deleteMany: describeWrite('delete_memory', 'deleteMany', true),
};
/** The functions of the default export that connect and resolve to a client. */
const CONNECTORS = ['connectToLocal', 'connectToCustom', 'connectToWeaviateCloud', 'connectToWCD', 'connectToWCS'];

/** A client's `collections.use()` / `get()` hand each collection's `query` and `data` to `tools.trace`. */
function traceClient(client: unknown, server: WeaviateServer, tools: MakerTools): void {
  const collections = isObject(client) ? client.collections : undefined;
  if (!isObject(collections)) return;
  for (const method of ['use', 'get']) {
    const original = collections[method];
    if (typeof original !== 'function') continue;
    collections[method] = function collectionTraced(this: unknown, ...args: unknown[]): unknown {
      const collection: unknown = (original as AnyFunction).apply(this, args);
      try {
        if (isObject(collection)) {
          const madeWith = [server, collection.name];
          tools.trace(collection.query, madeWith, QUERY_METHODS);
          tools.trace(collection.data, madeWith, DATA_METHODS);
        }
      } catch (error) {
        errorOnce('weaviate:collection', 'could not trace a Weaviate collection', error);
      }
      return collection;
    };
  }
}

/** Wraps the connectors of the default export (`weaviate.connectToLocal()`, …): the client each resolves to is traced. */
function patchConnectors(moduleExports: unknown, tools: MakerTools): void {
  const app = isObject(moduleExports) ? moduleExports.default : undefined;
  if (!isObject(app)) return;
  for (const connector of CONNECTORS)
    tools.wrap(
      app,
      connector,
      (connect) =>
        function connectTraced(this: unknown, ...args: unknown[]): unknown {
          const connecting = connect.apply(this, args);
          if (connecting instanceof Promise) {
            const server = serverOfConnect(connector, args);
            // A reaction of its own, registered first: the caller's promise is returned as it is.
            connecting.then(
              (client: unknown) => {
                try {
                  traceClient(client, server, tools);
                } catch (error) {
                  errorOnce('weaviate:client', 'could not trace a Weaviate client', error);
                }
              },
              () => undefined,
            );
          }
          return connecting;
        },
    );
}

/**
 * The instrumentation of `weaviate-client` v3: a collection's `query.nearText()`, `nearVector()`, `hybrid()` and
 * `bm25()` are retrieval spans, `query.fetchObjects()` a memory search; `data.insert()` / `insertMany()` are
 * `create_memory`, `data.deleteById()` / `deleteMany()` `delete_memory`. The client makes its collections at run time:
 * those of the clients made by the default export's connectors (`weaviate.connectToLocal()`, …) are traced.
 */
export function createWeaviateInstrumentation(): InstrumentationModule.Instrumentation {
  return createStoreInstrumentation({
    instrumentationName: WEAVIATE_INSTRUMENTATION_NAME,
    packageName: 'weaviate-client',
    supportedVersions: WEAVIATE_SUPPORTED_VERSIONS,
    store: 'weaviate',
    missingShape: 'does not make its clients as genai-otel expects; its calls are not traced',
    methods: {},
    patchMakers: patchConnectors,
  });
}
