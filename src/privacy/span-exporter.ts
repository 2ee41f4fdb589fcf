import type { Attributes, Link } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter, TimedEvent } from '@opentelemetry/sdk-trace';
import { exportRedacted } from './export-redacted.ts';
import { reportRedactionFailure } from './failures.ts';
import { ResourceRedactor } from './resource-redactor.ts';
import { redactedLabel, type Redactor } from './redactor.ts';

const FAILED = redactedLabel('failed');
const onFailure = (error: unknown): void => reportRedactionFailure('traces', error);

/**
 * Wraps the exporter that sends spans out of the process, and hands it redacted copies.
 *
 * Why at the exporter and not by changing spans in a processor: a ReadableSpan is shared by every processor of its
 * provider (when genai-otel joins another SDK's provider, that SDK's own processors hold the same object), and its
 * attribute map is the live map of the SDK span, so editing it would change data under them, racing with a simple
 * processor that is already serialising it. A copy leaves every other consumer as it was. At the exporter, every
 * path out is covered (batch, simple, console), and the work runs in the batch timer, off the request path. Raw
 * values wait in the in-memory queue until then; they never leave the process.
 *
 * @example
 * new BatchSpanProcessor(new RedactingSpanExporter(new OTLPTraceExporter(), createRedactor(settings)));
 */
export class RedactingSpanExporter implements SpanExporter {
  private readonly inner: SpanExporter;
  private readonly redactor: Redactor;
  private readonly resources: ResourceRedactor;

  constructor(inner: SpanExporter, redactor: Redactor) {
    this.inner = inner;
    this.redactor = redactor;
    this.resources = new ResourceRedactor(redactor, onFailure);
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    exportRedacted(spans, (item) => this.redactSpan(item), onFailure, this.inner, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  /** The span itself when nothing in it needs redacting, else a copy. */
  redactSpan(span: ReadableSpan): ReadableSpan {
    const name = this.text(span.name) ?? FAILED;
    const { attributes, dropped } = this.redactor.redactAttributes(span.attributes, onFailure);
    const events = mapIfChanged(span.events, (event) => this.redactEvent(event));
    const links = mapIfChanged(span.links, (link) => this.redactLink(link));
    const message = span.status.message === undefined ? undefined : this.text(span.status.message);
    const status = message === span.status.message ? span.status : { ...span.status, message };
    const resource = this.resources.redact(span.resource);
    if (
      name === span.name &&
      attributes === span.attributes &&
      events === span.events &&
      links === span.links &&
      status === span.status &&
      resource === span.resource
    ) {
      return span;
    }
    return {
      name,
      kind: span.kind,
      spanContext: () => span.spanContext(),
      parentSpanContext: span.parentSpanContext,
      startTime: span.startTime,
      endTime: span.endTime,
      status,
      attributes,
      links,
      events,
      duration: span.duration,
      ended: span.ended,
      resource,
      instrumentationScope: span.instrumentationScope,
      droppedAttributesCount: span.droppedAttributesCount + dropped,
      droppedEventsCount: span.droppedEventsCount,
      droppedLinksCount: span.droppedLinksCount,
    };
  }

  private redactEvent(event: TimedEvent): TimedEvent {
    const name = this.text(event.name) ?? FAILED;
    const redacted = this.attributesOf(event.attributes);
    if (name === event.name && redacted.attributes === event.attributes) return event;
    return {
      ...event,
      name,
      attributes: redacted.attributes,
      droppedAttributesCount: (event.droppedAttributesCount ?? 0) + redacted.dropped,
    };
  }

  private redactLink(link: Link): Link {
    const redacted = this.attributesOf(link.attributes);
    if (redacted.attributes === link.attributes) return link;
    return {
      ...link,
      attributes: redacted.attributes,
      droppedAttributesCount: (link.droppedAttributesCount ?? 0) + redacted.dropped,
    };
  }

  private attributesOf(attributes: Attributes | undefined): { attributes: Attributes | undefined; dropped: number } {
    return attributes === undefined
      ? { attributes, dropped: 0 }
      : this.redactor.redactAttributes(attributes, onFailure);
  }

  /** Redacted text, or undefined when redaction failed (the caller puts a placeholder or nothing in its place). */
  private text(value: string): string | undefined {
    try {
      return this.redactor.redactText(value);
    } catch (error) {
      onFailure(error);
      return undefined;
    }
  }
}

/** `items` itself when `redact` returned every item unchanged, else a new array. */
export function mapIfChanged<T>(items: T[], redact: (item: T) => T): T[] {
  let copy: T[] | undefined;
  for (let index = 0; index < items.length; index++) {
    const item = items[index]!;
    const redacted = redact(item);
    if (redacted !== item) (copy ??= items.slice())[index] = redacted;
  }
  return copy ?? items;
}
