import { debug } from '../core/diagnostics.ts';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Flushes telemetry when the process is about to end, without taking the ending away from the application:
 * - `beforeExit` (the event loop ran dry): flush once; the exit code stays whatever the app set.
 * - SIGTERM / SIGINT: flush; if nobody else listens for the signal, re-raise it afterwards so the process ends
 *   exactly as it would have without us (killed by the signal). If the app has its own handler, it decides.
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
      void flushOnce().then(() => {
        if (othersListen) return;
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      });
    };
    signalHandlers.set(signal, onSignal);
    process.on(signal, onSignal);
  }
  process.on('beforeExit', onBeforeExit);

  return () => {
    process.removeListener('beforeExit', onBeforeExit);
    for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
  };
}
