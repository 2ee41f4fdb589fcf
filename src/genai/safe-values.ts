import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { warnOnce } from '../sdk/diagnostics.ts';

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
        warnOnce(`bad:${origin}:${key}`, `${origin}: ${key} must be a finite number, got ${String(value)}; it was left out`);
      }
      return;
    case 'bigint':
      attributes[key] = Number(value);
      return;
    default:
      if (Array.isArray(value)) {
        const strings = value.filter((item): item is string => typeof item === 'string').map((item) => truncate(item, MAX_PLAIN_STRING_LENGTH));
        if (strings.length !== value.length) {
          warnOnce(`bad:${origin}:${key}`, `${origin}: ${key} must be an array of strings; non-string items were left out`);
        }
        attributes[key] = strings as AttributeValue;
        return;
      }
      warnOnce(`bad:${origin}:${key}`, `${origin}: ${key} has an unsupported type (${typeof value}); it was left out`);
  }
}

/** A non-negative whole token count, or undefined (with one diagnostic) for anything else. */
export function tokenCount(value: unknown, origin: string, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value);
  warnOnce(`bad:${origin}:${name}`, `${origin}: ${name} must be a non-negative number, got ${describeValue(value)}; it was left out`);
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
  return truncate(text ?? 'null', maxLength);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
