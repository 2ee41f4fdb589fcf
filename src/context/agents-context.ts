import { context, type Context, type ContextManager } from '@opentelemetry/api';
import { errorOnce } from '../core/diagnostics.ts';

/**
 * Given the context OpenTelemetry's own storage holds, the context code should see instead, or undefined to keep it.
 * An agent framework that keeps its "current step" in a storage of its own (the OpenAI Agents SDK) sets one, so that
 * spans started inside a step (the LLM client's, the app's) get the step's span as parent.
 */
export type ActiveContextResolver = (stored: Context) => Context | undefined;

/**
 * By framework: several can be loaded in one process (the Agents SDK and LangGraph). Process-wide: an ES module app
 * that imports genai-otel (a LangChain handler passed by hand) has another copy of this module than the preload's
 * context manager.
 */
const RESOLVERS_KEY = Symbol.for('genai-otel.context-resolvers');
const resolvers: Map<string, ActiveContextResolver> =
  ((globalThis as Record<symbol, unknown>)[RESOLVERS_KEY] as Map<string, ActiveContextResolver> | undefined) ??
  new Map();
(globalThis as Record<symbol, unknown>)[RESOLVERS_KEY] = resolvers;
/** The manager registered last: where `storedActiveContext()` reads. */
let registered: ResolvingContextManager | undefined;

/**
 * The context OpenTelemetry's storage holds, before any resolver: what a resolver compares with. Without a resolving
 * manager registered (an app that set up OpenTelemetry itself) it is `context.active()`.
 *
 * @example
 * const stored = storedActiveContext();
 */
export function storedActiveContext(): Context {
  return registered === undefined ? context.active() : registered.stored();
}

/**
 * Sets (or clears, with undefined) the resolver of one framework, which every `context.active()` consults; the
 * first resolver that answers wins.
 *
 * @example
 * setActiveContextResolver('openai-agents', (stored) => stepContextFor(stored));
 */
export function setActiveContextResolver(framework: string, next: ActiveContextResolver | undefined): void {
  if (next === undefined) resolvers.delete(framework);
  else resolvers.set(framework, next);
}

/**
 * The global context manager genai-otel registers: OpenTelemetry's own, whose `active()` asks the resolver first.
 * Without a resolver (no agent framework loaded) it costs one check per call. `with()` and `bind()` are the inner
 * manager's: a context set explicitly is always the one seen.
 *
 * @example
 * context.setGlobalContextManager(new ResolvingContextManager(new AsyncLocalStorageContextManager()).enable());
 */
export class ResolvingContextManager implements ContextManager {
  private readonly inner: ContextManager;

  constructor(inner: ContextManager) {
    this.inner = inner;
  }

  /** The inner manager's active context, unresolved. */
  stored(): Context {
    return this.inner.active();
  }

  active(): Context {
    const stored = this.inner.active();
    if (resolvers.size === 0) return stored;
    try {
      for (const resolve of resolvers.values()) {
        const resolved = resolve(stored);
        if (resolved !== undefined) return resolved;
      }
      return stored;
    } catch (error) {
      errorOnce(
        'context:resolver',
        'could not find the active agent step; spans started now get the context OpenTelemetry holds',
        error,
      );
      return stored;
    }
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.inner.with(context, fn, thisArg, ...args);
  }

  bind<T>(context: Context, target: T): T {
    return this.inner.bind(context, target);
  }

  enable(): this {
    this.inner.enable();
    registered = this;
    return this;
  }

  disable(): this {
    this.inner.disable();
    if (registered === this) registered = undefined;
    return this;
  }
}
