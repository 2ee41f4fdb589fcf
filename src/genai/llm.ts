import {
  SpanKind,
  context,
  createContextKey,
  trace,
  INVALID_SPAN_CONTEXT,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import { describeError, warnOnce } from '../core/diagnostics.ts';
import type { ThrownFacts } from '../core/error-type.ts';
import {
  contentDestinations,
  inputMessagesJson,
  toConventionMessages,
  toInstructionParts,
  toToolDefinitions,
  type ContentDestinations,
} from './content.ts';
import { emitInferenceDetails, emitOperationException, type InferenceContent } from './content-event.ts';
import { recordChunkTiming, recordLLMCallEnd, recordRetryMetric, type LLMCallTarget } from './llm-end.ts';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_ENCODING_FORMATS,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '../attributes/names.ts';
import { readProviderResponse, responseInfoOf, StreamAccumulator, type ReadResponse } from './response-readers.ts';
import { recordLLMExchange } from '../logs/llm-records.ts';
import {
  MAX_PLAIN_STRING_LENGTH,
  putAttribute,
  safeJson,
  tokenCount,
  isObject,
  truncate,
} from '../attributes/safe-values.ts';
import { genaiSettings } from '../config/genai-settings.ts';
import { startRun, type UntypedFunction, type RunHooks, type RunOutcome, type SpanRun } from './span-runner.ts';
import type { LLMCallHandle, LLMOperation, LLMRequest, LLMResponseInfo, TokenUsage } from './llm-types.ts';

const OPERATIONS: readonly LLMOperation[] = ['chat', 'text_completion', 'generate_content', 'embeddings'];
const LLM_CALL_KEY = createContextKey('genai-otel.llm-call');
const ORIGIN = 'withLLMCall';
/** The handle's span until the call's own starts (or when tracing could not be set up): records nothing. */
const UNTRACED_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

interface NormalizedRequest {
  operation: LLMOperation;
  provider: string;
  model: string | undefined;
  serverAddress?: string;
  serverPort?: number;
  request: Partial<LLMRequest>;
}

function normalizeRequest(request: unknown): NormalizedRequest {
  if (!isObject(request)) {
    warnOnce(
      'llm:request',
      `${ORIGIN}: the request must be an object like { provider: 'openai', model: 'gpt-4o' }; the call is traced without request details`,
    );
  }
  const given = (isObject(request) ? request : {}) as Partial<LLMRequest>;
  let operation: LLMOperation = 'chat';
  if (given.operation !== undefined) {
    if (OPERATIONS.includes(given.operation)) operation = given.operation;
    else
      warnOnce(
        `llm:operation:${String(given.operation)}`,
        `${ORIGIN}: operation "${String(given.operation)}" is not one of ${OPERATIONS.join(', ')}; using chat`,
      );
  }
  let provider =
    typeof given.provider === 'string' && given.provider !== ''
      ? truncate(given.provider, MAX_PLAIN_STRING_LENGTH)
      : undefined;
  if (provider === undefined) {
    warnOnce(
      'llm:provider',
      `${ORIGIN}: request.provider is missing (e.g. 'openai', 'anthropic', 'aws.bedrock'); recorded as _OTHER`,
    );
    provider = '_OTHER';
  }
  const model =
    typeof given.model === 'string' && given.model !== '' ? truncate(given.model, MAX_PLAIN_STRING_LENGTH) : undefined;
  if (model === undefined)
    warnOnce(
      'llm:model',
      `${ORIGIN}: request.model is missing; the span is named after the operation only and no cost can be computed`,
    );
  const normalized: NormalizedRequest = { operation, provider, model, request: given };
  if (given.serverAddress !== undefined) Object.assign(normalized, parseServer(given.serverAddress, given.serverPort));
  return normalized;
}

/** Accepts a host name or a base URL (`https://api.openai.com/v1`). */
export function parseServer(address: unknown, port: unknown): { serverAddress?: string; serverPort?: number } {
  if (typeof address !== 'string' || address === '') return {};
  if (/^[a-z]+:\/\//i.test(address)) {
    try {
      const url = new URL(address);
      const defaultPort = url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : undefined;
      return {
        serverAddress: url.hostname,
        serverPort: typeof port === 'number' ? port : url.port !== '' ? Number(url.port) : defaultPort,
      };
    } catch {
      return { serverAddress: address };
    }
  }
  return { serverAddress: address, ...(typeof port === 'number' ? { serverPort: port } : {}) };
}

function requestAttributes(
  normalized: NormalizedRequest,
  captureContent: boolean,
  maxContentLength: number,
): Attributes {
  const { request } = normalized;
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: normalized.operation,
    [ATTR_GEN_AI_PROVIDER_NAME]: normalized.provider,
  };
  putAttribute(attributes, ATTR_GEN_AI_REQUEST_MODEL, normalized.model, ORIGIN);
  putAttribute(attributes, ATTR_GEN_AI_REQUEST_TEMPERATURE, request.temperature, ORIGIN);
  putAttribute(attributes, ATTR_GEN_AI_REQUEST_MAX_TOKENS, request.maxTokens, ORIGIN);
  putAttribute(attributes, ATTR_GEN_AI_REQUEST_TOP_P, request.topP, ORIGIN);
  putAttribute(attributes, ATTR_GEN_AI_REQUEST_TOP_K, request.topK, ORIGIN);
  putAttribute(attributes, ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, request.frequencyPenalty, ORIGIN);
  putAttribute(attributes, ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, request.presencePenalty, ORIGIN);
  putAttribute(attributes, ATTR_GEN_AI_REQUEST_STOP_SEQUENCES, request.stopSequences, ORIGIN);
  putAttribute(attributes, ATTR_GEN_AI_REQUEST_SEED, request.seed, ORIGIN);
  putAttribute(attributes, ATTR_GEN_AI_REQUEST_STREAM, request.stream, ORIGIN);
  // The conventions ask for choice.count only when it is not 1.
  if (request.choiceCount !== 1)
    putAttribute(attributes, ATTR_GEN_AI_REQUEST_CHOICE_COUNT, request.choiceCount, ORIGIN);
  putAttribute(attributes, ATTR_GEN_AI_OUTPUT_TYPE, request.outputType, ORIGIN);
  putAttribute(attributes, ATTR_GEN_AI_REQUEST_ENCODING_FORMATS, request.encodingFormats, ORIGIN);
  putAttribute(attributes, ATTR_GEN_AI_CONVERSATION_ID, request.conversationId, ORIGIN);
  putAttribute(attributes, ATTR_SERVER_ADDRESS, normalized.serverAddress, ORIGIN);
  putAttribute(attributes, ATTR_SERVER_PORT, normalized.serverPort, ORIGIN);
  if (captureContent) {
    if (Array.isArray(request.messages))
      attributes[ATTR_GEN_AI_INPUT_MESSAGES] = inputMessagesJson(request.messages, maxContentLength);
    if (request.systemInstructions !== undefined) {
      attributes[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS] = safeJson(
        toInstructionParts(request.systemInstructions),
        maxContentLength,
      );
    }
    if (Array.isArray(request.tools))
      attributes[ATTR_GEN_AI_TOOL_DEFINITIONS] = safeJson(toToolDefinitions(request.tools), maxContentLength);
  }
  return attributes;
}

