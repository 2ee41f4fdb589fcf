import { applicationApi } from '../core/loaders.ts';

interface TraceApiInternals {
  trace?: { _proxyTracerProvider?: { setDelegate?: (provider: unknown) => void } };
}

/**
 * Instrumentations an ES module preload created before genai-otel started took their tracers from the ES module
 * build of `@opentelemetry/api`, whose own proxy provider is not the one genai-otel registered through the CommonJS
 * build: their spans would stay non-recording. That proxy is pointed at the registered provider. Best effort: an API
 * of another shape is left alone.
 *
 * @example
 * if (instrumentedBefore) await handEarlyTracersOver();
 */
export async function handEarlyTracersOver(): Promise<void> {
  try {
    // Not a literal: the build must leave this import to Node, which gives the application's ES module build.
    const specifier = ['@opentelemetry', 'api'].join('/');
    const esmApi = (await import(specifier)) as TraceApiInternals;
    const registered = applicationApi().trace.getTracerProvider() as { getDelegate?: () => unknown };
    const earlyProxy = esmApi.trace?._proxyTracerProvider;
    if (earlyProxy !== undefined && earlyProxy !== registered) earlyProxy.setDelegate?.(registered.getDelegate?.());
  } catch {
    // Without the API's ES module build there is no early proxy to hand over.
  }
}
