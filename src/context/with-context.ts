import { context, trace, type Context } from '@opentelemetry/api';
import { errorOnce, warnOnce } from '../core/diagnostics.ts';
import {
  SCOPE_KEY,
  cleanValues,
  mergeValues,
  scopeOf,
  spanAttributesIn,
  valuesIn,
  type ContextScope,
  type GenAIContext,
} from './scope.ts';

/** A new context whose scope holds `values` merged over those of `parent`. */
function contextWith(parent: Context, values: unknown, origin: string): Context {
  const scope: ContextScope = { values: mergeValues(scopeOf(parent)?.values, cleanValues(values, origin)) };
  return parent.setValue(SCOPE_KEY, scope);
}

/**
 * Runs `fn` with session, user and conversation ids (and attributes of your own) that every span started inside gets,
 * whoever starts it: genai-otel's helpers, auto-instrumented clients, HTTP and database instrumentations, or a library
 * calling the OpenTelemetry API. Follows `await`, timers and callbacks. Nested calls add to and override the outer
 * values. Returns exactly what `fn` returns.
 *
 * @example
 * await withContext({ sessionId: 'sess-42', userId: 'user-7', conversationId: thread.id }, () => agent.answer(question));
 */
export function withContext<R>(values: GenAIContext, fn: () => R): R {
  let ctx: Context;
  try {
    ctx = contextWith(context.active(), values, 'withContext');
  } catch (error) {
    errorOnce('withContext:setup', 'withContext: could not set the context; the function runs without it', error);
    return fn();
  }
  return context.with(ctx, fn);
}

/**
 * Adds values to the scope of the innermost `withContext` (or `contextMiddleware`) around the running code, for the
 * rest of that scope: a later middleware (authentication, say) can add the user id to a request whose session was set
 * first. Spans started from then on get the values, and so does the span active now (the HTTP server span, for
 * instance). Outside any scope it does nothing and says so once; it returns whether the values were set.
 *
 * @example
 * app.use(contextMiddleware((req) => ({ sessionId: req.get('x-session-id') })));
 * app.use((req, res, next) => { setContext({ userId: req.user.id }); next(); });
 */
export function setContext(values: GenAIContext): boolean {
  try {
    const active = context.active();
    const scope = scopeOf(active);
    if (scope === undefined) {
      warnOnce(
        'setContext:no-scope',
        'setContext() was called outside withContext() or contextMiddleware(): there is no scope to add to, so nothing was set. Wrap the request in withContext() or install contextMiddleware() first.',
      );
      return false;
    }
    scope.values = mergeValues(scope.values, cleanValues(values, 'setContext'));
    scope.spanAttributes = undefined;
    tagActiveSpan(active);
    return true;
  } catch (error) {
    errorOnce('setContext:failed', 'setContext: could not set the context', error);
    return false;
  }
}

/**
 * The values in force where the code runs (innermost scope first, then ids received as baggage when
 * GENAI_OTEL_PROPAGATE_BAGGAGE is on), or an empty object.
 *
 * @example
 * const { sessionId, userId } = getContext();
 */
export function getContext(): GenAIContext {
  const values = valuesIn(context.active());
  if (values === undefined) return {};
  return { ...values, attributes: { ...values.attributes } };
}

/** Gives the active span (typically the HTTP server span started before the middleware ran) the scope's attributes. */
function tagActiveSpan(ctx: Context): void {
  const span = trace.getSpan(ctx);
  if (span === undefined || !span.isRecording()) return;
  const attributes = spanAttributesIn(ctx);
  if (attributes !== undefined) span.setAttributes(attributes);
}

type NextFunction = (error?: unknown) => unknown;

/**
 * An Express / Connect style middleware that runs the rest of the request in `withContext(extract(req, res))`, and
 * gives the request's server span the same attributes. A throwing `extract` is reported once and the request goes on.
 *
 * @example
 * app.use(contextMiddleware((req) => ({ sessionId: req.get('x-session-id'), userId: req.user?.id })));
 */
export function contextMiddleware<Req, Res>(extract: (req: Req, res: Res) => GenAIContext) {
  return function genaiContextMiddleware(req: Req, res: Res, next: NextFunction): unknown {
    let ctx: Context;
    try {
      ctx = contextWith(context.active(), extract(req, res), 'contextMiddleware');
      tagActiveSpan(ctx);
    } catch (error) {
      errorOnce(
        'contextMiddleware:extract',
        'contextMiddleware: the extract function threw; the request goes on without context',
        error,
      );
      return next();
    }
    return context.with(ctx, next);
  };
}