/** The request's content in the conventions' shapes, for the content event (the span form is in requestAttributes). */
function requestContent(request: Partial<LLMRequest>): InferenceContent {
  return {
    inputMessages: Array.isArray(request.messages) ? toConventionMessages(request.messages) : undefined,
    systemInstructions:
      request.systemInstructions === undefined ? undefined : toInstructionParts(request.systemInstructions),
    toolDefinitions: Array.isArray(request.tools) ? toToolDefinitions(request.tools) : undefined,
  };
}

/**
 * How an instrumentation lets the shared readers read a client library's own objects: each converter returns the
 * value in a shape `readProviderResponse` / `StreamAccumulator` read (a JSON body decoded, camelCase keys turned back
 * into the wire's names). A converter that throws leaves that value unread; the call is never affected.
 */
export interface ProviderShapes {
  /** The settled value of the call, in a shape `readProviderResponse` reads. */
  response?(value: unknown): unknown;
  /** One streamed chunk, in a shape `StreamAccumulator` reads. */
  chunk?(chunk: unknown): unknown;
  /** The stream inside a settled value that is not itself one (Bedrock's `{ stream }`). */
  streamIn?(value: unknown): AsyncIterable<unknown> | undefined;
}

/**
 * One LLM call in flight: the handle the user's function gets, and the bookkeeping that ends its span (it is the
 * run's hooks itself: no closures per call).
 */
