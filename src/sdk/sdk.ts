import { context, logs, metrics, propagation, trace } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { resolveConfig } from '../config/resolve.ts';
import type { StartOptions } from '../config/start-options.ts';
import type { GenAIOtelConfig } from '../config/config-types.ts';
import { createRedactor } from '../privacy/redactor.ts';
import { debug, errorOnce, installDiagnosticLogger, reportConfigProblems, warnOnce } from '../core/diagnostics.ts';
import {
  createDelivery,
  createLogRecordProcessors,
  createMetricReaders,
  createSpanProcessors,
  healthCountersFor,
  exportsLogs,
} from './pipelines.ts';
import type { ExportHealth } from '../export/health.ts';
import { INSTRUMENTATION_SCOPE } from '../attributes/names.ts';
import { VERSION } from '../version.ts';
import { installExitHandlers } from './exit-handlers.ts';
import { reportApiCopies } from './api-copies.ts';
import { registeredGlobal, spanProcessorListOf } from '../core/globals.ts';
import { contextAsyncHooks, sdkLogs, sdkMetrics, sdkTrace } from '../core/loaders.ts';
import { createPropagator } from './propagators.ts';
import { buildResource } from './resource.ts';
import { createSampler } from './sampler.ts';
import {
  createLLMSpanProcessor,
  enableExtraInstrumentations,
  enableInstrumentations,
} from '../instrumentations/index.ts';
import { MetricSeriesStore, serveFromStore } from '../genai/metric-series.ts';
import {
  currentState,
  currentStatus,
  disabledState,
  startedState,
  setState,
  type GenAIOtelStatus,
  type SdkState,
} from '../core/state.ts';
import { ContextLogRecordProcessor, ContextSpanProcessor } from '../context/processors.ts';
import { withContextBaggage } from '../context/sdk-wiring.ts';
import { ResolvingContextManager } from '../context/agents-context.ts';
import { enableLogBridges } from '../logs/bridges.ts';
import { DeferredLoggerProvider } from './deferred-logger-provider.ts';
import { printableUrl } from '../config/printable.ts';

/**
 * Starts OpenTelemetry with genai-otel's defaults: OTLP/HTTP traces, metrics and logs, resource detection without
 * cloud probing, W3C propagation and flushing at exit. Options override environment variables. Calling it again
 * returns the status of the first start. It never throws: problems are logged through the OTel diagnostic logger.
 *
 * @example
 * import { start } from 'genai-otel';
 * start({ serviceName: 'support-bot' });
 */
export function start(options: StartOptions = {}): GenAIOtelStatus {
  const existing = currentState();
  if (existing !== undefined) {
    if (Object.keys(options).length > 0) {
      warnOnce(
        'start:twice',
        'start() was called again with options; genai-otel is already running and keeps its first configuration',
      );
    }
    return existing.status;
  }
  const { config, problems } = resolveConfig(process.env, options);
  installDiagnosticLogger(config.logLevel);
  reportConfigProblems(problems);

  if (config.disabled) {
    setState(disabledState(config));
    debug('OTEL_SDK_DISABLED is true: no telemetry is set up');
    return currentState()!.status;
  }
  const state = startedState(config, false);
  setState(state);

  try {
    setUpSignals(state, config, options.instrumentations ?? []);
  } catch (error) {
    errorOnce('start:failed', 'could not start OpenTelemetry; the application runs without telemetry', error);
  }
  if (config.installExitHandlers) {
    state.removeExitHandlers = installExitHandlers(() => shutdownState(state));
  }
  debug(
    `started: traces ${state.status.tracing} (${config.traces.exporters.join('+') || 'none'}), metrics ${state.status.metrics}, logs ${state.status.logs}; OTLP ${printableUrl(config.traces.otlp.url)}`,
  );
  return state.status;
}

