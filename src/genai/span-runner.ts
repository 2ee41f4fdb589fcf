import {
  SpanStatusCode,
  context,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanKind,
  type Tracer,
} from '@opentelemetry/api';
import { errorOnce } from '../core/diagnostics.ts';
import { VERSION } from '../version.ts';
import { describeThrown, type ThrownFacts } from '../core/error-type.ts';
import {
  ATTR_ERROR_TYPE,
  ATTR_GENAI_OTEL_STREAM_CHUNK_COUNT,
  ATTR_GENAI_OTEL_STREAM_END,
  INSTRUMENTATION_SCOPE,
} from '../attributes/names.ts';
import { isObject } from '../attributes/safe-values.ts';
import { followStream, type StreamFollower } from './stream-follower.ts';

/** Any function, called with whatever `this` and arguments the caller had. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type UntypedFunction<R> = (this: unknown, ...args: any[]) => R;

/** How a span's work ended, as the hooks see it. */
export interface RunOutcome {
  durationSeconds: number;
  /** Set when the function threw or rejected, or the stream failed. */
  errorType?: string;
  /** What could be read of the thrown value, when there was one. */
  exception?: ThrownFacts;
  /** The function's value (or undefined for a stream or an error). */
  value?: unknown;
}

/** What a helper adds to the generic run: its own attributes and metrics at the end, and chunk handling for streams. */
export interface RunHooks {
  /** Called once, just before the span ends; sets final attributes and records metrics. */
  onEnd(span: Span, outcome: RunOutcome): void;
  /** Called for each chunk of a returned stream, before its timing is recorded. */
  onChunk?(chunk: unknown): void;
  /** Time to first chunk and time between chunks, in seconds. */
  onChunkTiming?(timeToFirstChunkSeconds: number | undefined, intervalSeconds: number | undefined): void;
  /** Streams idle this long end their span as abandoned. */
  streamIdleTimeoutMillis: number;
  /**
   * The stream inside a settled value that is not itself one (Bedrock's `{ stream }`, `{ body }`): the span stays
   * open until it ends, as for a returned stream.
   */
  streamIn?(value: unknown): AsyncIterable<unknown> | undefined;
  /** Values the function's context carries besides its span (the running agent's name). */
  decorateContext?(runContext: Context): Context;
}

let cachedTracer: Tracer | undefined;

/** The tracer of genai-otel's helpers. The API's proxy provider follows a provider registered later. */
export function genaiTracer(): Tracer {
  cachedTracer ??= trace.getTracer(INSTRUMENTATION_SCOPE, VERSION);
  return cachedTracer;
}

/**
 * Tracks one span from start to end through sync returns, promises (the caller keeps the very same thenable, so
 * helpers like `.withResponse()` keep working), and async iterables (the span stays open until the stream ends,
 * fails, is cancelled or goes idle).
 */
export class SpanRun {
  readonly span: Span;
  private spanContext: Context;
  private readonly hooks: RunHooks;
  private readonly startTime = performance.now();
  private ended = false;
  private chunkCount = 0;
  private lastChunkTime: number | undefined;
  private follower: StreamFollower | undefined;

  constructor(span: Span, spanContext: Context, hooks: RunHooks) {
    this.span = span;
    this.spanContext = spanContext;
    this.hooks = hooks;
  }

  /** Makes `value` visible under `key` to code running inside the span. */
  bindContextValue(key: symbol, value: unknown): void {
    this.spanContext = this.spanContext.setValue(key, value);
  }

  /** Runs `fn` inside the span's context and follows its result; the result and any throw reach the caller unchanged. */
  run<A extends unknown[], R>(fn: (this: unknown, ...args: A) => R, thisArg: unknown, args: A): R {
    let result: R;
    try {
      result = context.with(this.spanContext, fn, thisArg, ...args);
    } catch (error) {
      this.fail(error);
      throw error;
    }
    this.follow(result);
    return result;
  }

  private follow(result: unknown): void {
    try {
      if (isThenable(result)) {
        result.then(
          (value) => this.settled(value),
          (error: unknown) => this.fail(error),
        );
        return;
      }
      this.settled(result);
    } catch (error) {
      errorOnce('run:follow', 'could not follow the result of a traced function', error);
      this.end({ durationSeconds: this.elapsedSeconds() });
    }
  }