class LLMCall implements LLMCallHandle, RunHooks {
  span: Span = UNTRACED_SPAN;
  private run: SpanRun | undefined;
  private readonly normalized: NormalizedRequest;
  private readonly capture: ContentDestinations;
  private readonly maxContentLength: number;
  // Made when the function reports something through the handle: most calls are read from their result alone.
  private explicitUsage: TokenUsage | undefined;
  private explicitResponse: LLMResponseInfo | undefined;
  /** Made at the first chunk: most calls are not streamed. */
  private stream: StreamAccumulator | undefined;
  private retries = 0;
  private lastRetryReason: string | undefined;
  private timeToFirstChunk: number | undefined;
  private readonly target: LLMCallTarget;
  readonly streamIdleTimeoutMillis: number;
  private readonly shapes: ProviderShapes | undefined;

  constructor(
    normalized: NormalizedRequest,
    capture: ContentDestinations,
    maxContentLength: number,
    streamIdleTimeoutMillis: number,
    shapes?: ProviderShapes,
  ) {
    this.normalized = normalized;
    this.shapes = shapes;
    this.capture = capture;
    this.maxContentLength = maxContentLength;
    this.streamIdleTimeoutMillis = streamIdleTimeoutMillis;
    this.target = {
      operation: normalized.operation,
      provider: normalized.provider,
      requestModel: normalized.model,
      serverAddress: normalized.serverAddress,
      serverPort: normalized.serverPort,
    };
  }

  attach(run: SpanRun): void {
    this.run = run;
    this.span = run.span;
  }

  setUsage(usage: TokenUsage): void {
    if (!isObject(usage)) {
      warnOnce('llm:setUsage', 'setUsage: expected an object like { inputTokens, outputTokens }; ignored');
      return;
    }
    const fields: (keyof TokenUsage)[] = [
      'inputTokens',
      'outputTokens',
      'cacheReadInputTokens',
      'cacheWriteInputTokens',
      'reasoningOutputTokens',
    ];
    for (const field of fields) {
      const value = tokenCount(usage[field], 'setUsage', field);
      if (value !== undefined) (this.explicitUsage ??= {})[field] = value;
    }
  }

  setResponse(response: LLMResponseInfo): void {
    if (!isObject(response)) {
      warnOnce('llm:setResponse', 'setResponse: expected an object like { id, model, finishReasons }; ignored');
      return;
    }
    const explicit = (this.explicitResponse ??= {});
    if (typeof response.id === 'string') explicit.id = response.id;
    if (typeof response.model === 'string') explicit.model = response.model;
    if (Array.isArray(response.finishReasons))
      explicit.finishReasons = response.finishReasons.filter((reason) => typeof reason === 'string');
    if (Array.isArray(response.outputMessages)) explicit.outputMessages = response.outputMessages;
    if (typeof response.embeddingDimensions === 'number') explicit.embeddingDimensions = response.embeddingDimensions;
  }

  /** The server of a client that resolves its endpoint while the request is made (Bedrock's region endpoint). */
  setServer(address: unknown, port: unknown): void {
    if (this.target.serverAddress !== undefined) return;
    const server = parseServer(address, port);
    if (server.serverAddress === undefined) return;
    this.target.serverAddress = server.serverAddress;
    this.target.serverPort = server.serverPort;
    this.span.setAttribute(ATTR_SERVER_ADDRESS, server.serverAddress);
    if (server.serverPort !== undefined) this.span.setAttribute(ATTR_SERVER_PORT, server.serverPort);
  }

  /** An attribute of the call that only the client's request pipeline knows (a provider's refinement). */
  setRequestAttribute(key: string, value: string): void {
    this.span.setAttribute(key, value);
  }

  recordRetry(reason?: string): void {
    try {
      this.retries++;
      this.lastRetryReason = typeof reason === 'string' && reason !== '' ? reason.slice(0, 64) : 'unspecified';
      recordRetryMetric(this.target, this.lastRetryReason);
    } catch (error) {
      warnOnce('llm:retry', `recordRetry failed: ${describeError(error)}`);
    }
  }

  recordChunk(): void {
    this.run?.chunk();
  }

  onChunk(chunk: unknown): void {
    // Request/response records (GENAI_OTEL_LLM_LOGS) need the streamed text even when spans carry no content.
    this.stream ??= new StreamAccumulator(this.capture.span || this.capture.event || genaiSettings().llmLogs);
    this.stream.add(this.shapes?.chunk === undefined ? chunk : convertedOrUndefined(this.shapes.chunk, chunk));
  }

  streamIn(value: unknown): AsyncIterable<unknown> | undefined {
    return this.shapes?.streamIn === undefined ? undefined : convertedOrUndefined(this.shapes.streamIn, value);
  }

  private readValue(value: unknown): ReadResponse | undefined {
    const shaped = this.shapes?.response === undefined ? value : convertedOrUndefined(this.shapes.response, value);
    return readProviderResponse(shaped);
  }

