import { debug } from '../core/diagnostics.ts';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Makes a `process.exit()` called before `flushed` settles wait for it (the flush is bounded by
 * GENAI_OTEL_SHUTDOWN_TIMEOUT_MS), then exit with the code it was given. A server's own signal handler (`next start`
 * calls process.exit(143) once its server is closed) would otherwise end the process with the last spans unsent.
 */
function holdExitUntil(flushed: Promise<unknown>): void {
  const originalExit = process.exit;
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    if (process.exit === heldExit) process.exit = originalExit;
  };
  const heldExit = function exitAfterFlush(code?: number | string | null): never {
    if (code !== undefined) process.exitCode = code;
    debug('process.exit() waits for the telemetry flush');
    void flushed.finally(() => {
      release();
      originalExit.call(process, process.exitCode);
    });
    return undefined as never;
  } as typeof process.exit;
  process.exit = heldExit;
  void flushed.finally(release);
}

/**
 * Flushes telemetry when the process is about to end, without taking the ending away from the application:
 * - `beforeExit` (the event loop ran dry): flush once; the exit code stays whatever the app set.
 * - SIGTERM / SIGINT: flush; if nobody else listens for the signal, re-raise it afterwards so the process ends
 *   exactly as it would have without us (killed by the signal). If the app has its own handler, it decides, and a
 *   `process.exit()` it calls while the flush runs takes effect when the flush ends.
 * Returns a function that removes the handlers.
 */
export function installExitHandlers(flushAndShutdown: () => Promise<boolean>): () => void {
  let flushing: Promise<boolean> | undefined;
  const flushOnce = (): Promise<boolean> => (flushing ??= flushAndShutdown().catch(() => false));

  const onBeforeExit = (): void => {
    process.removeListener('beforeExit', onBeforeExit);
    debug('event loop is empty: flushing telemetry');
    void flushOnce().then((finishedInTime) => {
      // The application had finished; only our exporters' retries could keep it alive past the deadline.
      if (!finishedInTime) process.exit();
    });
  };

  const signalHandlers = new Map<NodeJS.Signals, () => void>();
  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      const othersListen = process.listenerCount(signal) > 1;
      debug(`${signal} received: flushing telemetry`);
      const flushed = flushOnce();
      if (othersListen) holdExitUntil(flushed);
      void flushed.then(() => {
        if (othersListen) return;
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      });
    };
    signalHandlers.set(signal, onSignal);
    // First in line: another handler that ends the process at once still leaves us the time to flush.
    process.prependListener(signal, onSignal);
  }
  process.on('beforeExit', onBeforeExit);

  return () => {
    process.removeListener('beforeExit', onBeforeExit);
    for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
  };
}
