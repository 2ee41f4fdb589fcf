import { context, propagation, trace, type Context } from '@opentelemetry/api';
import { isObject } from '../attributes/safe-values.ts';

/**
 * Trace context through an MCP request's `params._meta`, as the MCP semantic conventions recommend: MCP runs over
 * stdio as well as HTTP, and one HTTP request can carry several MCP messages, so only the message itself can say
 * which client span a server span belongs to. The globally configured propagators write the keys (`traceparent`,
 * `tracestate`, and `baggage` when baggage propagation is on).
 */

/**
 * A copy of a JSON-RPC request whose `params._meta` also holds the trace context of `ctx`. The caller's objects are
 * never changed; `_meta` keys the caller set win over ours. Requests whose `params` is not an object (or absent with
 * nothing to inject) are returned as given.
 *
 * @example
 * withTraceContext({ method: 'tools/call', params: { name: 'get_weather' } }, trace.setSpan(context.active(), span));
 * // { method: 'tools/call', params: { name: 'get_weather', _meta: { traceparent: '00-…-01' } } }
 */
export function withTraceContext<R>(request: R, ctx: Context): R {
  if (!isObject(request)) return request;
  const params = request.params;
  if (params !== undefined && !isObject(params)) return request;
  if (Array.isArray(params)) return request;
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  if (Object.keys(carrier).length === 0) return request;
  const meta = params?._meta;
  if (meta !== undefined && (!isObject(meta) || Array.isArray(meta))) return request;
  return { ...request, params: { ...params, _meta: { ...carrier, ...meta } } };
}

const readMeta = {
  get(carrier: Record<string, unknown>, key: string): string | undefined {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
  keys(carrier: Record<string, unknown>): string[] {
    return Object.keys(carrier);
  },
};

/**
 * The context an MCP request's `params._meta` carries, on top of `base`; `undefined` when it carries no valid span
 * context (the server span then has the ambient context as parent).
 *
 * @example
 * const remote = contextFromRequest(request, ROOT_CONTEXT);
 * if (remote !== undefined) trace.getSpanContext(remote)?.traceId; // the client's trace id
 */
export function contextFromRequest(request: unknown, base: Context = context.active()): Context | undefined {
  if (!isObject(request) || !isObject(request.params)) return undefined;
  const meta = request.params._meta;
  if (!isObject(meta) || Array.isArray(meta)) return undefined;
  const extracted = propagation.extract(base, meta, readMeta);
  const spanContext = trace.getSpanContext(extracted);
  if (spanContext === trace.getSpanContext(base)) return undefined;
  return spanContext !== undefined && trace.isSpanContextValid(spanContext) && spanContext.isRemote === true
    ? extracted
    : undefined;
}
