import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { errorOnce } from '../core/diagnostics.ts';
import { spanAttributesIn } from './scope.ts';

/**
 * Gives every span started inside `withContext` the context's attributes (`session.id`, `user.id`,
 * `gen_ai.conversation.id`, ...), whichever library started it. An attribute the span already has is kept: a call's own
 * `conversationId` wins. `start()` installs it; add it yourself to a TracerProvider genai-otel did not build or join.
 *
 * @example
 * new NodeSDK({ spanProcessors: [new ContextSpanProcessor(), new BatchSpanProcessor(exporter)] }).start();
 */
export class ContextSpanProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    try {
      const attributes = spanAttributesIn(parentContext);
      if (attributes === undefined) return;
      const existing = span.attributes;
      for (const key in attributes) {
        if (existing[key] === undefined) span.setAttribute(key, attributes[key]);
      }
    } catch (error) {
      errorOnce('context:span-processor', 'could not add the context attributes to a span', error);
    }
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The same for log records: records emitted inside `withContext` (getLogger, pino, winston, typed events) carry the
 * session and user ids, so logs can be filtered by session without joining on traces.
 *
 * @example
 * new LoggerProvider({ processors: [new ContextLogRecordProcessor(), new BatchLogRecordProcessor(exporter)] });
 */
export class ContextLogRecordProcessor implements LogRecordProcessor {
  onEmit(logRecord: ReadWriteLogRecord, context?: Context): void {
    if (context === undefined) return;
    try {
      const attributes = spanAttributesIn(context);
      if (attributes === undefined) return;
      const existing = logRecord.attributes;
      for (const key in attributes) {
        if (existing[key] === undefined) logRecord.setAttribute(key, attributes[key]);
      }
    } catch (error) {
      errorOnce('context:log-processor', 'could not add the context attributes to a log record', error);
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
