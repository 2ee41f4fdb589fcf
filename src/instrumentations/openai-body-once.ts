import { errorOnce } from '../core/diagnostics.ts';

type ParseResponse = (this: unknown, client: unknown, props: ResponseProps) => unknown;

/** What the client hands its response parsers: the HTTP response and the request options (openai 4.x to 7.x). */
interface ResponseProps {
  response?: { clone?: () => unknown };
  options?: { stream?: unknown };
}

/** The parts of the client's `APIPromise` this workaround touches (public at run time, private in its types). */
interface APIPromiseLike {
  parseResponse: ParseResponse;
  asResponse: (...args: unknown[]) => unknown;
  withResponse: (...args: unknown[]) => unknown;
  _thenUnwrap: (...args: unknown[]) => unknown;
}

/** What every promise derived from one request's `APIPromise` shares. */
interface SharedRequest {
  /** The caller asked for the raw `Response` (`asResponse()`), whose body it will read itself. */
  rawWanted: boolean;
}

function isAPIPromise(value: unknown): value is APIPromiseLike {
  const candidate = value as Partial<APIPromiseLike> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.parseResponse === 'function' &&
    typeof candidate.asResponse === 'function' &&
    typeof candidate.withResponse === 'function' &&
    typeof candidate._thenUnwrap === 'function'
  );
}

/** Replaces a method on the instance itself, as enumerable as it was there (the prototype's methods are not). */
function setOwn(target: object, name: string, value: unknown): void {
  const enumerable = Object.getOwnPropertyDescriptor(target, name)?.enumerable ?? false;
  Object.defineProperty(target, name, { configurable: true, writable: true, enumerable, value });
}

/**
 * Works around open-telemetry/opentelemetry-js-contrib#3586. The official instrumentation reads the result of
 * `create()` with `.then()`, which parses the response body; the client's helpers (`chat.completions.parse()`,
 * `responses.parse()`, openai 7's `responses.stream()`) derive their own promise from the same request with
 * `_thenUnwrap`, which parses that body a second time: "Body has already been read" for JSON, and for a stream a
 * second `Stream` that the instrumentation never sees (its span then waits for the idle timeout). Here each promise
 * of the request parses once, and a derived promise applies its transform to its parent's parse, as the client did
 * before it routed `_thenUnwrap` around `parseResponse`. When the caller asks for the raw `Response` of a non-streamed
 * call, the telemetry side parses a clone, so the caller's body stays unread as it would be without tracing.
 *
 * Changes nothing when `apiPromise` is not an `APIPromise` of a known shape.
 *
 * @example
 * const apiPromise = create.apply(completions, args);
 * parseBodyOnce(apiPromise); // before the instrumentation calls apiPromise.then()
 */
export function parseBodyOnce(apiPromise: unknown): void {
  try {
    if (!isAPIPromise(apiPromise)) return;
    shareParse(apiPromise, { rawWanted: false }, true);
  } catch (error) {
    errorOnce('openai:body-once', 'could not share the parsed body of an OpenAI call', error);
  }
}

function shareParse(apiPromise: APIPromiseLike, shared: SharedRequest, readsBody: boolean): void {
  const { parseResponse, asResponse, withResponse, _thenUnwrap: thenUnwrap } = apiPromise;
  // The prototype's `_thenUnwrap` derives through `this.parseResponse`; a client may set its own that does not.
  const protoThenUnwrap = (Object.getPrototypeOf(apiPromise) as Partial<APIPromiseLike> | null)?._thenUnwrap;
  let parsedFor: unknown;
  let parsed: unknown;
  let insideWithResponse = false;

  setOwn(
    apiPromise,
    'parseResponse',
    function parseResponseOnce(this: unknown, client: unknown, props: ResponseProps): unknown {
      if (parsedFor !== undefined && props === parsedFor) return parsed;
      let own = props;
      const response = props?.response;
      if (readsBody && shared.rawWanted && props?.options?.stream !== true && typeof response?.clone === 'function')
        own = { ...props, response: response.clone() } as ResponseProps;
      parsedFor = props;
      parsed = parseResponse.call(this, client, own);
      return parsed;
    },
  );
  setOwn(apiPromise, 'asResponse', function asResponseNoted(this: unknown, ...args: unknown[]): unknown {
    if (!insideWithResponse) shared.rawWanted = true;
    return asResponse.apply(this, args);
  });
  setOwn(apiPromise, 'withResponse', function withResponseNoted(this: unknown, ...args: unknown[]): unknown {
    // Its synchronous part calls parse() and asResponse() before its first await: that is not the caller reading the raw body.
    insideWithResponse = true;
    try {
      return withResponse.apply(this, args);
    } finally {
      insideWithResponse = false;
    }
  });
  setOwn(apiPromise, '_thenUnwrap', function thenUnwrapShared(this: unknown, ...args: unknown[]): unknown {
    const derived = thenUnwrap.apply(this, args);
    try {
      const throughParent = typeof protoThenUnwrap === 'function' ? protoThenUnwrap.apply(this, args) : undefined;
      if (isAPIPromise(derived) && isAPIPromise(throughParent)) {
        // The client's own derived promise (its class, `withResponse`, `_thenUnwrap`), parsing through this one.
        setOwn(derived, 'parseResponse', throughParent.parseResponse);
        shareParse(derived, shared, false);
      }
    } catch (error) {
      errorOnce('openai:body-once', 'could not share the parsed body of an OpenAI call', error);
    }
    return derived;
  });
}
