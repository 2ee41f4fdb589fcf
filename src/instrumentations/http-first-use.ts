import { errorOnce } from '../core/diagnostics.ts';
import { requestedByLoaders } from '../core/loaders.ts';

const HTTP_SPECIFIERS = new Set(['http', 'https', 'node:http', 'node:https']);

/**
 * Runs `enable` (which loads and enables the HTTP instrumentation) when the application first requires or imports
 * `http` or `https`, through an in-thread module resolve hook, instead of at start: an app that serves or calls
 * nothing over HTTP does not load the instrumentation, nor Node's `net` and `http` (about 10 ms of start-up together).
 * The hook runs before the module reaches the importer, so the patched module is what the app gets; genai-otel's own
 * exporter loading `node:http` does not count. Where `http` is
 * already loaded (start() called from the app after its imports) or in-thread hooks are missing, `enable` runs now.
 *
 * @example
 * enableOnFirstHttpUse(() => createServerInstrumentation('http'));
 */
export function enableOnFirstHttpUse(enable: () => void): void {
  const nodeModule = process.getBuiltinModule('node:module');
  const loaded = (process as { moduleLoadList?: unknown }).moduleLoadList;
  const httpLoaded = !Array.isArray(loaded) || loaded.includes('NativeModule http');
  if (httpLoaded || typeof nodeModule.registerHooks !== 'function') {
    enable();
    return;
  }
  let state: 'waiting' | 'enabling' | 'done' = 'waiting';
  const hooks = nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      if (state === 'waiting' && HTTP_SPECIFIERS.has(specifier) && !requestedByLoaders(context.parentURL)) {
        // The instrumentation requires `http` itself while enabling: that resolution passes straight through.
        state = 'enabling';
        try {
          enable();
        } catch (error) {
          errorOnce('instrumentation:http', 'could not enable the http instrumentation; HTTP is not traced', error);
        }
        state = 'done';
        // Removing a hook while it runs is left to the next turn.
        queueMicrotask(() => hooks.deregister?.());
      }
      return nextResolve(specifier, context);
    },
  });
}
