import { isObject } from './safe-values.ts';

const LOW_CARDINALITY = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;

/**
 * A low-cardinality `error.type` for a thrown value, as the conventions ask: the error's class name when it has a
 * meaningful one (RateLimitError, AbortError), else the provider's error code, else the HTTP status, else `_OTHER`.
 */
export function errorTypeOf(error: unknown): string {
  if (isObject(error)) {
    const className = error.constructor?.name;
    if (typeof className === 'string' && className !== 'Error' && className !== 'Object' && LOW_CARDINALITY.test(className)) return className;
    const name = error.name;
    if (typeof name === 'string' && name !== 'Error' && LOW_CARDINALITY.test(name)) return name;
    const code = error.code;
    if (typeof code === 'string' && LOW_CARDINALITY.test(code)) return code;
    const status = error.status ?? error.statusCode;
    if (typeof status === 'number' && Number.isInteger(status)) return String(status);
  }
  return '_OTHER';
}
