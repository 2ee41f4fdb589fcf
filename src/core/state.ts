import type { TracerProvider, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { DeferredLoggerProvider } from '../sdk/deferred-logger-provider.ts';
import type { GenAIOtelConfig } from '../config/config-types.ts';
import type { OtlpDelivery } from '../export/delivery.ts';
import type { HealthCounters } from '../export/health.ts';

/** What `start()` set up; `tracing` says whether our tracer provider is the global one, attached to another, or absent. */
export interface GenAIOtelStatus {
  started: boolean;
  disabled: boolean;
  tracing: 'registered' | 'attached-to-existing' | 'existing-provider-kept' | 'off';
  metrics: 'registered' | 'existing-provider-kept' | 'off';
  logs: 'registered' | 'existing-provider-kept' | 'off';
  /**
   * Client libraries traced automatically: those of GENAI_OTEL_INSTRUMENTATIONS whose module was actually patched
   * (a library joins the list when the application loads it; a bundled copy never does).
   */
  instrumentations: string[];
  config: GenAIOtelConfig;
}

export interface SdkState {
  status: GenAIOtelStatus;
  tracerProvider?: TracerProvider;
  attachedSpanProcessors: SpanProcessor[];
  meterProvider?: MeterProvider;
  loggerProvider?: DeferredLoggerProvider;
  delivery?: OtlpDelivery;
  /** The export health: the delivery's counters, or the local files' when nothing goes over OTLP. */
  health?: HealthCounters;
  removeExitHandlers?: () => void;
  /** Resolves true when everything was flushed in time. */
  shutdownPromise?: Promise<boolean>;
}

// One state per process, even when both the ESM and the CommonJS build of genai-otel are loaded (and the preload's
// light entry, which records a disabled start without loading the SDK).
const STATE_KEY = Symbol.for('genai-otel.sdk.state');
const globalSlots = globalThis as Record<symbol, SdkState | undefined>;

export function currentState(): SdkState | undefined {
  return globalSlots[STATE_KEY];
}

export function setState(state: SdkState): void {
  globalSlots[STATE_KEY] = state;
}

/** What genai-otel set up, or undefined before `start()` (the public `getStatus()`, readable from any floor). */
export function currentStatus(): GenAIOtelStatus | undefined {
  return currentState()?.status;
}

/** The state of a start before anything is set up: every signal off, no instrumentation yet. */
export function startedState(config: GenAIOtelConfig, disabled: boolean): SdkState {
  return {
    status: {
      started: true,
      disabled,
      tracing: 'off',
      metrics: 'off',
      logs: 'off',
      instrumentations: [],
      config,
    },
    attachedSpanProcessors: [],
  };
}

/** The state of a start with OTEL_SDK_DISABLED=true: nothing set up, the helpers run untraced. */
export function disabledState(config: GenAIOtelConfig): SdkState {
  return startedState(config, true);
}