  onChunkTiming(timeToFirstChunk: number | undefined, interval: number | undefined): void {
    if (timeToFirstChunk !== undefined) this.timeToFirstChunk = timeToFirstChunk;
    recordChunkTiming(
      this.target,
      timeToFirstChunk,
      interval,
      this.explicitResponse?.model ?? this.stream?.response.model,
    );
  }

  /** Final attributes and every metric of the call, from what the function reported and what its result shows. */
  onEnd(span: Span, outcome: RunOutcome): void {
    const streamed = this.timeToFirstChunk !== undefined;
    const read: ReadResponse | undefined =
      outcome.value !== undefined ? this.readValue(outcome.value) : streamed ? this.streamResult() : undefined;
    // What the function reported through the handle wins over what its result shows.
    const usage: TokenUsage = merged(read?.usage, this.explicitUsage);
    const response: LLMResponseInfo =
      read === undefined || this.explicitResponse === undefined
        ? merged(read?.response, this.explicitResponse)
        : { ...responseInfoOf(read.response), ...this.explicitResponse };
    const endAttributes = recordLLMCallEnd(span, {
      target: this.target,
      usage,
      response,
      durationSeconds: outcome.durationSeconds,
      errorType: outcome.errorType,
      timeToFirstChunk: this.timeToFirstChunk,
      retries: this.retries,
      lastRetryReason: this.lastRetryReason,
      captureContent: this.capture.span,
      maxContentLength: this.maxContentLength,
      price: this.normalized.request.price,
      origin: ORIGIN,
    });
    // The conventions define the details event for inference, not for embeddings (as the OpenAI path does).
    if (this.capture.event && this.normalized.operation !== 'embeddings')
      this.emitContentEvent(span, endAttributes, response, outcome);
    if (outcome.exception !== undefined) emitFailure(span, outcome.exception);
    const { operation, provider, model, request } = this.normalized;
    recordLLMExchange({ span, operation, provider, model, request, response, usage, errorType: outcome.errorType });
  }

  /** The event form of captured content: the call's attributes and its content, structured, correlated to `span`. */
  private emitContentEvent(
    span: Span,
    endAttributes: Attributes,
    response: LLMResponseInfo,
    outcome: RunOutcome,
  ): void {
    try {
      // The request's attributes without content, made only for the event.
      const attributes: Attributes = {
        ...requestAttributes(this.normalized, false, this.maxContentLength),
        ...endAttributes,
      };
      if (outcome.errorType !== undefined) attributes[ATTR_ERROR_TYPE] = outcome.errorType;
      delete attributes[ATTR_GEN_AI_OUTPUT_MESSAGES];
      const outputMessages =
        response.outputMessages !== undefined && response.outputMessages.length > 0
          ? response.outputMessages
          : undefined;
      emitInferenceDetails(
        span,
        attributes,
        { ...requestContent(this.normalized.request), outputMessages },
        this.maxContentLength,
      );
    } catch (error) {
      warnOnce(
        'llm:event',
        `${ORIGIN}: could not emit the gen_ai.client.inference.operation.details event (${describeError(error)})`,
      );
    }
  }

  private streamResult(): ReadResponse {
    this.stream ??= new StreamAccumulator(false);
    return this.stream.result();
  }
}

/** A converter's result, or undefined (after one diagnostic) when it throws on a value it did not expect. */
function convertedOrUndefined<T>(convert: (value: unknown) => T, value: unknown): T | undefined {
  try {
    return convert(value);
  } catch (error) {
    warnOnce('llm:shape', `could not read a provider's response (${describeError(error)}); its details are missing`);
    return undefined;
  }
}

/** The conventions' exception event of a failed call; a fault here never reaches the caller. */
function emitFailure(span: Span, exception: ThrownFacts): void {
  try {
    emitOperationException(span, exception);
  } catch (error) {
    warnOnce(
      'llm:exception-event',
      `${ORIGIN}: could not emit gen_ai.client.operation.exception (${describeError(error)})`,
    );
  }
}

/** `reported` over `read`, copying only when both exist. */
function merged<T extends object>(read: T | undefined, reported: T | undefined): T {
  if (reported === undefined) return read ?? ({} as T);
  return read === undefined ? reported : { ...read, ...reported };
}