  private settled(value: unknown): void {
    try {
      if (isAsyncIterable(value)) {
        this.followStream(value);
        return;
      }
      const inner = this.hooks.streamIn?.(value);
      if (inner !== undefined && isAsyncIterable(inner)) {
        this.followStream(inner);
        return;
      }
      this.end({ durationSeconds: this.elapsedSeconds(), value });
    } catch (error) {
      errorOnce('run:settled', 'could not record the result of a traced function', error);
      this.end({ durationSeconds: this.elapsedSeconds() });
    }
  }

  /** Records one chunk: time to first chunk for the first, the interval since the previous one after that. */
  chunk(chunk?: unknown): void {
    if (this.ended) return;
    try {
      const now = performance.now();
      this.chunkCount++;
      const previous = this.lastChunkTime;
      this.lastChunkTime = now;
      // The chunk is read before its timing is recorded: the timing metrics carry the response model it announces.
      if (chunk !== undefined) this.hooks.onChunk?.(chunk);
      if (previous === undefined) this.hooks.onChunkTiming?.((now - this.startTime) / 1000, undefined);
      else this.hooks.onChunkTiming?.(undefined, (now - previous) / 1000);
    } catch (error) {
      errorOnce('run:chunk', 'could not record a stream chunk', error);
    }
  }

  private followStream(stream: AsyncIterable<unknown>): void {
    this.follower = followStream(stream, Symbol.asyncIterator, this.hooks.streamIdleTimeoutMillis, {
      chunk: (chunk) => this.chunk(chunk),
      done: () => this.endStream(),
      failed: (error) => this.fail(error),
      stopped: (how) => this.endStream(how),
    });
  }

  private endStream(how?: 'abandoned' | 'cancelled'): void {
    if (this.ended) return;
    if (how !== undefined) this.span.setAttribute(ATTR_GENAI_OTEL_STREAM_END, how);
    this.span.setAttribute(ATTR_GENAI_OTEL_STREAM_CHUNK_COUNT, this.chunkCount);
    this.end({ durationSeconds: this.elapsedSeconds() });
  }

  /** Marks the span failed with the error's type and exception event, then ends it. */
  fail(error: unknown): void {
    if (this.ended) return;
    // The thrown value is read once, through guarded reads: whatever it is, the user gets it back untouched.
    const facts = describeThrown(error);
    try {
      this.span.setAttribute(ATTR_ERROR_TYPE, facts.type);
      this.span.recordException(facts);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: facts.message });
    } catch (recordError) {
      errorOnce('run:fail', 'could not record an error on a span', recordError);
    }
    this.end({ durationSeconds: this.elapsedSeconds(), errorType: facts.type, exception: facts });
  }

  private end(outcome: RunOutcome): void {
    if (this.ended) return;
    this.ended = true;
    this.follower?.stop();
    try {
      this.hooks.onEnd(this.span, outcome);
    } catch (error) {
      errorOnce('run:end', 'could not record the end of a span', error);
    }
    try {
      this.span.end();
    } catch (error) {
      errorOnce('run:span-end', 'could not end a span', error);
    }
  }

  private elapsedSeconds(): number {
    return (performance.now() - this.startTime) / 1000;
  }
}

/**
 * Starts a span for a helper, or returns undefined (after one diagnostic) when even that fails: the helper then
 * runs the user's function untraced, so telemetry never stands between the caller and its function.
 */
export function startRun(name: string, kind: SpanKind, attributes: Attributes, hooks: RunHooks): SpanRun | undefined {
  try {
    const parent = context.active();
    const span = genaiTracer().startSpan(name, { kind, attributes }, parent);
    const runContext = trace.setSpan(parent, span);
    return new SpanRun(span, hooks.decorateContext?.(runContext) ?? runContext, hooks);
  } catch (error) {
    errorOnce('run:start', 'could not start a span; the function runs untraced', error);
    return undefined;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return isObject(value) && typeof (value as { then?: unknown }).then === 'function';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return isObject(value) && typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function';
}
