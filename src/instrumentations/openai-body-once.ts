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
 * `onParsed` sees the parsed value (a streamed call's `Stream`) before any reader of the request does. Changes nothing,
 * and returns false, when `apiPromise` is not an `APIPromise` of a known shape.
 *
 * @example
 * const apiPromise = create.apply(completions, args);
 * parseBodyOnce(apiPromise, (stream) => follow(stream)); // before the instrumentation calls apiPromise.then()
 */
export function parseBodyOnce(apiPromise: unknown, onParsed?: (parsed: unknown) => void): boolean {
  try {
    if (!isAPIPromise(apiPromise)) return false;
    shareParse(apiPromise, { rawWanted: false }, true, onParsed);
    return true;
  } catch (error) {
    errorOnce('openai:body-once', 'could not share the parsed body of an OpenAI call', error);
    return false;
  }
}

/**
 * The parsed value as every reader of the request will get it, seen first by `onParsed`: the promises derived from the
 * request (another instrumentation's `_thenUnwrap`, which may `tee()` a stream at once) await this very promise, so
 * nothing reaches the value before `onParsed` has. `onParsed` cannot fail the parse.
 */
function seenFirstBy(parsed: unknown, onParsed: (parsed: unknown) => void): unknown {
  const see = (value: unknown): unknown => {
    try {
      onParsed(value);
    } catch (error) {
      errorOnce('openai:parsed', 'could not follow the parsed response of an OpenAI call', error);
    }
    return value;
  };
  const thenable = parsed as PromiseLike<unknown> | null | undefined;
  if (typeof thenable === 'object' && thenable !== null && typeof thenable.then === 'function')
    return Promise.resolve(thenable).then(see);
  return see(parsed);
}

/** The methods a request's promise is followed through; the client class's own, wrapped once on its prototype. */
const FOLLOWED_METHODS = ['asResponse', 'withResponse', '_thenUnwrap'] as const;

/** What one promise of a request knows, for the prototype's wrappers: present only on promises being followed. */
interface FollowedPromise {
  shared: SharedRequest;
  /** Inside `withResponse()`'s synchronous part, which calls `asResponse()` itself. */
  insideWithResponse: boolean;
}

const FOLLOWED = Symbol('genai-otel.openai-body-once');
type WithFollowed = { [FOLLOWED]?: FollowedPromise };

/** Prototypes whose methods are wrapped (true), or that cannot be (false: frozen, or of another shape). */
const wrappedPrototypes = new WeakMap<object, boolean>();
type AnyMethod = (...args: unknown[]) => unknown;
/** The client's `_thenUnwrap` of each wrapped prototype, as it was before its wrapper. */
const originalThenUnwrap = new WeakMap<object, AnyMethod>();

/**
 * Wraps `asResponse`, `withResponse` and `_thenUnwrap` on the prototype that holds them, once: a promise being followed
 * then needs only its own `parseResponse` and a mark, where defining three methods on each promise cost more than the
 * rest of the call's telemetry (and left the client's promise a slower object). Promises not followed (the mark absent)
 * go straight to the client's methods.
 */
function wrapPrototype(proto: object | null): boolean {
  if (proto === null) return false;
  const known = wrappedPrototypes.get(proto);
  if (known !== undefined) return known;
  const originals = FOLLOWED_METHODS.map((name) => Object.getOwnPropertyDescriptor(proto, name));
  const wrappable = !Object.isFrozen(proto) && originals.every((d) => typeof d?.value === 'function' && d.configurable);
  wrappedPrototypes.set(proto, wrappable);
  if (!wrappable) return false;
  const [asResponse, withResponse, thenUnwrap] = originals.map((d) => d!.value as AnyMethod) as [
    AnyMethod,
    AnyMethod,
    AnyMethod,
  ];
  originalThenUnwrap.set(proto, thenUnwrap);
  const define = (name: string, value: unknown, original: PropertyDescriptor) =>
    Object.defineProperty(proto, name, { ...original, value });
  define(
    'asResponse',
    function asResponseNoted(this: WithFollowed, ...args: unknown[]): unknown {
      const followed = this[FOLLOWED];
      if (followed !== undefined && !followed.insideWithResponse) followed.shared.rawWanted = true;
      return asResponse.apply(this, args);
    },
    originals[0]!,
  );
  define(
    'withResponse',
    function withResponseNoted(this: WithFollowed, ...args: unknown[]): unknown {
      const followed = this[FOLLOWED];
      if (followed === undefined) return withResponse.apply(this, args);
      // Its synchronous part calls parse() and asResponse() before its first await: that is not the caller reading the raw body.
      followed.insideWithResponse = true;
      try {
        return withResponse.apply(this, args);
      } finally {
        followed.insideWithResponse = false;
      }
    },
    originals[1]!,
  );
  define(
    '_thenUnwrap',
    function thenUnwrapShared(this: WithFollowed, ...args: unknown[]): unknown {
      const derived = thenUnwrap.apply(this, args);
      const followed = this[FOLLOWED];
      if (followed !== undefined) deriveThroughParent(derived, thenUnwrap.apply(this, args), followed.shared);
      return derived;
    },
    originals[2]!,
  );
  return true;
}

/** `derived` (the client's own derived promise) parses through `throughParent`'s parse, which goes through its parent's. */
function deriveThroughParent(derived: unknown, throughParent: unknown, shared: SharedRequest): void {
  try {
    if (isAPIPromise(derived) && isAPIPromise(throughParent)) {
      // The client's own derived promise (its class, `withResponse`, `_thenUnwrap`), parsing through this one.
      replaceOwn(derived, 'parseResponse', throughParent.parseResponse);
      shareParse(derived, shared, false);
    }
  } catch (error) {
    errorOnce('openai:body-once', 'could not share the parsed body of an OpenAI call', error);
  }
}

/**
 * Replaces a method the client set on the promise itself (`parseResponse` always; `withResponse` and `_thenUnwrap` in
 * openai 7.5x): an assignment keeps it as it was, and the promise a fast object.
 */
function replaceOwn(target: object, name: string, value: unknown): void {
  if (Object.hasOwn(target, name))
    try {
      (target as Record<string, unknown>)[name] = value;
      return;
    } catch {
      // Not writable: defined below, as configurable as it is.
    }
  setOwn(target, name, value);
}

/** The promise's own `withResponse` tells the prototype's `asResponse` wrapper that it is not the caller reading. */
function noteWithResponse(apiPromise: APIPromiseLike, followed: FollowedPromise): void {
  const withResponse = apiPromise.withResponse;
  replaceOwn(apiPromise, 'withResponse', function withResponseNoted(this: unknown, ...args: unknown[]): unknown {
    followed.insideWithResponse = true;
    try {
      return withResponse.apply(this, args);
    } finally {
      followed.insideWithResponse = false;
    }
  });
}

/**
 * The promise's own `_thenUnwrap` (openai 7.5x derives from the request and the client's parser, not through
 * `this.parseResponse`): its derived promise parses through one the prototype's original `_thenUnwrap` derives.
 */
function deriveOwnThroughParent(apiPromise: APIPromiseLike, shared: SharedRequest, protoThenUnwrap: AnyMethod): void {
  const thenUnwrap = apiPromise._thenUnwrap;
  replaceOwn(apiPromise, '_thenUnwrap', function thenUnwrapShared(this: unknown, ...args: unknown[]): unknown {
    const derived = thenUnwrap.apply(this, args);
    deriveThroughParent(derived, protoThenUnwrap.apply(this, args), shared);
    return derived;
  });
}

function shareParse(
  apiPromise: APIPromiseLike,
  shared: SharedRequest,
  readsBody: boolean,
  onParsed?: (parsed: unknown) => void,
): void {
  const { parseResponse } = apiPromise;
  let parsedFor: unknown;
  let parsed: unknown;
  const parseResponseOnce = function parseResponseOnce(this: unknown, client: unknown, props: ResponseProps): unknown {
    if (parsedFor !== undefined && props === parsedFor) return parsed;
    let own = props;
    const response = props?.response;
    if (readsBody && shared.rawWanted && props?.options?.stream !== true && typeof response?.clone === 'function')
      own = { ...props, response: response.clone() } as ResponseProps;
    parsedFor = props;
    parsed = parseResponse.call(this, client, own);
    if (onParsed !== undefined) parsed = seenFirstBy(parsed, onParsed);
    return parsed;
  };
  const proto = Object.getPrototypeOf(apiPromise) as object | null;
  if (wrapPrototype(proto)) {
    const followed: FollowedPromise = { shared, insideWithResponse: false };
    replaceOwn(apiPromise, 'parseResponse', parseResponseOnce);
    (apiPromise as WithFollowed)[FOLLOWED] = followed;
    // openai 7.5x sets its own withResponse and _thenUnwrap on every promise, which hide the prototype's wrappers:
    // those two are wrapped on the promise itself, by assignment (defining them cost about 0.8 µs per call).
    if (Object.hasOwn(apiPromise, 'withResponse')) noteWithResponse(apiPromise, followed);
    if (Object.hasOwn(apiPromise, '_thenUnwrap'))
      deriveOwnThroughParent(apiPromise, shared, originalThenUnwrap.get(proto!)!);
    if (Object.hasOwn(apiPromise, 'asResponse')) {
      const asResponse = apiPromise.asResponse;
      replaceOwn(apiPromise, 'asResponse', function asResponseNoted(this: unknown, ...args: unknown[]): unknown {
        if (!followed.insideWithResponse) shared.rawWanted = true;
        return asResponse.apply(this, args);
      });
    }
    return;
  }
  // A prototype that cannot be wrapped (frozen, or of another shape): each method is wrapped on the promise itself.
  const { asResponse, withResponse, _thenUnwrap: thenUnwrap } = apiPromise;
  // The prototype's `_thenUnwrap` derives through `this.parseResponse`; a client may set its own that does not.
  const protoThenUnwrap = (Object.getPrototypeOf(apiPromise) as Partial<APIPromiseLike> | null)?._thenUnwrap;
  let insideWithResponse = false;
  setOwn(apiPromise, 'parseResponse', parseResponseOnce);
  setOwn(apiPromise, 'asResponse', function asResponseNoted(this: unknown, ...args: unknown[]): unknown {
    if (!insideWithResponse) shared.rawWanted = true;
    return asResponse.apply(this, args);
  });
  setOwn(apiPromise, 'withResponse', function withResponseNoted(this: unknown, ...args: unknown[]): unknown {
    insideWithResponse = true;
    try {
      return withResponse.apply(this, args);
    } finally {
      insideWithResponse = false;
    }
  });
  setOwn(apiPromise, '_thenUnwrap', function thenUnwrapShared(this: unknown, ...args: unknown[]): unknown {
    const derived = thenUnwrap.apply(this, args);
    if (typeof protoThenUnwrap === 'function') deriveThroughParent(derived, protoThenUnwrap.apply(this, args), shared);
    return derived;
  });
}