/** The engine of withLLMCall and traceLLM, for instrumentations: runs `fn` with `thisArg` and `args` as one LLM call. */
export function runLLMCall<R>(
  request: unknown,
  fn: UntypedFunction<R>,
  thisArg: unknown,
  args: unknown[],
  passHandle: boolean,
  shapes?: ProviderShapes,
): R {
  let call: LLMCall;
  let run: SpanRun | undefined;
  try {
    const settings = genaiSettings();
    const normalized = normalizeRequest(request);
    const capture = contentDestinations(settings.captureContent, normalized.request.captureContent);
    call = new LLMCall(normalized, capture, settings.maxContentLength, settings.streamIdleTimeoutMillis, shapes);
    const name = normalized.model === undefined ? normalized.operation : `${normalized.operation} ${normalized.model}`;
    run = startRun(name, SpanKind.CLIENT, requestAttributes(normalized, capture.span, settings.maxContentLength), call);
  } catch (error) {
    warnOnce(
      'llm:setup',
      `${ORIGIN}: could not set up tracing for this call (${describeError(error)}); it runs untraced`,
    );
    run = undefined;
    call = new LLMCall(
      { operation: 'chat', provider: '_OTHER', model: undefined, request: {} },
      { span: false, event: false },
      0,
      0,
    );
  }
  const callArgs = passHandle ? [call] : args;
  if (typeof fn !== 'function') {
    warnOnce('llm:fn', `${ORIGIN}: the second argument must be a function; nothing was called`);
    return fn;
  }
  if (run === undefined) return fn.apply(thisArg, callArgs);
  call.attach(run);
  run.bindContextValue(LLM_CALL_KEY, call);
  return run.run(fn, thisArg, callArgs);
}

/**
 * Runs `fn` as one LLM call: a CLIENT span `{operation} {model}` with the request's `gen_ai.*` attributes, usage and
 * response details read from the provider's response (OpenAI, Anthropic, Bedrock Converse, Gemini) or reported
 * through the handle, cost, and the conventions' metrics. Returns exactly what `fn` returns (the same promise or
 * stream object) and rethrows exactly what it throws.
 *
 * @example
 * const completion = await withLLMCall({ provider: 'openai', model: 'gpt-4o-mini' }, () =>
 *   openai.chat.completions.create({ model: 'gpt-4o-mini', messages }));
 */
export function withLLMCall<R>(request: LLMRequest, fn: (call: LLMCallHandle) => R): R {
  return runLLMCall(request, fn as UntypedFunction<R>, undefined, [], true);
}

/**
 * Wraps a function once so that every call is traced as an LLM call. `request` may be computed from the arguments.
 * Inside, `currentLLMCall()` gives the handle.
 *
 * @example
 * const complete = traceLLM(rawComplete, (prompt) => ({ provider: 'anthropic', model: 'claude-sonnet-4' }));
 */
export function traceLLM<A extends unknown[], R>(
  fn: (...args: A) => R,
  request: LLMRequest | ((...args: A) => LLMRequest),
): (...args: A) => R {
  return function tracedLLMCall(this: unknown, ...args: A): R {
    let resolved: unknown = request;
    if (typeof request === 'function') {
      try {
        resolved = request.apply(this, args);
      } catch (error) {
        warnOnce(
          'traceLLM:request',
          `traceLLM: the request function threw (${describeError(error)}); the call is traced without request details`,
        );
        resolved = undefined;
      }
    }
    return runLLMCall(resolved, fn as UntypedFunction<R>, this, args, false);
  };
}

/** The handle of the LLM call the code runs in, if any (for functions wrapped with `traceLLM`). */
export function currentLLMCall(): LLMCallHandle | undefined {
  return context.active().getValue(LLM_CALL_KEY) as LLMCallHandle | undefined;
}

/**
 * Sets `server.address` / `server.port` of the LLM call the code runs in, when its request did not know them: for
 * instrumentations of clients that resolve their endpoint while sending (a middleware sees the real request).
 *
 * @example
 * reportLLMServer('bedrock-runtime.us-east-1.amazonaws.com', 443);
 */
export function reportLLMServer(address: unknown, port: unknown): void {
  const call = context.active().getValue(LLM_CALL_KEY);
  if (call instanceof LLMCall) call.setServer(address, port);
}

/**
 * Sets an attribute on the LLM call of the active context, for instrumentations whose client reveals it only while
 * the request is sent. Outside an LLM call it does nothing.
 *
 * @example
 * reportLLMAttribute('aws.bedrock.guardrail.id', 'gr-123');
 */
export function reportLLMAttribute(key: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') return;
  const call = context.active().getValue(LLM_CALL_KEY);
  if (call instanceof LLMCall) call.setRequestAttribute(key, value);
}
