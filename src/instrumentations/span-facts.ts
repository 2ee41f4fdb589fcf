import { SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/** A finished-to-be SDK span as span processors see it in `onEnding`: still writable, with its attributes readable. */
export type EndingSpan = Span & ReadableSpan;

export function numberAttribute(attributes: Attributes, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const value = attributes[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  }
  return undefined;
}

export function stringAttribute(attributes: Attributes, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = attributes[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

export function stringListAttribute(attributes: Attributes, key: string): string[] | undefined {
  const value: unknown = attributes[key];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return typeof value === 'string' ? [value] : undefined;
}

export function durationSecondsOf(span: ReadableSpan): number {
  const [seconds, nanos] = span.duration;
  return seconds >= 0 ? seconds + nanos / 1e9 : 0;
}

/** The `error.type` of a failed span: its attribute, else its exception's type; undefined when it did not fail. */
export function errorTypeOfSpan(span: ReadableSpan): string | undefined {
  if (span.status.code !== SpanStatusCode.ERROR) return undefined;
  const exception = span.events.find((event) => event.name === 'exception');
  return (
    stringAttribute(span.attributes, 'error.type') ??
    (exception?.attributes === undefined ? undefined : stringAttribute(exception.attributes, 'exception.type')) ??
    '_OTHER'
  );
}

/**
 * Removes attributes from a span that has not ended yet. The API can only add attributes; this is for content another
 * library recorded although content capture is off.
 */
export function dropAttributes(span: EndingSpan, keys: readonly string[]): void {
  const attributes = span.attributes as Record<string, unknown> | undefined;
  if (attributes === undefined) return;
  // Only keys that are there: `delete` can turn the span's attribute object into a slower dictionary-mode object.
  for (const key of keys) if (key in attributes) delete attributes[key];
}
