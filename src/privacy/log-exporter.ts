import type { ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR_SESSION_ID, EVENT_GENAI_OTEL_LLM_REQUEST_RESPONSE } from '../attributes/names.ts';
import { exportRedacted } from './export-redacted.ts';
import { reportRedactionFailure } from './failures.ts';
import type { Redactor } from './redactor.ts';
import { ResourceRedactor } from './resource-redactor.ts';

const onFailure = (error: unknown): void => reportRedactionFailure('logs', error);

/**
 * Wraps the exporter that sends log records (the GenAI content events, the application's own logs) out of the
 * process, and hands it redacted copies: body (walked when structured), attributes, resource. For the same reasons as
 * spans (see RedactingSpanExporter), the SDK's records are never changed in place.
 *
 * @example
 * new BatchLogRecordProcessor({ exporter: new RedactingLogRecordExporter(new OTLPLogExporter(), createRedactor(settings)) });
 */
export class RedactingLogRecordExporter implements LogRecordExporter {
  private readonly inner: LogRecordExporter;
  private readonly redactor: Redactor;
  private readonly resources: ResourceRedactor;

  constructor(inner: LogRecordExporter, redactor: Redactor) {
    this.inner = inner;
    this.redactor = redactor;
    this.resources = new ResourceRedactor(redactor, onFailure);
  }

  export(records: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    exportRedacted(records, (item) => this.redactRecord(item), onFailure, this.inner, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  /**
   * A request/response record's `workload_id` is the session id when nothing named the workload: then it is the
   * identity `session.id` is, hashed the same way (or, when identities are dropped, replaced by `default`).
   */
  private sessionAsWorkload(record: ReadableLogRecord, body: ReadableLogRecord['body']): ReadableLogRecord['body'] {
    const session = record.attributes[ATTR_SESSION_ID];
    const raw = record.body as Record<string, unknown> | undefined;
    if (typeof session !== 'string' || typeof raw !== 'object' || raw === null || raw.workload_id !== session)
      return body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
    const identity = this.redactor.redactIdentity(session);
    const copy = {
      ...(body as Record<string, unknown>),
      workload_id: typeof identity === 'string' ? identity : 'default',
    };
    return copy;
  }

  /** The record itself when nothing in it needs redacting, else a copy. */
  redactRecord(record: ReadableLogRecord): ReadableLogRecord {
    let body = record.body;
    try {
      body = this.redactor.redactValue(record.body);
    } catch (error) {
      onFailure(error);
      body = undefined;
    }
    if (record.eventName === EVENT_GENAI_OTEL_LLM_REQUEST_RESPONSE) body = this.sessionAsWorkload(record, body);
    const { attributes, dropped } = this.redactor.redactAttributes(record.attributes, onFailure);
    const resource = this.resources.redact(record.resource);
    if (body === record.body && attributes === record.attributes && resource === record.resource) return record;
    return {
      hrTime: record.hrTime,
      hrTimeObserved: record.hrTimeObserved,
      spanContext: record.spanContext,
      severityText: record.severityText,
      severityNumber: record.severityNumber,
      body,
      eventName: record.eventName,
      resource,
      // Exporters group records by scope object identity: the very same object must be passed on.
      instrumentationScope: record.instrumentationScope,
      attributes,
      droppedAttributesCount: record.droppedAttributesCount + dropped,
    };
  }
}
