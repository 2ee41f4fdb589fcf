import { errorOnce } from '../core/diagnostics.ts';

/** What a followed stream reports: each chunk, then exactly one of done, failed or stopped. */
export interface StreamEvents {
  chunk(chunk: unknown): void;
  /** The consumer read the stream to its end. */
  done(): void;
  failed(error: unknown): void;
  /** `cancelled`: the consumer stopped early (break, return); `abandoned`: nothing was read for the idle timeout. */
  stopped(how: 'cancelled' | 'abandoned'): void;
}

/** A followed stream; `stop()` forgets it (its idle timer too) once the caller has finished with it. */
export interface StreamFollower {
  stop(): void;
}

type IteratorFactory = (this: unknown, ...args: unknown[]) => AsyncIterator<unknown>;

/**
 * Follows a stream without replacing it: the iterator factory at `property` of the stream instance (its
 * `Symbol.asyncIterator`, or an SDK's own `iterator` property that its helpers call) is patched on the instance
 * itself, so the caller keeps the library's own stream object and all its helpers (`tee()`, `toReadableStream()`,
 * `controller`). Each event is reported once; a stream idle for `idleTimeoutMillis` is reported abandoned.
 */
export function followStream(
  stream: object,
  property: PropertyKey,
  idleTimeoutMillis: number,
  events: StreamEvents,
): StreamFollower {
  let finished = false;
  // A report that fails is said once; the consumer's loop gets its own chunks and errors only.
  const finish = (report: () => void): void => {
    if (finished) return;
    finished = true;
    clearTimeout(idleTimer);
    try {
      report();
    } catch (error) {
      errorOnce('stream:report', 'could not record the end of a followed stream', error);
    }
  };
  const idleTimer = setTimeout(() => finish(() => events.stopped('abandoned')), idleTimeoutMillis);
  idleTimer.unref();

  const target = stream as Record<PropertyKey, unknown>;
  const originalFactory = target[property] as IteratorFactory;
  Object.defineProperty(stream, property, {
    configurable: true,
    writable: true,
    value: function followedIterator(this: unknown, ...args: unknown[]): AsyncIterator<unknown> {
      return wrapIterator(originalFactory.apply(this, args));
    },
  });

  function wrapIterator(iterator: AsyncIterator<unknown>): AsyncIterator<unknown> & AsyncIterable<unknown> {
    const wrapped: AsyncIterator<unknown> & AsyncIterable<unknown> = {
      async next(...args: [] | [unknown]) {
        let step: IteratorResult<unknown>;
        try {
          step = await iterator.next(...args);
        } catch (error) {
          finish(() => events.failed(error));
          throw error;
        }
        if (step.done === true) finish(() => events.done());
        else if (!finished) {
          idleTimer.refresh();
          try {
            events.chunk(step.value);
          } catch (error) {
            errorOnce('stream:chunk', 'could not record a chunk of a followed stream', error);
          }
        }
        return step;
      },
      async return(value?: unknown) {
        finish(() => events.stopped('cancelled'));
        return iterator.return === undefined ? { done: true, value } : iterator.return(value);
      },
      async throw(error?: unknown) {
        finish(() => events.failed(error));
        if (iterator.throw === undefined) throw error;
        return iterator.throw(error);
      },
      [Symbol.asyncIterator]() {
        return wrapped;
      },
    };
    return wrapped;
  }

  // Node streams consumed through events never call the iterator: their end still ends the span.
  const emitter = stream as { once?: unknown };
  if (typeof emitter.once === 'function') {
    const once = emitter.once as (event: string, listener: () => void) => void;
    once.call(stream, 'end', () => finish(() => events.done()));
    once.call(stream, 'close', () => finish(() => events.done()));
  }
  return { stop: () => finish(() => undefined) };
}
