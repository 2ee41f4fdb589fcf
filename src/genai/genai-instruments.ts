import { metrics, type Counter, type Histogram, type MeterProvider } from '@opentelemetry/api';
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
  METRIC_GEN_AI_EXECUTE_TOOL_DURATION,
  METRIC_GEN_AI_INVOKE_AGENT_DURATION,
  METRIC_DB_CLIENT_OPERATION_DURATION,
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

export interface GenAIInstruments {
  operationDuration: Histogram;
  tokenUsage: Histogram;
  timeToFirstChunk: Histogram;
  timePerOutputChunk: Histogram;
  toolDuration: Histogram;
  agentDuration: Histogram;
  memoryDuration: Histogram;
  /** `db.client.operation.duration` of the vector-store calls the automatic instrumentations trace. */
  storeDuration: Histogram;
  cost: Counter;
  retries: Counter;
  errors: Counter;
  unpricedCalls: Counter;
}

let cache: { provider: MeterProvider; instruments: GenAIInstruments } | undefined;

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
  if (cache !== undefined && cache.provider === provider) return cache.instruments;
  const store = storeServing(provider);
  const make = store !== undefined ? storeFactory(store) : apiFactory(provider);
  const seconds = (name: string, description: string, boundaries = DURATION_BUCKETS_SECONDS) =>
    make.histogram(name, 's', description, boundaries);
  const instruments: GenAIInstruments = {
    operationDuration: seconds(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, 'GenAI operation duration'),
    tokenUsage: make.histogram(
      METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
      '{token}',
      'Number of input and output tokens used',
      TOKEN_BUCKETS,
    ),
    timeToFirstChunk: seconds(
      METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
      'Time to receive the first chunk of a streamed response',
    ),
    timePerOutputChunk: seconds(
      METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
      'Time between consecutive chunks of a streamed response',
    ),
    toolDuration: seconds(METRIC_GEN_AI_EXECUTE_TOOL_DURATION, 'Tool execution duration'),
    agentDuration: seconds(
      METRIC_GEN_AI_INVOKE_AGENT_DURATION,
      'Agent invocation duration',
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
  cache = { provider, instruments };
  return instruments;
}
