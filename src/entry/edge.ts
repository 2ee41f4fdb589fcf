// What `import ... from 'genai-otel'` gives code bundled for an edge runtime (the `edge-light`, `worker` and `browser`
// export conditions): the same names as the Node.js build, each doing nothing but run the application's code. The
// Node.js build reads node:os, node:fs and process.getBuiltinModule at load time; on the edge that breaks the build or
// every request (Next.js middleware and `runtime = 'edge'` routes). Spans are not recorded here: the helpers run
// `fn` with a non-recording span, start() reports itself disabled, the processors pass everything through.
// `genai-otel/next` resolves to the same light module on the edge and in Node.js (src/entry/next.ts).
import { INVALID_SPAN_CONTEXT, trace, type Span } from '@opentelemetry/api';
import type * as Full from '../index.ts';

export * as names from '../attributes/names.ts';
export { costOfUsage } from '../genai/cost/calculate.ts';
export { normalizeModelName } from '../genai/cost/model-names.ts';

const NOOP_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
const NOOP_CALL = {
  span: NOOP_SPAN,
  setUsage: () => undefined,
  setResponse: () => undefined,
  recordRetry: () => undefined,
  recordChunk: () => undefined,
};

/** Runs `fn` with a span that records nothing: the edge version of every `with…` helper. */
const runWithSpan = <R>(_request: unknown, fn: (span: Span) => R): R => fn(NOOP_SPAN);
/** Returns `fn` itself: the edge version of every `trace…` wrapper. */
const same = <F>(fn: F): F => fn;

/** Nothing is set up on the edge; `config` is absent (the settings are never read there). */
const EDGE_STATUS = {
  started: false,
  disabled: true,
  tracing: 'off',
  metrics: 'off',
  logs: 'off',
  instrumentations: [],
} as unknown as ReturnType<typeof Full.start>;
export const start: typeof Full.start = () => EDGE_STATUS;
export const shutdown: typeof Full.shutdown = () => Promise.resolve();
export const forceFlush: typeof Full.forceFlush = () => Promise.resolve();
export const getStatus: typeof Full.getStatus = () => undefined;
export const getExportHealth: typeof Full.getExportHealth = () => undefined;
// The edge has nothing to flush: the handler's own promise, unchanged.
export const wrapHandler = ((handler: (...args: unknown[]) => unknown) =>
  typeof handler === 'function'
    ? async function (this: unknown, ...args: unknown[]) {
        return await handler.apply(this, args);
      }
    : handler) as unknown as typeof Full.wrapHandler;

export const withLLMCall: typeof Full.withLLMCall = (_request, fn) => fn(NOOP_CALL);
export const traceLLM: typeof Full.traceLLM = same;
export const currentLLMCall: typeof Full.currentLLMCall = () => undefined;
export const withToolCall: typeof Full.withToolCall = runWithSpan;
export const traceTool: typeof Full.traceTool = same;
export const withMemoryOperation: typeof Full.withMemoryOperation = runWithSpan;
export const traceMemory: typeof Full.traceMemory = same;
export const withAgent: typeof Full.withAgent = runWithSpan;
export const traceAgent: typeof Full.traceAgent = same;
export const withWorkflow: typeof Full.withWorkflow = runWithSpan;
export const traceWorkflow: typeof Full.traceWorkflow = same;
export const withRetrieval: typeof Full.withRetrieval = runWithSpan;
export const traceRetrieval: typeof Full.traceRetrieval = same;
export const withSpan: typeof Full.withSpan = (_name, fn) => fn(NOOP_SPAN);
export const traceSpan: typeof Full.traceSpan = same;

export const instrument: typeof Full.instrument = same;
export const withContext: typeof Full.withContext = (_values, fn) => fn();
export const setContext: typeof Full.setContext = () => false;
export const getContext: typeof Full.getContext = () => ({});
export const contextMiddleware: typeof Full.contextMiddleware =
  () =>
  (_req: unknown, _res: unknown, next?: (error?: unknown) => void): void => {
    next?.();
  };
export const recordFeedback: typeof Full.recordFeedback = () => false;
export const answerRef: typeof Full.answerRef = () => undefined;
export const withRevision: typeof Full.withRevision = runWithSpan;
export const recordRevision: typeof Full.recordRevision = () => undefined;
export const summarizeSessions: typeof Full.summarizeSessions = () => [];
export const describeAgent: typeof Full.describeAgent = () => undefined;
export const recordDecision: typeof Full.recordDecision = () => undefined;
export const defineEvent = ((name: string) => ({ name, emit: () => false })) as typeof Full.defineEvent;

const NOOP_LOGGER = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => NOOP_LOGGER,
};
export const getLogger: typeof Full.getLogger = () => NOOP_LOGGER;

export const redactingSpanExporter: typeof Full.redactingSpanExporter = same;
export const redactingLogRecordExporter: typeof Full.redactingLogRecordExporter = same;
// The redaction rules are not in this build: nothing is given back that could hold a secret.
export const redactText: typeof Full.redactText = () => '[REDACTED: genai-otel does not redact on the edge runtime]';

/** Passes every span and log record through unchanged. */
class PassThroughProcessor {
  onStart(): void {}
  onEmit(): void {}
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
export const ContextSpanProcessor = PassThroughProcessor as unknown as typeof Full.ContextSpanProcessor;
export const ContextLogRecordProcessor = PassThroughProcessor as unknown as typeof Full.ContextLogRecordProcessor;
export const LLMSpanProcessor = PassThroughProcessor as unknown as typeof Full.LLMSpanProcessor;
export const ContextBaggagePropagator = class {
  inject(): void {}
  extract(context: unknown): unknown {
    return context;
  }
  fields(): string[] {
    return [];
  }
} as unknown as typeof Full.ContextBaggagePropagator;
export const GenAICallbackHandler = class {
  readonly name = 'GenAICallbackHandler';
} as unknown as typeof Full.GenAICallbackHandler;