function setUpSignals(state: SdkState, config: GenAIOtelConfig, requested: readonly unknown[]): void {
  const apiCopies = reportApiCopies(config.logLevel === 'none');
  if (registeredGlobal('context') === undefined) {
    const { AsyncLocalStorageContextManager } = contextAsyncHooks();
    // Resolving: an agent framework's current step (OpenAI Agents SDK) becomes the parent of the spans started in it.
    context.setGlobalContextManager(new ResolvingContextManager(new AsyncLocalStorageContextManager()).enable());
  }
  const propagator = withContextBaggage(createPropagator(config.propagators), config.genai.propagateBaggage);
  if (propagator !== undefined && registeredGlobal('propagation') === undefined) {
    propagation.setGlobalPropagator(propagator);
  }

  const { resource, serviceName } = buildResource(config);
  const delivery = createDelivery(config, serviceName);
  state.delivery = delivery;
  const counters = healthCountersFor(config, delivery);
  state.health = counters;
  const spanLimits = {
    attributeValueLengthLimit: config.limits.attributeValueLengthLimit,
    attributeCountLimit: config.limits.attributeCountLimit,
  };

  // The helpers' metrics are pre-bound series collected by our readers, unless another provider keeps the global slot.
  const metricsTaken = registeredGlobal('metrics') !== undefined;
  const series = metricsTaken
    ? undefined
    : new MetricSeriesStore({ name: INSTRUMENTATION_SCOPE, version: VERSION }, resource);
  const readers = createMetricReaders(config, delivery, series, counters);
  if (readers.length > 0) {
    if (metricsTaken) {
      state.status.metrics = 'existing-provider-kept';
      warnOnce(
        'coexist:metrics',
        'a global MeterProvider is already registered by another library; genai-otel metrics go to it',
      );
    } else {
      const { MeterProvider } = sdkMetrics();
      state.meterProvider = new MeterProvider({ resource, readers });
      metrics.setGlobalMeterProvider(state.meterProvider);
      serveFromStore(state.meterProvider, series!);
      state.status.metrics = 'registered';
      counters?.observeWith(state.meterProvider.getMeter(INSTRUMENTATION_SCOPE, VERSION));
    }
  }

  // One redactor for spans and logs: every exporter genai-otel creates, on its own provider or attached to another's.
  const redactor = createRedactor(config.privacy);
  const exporting = createSpanProcessors(config, delivery, state.meterProvider, redactor, counters);
  // The LLM span processor completes other libraries' spans; it exports nothing, so alone it sets up no provider.
  const spanProcessors = exporting.length === 0 ? exporting : [createLLMSpanProcessor(config), ...exporting];
  if (spanProcessors.length > 0) {
    const existingProvider = registeredGlobal('trace');
    // The context processor comes first so that every span carries session.id, user.id, ... (withContext).
    if (apiCopies !== undefined && (existingProvider === undefined || !apiCopies.canUseRegistered)) {
      // Neither registering nor attaching would carry a span: say so in the status (reportApiCopies said why).
      for (const processor of spanProcessors) void processor.shutdown().catch(() => undefined);
    } else if (existingProvider !== undefined) {
      attachToExistingTracerProvider(state, existingProvider, [new ContextSpanProcessor(), ...spanProcessors]);
    } else {
      const { TracerProvider } = sdkTrace();
      state.tracerProvider = new TracerProvider({
        resource,
        sampler: createSampler(config.traces),
        spanLimits,
        spanProcessors: [new ContextSpanProcessor(), ...spanProcessors],
      });
      trace.setGlobalTracerProvider(state.tracerProvider);
      state.status.tracing = 'registered';
    }
  }

  if (exportsLogs(config, delivery)) {
    if (registeredGlobal('logs') !== undefined) {
      state.status.logs = 'existing-provider-kept';
      warnOnce(
        'coexist:logs',
        'a global LoggerProvider is already registered by another library; genai-otel log events go to it',
      );
    } else {
      // Built at the first getLogger(): see DeferredLoggerProvider.
      state.loggerProvider = new DeferredLoggerProvider(() => {
        const { LoggerProvider } = sdkLogs();
        const processors = createLogRecordProcessors(config, delivery, redactor, counters);
        return new LoggerProvider({
          resource,
          processors: [new ContextLogRecordProcessor(), ...processors],
          logRecordLimits: spanLimits,
        });
      });
      logs.setGlobalLoggerProvider(state.loggerProvider);
      state.status.logs = 'registered';
    }
  }

  // After the providers are registered: a tracer taken from the API's proxy before that would never reach the SDK
  // when the instrumentation uses the other (CommonJS or ESM) copy of @opentelemetry/api. Still inside start(),
  // before the application loads the libraries they hook (the ESM preload waits for their hooks).
  // Listed once patched: an instrumentation that is on but never saw its library (bundled, or imported where no hook
  // looks) is not listed. Instrumentation objects passed to start() are listed as given.
  const traced = state.status.instrumentations;
  enableInstrumentations(config, (name) => {
    if (!traced.includes(name)) traced.push(name);
  });
  traced.push(...enableExtraInstrumentations(Array.isArray(requested) ? requested : []));
  // Correlation (trace ids in pino/winston records) helps even where logs are not exported by us.
  enableLogBridges(config.logBridges);
}

