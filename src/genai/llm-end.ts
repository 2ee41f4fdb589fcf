import type { Attributes, Span } from '@opentelemetry/api';
import { warnOnce } from '../core/diagnostics.ts';
import { costOfUsage } from './cost/calculate.ts';
import { loadPriceTable } from './cost/price-table.ts';
import { ShapeCache } from './shape-cache.ts';
import { genaiInstruments, INFERENCE_OPERATIONS, type GenAIInstruments } from './genai-instruments.ts';
import {
  ATTR_ERROR_TYPE,
  ATTR_GENAI_OTEL_COST_UNKNOWN_MODEL,
  ATTR_GENAI_OTEL_COST_USD,
  ATTR_GENAI_OTEL_RETRY_COUNT,
  ATTR_GENAI_OTEL_RETRY_REASON,
  ATTR_GENAI_OTEL_USAGE_REPORTED,
  ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_TOKEN_MODALITY,
  ATTR_GEN_AI_TOKEN_TYPE,
  GEN_AI_TOKEN_MODALITY_VALUE_UNKNOWN,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS_DEPRECATED,
  ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
} from '../attributes/names.ts';
import { isObject, MAX_PLAIN_STRING_LENGTH, putAttribute, safeJson, truncate } from '../attributes/safe-values.ts';
import { genaiSettings } from '../config/genai-settings.ts';
import type { Counter } from '@opentelemetry/api';
import type { LLMResponseInfo, ModelPrice, TokenModality, TokensByModality, TokenUsage } from './llm-types.ts';

/** Who the call was made to: the bounded attributes every metric of the call carries. */
export interface LLMCallTarget {
  operation: string;
  provider: string;
  requestModel?: string;
  serverAddress?: string;
  serverPort?: number;
}

/** Everything known about an LLM call when its span ends, whoever made the span. */
export interface LLMCallEnd {
  target: LLMCallTarget;
  usage: TokenUsage;
  response: LLMResponseInfo;
  durationSeconds: number;
  errorType?: string;
  /** Seconds until the first chunk of a streamed response. */
  timeToFirstChunk?: number;
  /** A streamed response (default: one with a first chunk); a stream without usage is marked `genai_otel.usage.reported=false`. */
  streamed?: boolean;
  retries?: number;
  lastRetryReason?: string;
  captureContent: boolean;
  maxContentLength: number;
  /** A price given with the request, over the price table. */
  price?: unknown;
  /** Names the caller in diagnostics. */
  origin: string;
}

/** The attributes of every metric of a call (conventions: operation, provider, models, server, error type). */
export function metricAttributesOf(target: LLMCallTarget): Attributes {
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: target.operation,
    [ATTR_GEN_AI_PROVIDER_NAME]: target.provider,
  };
  if (target.requestModel !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = target.requestModel;
  if (target.serverAddress !== undefined) attributes[ATTR_SERVER_ADDRESS] = target.serverAddress;
  if (target.serverPort !== undefined) attributes[ATTR_SERVER_PORT] = target.serverPort;
  return attributes;
}

/**
 * Sets the final attributes of an LLM span (response, usage, cost, retries, stream facts) and records every metric of
 * the call. The one place this happens, for `withLLMCall` and for the spans of automatic instrumentations alike, so
 * both give the same spans and metrics. Returns the attributes it set (the content event repeats them).
 */
