/**
 * What another OpenTelemetry setup (Sentry, @vercel/otel, a hand-made NodeSDK) already registered, read from the
 * API's own global registry so that it works whichever copy of @opentelemetry/api registered it.
 */
export type GlobalApiName = 'trace' | 'metrics' | 'logs' | 'context' | 'propagation';

const API_KEY = Symbol.for('opentelemetry.js.api.1');

export function registeredGlobal(name: GlobalApiName): unknown {
  const registry = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[API_KEY];
  return registry?.[name];
}

interface SdkTracerProviderShape {
  getDelegate?: () => unknown;
  _activeSpanProcessor?: { _spanProcessors?: unknown[] };
}

/**
 * The span processor list of an SDK TracerProvider registered by someone else, when it has the shape of the
 * OpenTelemetry JS SDK (1.x to 3.x keep it in a MultiSpanProcessor). Undefined for any other provider.
 */
export function spanProcessorListOf(provider: unknown): unknown[] | undefined {
  let candidate = provider as SdkTracerProviderShape | undefined;
  // The registered global is the API's ProxyTracerProvider; the real provider is its delegate.
  if (candidate !== undefined && typeof candidate.getDelegate === 'function') {
    candidate = candidate.getDelegate() as SdkTracerProviderShape | undefined;
  }
  const list = candidate?._activeSpanProcessor?._spanProcessors;
  return Array.isArray(list) ? list : undefined;
}