/**
 * Another library registered its tracer provider first. A second provider cannot be registered, and replacing
 * theirs would break them; instead our exporters join their provider's processors, so every span (theirs and ours)
 * reaches both destinations. Their resource and sampler then apply to the spans we export.
 */
function attachToExistingTracerProvider(state: SdkState, provider: unknown, spanProcessors: SpanProcessor[]): void {
  const list = spanProcessorListOf(provider);
  if (list === undefined) {
    state.status.tracing = 'existing-provider-kept';
    warnOnce(
      'coexist:trace',
      'a global TracerProvider of an unknown kind is already registered by another library; genai-otel spans go to it and genai-otel exports no traces of its own. ' +
        'Start genai-otel first, or add the processors from createSpanProcessors() to that provider.',
    );
    for (const processor of spanProcessors) void processor.shutdown().catch(() => undefined);
    return;
  }
  list.push(...spanProcessors);
  state.attachedSpanProcessors = spanProcessors;
  state.status.tracing = 'attached-to-existing';
  warnOnce(
    'coexist:trace',
    'a global TracerProvider is already registered by another library; genai-otel added its exporters to it instead of registering a second provider',
  );
}

/**
 * Resolves true when `work` settled in time, false when the deadline passed first; never rejects. `unfinished` says,
 * at the deadline, what becomes of the telemetry not yet delivered.
 */
function withTimeout(
  work: Promise<unknown>,
  timeoutMillis: number,
  what: string,
  unfinished: () => string,
): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      warnOnce(
        `timeout:${what}`,
        `${what} did not finish within ${timeoutMillis} ms (GENAI_OTEL_SHUTDOWN_TIMEOUT_MS); ${unfinished()}`,
      );
      resolve(false);
    }, timeoutMillis);
    // Not unref'd: the sockets of exports are (they must not keep a finished app alive), so this timer is what keeps
    // the process alive while a flush or shutdown waits for them; it is cleared the moment the work settles.
    work.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!timedOut) errorOnce(`failed:${what}`, `${what} failed`, error);
        resolve(true);
      },
    );
  });
}

/** Everything that buffers telemetry: our providers, and our processors attached to another SDK's provider. */
function flushableParts(state: SdkState): { forceFlush(): Promise<void>; shutdown(): Promise<void> }[] {
  return [state.tracerProvider, ...state.attachedSpanProcessors, state.meterProvider, state.loggerProvider].filter(
    (part) => part !== undefined,
  );
}

function shutdownState(state: SdkState): Promise<boolean> {
  state.shutdownPromise ??= (async () => {
    state.removeExitHandlers?.();
    // Sends give up in time to put what failed on disk before the deadline.
    state.delivery?.beginShutdown(Date.now() + state.status.config.shutdownTimeoutMillis);
    const work = flushableParts(state).map((part) => part.shutdown());
    // The shared delivery stops last, once every provider has handed over what it had.
    const everything = Promise.all(work).then(() => state.delivery?.shutdown());
    return withTimeout(everything, state.status.config.shutdownTimeoutMillis, 'shutdown', () =>
      unfinishedWork(state, true),
    );
  })();
  return state.shutdownPromise;
}

/**
 * Exports everything buffered and stops the SDK, within GENAI_OTEL_SHUTDOWN_TIMEOUT_MS. Safe to call more than once
 * and when genai-otel never started; never rejects.
 *
 * @example
 * process.on('SIGTERM', async () => { await server.close(); await shutdown(); process.exit(0); });
 */
export async function shutdown(): Promise<void> {
  const state = currentState();
  if (state !== undefined) await shutdownState(state);
}

/**
 * Exports everything buffered now, without stopping (for serverless handlers: call it before returning).
 *
 * @example
 * export const handler = async (event) => { try { return await answer(event); } finally { await forceFlush(); } };
 */
