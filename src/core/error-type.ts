// What telemetry and diagnostics read of a thrown value. Anything can be thrown: an object whose getters throw, a
// revoked proxy, a symbol, a value without a prototype. Every read here is guarded, so recording a failure can never
// replace the user's error with one of ours, nor turn a rejection into an unhandled one. Import-free on purpose:
// diagnostics and the span runner both stand on it.

const LOW_CARDINALITY = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
/** A message or stack longer than this is cut: an error carrying a 10 MB body must not reach the exporter whole. */
const MAX_TEXT_LENGTH = 8192;

/** What is recorded of a thrown value; the shape `span.recordException()` takes. */
export interface ThrownFacts {
  /** Low-cardinality type, as `error.type` wants it (see errorTypeOf). */
  type: string;
  /** The error's own name (`TypeError`, `RateLimitError`), else `Error` for an error, else the type. */
  name: string;
  /** Whether the name is the value's own (an error or error-like object) rather than the type standing in. */
  named: boolean;
  message: string;
  stack?: string;
  /** A provider or system error code (`ECONNRESET`, `rate_limit_exceeded`). */
  code?: string | number;
}

/** Reads `value[key]`, or undefined when the read throws (getter, proxy trap, revoked proxy). */
function read(value: object, key: PropertyKey): unknown {
  try {
    return (value as Record<PropertyKey, unknown>)[key];
  } catch {
    return undefined;
  }
}

function isObjectLike(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

function isErrorInstance(value: object): boolean {
  try {
    // Error.isError (Node 24) also sees errors of other realms; instanceof is the fallback of older lines.
    const isError = (Error as { isError?: (value: unknown) => boolean }).isError;
    return typeof isError === 'function' ? isError(value) : value instanceof Error;
  } catch {
    return false;
  }
}

function cut(text: string): string {
  return text.length <= MAX_TEXT_LENGTH ? text : `${text.slice(0, MAX_TEXT_LENGTH)}…[truncated]`;
}

/**
 * The value as text without running anything that may throw past us: strings as they are, symbols by their
 * description, objects through their own conversion when it works, else a fixed word.
 *
 * @example
 * printableThrown(Symbol('stop')); // 'Symbol(stop)'
 */
export function printableThrown(value: unknown): string {
  try {
    return cut(typeof value === 'string' ? value : String(value));
  } catch {
    return isObjectLike(value) ? 'unprintable error' : typeof value;
  }
}

/**
 * A low-cardinality `error.type` for a thrown value, as the conventions ask: the error's class name when it has a
 * meaningful one (RateLimitError, AbortError), else its name, else the provider's error code, else the HTTP status,
 * else `_OTHER`. Never throws, whatever was thrown.
 *
 * @example
 * errorTypeOf(Object.assign(new Error('slow down'), { status: 429 })); // '429'
 */
export function errorTypeOf(error: unknown): string {
  // Functions are not errors, whatever their name says.
  if (typeof error !== 'object' || error === null) return '_OTHER';
  const constructor = read(error, 'constructor');
  const className = isObjectLike(constructor) ? read(constructor, 'name') : undefined;
  if (
    typeof className === 'string' &&
    className !== 'Error' &&
    className !== 'Object' &&
    LOW_CARDINALITY.test(className)
  )
    return className;
  const name = read(error, 'name');
  if (typeof name === 'string' && name !== 'Error' && LOW_CARDINALITY.test(name)) return name;
  const code = read(error, 'code');
  if (typeof code === 'string' && LOW_CARDINALITY.test(code)) return code;
  let status = read(error, 'status');
  if (status === undefined || status === null) status = read(error, 'statusCode');
  if (typeof status === 'number' && Number.isInteger(status)) return String(status);
  return '_OTHER';
}

/**
 * Type, name, message, stack and code of a thrown value, each read once and guarded; strings only, cut to a bound.
 * What a span's exception event and status, and a diagnostic line, are made of.
 *
 * @example
 * span.recordException(describeThrown(error));
 */
export function describeThrown(error: unknown): ThrownFacts {
  const type = errorTypeOf(error);
  if (!isObjectLike(error)) return { type, name: type, named: false, message: printableThrown(error) };
  const name = read(error, 'name');
  const message = read(error, 'message');
  const stack = read(error, 'stack');
  const code = read(error, 'code');
  const ownName = typeof name === 'string' && name !== '' ? cut(name) : isErrorInstance(error) ? 'Error' : undefined;
  const facts: ThrownFacts = {
    type,
    name: ownName ?? type,
    named: ownName !== undefined,
    message: typeof message === 'string' ? cut(message) : printableThrown(error),
  };
  if (typeof stack === 'string') facts.stack = cut(stack);
  if ((typeof code === 'string' && code !== '') || (typeof code === 'number' && Number.isFinite(code)))
    facts.code = typeof code === 'string' ? cut(code) : code;
  return facts;
}
