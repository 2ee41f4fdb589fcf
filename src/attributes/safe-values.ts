import type { Attributes } from '@opentelemetry/api';
import { warnOnce } from '../core/diagnostics.ts';

/** Names, ids and other plain strings longer than this are cut: a 10 MB "model name" must not reach the exporter. */
export const MAX_PLAIN_STRING_LENGTH = 1024;
export const TRUNCATION_MARKER = '…[truncated]';

export function truncate(value: string, maxLength: number): string {
  if (value.length <= maxLength) return value;
  return value.slice(0, Math.max(0, maxLength - TRUNCATION_MARKER.length)) + TRUNCATION_MARKER;
}

/**
 * Adds `value` under `key` if it is a valid attribute value, coercing what can be coerced; anything else is
 * skipped with one diagnostic per helper and key. Never throws.
 */
export function putAttribute(attributes: Attributes, key: string, value: unknown, origin: string): void {
  if (value === undefined || value === null) return;
  switch (typeof value) {
    case 'string':
      attributes[key] = truncate(value, MAX_PLAIN_STRING_LENGTH);
      return;
    case 'boolean':
      attributes[key] = value;
      return;
    case 'number':
      if (Number.isFinite(value)) {
        attributes[key] = value;
      } else {
        warnOnce(
          `bad:${origin}:${key}`,
          `${origin}: ${key} must be a finite number, got ${String(value)}; it was left out`,
        );
      }
      return;
    case 'bigint':
      attributes[key] = Number(value);
      return;
    default:
      if (Array.isArray(value)) {
        const strings = value
          .filter((item): item is string => typeof item === 'string')
          .map((item) => truncate(item, MAX_PLAIN_STRING_LENGTH));
        if (strings.length !== value.length) {
          warnOnce(
            `bad:${origin}:${key}`,
            `${origin}: ${key} must be an array of strings; non-string items were left out`,
          );
        }
        attributes[key] = strings;
        return;
      }
      warnOnce(`bad:${origin}:${key}`, `${origin}: ${key} has an unsupported type (${typeof value}); it was left out`);
  }
}

/** A non-negative whole token count, or undefined (with one diagnostic) for anything else. */
export function tokenCount(value: unknown, origin: string, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value);
  warnOnce(
    `bad:${origin}:${name}`,
    `${origin}: ${name} must be a non-negative number, got ${describeValue(value)}; it was left out`,
  );
  return undefined;
}

function describeValue(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(truncate(value, 40)) : String(value);
  } catch {
    return typeof value;
  }
}

/**
 * JSON for captured content: cycles become "[Circular]", bigints strings, functions and symbols disappear, and the
 * result is cut at `maxLength`. Never throws.
 */
export function safeJson(value: unknown, maxLength: number): string {
  if (typeof value === 'string') return truncate(value, maxLength);
  let text: string | undefined;
  try {
    // The replacer costs a call into JS per value (2-3x the serialisation): plain data, which is what messages and
    // tool arguments nearly always are, is serialised without it, with the very same result.
    text = isPlainTree(value, new SeenObjects()) ? JSON.stringify(value) : undefined;
  } catch {
    text = undefined;
  }
  return truncate(text ?? replacedJson(value), maxLength);
}

/** Objects met so far: a short list first (most content holds a dozen objects), a Set once it grows. */
class SeenObjects {
  private list: object[] = [];
  private set: Set<object> | undefined;

  /** False when `item` was met before. */
  add(item: object): boolean {
    if (this.set !== undefined) {
      if (this.set.has(item)) return false;
      this.set.add(item);
      return true;
    }
    if (this.list.includes(item)) return false;
    this.list.push(item);
    if (this.list.length > 32) this.set = new Set(this.list);
    return true;
  }
}

/**
 * Whether `value` is data that JSON.stringify serialises exactly as the replacer in replacedJson would leave it: arrays
 * and plain objects without toJSON, none met twice (shared or circular), and no bigint. Visits at least every value
 * JSON.stringify visits (`for...in` also sees inherited enumerable keys), so a doubt means false.
 */
function isPlainTree(value: unknown, seen: SeenObjects): boolean {
  if (typeof value === 'bigint') return false;
  if (typeof value !== 'object' || value === null) return true;
  if ((value as { toJSON?: unknown }).toJSON !== undefined || !seen.add(value)) return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    for (let index = 0; index < value.length; index++) if (!isPlainTree(value[index], seen)) return false;
    return true;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  for (const key in value) if (!isPlainTree((value as Record<string, unknown>)[key], seen)) return false;
  return true;
}

/**
 * JSON where cycles and repeated objects become "[Circular]" and bigints strings; "[unserializable]" if it throws. The
 * path safeJson takes for values that are not plain data, and the reference its faster path is tested against.
 *
 * @example
 * replacedJson({ id: 10n }); // '{"id":"10"}'
 */
export function replacedJson(value: unknown): string {
  const seen = new WeakSet<object>();
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (_key, item: unknown) => {
      if (typeof item === 'bigint') return item.toString();
      if (typeof item === 'object' && item !== null) {
        if (seen.has(item)) return '[Circular]';
        seen.add(item);
      }
      return item;
    });
  } catch {
    text = '"[unserializable]"';
  }
  return text ?? 'null';
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
