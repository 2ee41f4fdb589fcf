import { context, createContextKey, type Attributes } from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '../attributes/names.ts';
import { MAX_PLAIN_STRING_LENGTH, isObject, truncate } from '../attributes/safe-values.ts';
import { errorOnce } from '../core/diagnostics.ts';
import type { MemoryOperationRequest, RetrievalRequest } from '../genai/llm-types.ts';
import { runStoreMemoryOperation, runStoreRetrieval, type StoreCallFacts } from '../genai/operations.ts';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/** How one vector-store call is traced: as a retrieval or as a memory operation, with the store's facts. */
export type StoreCall =
  | { kind: 'retrieval'; request: RetrievalRequest; facts: StoreCallFacts }
  | { kind: 'memory'; request: MemoryOperationRequest; facts: StoreCallFacts };

/**
 * Reads one call's `this` and arguments into a StoreCall; undefined leaves the call untraced. May throw. `madeWith`:
 * the arguments of the function that made `this`, for objects a package's factory makes (store-instrumentation.ts).
 */
export type DescribeStoreCall = (thisArg: unknown, args: unknown[], madeWith?: unknown[]) => StoreCall | undefined;

/** Set while a traced store call runs: a client method calling another (Chroma's `peek()` calls `get()`) adds no span. */
const IN_STORE_CALL = createContextKey('genai-otel.vector-store.in-call');

/** Where a store is reached, from its URL (`server.address`, `server.port`); nothing when it is not a URL. */
export function serverOf(url: unknown): Attributes {
  if (typeof url !== 'string' || url === '') return {};
  try {
    const parsed = new URL(url);
    const port =
      parsed.port !== ''
        ? Number(parsed.port)
        : parsed.protocol === 'https:'
          ? 443
          : parsed.protocol === 'http:'
            ? 80
            : 0;
    const attributes: Attributes = { [ATTR_SERVER_ADDRESS]: parsed.hostname };
    if (port > 0) attributes[ATTR_SERVER_PORT] = port;
    return attributes;
  } catch {
    return {};
  }
}

/** A string the conventions want on a span, bounded; undefined for anything else. */
export function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? truncate(value, MAX_PLAIN_STRING_LENGTH) : undefined;
}

/** A record id as the conventions' string: ids are strings or numbers (Qdrant); anything else is no id. */
export function idOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return textOf(value);
}

/** A non-negative integer (top-k, counts) or undefined. */
export function countOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/**
 * The `db.*` attributes of one call: system, collection (index, table), operation as the client names it, and
 * `db.query.summary` = "{operation} {collection}" as the database conventions build it.
 */
export function storeAttributes(
  system: string,
  collection: string | undefined,
  operation: string,
  more: { namespace?: string; server?: Attributes } = {},
): Attributes {
  const attributes: Attributes = {
    [ATTR_DB_SYSTEM_NAME]: system,
    [ATTR_DB_OPERATION_NAME]: operation,
    [ATTR_DB_QUERY_SUMMARY]: collection === undefined ? operation : `${operation} ${collection}`,
    ...more.server,
  };
  if (collection !== undefined) attributes[ATTR_DB_COLLECTION_NAME] = collection;
  if (more.namespace !== undefined) attributes[ATTR_DB_NAMESPACE] = more.namespace;
  return attributes;
}

/** The first argument as an object (a store method's options), or an empty one. May throw on a hostile value. */
export function optionsOf(args: unknown[]): Record<string, unknown> {
  const first = args[0];
  return isObject(first) ? first : {};
}

/**
 * Wraps one client method: each call becomes the span `describe` asks for. When describing fails (a shape we do not
 * know, a hostile argument) the call runs untraced after one diagnostic; the method's value or error always reaches
 * the caller unchanged.
 *
 * @example
 * this._wrap(Index.prototype, 'query', (original) => tracedStoreMethod('pinecone', 'query', original, describeQuery, enabled));
 */
export function tracedStoreMethod(
  store: string,
  method: string,
  original: AnyFunction,
  describe: DescribeStoreCall,
  isEnabled: () => boolean = () => true,
  options: { callbackLast?: boolean } = {},
): AnyFunction {
  return function tracedStoreCall(this: unknown, ...args: unknown[]): unknown {
    if (!isEnabled() || context.active().getValue(IN_STORE_CALL) === true) return original.apply(this, args);
    let call: StoreCall | undefined;
    try {
      call = describe(this, args);
    } catch (error) {
      errorOnce(
        `${store}:${method}:describe`,
        `could not read a ${store} ${method}() call; the call runs untraced`,
        error,
      );
      call = undefined;
    }
    if (call === undefined) return original.apply(this, args);
    // The client's method gets the caller's `this` as it was, undefined included (a context manager may call the
    // function it runs with a `this` of its own).
    const self = this;
    const inner = (...innerArgs: unknown[]): unknown =>
      context.with(context.active().setValue(IN_STORE_CALL, true), () => original.apply(self, innerArgs));
    const last = args[args.length - 1];
    if (options.callbackLast === true && typeof last === 'function')
      return runWithCallback(call, inner, this, args, last as AnyFunction);
    return runStoreCall(call, inner, this, args);
  };
}

function runStoreCall(call: StoreCall, fn: AnyFunction, thisArg: unknown, args: unknown[]): unknown {
  return call.kind === 'retrieval'
    ? runStoreRetrieval(call.request, call.facts, fn, thisArg, args)
    : runStoreMemoryOperation(call.request, call.facts, fn, thisArg, args);
}

/**
 * A call in callback style (`client.query(text, values, callback)`, which pg's Pool makes too): the span follows a
 * promise settled by the callback, the callback is called as the client calls it, and the method's own return value
 * (or synchronous throw) reaches the caller.
 */
function runWithCallback(
  call: StoreCall,
  fn: AnyFunction,
  thisArg: unknown,
  args: unknown[],
  callback: AnyFunction,
): unknown {
  let returned: unknown;
  let threw = false;
  let thrown: unknown;
  const settled = runStoreCall(
    call,
    (...innerArgs: unknown[]): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const done = function (this: unknown, error: unknown, ...results: unknown[]): unknown {
          // The client's own error, whatever it is: the span records it as the caller gets it.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          if (error !== undefined && error !== null) reject(error);
          else resolve(results[0]);
          return callback.call(this, error, ...results);
        };
        try {
          returned = fn.apply(thisArg, [...innerArgs.slice(0, -1), done]);
        } catch (error) {
          threw = true;
          thrown = error;
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error);
        }
      }),
    thisArg,
    args,
  );
  // The callback hands the error to the caller; the promise only feeds the span.
  if (settled instanceof Promise) settled.catch(() => undefined);
  if (threw) throw thrown;
  return returned;
}
