import { createNoopMeter, metrics, type Counter, type Histogram, type MeterProvider } from '@opentelemetry/api';
import { genaiSettings } from '../config/genai-settings.ts';
import type { GenAISemconvMode } from '../config/config-types.ts';
import { VERSION } from '../version.ts';
import { storeServing, type MetricSeriesStore } from './metric-series.ts';
import {
  INSTRUMENTATION_SCOPE,
  METRIC_GENAI_OTEL_CLIENT_COST,
  METRIC_GENAI_OTEL_CLIENT_ERRORS,
  METRIC_GENAI_OTEL_CLIENT_RETRIES,
  METRIC_GENAI_OTEL_CLIENT_UNPRICED_CALLS,
  METRIC_GENAI_OTEL_MEMORY_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  METRIC_GEN_AI_CLIENT_INFERENCE_DURATION,
  METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_TIME_PER_OUTPUT_CHUNK,
  METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS,
  METRIC_GEN_AI_EXECUTE_TOOL_DURATION,
  METRIC_GEN_AI_INVOKE_AGENT_DURATION,
  METRIC_DB_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_INVOKE_WORKFLOW_DURATION,
} from '../attributes/names.ts';

function doubling(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => Number((first * 2 ** index).toPrecision(6)));
}

/** Bucket boundaries the GenAI conventions advise. */
export const DURATION_BUCKETS_SECONDS = doubling(0.01, 14); // 0.01 … 81.92
export const TOKEN_BUCKETS = Array.from({ length: 14 }, (_, index) => 4 ** index); // 1 … 67108864
export const AGENT_DURATION_BUCKETS_SECONDS = doubling(0.1, 13); // 0.1 … 409.6
/** The database conventions' advice for `db.client.operation.duration`. */
export const DB_DURATION_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

/**
 * The instruments of the GenAI helpers, by what they measure. Where the pinned conventions renamed a metric, the
 * instrument records under the name(s) OTEL_SEMCONV_STABILITY_OPT_IN selects (`GenAISemconvMode`); an instrument the
 * mode does not use records nothing.
 */
export interface GenAIInstruments {
  /** Inference calls (chat, text_completion, generate_content): `gen_ai.client.inference.duration` (latest). */
  inferenceDuration: Histogram;
  /** Other client operations (embeddings), and every call under the previous names. */
  operationDuration: Histogram;
  /** Previous names: `gen_ai.client.token.usage` by `gen_ai.token.type`. */
  tokenUsage: Histogram;
  /** Latest names: token counters by `gen_ai.token.modality`. */
  usage: {
    input: Counter;
    output: Counter;
    cacheRead: Counter;
    cacheWrite: Counter;
    reasoning: Counter;
  };
  /** Latest names: per-call token histograms (`gen_ai.client.inference.operation.{input,output}_tokens`). */
  operationInputTokens: Histogram;
  operationOutputTokens: Histogram;
  timeToFirstChunk: Histogram;
  timePerOutputChunk: Histogram;
  toolDuration: Histogram;
  agentDuration: Histogram;
  workflowDuration: Histogram;
  memoryDuration: Histogram;
  /** `db.client.operation.duration` of the vector-store calls the automatic instrumentations trace. */
  storeDuration: Histogram;
  cost: Counter;
  retries: Counter;
  errors: Counter;
  unpricedCalls: Counter;
}

/** Operation names the conventions count as inference (their inference span and metrics). */
export const INFERENCE_OPERATIONS: ReadonlySet<string> = new Set(['chat', 'text_completion', 'generate_content']);

const NOOP_METER = createNoopMeter();
const NOOP_HISTOGRAM = NOOP_METER.createHistogram('genai_otel.unused');
const NOOP_COUNTER = NOOP_METER.createCounter('genai_otel.unused');

/** One histogram that records into each of `targets` (a renamed metric under its old and new names). */
function fanOutHistogram(targets: Histogram[]): Histogram {
  if (targets.length === 0) return NOOP_HISTOGRAM;
  if (targets.length === 1) return targets[0]!;
  return { record: (value, attributes, ctx) => targets.forEach((target) => target.record(value, attributes, ctx)) };
}

let cache: { provider: MeterProvider; mode: GenAISemconvMode; instruments: GenAIInstruments } | undefined;

interface InstrumentFactory {
  histogram(name: string, unit: string, description: string, boundaries: number[]): Histogram;
  counter(name: string, unit: string, description: string): Counter;
}

function apiFactory(provider: MeterProvider): InstrumentFactory {
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE, VERSION);
  return {
    histogram: (name, unit, description, boundaries) =>
      meter.createHistogram(name, { unit, description, advice: { explicitBucketBoundaries: boundaries } }),
    counter: (name, unit, description) => meter.createCounter(name, { unit, description }),
  };
}

function storeFactory(store: MetricSeriesStore): InstrumentFactory {
  return {
    histogram: (name, unit, description, boundaries) => store.histogram({ name, unit, description, boundaries }),
    counter: (name, unit, description) => store.counter({ name, unit, description }),
  };
}

