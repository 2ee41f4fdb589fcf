import { isObject } from '../attributes/safe-values.ts';
import { debug } from '../core/diagnostics.ts';

/**
 * How many notifications of one method a connection traces: a burst of {@link BURST}, then {@link PER_SECOND} a
 * second. Notifications are spans under the MCP conventions, but a server may send progress or log messages by the
 * hundred during one tool call: past the budget they go untraced (the request's own span still covers that time),
 * and each connection says once, at debug level, that it dropped some.
 */
export const NOTIFICATION_BURST = 20;
export const NOTIFICATION_SPANS_PER_SECOND = 5;
const BURST = NOTIFICATION_BURST;
const PER_SECOND = NOTIFICATION_SPANS_PER_SECOND;

interface Bucket {
  tokens: number;
  refilledAt: number;
  dropped: number;
}

/** One token bucket per method, per connection (a `Protocol` instance): connections do not eat each other's budget. */
const buckets = new WeakMap<object, Map<string, Bucket>>();

/**
 * Whether a notification of `method` on the connection `protocol` is traced: true within the budget (one token
 * taken), false past it. Anything that is not an object (no connection to count for) is traced.
 *
 * @example
 * if (mayTraceNotification(client, 'notifications/progress')) call = McpCall.client(facts);
 */
export function mayTraceNotification(protocol: unknown, method: string, now = performance.now()): boolean {
  if (!isObject(protocol)) return true;
  let methods = buckets.get(protocol);
  if (methods === undefined) {
    methods = new Map();
    buckets.set(protocol, methods);
  }
  let bucket = methods.get(method);
  if (bucket === undefined) {
    bucket = { tokens: BURST, refilledAt: now, dropped: 0 };
    methods.set(method, bucket);
  } else {
    bucket.tokens = Math.min(BURST, bucket.tokens + ((now - bucket.refilledAt) / 1000) * PER_SECOND);
    bucket.refilledAt = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return true;
  }
  if (bucket.dropped++ === 0)
    debug(`MCP ${method}: more than ${PER_SECOND} a second on one connection; the rest go untraced`);
  return false;
}
