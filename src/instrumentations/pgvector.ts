import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import type { Attributes } from '@opentelemetry/api';
import { ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, DB_SYSTEM_NAME_VALUE_POSTGRESQL } from '../attributes/names.ts';
import { isObject } from '../attributes/safe-values.ts';
import { errorOnce } from '../core/diagnostics.ts';
import { instrumentationBase } from '../core/loaders.ts';
import { VERSION } from '../version.ts';
import { countOf, storeAttributes, textOf, tracedStoreMethod, type DescribeStoreCall } from './store-call.ts';

/** `pg` versions traced: the 8.x line (the only one in use; its `Client.prototype.query` kept its shape). */
export const PG_SUPPORTED_VERSIONS = ['>=8.0.0 <9'];
export const PGVECTOR_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-pgvector';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/** pgvector's distance operators: L2, cosine, negative inner product, L1. */
const VECTOR_OPERATORS = ['<->', '<=>', '<#>', '<+>'];
const FIRST_KEYWORD = /^\s*([A-Za-z]+)/;
// Each pattern is anchored on a keyword and has no nested quantifier: one pass over the text, whatever it holds.
const FROM_TABLE = /\bfrom\s+((?:"[^"]{1,128}"|[A-Za-z_][\w$]{0,127})(?:\.(?:"[^"]{1,128}"|[A-Za-z_][\w$]{0,127}))?)/i;
const LIMIT = /\blimit\s+(?:(\d{1,9})|\$(\d{1,5}))/gi;

/** Whether a SQL text uses one of pgvector's distance operators. */
export function usesVectorOperator(text: string): boolean {
  for (const operator of VECTOR_OPERATORS) if (text.includes(operator)) return true;
  return false;
}

/** The last LIMIT of a statement (the outer query's, usually), a number or a parameter read from `values`. */
function limitOf(text: string, values: unknown): number | undefined {
  let found: number | undefined;
  for (const match of text.matchAll(LIMIT)) {
    if (match[1] !== undefined) found = Number(match[1]);
    else if (Array.isArray(values)) {
      const value: unknown = values[Number(match[2]) - 1];
      found = countOf(typeof value === 'string' ? Number(value) : value);
    }
  }
  return found;
}

/** The statement's facts: operation (`SELECT`), table, top-k; undefined when it is not a vector search. */
export function vectorSearchOf(
  text: string,
  values: unknown,
): { operation: string; table: string | undefined; topK: number | undefined } | undefined {
  if (!usesVectorOperator(text)) return undefined;
  const operation = FIRST_KEYWORD.exec(text.slice(0, 64))?.[1]?.toUpperCase();
  if (operation !== 'SELECT' && operation !== 'WITH') return undefined;
  const table = FROM_TABLE.exec(text)?.[1]?.replaceAll('"', '');
  return { operation: 'SELECT', table, topK: limitOf(text, values) };
}

/** A row as a document: every column but vectors (pgvector's text form `[1,2,3]`, or arrays of numbers). */
function documentOf(row: unknown): unknown {
  if (!isObject(row)) return row;
  const document: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (typeof value === 'string' && value.length > 2 && value.startsWith('[') && value.endsWith(']')) continue;
    if (Array.isArray(value) && value.length > 0 && typeof value[0] === 'number') continue;
    document[column] = value;
  }
  return document;
}

function serverOfClient(client: Record<string, unknown>): Attributes {
  const attributes: Attributes = {};
  // A Unix socket folder is no address the conventions want here.
  if (typeof client.host === 'string' && !client.host.startsWith('/')) attributes[ATTR_SERVER_ADDRESS] = client.host;
  if (typeof client.port === 'number') attributes[ATTR_SERVER_PORT] = client.port;
  return attributes;
}

const describeQuery: DescribeStoreCall = (thisArg, args) => {
  const first = args[0];
  // A Submittable (pg-cursor, pg-query-stream) is followed by its own events, not by a promise: left alone.
  if (isObject(first) && typeof first.submit === 'function') return undefined;
  const text = typeof first === 'string' ? first : isObject(first) ? first.text : undefined;
  if (typeof text !== 'string') return undefined;
  if (isObject(first) && typeof first.callback === 'function') return undefined;
  const values = Array.isArray(args[1]) ? args[1] : isObject(first) ? first.values : undefined;
  const search = vectorSearchOf(text, values);
  if (search === undefined) return undefined;
  const client = isObject(thisArg) ? thisArg : {};
  const attributes = storeAttributes(DB_SYSTEM_NAME_VALUE_POSTGRESQL, search.table, search.operation, {
    namespace: textOf(client.database),
    server: serverOfClient(client),
  });
  return {
    kind: 'retrieval',
    request: { dataSourceId: search.table as string, topK: search.topK },
    facts: {
      attributes,
      resultRecords: (value) => (isObject(value) && Array.isArray(value.rows) ? value.rows.map(documentOf) : undefined),
    },
  };
};

function clientPrototype(moduleExports: unknown): Record<string, unknown> | undefined {
  const exported = moduleExports as {
    Client?: { prototype?: unknown };
    default?: { Client?: { prototype?: unknown } };
  };
  const prototype = exported?.Client?.prototype ?? exported?.default?.Client?.prototype;
  return isObject(prototype) ? prototype : undefined;
}

/**
 * The pgvector instrumentation: `pg` queries that use a vector distance operator (`<->`, `<=>`, `<#>`, `<+>`) in a
 * SELECT are retrieval spans (the table as data source, LIMIT as top-k, rows returned); every other query is left
 * alone, with no span. Hooks `Client.prototype.query`, which `Pool.query()` also goes through.
 */
export function createPgvectorInstrumentation(): InstrumentationModule.Instrumentation {
  const { InstrumentationBase, InstrumentationNodeModuleDefinition, isWrapped } = instrumentationBase();

  class PgvectorInstrumentation extends InstrumentationBase {
    constructor() {
      super(PGVECTOR_INSTRUMENTATION_NAME, VERSION, {});
    }

    protected init() {
      return [
        new InstrumentationNodeModuleDefinition(
          'pg',
          PG_SUPPORTED_VERSIONS,
          (moduleExports) => {
            const prototype = clientPrototype(moduleExports);
            if (prototype === undefined || typeof prototype.query !== 'function') {
              errorOnce(
                'pgvector:shape',
                'this version of pg has no Client.prototype.query; vector searches are not traced',
              );
              return moduleExports;
            }
            if (isWrapped(prototype.query)) return moduleExports;
            const enabled = () => this.isEnabled();
            this._wrap(prototype, 'query', (original) =>
              tracedStoreMethod('pg', 'query', original as AnyFunction, describeQuery, enabled, { callbackLast: true }),
            );
            return moduleExports;
          },
          (moduleExports) => {
            const prototype = clientPrototype(moduleExports);
            if (prototype !== undefined) this._unwrap(prototype, 'query');
          },
        ),
      ];
    }
  }
  return new PgvectorInstrumentation();
}