export function recordLLMCallEnd(span: Span, end: LLMCallEnd): Attributes {
  const { usage, response, origin } = end;
  const attributes: Attributes = {};
  putAttribute(attributes, ATTR_GEN_AI_RESPONSE_ID, response.id, origin);
  putAttribute(attributes, ATTR_GEN_AI_RESPONSE_MODEL, response.model, origin);
  if (response.finishReasons !== undefined && response.finishReasons.length > 0)
    putAttribute(attributes, ATTR_GEN_AI_RESPONSE_FINISH_REASONS, response.finishReasons, origin);
  putAttribute(attributes, ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT, response.embeddingDimensions, origin);
  putAttribute(attributes, ATTR_GEN_AI_USAGE_INPUT_TOKENS, usage.inputTokens, origin);
  putAttribute(attributes, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, usage.outputTokens, origin);
  putAttribute(attributes, ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, usage.cacheReadInputTokens, origin);
  putCacheWriteTokens(attributes, usage.cacheWriteInputTokens, origin);
  putAttribute(attributes, ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, usage.reasoningOutputTokens, origin);
  const streamed = end.streamed ?? end.timeToFirstChunk !== undefined;
  if (end.timeToFirstChunk !== undefined) attributes[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = end.timeToFirstChunk;
  if (streamed && usage.inputTokens === undefined && usage.outputTokens === undefined)
    attributes[ATTR_GENAI_OTEL_USAGE_REPORTED] = false;
  if (end.retries !== undefined && end.retries > 0) {
    attributes[ATTR_GENAI_OTEL_RETRY_COUNT] = end.retries;
    attributes[ATTR_GENAI_OTEL_RETRY_REASON] = end.lastRetryReason ?? 'unspecified';
  }
  if (end.captureContent && response.outputMessages !== undefined && response.outputMessages.length > 0) {
    attributes[ATTR_GEN_AI_OUTPUT_MESSAGES] = safeJson(response.outputMessages, end.maxContentLength);
  }

  const cost = priceCall(end);
  if (cost.usd !== undefined) attributes[ATTR_GENAI_OTEL_COST_USD] = cost.usd;
  if (cost.unknownModel) attributes[ATTR_GENAI_OTEL_COST_UNKNOWN_MODEL] = true;
  span.setAttributes(attributes);

  const shape = shapeAttributes(
    end.target,
    response.model === undefined ? undefined : (attributes[ATTR_GEN_AI_RESPONSE_MODEL] as string),
    end.errorType,
  );
  const instruments = genaiInstruments();
  const inference = INFERENCE_OPERATIONS.has(end.target.operation);
  (inference ? instruments.inferenceDuration : instruments.operationDuration).record(end.durationSeconds, shape.call);
  recordTokenMetrics(instruments, usage, shape);
  if (cost.usd !== undefined) instruments.cost.add(cost.usd, shape.call);
  if (cost.unknownModel) instruments.unpricedCalls.add(1, shape.call);
  if (end.errorType !== undefined) instruments.errors.add(1, shape.call);
  return attributes;
}

/**
 * Cache writes under the name OTEL_SEMCONV_STABILITY_OPT_IN selects: the pinned model's
 * `gen_ai.usage.cache_write.input_tokens` (semantic-conventions-genai#440), the previous model's
 * `gen_ai.usage.cache_creation.input_tokens`, or both.
 */
function putCacheWriteTokens(attributes: Attributes, tokens: number | undefined, origin: string): void {
  const mode = genaiSettings().semconv;
  if (mode !== 'previous') putAttribute(attributes, ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS, tokens, origin);
  if (mode !== 'latest')
    putAttribute(attributes, ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS_DEPRECATED, tokens, origin);
}

/** The metric attribute sets of one call shape, frozen and shared by every call of that shape. */
interface ShapeAttributes {
  /** The conventions' metric attributes of the call, with `error.type` when it failed. */
  call: Attributes;
  /** Previous names: `gen_ai.client.token.usage` by token type. */
  inputTokens: Attributes;
  outputTokens: Attributes;
  /** Latest names: the token counters' attributes (no `error.type`, `gen_ai.token.modality=unknown`). */
  usage: Attributes;
  /** The counters' attributes for a modality the provider reported, made once per shape and modality. */
  usageOf(modality: TokenModality): Attributes;
}

/**
 * Token metrics of one call under the names the mode selects (the instruments a mode does not use record nothing):
 * the previous `gen_ai.client.token.usage` histogram, or the latest counters and per-call histograms. The input and
 * output counters are split by `gen_ai.token.modality` as far as the provider reports a split; the rest, and the
 * cache and reasoning counters, are `unknown`.
 */
function recordTokenMetrics(instruments: GenAIInstruments, usage: TokenUsage, shape: ShapeAttributes): void {
  if (usage.inputTokens !== undefined) {
    instruments.tokenUsage.record(usage.inputTokens, shape.inputTokens);
    addByModality(instruments.usage.input, usage.inputTokens, usage.inputByModality, shape);
    instruments.operationInputTokens.record(usage.inputTokens, shape.call);
  }
  if (usage.outputTokens !== undefined) {
    instruments.tokenUsage.record(usage.outputTokens, shape.outputTokens);
    addByModality(instruments.usage.output, usage.outputTokens, usage.outputByModality, shape);
    instruments.operationOutputTokens.record(usage.outputTokens, shape.call);
  }
  if (usage.cacheReadInputTokens !== undefined)
    instruments.usage.cacheRead.add(usage.cacheReadInputTokens, shape.usage);
  if (usage.cacheWriteInputTokens !== undefined)
    instruments.usage.cacheWrite.add(usage.cacheWriteInputTokens, shape.usage);
  if (usage.reasoningOutputTokens !== undefined)
    instruments.usage.reasoning.add(usage.reasoningOutputTokens, shape.usage);
}

/** Adds `total` to a counter: each reported modality's share under its modality, the rest under `unknown`. */
function addByModality(
  counter: Counter,
  total: number,
  split: TokensByModality | undefined,
  shape: ShapeAttributes,
): void {
  let rest = total;
  if (split !== undefined) {
    for (const [modality, tokens] of Object.entries(split) as [TokenModality, number | undefined][]) {
      if (tokens === undefined || tokens <= 0 || tokens > rest) continue;
      counter.add(tokens, shape.usageOf(modality));
      rest -= tokens;
    }
  }
  // The conventions record a call without usage (or whose split covers nothing) as 0 / the total of `unknown`.
  if (rest > 0 || rest === total) counter.add(rest, shape.usage);
}

const shapes = new ShapeCache<ShapeAttributes>();

/**
 * Reusing one attribute object per call shape keeps the hot path from allocating four objects per call, and lets the
 * pre-bound metric series find their series by object identity.
 */
function shapeAttributes(
  target: LLMCallTarget,
  responseModel: string | undefined,
  errorType: string | undefined,
): ShapeAttributes {
  const parts = [
    target.operation,
    target.provider,
    target.requestModel,
    target.serverAddress,
    target.serverPort,
    responseModel,
    errorType,
  ];
  return shapes.get(parts, () => {
    const call = metricAttributesOf(target);
    if (responseModel !== undefined) call[ATTR_GEN_AI_RESPONSE_MODEL] = responseModel;
    const usage = Object.freeze({ ...call, [ATTR_GEN_AI_TOKEN_MODALITY]: GEN_AI_TOKEN_MODALITY_VALUE_UNKNOWN });
    const byModality = new Map<TokenModality, Attributes>();
    const usageOf = (modality: TokenModality): Attributes => {
      let attributes = byModality.get(modality);
      if (attributes === undefined) {
        attributes = Object.freeze({ ...usage, [ATTR_GEN_AI_TOKEN_MODALITY]: modality });
        byModality.set(modality, attributes);
      }
      return attributes;
    };
    if (errorType !== undefined) call[ATTR_ERROR_TYPE] = errorType;
    return {
      usageOf,
      call: Object.freeze(call),
      inputTokens: Object.freeze({ ...call, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_INPUT }),
      outputTokens: Object.freeze({ ...call, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_OUTPUT }),
      usage,
    };
  });
}

function priceCall(end: LLMCallEnd): { usd?: number; unknownModel: boolean } {
  const { usage, target } = end;
  if (usage.inputTokens === undefined && usage.outputTokens === undefined) return { unknownModel: false };
  let price: ModelPrice | undefined;
  if (end.price !== undefined) {
    const given = end.price as Partial<ModelPrice>;
    if (isObject(given) && typeof given.input === 'number' && typeof given.output === 'number')
      price = given as ModelPrice;
    else
      warnOnce(
        'llm:price',
        `${end.origin}: request.price needs numeric input and output (USD per 1M tokens); the price table is used instead`,
      );
  }
  const model = target.requestModel ?? end.response.model;
  if (price === undefined && model !== undefined) {
    const table = loadPriceTable(genaiSettings().pricesFile);
    price =
      table.lookup(target.provider, model) ??
      (end.response.model === undefined ? undefined : table.lookup(target.provider, end.response.model));
  }
  if (price === undefined) return { unknownModel: true };
  const usd = costOfUsage(usage, price);
  return usd === undefined ? { unknownModel: false } : { usd, unknownModel: false };
}

/**
 * Records streaming timing metrics of a call: time to first chunk, then the time between chunks, with the response
 * model when the stream announced it (the conventions' metric attributes include it).
 */
export function recordChunkTiming(
  target: LLMCallTarget,
  timeToFirstChunk: number | undefined,
  interval: number | undefined,
  responseModel?: string,
): void {
  const instruments = genaiInstruments();
  const model =
    typeof responseModel === 'string' && responseModel !== ''
      ? truncate(responseModel, MAX_PLAIN_STRING_LENGTH)
      : undefined;
  const attributes = shapeAttributes(target, model, undefined).call;
  if (timeToFirstChunk !== undefined) instruments.timeToFirstChunk.record(timeToFirstChunk, attributes);
  if (interval !== undefined) instruments.timePerOutputChunk.record(interval, attributes);
}

/** Counts one retry of a call in `genai_otel.client.retries`. */
export function recordRetryMetric(target: LLMCallTarget, reason: string): void {
  genaiInstruments().retries.add(1, { ...metricAttributesOf(target), [ATTR_GENAI_OTEL_RETRY_REASON]: reason });
}
