import { instrumentationBase } from '../core/loaders.ts';

type Wrapper = (original: never) => unknown;
type WrapMethod = (target: object, name: string, wrapper: Wrapper) => void;

/** Sets a property as shimmer does: configurable, writable, enumerable only if it was. */
function define(target: object, name: string, value: unknown): void {
  const enumerable = Object.prototype.propertyIsEnumerable.call(target, name);
  Object.defineProperty(target, name, { configurable: true, writable: true, enumerable, value });
}

/** Wraps `target[name]` on top of what is there, marked as shimmer marks a wrapper so that `_unwrap` restores it. */
function wrapAround(target: object, name: string, wrapper: Wrapper): void {
  const original = (target as Record<string, unknown>)[name];
  const wrapped = wrapper(original as never) as object;
  define(wrapped, '__original', original);
  define(wrapped, '__unwrap', () => {
    if ((target as Record<string, unknown>)[name] === wrapped) define(target, name, original);
  });
  define(wrapped, '__wrapped', true);
  define(target, name, wrapped);
}

/**
 * An instrumentation's `_wrap` that keeps the wrappers of other libraries. The Node.js `InstrumentationBase` first
 * removes any wrapper it finds on the method (meant for its own, when re-enabled): another instrumentation of the same
 * client registered before (OpenInference's openai instrumentation, as an app registers Phoenix before genai-otel
 * starts) would silently lose its spans. Here genai-otel's wrapper goes around another library's; its own wrappers
 * are still replaced as before.
 *
 * @example
 * this._wrap = keepingOthersWrappers(this._wrap);
 */
export function keepingOthersWrappers(baseWrap: WrapMethod): WrapMethod {
  const { isWrapped } = instrumentationBase();
  const own = new WeakSet<object>();
  return (target, name, wrapper) => {
    const current = (target as Record<string, unknown>)[name];
    if (isWrapped(current) && !own.has(current)) wrapAround(target, name, wrapper);
    else baseWrap(target, name, wrapper);
    const installed = (target as Record<string, unknown>)[name];
    if (typeof installed === 'function') own.add(installed);
  };
}
