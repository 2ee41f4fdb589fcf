import { warnOnce } from '../core/diagnostics.ts';
import { flushWithin } from './sdk.ts';

export interface WrapHandlerOptions {
  /**
   * The longest an invocation waits for its telemetry after the handler settled, in milliseconds (default 1000): a
   * collector that does not answer in time costs this and no more; what it did not take is spooled for later.
   */
  flushTimeoutMs?: number;
}

const DEFAULT_FLUSH_TIMEOUT_MILLIS = 1000;
const MAX_FLUSH_TIMEOUT_MILLIS = 60_000;

function boundOf(options: unknown): number {
  let value: unknown;
  try {
    value = (options as WrapHandlerOptions | undefined)?.flushTimeoutMs;
  } catch {
    value = undefined;
  }
  if (value === undefined) return DEFAULT_FLUSH_TIMEOUT_MILLIS;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0)
    return Math.min(value, MAX_FLUSH_TIMEOUT_MILLIS);
  warnOnce(
    'wrapHandler:bound',
    `wrapHandler(): flushTimeoutMs must be a number of milliseconds from 0 to ${MAX_FLUSH_TIMEOUT_MILLIS}; ${DEFAULT_FLUSH_TIMEOUT_MILLIS} is used`,
  );
  return DEFAULT_FLUSH_TIMEOUT_MILLIS;
}

/** One line when an invocation's telemetry was not all delivered; each kind of outcome said once per process. */
async function flushAfterInvocation(boundMillis: number): Promise<void> {
  const result = await flushWithin(boundMillis);
  if (result === undefined) return;
  if (result.spooled > 0)
    warnOnce(
      'wrapHandler:spooled',
      `the collector did not take this invocation's telemetry within ${boundMillis} ms (flushTimeoutMs): ${result.spooled} items are spooled and sent by a later invocation or start`,
    );
  if (result.dropped > 0)
    warnOnce(
      'wrapHandler:dropped',
      `${result.dropped} items of this invocation's telemetry were dropped (no spool, or the collector refused them); see getExportHealth()`,
    );
  if (!result.finished)
    warnOnce(
      'wrapHandler:unfinished',
      `flushing this invocation's telemetry took longer than ${boundMillis} ms (flushTimeoutMs); the invocation returns, what is left is sent later or spooled`,
    );
}

/**
 * Wraps a serverless handler (AWS Lambda, Google Cloud Functions, Azure Functions, …) so that each invocation's
 * telemetry is flushed before its result is returned, within `flushTimeoutMs`: the platform may freeze the process
 * right after. The handler's own value or error comes back unchanged; a collector that hangs adds at most the bound,
 * and what it did not take waits in the spool.
 *
 * @example
 * import { wrapHandler } from 'genai-otel';
 * export const handler = wrapHandler(async (event) => answer(event), { flushTimeoutMs: 500 });
 */
export function wrapHandler<Args extends unknown[], Result>(
  handler: (...args: Args) => Result,
  options?: WrapHandlerOptions,
): (...args: Args) => Promise<Awaited<Result>> {
  const boundMillis = boundOf(options);
  if (typeof handler !== 'function') {
    warnOnce('wrapHandler:not-a-function', 'wrapHandler(handler): handler is not a function');
    return handler;
  }
  return async function wrappedHandler(this: unknown, ...args: Args): Promise<Awaited<Result>> {
    try {
      return await handler.apply(this, args);
    } finally {
      try {
        await flushAfterInvocation(boundMillis);
      } catch {
        // Telemetry never changes the handler's outcome.
      }
    }
  };
}