/**
 * The helpers' instruments, created against the current global MeterProvider: pre-bound series when it is the one
 * start() built (see metric-series.ts), the API's instruments otherwise. The metrics API has no proxy provider, so
 * instruments are re-created when a provider is registered after the first call.
 */
export function genaiInstruments(): GenAIInstruments {
  const provider = metrics.getMeterProvider();
  const mode = genaiSettings().semconv;
  if (cache !== undefined && cache.provider === provider && cache.mode === mode) return cache.instruments;
  const store = storeServing(provider);
  const make = store !== undefined ? storeFactory(store) : apiFactory(provider);
  const latest = mode !== 'previous';
  const previous = mode !== 'latest';
  const seconds = (name: string, description: string, boundaries = DURATION_BUCKETS_SECONDS) =>
    make.histogram(name, 's', description, boundaries);
  const tokens = (name: string, description: string) =>
    latest ? make.counter(name, '{token}', description) : NOOP_COUNTER;
  const tokenHistogram = (name: string, description: string) =>
    latest ? make.histogram(name, '{token}', description, TOKEN_BUCKETS) : NOOP_HISTOGRAM;
  const operationDuration = seconds(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, 'GenAI operation duration');
  const instruments: GenAIInstruments = {
    inferenceDuration: fanOutHistogram([
      ...(latest
        ? [seconds(METRIC_GEN_AI_CLIENT_INFERENCE_DURATION, 'GenAI client inference operation duration')]
        : []),
      ...(previous ? [operationDuration] : []),
    ]),
    operationDuration,
    tokenUsage: previous
      ? make.histogram(
          METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
          '{token}',
          'Number of input and output tokens used',
          TOKEN_BUCKETS,
        )
      : NOOP_HISTOGRAM,
    usage: {
      input: tokens(METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS, 'Input tokens used, including cached tokens'),
      output: tokens(
        METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS,
        'Output tokens used, including reasoning tokens',
      ),
      cacheRead: tokens(
        METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS,
        'Input tokens served from a provider cache',
      ),
      cacheWrite: tokens(
        METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS,
        'Input tokens written to a provider cache',
      ),
      reasoning: tokens(
        METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS,
        'Output tokens used for reasoning',
      ),
    },
    operationInputTokens: tokenHistogram(
      METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS,
      'Input tokens per inference operation',
    ),
    operationOutputTokens: tokenHistogram(
      METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS,
      'Output tokens per inference operation',
    ),
    timeToFirstChunk: fanOutHistogram([
      ...(latest
        ? [
            seconds(
              METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK,
              'Time to receive the first chunk of a streamed response',
            ),
          ]
        : []),
      ...(previous
        ? [
            seconds(
              METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
              'Time to receive the first chunk of a streamed response',
            ),
          ]
        : []),
    ]),
    timePerOutputChunk: fanOutHistogram([
      ...(latest
        ? [
            seconds(
              METRIC_GEN_AI_CLIENT_INFERENCE_TIME_PER_OUTPUT_CHUNK,
              'Time between consecutive chunks of a streamed response',
            ),
          ]
        : []),
      ...(previous
        ? [
            seconds(
              METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
              'Time between consecutive chunks of a streamed response',
            ),
          ]
        : []),
    ]),
    toolDuration: seconds(METRIC_GEN_AI_EXECUTE_TOOL_DURATION, 'Tool execution duration'),
    agentDuration: seconds(
      METRIC_GEN_AI_INVOKE_AGENT_DURATION,
      'Agent invocation duration',
      AGENT_DURATION_BUCKETS_SECONDS,
    ),
    workflowDuration: seconds(
      METRIC_GEN_AI_INVOKE_WORKFLOW_DURATION,
      'Workflow duration',
      AGENT_DURATION_BUCKETS_SECONDS,
    ),
    memoryDuration: seconds(METRIC_GENAI_OTEL_MEMORY_OPERATION_DURATION, 'Memory operation duration'),
    storeDuration: seconds(
      METRIC_DB_CLIENT_OPERATION_DURATION,
      'Duration of vector-store operations',
      DB_DURATION_BUCKETS_SECONDS,
    ),
    cost: make.counter(METRIC_GENAI_OTEL_CLIENT_COST, 'USD', 'Cost of GenAI calls in US dollars, from the price table'),
    retries: make.counter(METRIC_GENAI_OTEL_CLIENT_RETRIES, '{retry}', 'Retries of GenAI calls, by reason'),
    errors: make.counter(METRIC_GENAI_OTEL_CLIENT_ERRORS, '{error}', 'GenAI calls that failed, by error.type'),
    unpricedCalls: make.counter(
      METRIC_GENAI_OTEL_CLIENT_UNPRICED_CALLS,
      '{call}',
      'GenAI calls whose model has no price, so no cost was recorded',
    ),
  };
  cache = { provider, mode, instruments };
  return instruments;
}