export async function forceFlush(): Promise<void> {
  const state = currentState();
  if (state === undefined || state.shutdownPromise !== undefined) return;
  const work = flushableParts(state).map((part) => part.forceFlush());
  await withTimeout(
    Promise.all(work).then(() => state.delivery?.flush()),
    state.status.config.shutdownTimeoutMillis,
    'flush',
    () => unfinishedWork(state, false),
  );
}

/** What a bounded flush did with the items it handed over. */
export interface BoundedFlushResult {
  /** The flush settled within the bound. */
  finished: boolean;
  /** Items the collector took, items put in the spool for later, items lost (counted), during the flush. */
  sent: number;
  spooled: number;
  dropped: number;
}

const countsOf = (state: SdkState) => {
  const health = state.delivery?.health();
  let sent = 0;
  let spooled = 0;
  let dropped = 0;
  for (const counts of Object.values(health?.signals ?? {})) {
    sent += counts.exported;
    spooled += counts.spooled;
    dropped += counts.dropped;
  }
  return { sent, spooled, dropped };
};

/**
 * Exports everything buffered, taking at most `boundMillis`: sends the collector has not answered shortly before the
 * bound give up and their payloads are spooled (to be sent by a later invocation or start), so a hanging collector
 * costs the bound and nothing more. Never rejects. For wrapHandler().
 */
export async function flushWithin(boundMillis: number): Promise<BoundedFlushResult | undefined> {
  const state = currentState();
  if (state === undefined || state.shutdownPromise !== undefined || state.status.config.disabled) return undefined;
  const before = countsOf(state);
  const cancelCut = state.delivery?.cutSendsAt(Date.now() + boundMillis);
  let timer: NodeJS.Timeout | undefined;
  const work = Promise.all(flushableParts(state).map((part) => part.forceFlush()))
    .then(() => state.delivery?.flush())
    .then(
      () => true,
      (error: unknown) => {
        errorOnce('failed:bounded-flush', 'flush failed', error);
        return true;
      },
    );
  const finished = await Promise.race([
    work,
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), boundMillis);
    }),
  ]);
  clearTimeout(timer);
  cancelCut?.();
  const after = countsOf(state);
  return {
    finished,
    sent: after.sent - before.sent,
    spooled: after.spooled - before.spooled,
    dropped: after.dropped - before.dropped,
  };
}

/**
 * What becomes of the telemetry a flush (or, with `stopping`, the shutdown) did not finish delivering: items still
 * being sent go on (and to the spool if the collector does not take them) unless the process ends first; what is
 * spooled waits for the next start. Only what is truly lost is called dropped.
 */
function unfinishedWork(state: SdkState, stopping: boolean): string {
  const delivery = state.delivery;
  const health = delivery?.health();
  const waiting = health?.spool.entries ?? 0;
  const spooledNote =
    waiting > 0
      ? `; ${waiting} payloads wait in the spool ${stopping ? 'for the next start' : 'and are sent once the collector answers'}`
      : '';
  const unsettled = delivery?.unsettledItems ?? 0;
  if (unsettled === 0)
    return `telemetry not handed to the exporter yet is ${stopping ? 'lost if the process ends now' : 'exported later'}${spooledNote}`;
  const items = unsettled === 1 ? '1 item' : `${unsettled} items`;
  if (stopping)
    return `${items} still being sent ${unsettled === 1 ? 'is' : 'are'} lost if the process ends now${spooledNote}`;
  const fate = delivery!.spools
    ? 'what the collector does not take goes to the spool'
    : 'what the collector does not take is dropped and counted (no spool)';
  return `${items} ${unsettled === 1 ? 'is' : 'are'} still being sent: ${fate}${spooledNote}`;
}

/**
 * The export pipeline's health: items exported, spooled, replayed and dropped per signal, export errors, spool size,
 * whether the collector answered last time. Undefined when nothing is exported over OTLP or to the local files.
 *
 * @example
 * app.get('/healthz/telemetry', (req, res) => res.json(getExportHealth()));
 */
export function getExportHealth(): ExportHealth | undefined {
  const state = currentState();
  return state?.delivery?.health() ?? (state?.health === undefined ? undefined : structuredClone(state.health.health));
}

/** What genai-otel set up, or undefined before `start()`. */
export function getStatus(): GenAIOtelStatus | undefined {
  return currentStatus();
}
