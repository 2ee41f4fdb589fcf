import { INVALID_SPAN_CONTEXT, SpanStatusCode, context, trace, type Attributes, type Span } from '@opentelemetry/api';
import { contentDestinations, toConventionMessages, toInstructionParts, toToolDefinitions } from '../genai/content.ts';
import { emitInferenceDetails, emitOperationException, type InferenceContent } from '../genai/content-event.ts';
import { describeThrown } from '../core/error-type.ts';
import { parseServer } from '../genai/llm.ts';
import { recordLLMExchange } from '../logs/llm-records.ts';
import type { LLMRequest } from '../genai/llm-types.ts';
import { recordChunkTiming, recordLLMCallEnd, recordRetryMetric, type LLMCallTarget } from '../genai/llm-end.ts';
import {
  ATTR_ERROR_TYPE,
  ATTR_GENAI_OTEL_STREAM_CHUNK_COUNT,
  ATTR_GENAI_OTEL_STREAM_END,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_OPENAI_REQUEST_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
} from '../attributes/names.ts';
import { readProviderResponse, StreamAccumulator, type ReadResponse } from '../genai/response-readers.ts';
import { isObject, safeJson } from '../attributes/safe-values.ts';
import { genaiSettings } from '../config/genai-settings.ts';
import { followStream } from '../genai/stream-follower.ts';
import type { ChatMessage } from '../genai/llm-types.ts';
import { errorOnce } from '../core/diagnostics.ts';
import { withRetryRecorder, type RetryRecorder } from './client-retries.ts';
import { parseBodyOnce } from './openai-body-once.ts';
import { clientProvider, providerOfServer } from '../genai/provider-hosts.ts';
import {
  durationSecondsOf,
  dropAttributes,
  numberAttribute,
  stringAttribute,
  stringListAttribute,
  type EndingSpan,
} from './span-facts.ts';

/** The instrumentation scope of `@opentelemetry/instrumentation-openai`'s spans. */
export const OPENAI_INSTRUMENTATION_SCOPE = '@opentelemetry/instrumentation-openai';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
type Operation = 'chat' | 'embeddings';
type IteratorProperty = 'iterator' | typeof Symbol.asyncIterator;

/**
 * Azure OpenAI, DeepSeek, Groq, Together, OpenRouter, local servers ... speak the same wire format from their own
 * hosts: the provider is the one `instrument(client, { provider })` named, else the one its host says.
 */
function providerOf(client: unknown, serverAddress: string | undefined, serverPort: number | undefined): string {
  return clientProvider(client) ?? providerOfServer(serverAddress, serverPort, 'openai');
}

/** Calls to one base URL: its server, parsed once, and its provider, found once per settings of provider hosts. */
interface BaseURLTargets {
  baseURL: unknown;
  server: { serverAddress?: string; serverPort?: number };
  /** The GENAI_OTEL_PROVIDER_HOSTS map the provider was found with: a new configuration finds it again. */
  hosts: Readonly<Record<string, string>>;
  provider: string;
  /** Targets by operation, then request model: every call of one model shares one frozen target. */
  byOperation: Map<Operation, Map<string | undefined, LLMCallTarget>>;
}

/** Models remembered per base URL and operation: request models come from the app's code, a bound keeps them finite. */
const MAX_CACHED_MODELS = 256;

/** The last client base URL's targets: an app's calls go to one or two base URLs, each parsed once, not per call. */
let lastBaseURL: BaseURLTargets | undefined;

function baseURLTargets(baseURL: unknown): BaseURLTargets {
  const hosts = genaiSettings().providerHosts;
  const last = lastBaseURL;
  if (last !== undefined && last.baseURL === baseURL && typeof baseURL === 'string' && last.hosts === hosts)
    return last;
  const server = parseServer(baseURL, undefined);
  lastBaseURL = {
    baseURL,
    server,
    hosts,
    provider: providerOfServer(server.serverAddress, server.serverPort, 'openai'),
    byOperation: new Map(),
  };
  return lastBaseURL;
}

/**
 * Who an OpenAI call goes to: the bounded attributes of its span and of every metric of the call. Calls of one client
 * base URL, operation and model share one frozen target (no host lookup per call), unless the client was given its own
 * provider (`instrument(client, { provider })`).
 */
export function callTarget(
  operation: Operation,
  params: Record<string, unknown>,
  client: { baseURL?: unknown } | undefined,
): LLMCallTarget {
  const entry = baseURLTargets(client?.baseURL);
  const requestModel = typeof params.model === 'string' ? params.model : undefined;
  const own = clientProvider(client);
  if (own !== undefined) return { operation, provider: own, requestModel, ...entry.server };
  let byModel = entry.byOperation.get(operation);
  if (byModel === undefined) {
    byModel = new Map();
    entry.byOperation.set(operation, byModel);
  }
  let target = byModel.get(requestModel);
  if (target === undefined) {
    target = Object.freeze({ operation, provider: entry.provider, requestModel, ...entry.server });
    if (byModel.size < MAX_CACHED_MODELS) byModel.set(requestModel, target);
  }
  return target;
}

/**
 * What genai-otel learns about one call traced by the official OpenAI instrumentation, from inside that call: the
 * request, the result or error, retries, and the stream as it is read. Its span is finished by `finishOpenAISpan`.
 */
export class ObservedOpenAICall implements RetryRecorder {
  readonly span: Span;
  readonly operation: Operation;
  readonly params: Record<string, unknown>;
  readonly streamRequested: boolean;
  /** Only a streamed call has chunks to add up. */
  readonly accumulator: StreamAccumulator | undefined;
  readonly startTime = performance.now();
  readonly target: LLMCallTarget;
  result: unknown;
  error: unknown;
  failed = false;
  retries = 0;
  lastRetryReason: string | undefined;
  timeToFirstChunk: number | undefined;
  private lastChunkTime: number | undefined;
  chunkCount = 0;
  streamEnd: 'cancelled' | 'abandoned' | undefined;
  /** The stream being followed, once there is one. */
  private stream: object | undefined;
  /** `service_tier` and `system_fingerprint` of the response or of its chunks. */
  readonly served: OpenAIServed = {};

  /** False when the span is not recorded (sampled out, or no SDK): the call then finishes itself, for its metrics. */
  readonly recording: boolean;
  private finished = false;

  constructor(
    span: Span,
    operation: Operation,
    params: Record<string, unknown>,
    client: { baseURL?: unknown } | undefined,
    target: LLMCallTarget = callTarget(operation, params, client),
  ) {
    this.span = span;
    this.operation = operation;
    this.params = params;
    this.streamRequested = params.stream === true;
    this.accumulator = this.streamRequested ? new StreamAccumulator(true) : undefined;
    this.recording = span.isRecording();
    this.target = target;
  }

  targetOf(): LLMCallTarget {
    return this.target;
  }

  recordRetry(reason: string): void {
    this.retries++;
    this.lastRetryReason = reason;
    recordRetryMetric(this.targetOf(), reason);
  }

  follow(result: unknown, iteratorProperty: IteratorProperty): void {
    const promise = result as PromiseLike<unknown> | undefined;
    if (!isObject(promise) || typeof promise.then !== 'function') return;
    promise.then(
      (value) => {
        if (this.streamRequested && this.followStreamOf(value, iteratorProperty)) return;
        this.result = value;
        noteServed(this.served, value);
        this.finishUnrecorded();
      },
      (error: unknown) => {
        // The official instrumentation ends most failed calls itself, but not a streamed Responses call: the span is
        // ended here, after its handlers had their turn.
        this.error = error;
        this.failed = true;
        setImmediate(() => this.endOpenSpan(error));
      },
    );
  }

  /**
   * Follows the stream a streamed call returned, once (the request's parse hands it over as it is made, see
   * `parseBodyOnce`; the call's promise is the fallback). Patched before anyone iterates it: before the official
   * instrumentation wraps the same property (it ends the span when the stream is read to its end; this follower ends
   * it on the paths it leaves open: errors, early stops, idling), and before another library's wrapper of the method
   * (OpenInference's) `tee()`s it, which calls the stream's `iterator` at once. False when `value` is no stream.
   */
  followStreamOf(value: unknown, iteratorProperty: IteratorProperty): boolean {
    const stream = value as Record<PropertyKey, unknown>;
    if (!isObject(value) || typeof stream[iteratorProperty] !== 'function') return false;
    if (this.stream !== undefined) return true;
    this.stream = value;
    followStream(value, iteratorProperty, genaiSettings().streamIdleTimeoutMillis, {
      chunk: (chunk) => this.chunk(chunk),
      done: () => {
        // An aborted client stream ends its iteration quietly (the helpers then throw APIUserAbortError).
        if (wasAborted(value)) this.streamEnd = 'cancelled';
        this.finishUnrecorded();
        // The official instrumentation ends the span as its wrapper sees the end, within the same turn. When the
        // stream was iterated without that wrapper (teed by another library before the wrapper was set), the span
        // is still open after it: it is ended here.
        if (this.recording) setImmediate(() => this.span.isRecording() && this.endOpenSpan());
      },
      failed: (error) => this.endOpenSpan(error),
      stopped: (how) => {
        this.streamEnd = how;
        this.endOpenSpan();
      },
    });
    return true;
  }

  /**
   * Follows a call whose span this layer started itself (a chat completion not streamed, see openai-chat-create.ts):
   * the span ends when the client's promise settles, with the result or the error noted for `finish`.
   */
  settle(result: unknown): void {
    const promise = result as PromiseLike<unknown> | undefined;
    if (!isObject(promise) || typeof promise.then !== 'function') {
      this.endSettled();
      return;
    }
    promise.then(
      (value) => {
        this.result = value;
        noteServed(this.served, value);
        this.endSettled();
      },
      (error: unknown) => {
        this.error = error;
        this.failed = true;
        this.endSettled();
      },
    );
  }

  private endSettled(): void {
    if (this.span.isRecording()) this.span.end();
    else this.finishUnrecorded();
  }

  private chunk(chunk: unknown): void {
    try {
      const now = performance.now();
      this.chunkCount++;
      // The chunk is read first: the timing metrics carry the response model it announces.
      this.accumulator?.add(chunk);
      noteServed(this.served, chunk);
      const responseModel = this.accumulator?.response.model;
      if (this.lastChunkTime === undefined) {
        this.timeToFirstChunk = (now - this.startTime) / 1000;
        recordChunkTiming(this.targetOf(), this.timeToFirstChunk, undefined, responseModel);
      } else {
        recordChunkTiming(this.targetOf(), undefined, (now - this.lastChunkTime) / 1000, responseModel);
      }
      this.lastChunkTime = now;
      const failure = streamEventFailure(chunk);
      // openai 6 yields a Responses `error` event instead of throwing; its helpers reject before the stream ends.
      if (failure !== undefined) this.endOpenSpan(failure);
    } catch (error) {
      errorOnce('openai:chunk', 'could not record an OpenAI stream chunk', error);
    }
  }

  private endOpenSpan(error?: unknown): void {
    if (error !== undefined) {
      this.error = error;
      this.failed = true;
    }
    if (this.span.isRecording()) {
      this.span.end();
      ignoreLaterEnds(this.span);
    } else this.finishUnrecorded();
  }

  /** A recorded span is finished by the span processor as it ends; an unrecorded call still records its metrics. */
  private finishUnrecorded(): void {
    if (this.recording || this.finished) return;
    this.finish(this.span, (performance.now() - this.startTime) / 1000);
  }

  finish(span: Span, durationSeconds: number): void {
    if (this.finished) return;
    this.finished = true;
    finishCall(this, span as EndingSpan, durationSeconds);
  }

  read(): ReadResponse | undefined {
    if (this.accumulator !== undefined)
      return this.timeToFirstChunk === undefined ? undefined : this.accumulator.result();
    return readProviderResponse(this.result);
  }
}

/**
 * The observed call of a span, kept on the span itself under a symbol exporters never read (as the parent of
 * `ModelCallNesting`): a WeakMap entry per call cost more than the rest of the lookup. A span that takes no property
 * (frozen, a proxy) keeps it in the WeakMap.
 */
const OBSERVED_CALL = Symbol('genai-otel.observed-openai-call');
type WithObservedCall = { [OBSERVED_CALL]?: ObservedOpenAICall };
const unmarkableSpans = new WeakMap<object, ObservedOpenAICall>();

/** Remembers `call` as the observer of `span` (a recording span), for the span processor to finish it. */
export function rememberObservedCall(span: Span, call: ObservedOpenAICall): void {
  try {
    (span as WithObservedCall)[OBSERVED_CALL] = call;
  } catch {
    unmarkableSpans.set(span, call);
  }
}

function observedCallOf(span: object): ObservedOpenAICall | undefined {
  return (span as WithObservedCall)[OBSERVED_CALL] ?? unmarkableSpans.get(span);
}

interface OpenAIServed {
  serviceTier?: string;
  systemFingerprint?: string;
}

/** Keeps the first `service_tier` / `system_fingerprint` seen on a response, a chunk or a Responses event's `response`. */
function noteServed(served: OpenAIServed, value: unknown): void {
  if (!isObject(value)) return;
  const source = isObject(value.response) ? value.response : value;
  if (served.serviceTier === undefined && typeof source.service_tier === 'string')
    served.serviceTier = source.service_tier;
  if (served.systemFingerprint === undefined && typeof source.system_fingerprint === 'string')
    served.systemFingerprint = source.system_fingerprint;
}

/**
 * The request and response attributes the official instrumentation leaves out: the seed and stream flags, and
 * OpenAI's service tier (requested and served) and system fingerprint. Set one by one: most calls have none of them.
 */
function setOpenAICallAttributes(span: Span, call: ObservedOpenAICall): void {
  const { params, served } = call;
  if (typeof params.seed === 'number' && Number.isInteger(params.seed))
    span.setAttribute(ATTR_GEN_AI_REQUEST_SEED, params.seed);
  if (call.streamRequested) span.setAttribute(ATTR_GEN_AI_REQUEST_STREAM, true);
  if (typeof params.service_tier === 'string' && params.service_tier !== 'auto')
    span.setAttribute(ATTR_OPENAI_REQUEST_SERVICE_TIER, params.service_tier);
  if (served.serviceTier !== undefined) span.setAttribute(ATTR_OPENAI_RESPONSE_SERVICE_TIER, served.serviceTier);
  if (served.systemFingerprint !== undefined)
    span.setAttribute(ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT, served.systemFingerprint);
}

function wasAborted(stream: unknown): boolean {
  return (stream as { controller?: { signal?: { aborted?: unknown } } }).controller?.signal?.aborted === true;
}

/** The failure a Responses stream reports as an event (`error`, `response.failed`), as an Error with the provider's code. */
function streamEventFailure(chunk: unknown): Error | undefined {
  if (!isObject(chunk)) return undefined;
  let reported: Record<string, unknown> | undefined;
  if (chunk.type === 'error') reported = chunk;
  else if (chunk.type === 'response.failed' && isObject(chunk.response))
    reported = isObject(chunk.response.error) ? chunk.response.error : {};
  if (reported === undefined) return undefined;
  const error = new Error(
    typeof reported.message === 'string' ? reported.message : 'the response stream reported a failure',
  );
  if (typeof reported.code === 'string') Object.assign(error, { code: reported.code });
  return error;
}

/**
 * A span this layer ended before the official instrumentation would (a stream that failed, stopped or idled) is ended
 * again by it when its iteration finishes later: that second end() is ignored instead of logged as a misuse.
 */
function ignoreLaterEnds(span: Span): void {
  try {
    Object.defineProperty(span, 'end', {
      configurable: true,
      writable: true,
      enumerable: false,
      value: () => undefined,
    });
  } catch {
    // A frozen span keeps its own end().
  }
}

function isOfficialOpenAISpan(span: Span | undefined): span is Span {
  return (
    (span as { instrumentationScope?: { name?: string } } | undefined)?.instrumentationScope?.name ===
    OPENAI_INSTRUMENTATION_SCOPE
  );
}

/**
 * Wraps the client method the official instrumentation calls inside its span: the call is observed from there (the
 * span is the active one), and its retries are counted in that context. The client's promise has its body parsed
 * once before the official instrumentation reads it (see `parseBodyOnce`).
 */
function observeCalls(
  original: AnyFunction,
  operation: Operation,
  iteratorProperty: IteratorProperty,
  onResult: (result: unknown) => void,
): AnyFunction {
  return function observedCreate(this: unknown, ...args: unknown[]): unknown {
    const activeContext = context.active();
    const active = trace.getSpan(activeContext);
    const params = args[0];
    // Only the official patch calls this function, inside the span it started; a span of another scope here means
    // it started none (sampled out, or no SDK), and the call is observed for its metrics alone.
    const span = isOfficialOpenAISpan(active) ? active : trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    if (!isObject(params) || observedCallOf(span) !== undefined) {
      const result = original.apply(this, args);
      parseBodyOnce(result);
      onResult(result);
      return result;
    }
    const call = new ObservedOpenAICall(
      span,
      operation,
      params,
      (this as { _client?: { baseURL?: unknown } })?._client,
    );
    if (call.recording) rememberObservedCall(span, call);
    const result = context.with(withRetryRecorder(activeContext, call), () => original.apply(this, args));
    parseBodyOnce(result, call.streamRequested ? (parsed) => call.followStreamOf(parsed, iteratorProperty) : undefined);
    onResult(result);
    try {
      call.follow(result, iteratorProperty);
    } catch (error) {
      errorOnce('openai:follow', 'could not follow an OpenAI call', error);
    }
    return result;
  };
}

/**
 * Builds a patch for one OpenAI method from the official instrumentation's patch (`theirs`): the observer goes
 * between it and the client, and the caller gets the client's own `APIPromise` back where the official patch would
 * hand out a plain promise (streamed Responses calls), so `.withResponse()` and `.asResponse()` keep working.
 */
export function composeOpenAIPatch(
  theirs: (original: AnyFunction) => AnyFunction,
  operation: Operation,
  iteratorProperty: IteratorProperty,
): (original: AnyFunction) => AnyFunction {
  return (original) => {
    let clientResult: unknown;
    const patched = theirs(observeCalls(original, operation, iteratorProperty, (result) => (clientResult = result)));
    return function tracedCreate(this: unknown, ...args: unknown[]): unknown {
      clientResult = undefined;
      const result = patched.apply(this, args);
      if (clientResult === undefined || result === clientResult) return result;
      // The official patch's own chain stays referenced; its rejection is the caller's to see on the client's promise.
      (result as PromiseLike<unknown> | undefined)?.then?.(undefined, () => undefined);
      return clientResult;
    };
  };
}

const SYSTEM_KEY = [ATTR_GEN_AI_SYSTEM];
const SYSTEM_INSTRUCTIONS_KEY = [ATTR_GEN_AI_SYSTEM_INSTRUCTIONS];

const CONTENT_KEYS = [
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
];

/** The request's content in the conventions' shapes: input messages, system instructions, tool definitions. */
function requestContentOf(call: ObservedOpenAICall): InferenceContent {
  const instructions = call.params.instructions;
  return {
    inputMessages: inputMessagesOf(call),
    systemInstructions: typeof instructions === 'string' ? toInstructionParts(instructions) : undefined,
    toolDefinitions: Array.isArray(call.params.tools) ? toToolDefinitions(call.params.tools) : undefined,
  };
}

function inputMessagesOf(call: ObservedOpenAICall): ChatMessage[] | undefined {
  const { params } = call;
  if (Array.isArray(params.messages)) return toConventionMessages(params.messages);
  if (typeof params.input === 'string') return [{ role: 'user', parts: [{ type: 'text', content: params.input }] }];
  if (Array.isArray(params.input) && call.operation === 'chat')
    return toConventionMessages(params.input.filter((item) => isObject(item) && 'role' in item));
  return undefined;
}

/**
 * Completes a span of the official OpenAI instrumentation as `withLLMCall` would have: provider name, usage with
 * cached and reasoning tokens, stream facts, retries, error details, cost and every genai-otel metric. Called by the
 * span processor while the span ends.
 */
export function finishOpenAISpan(span: EndingSpan): void {
  const call = observedCallOf(span);
  if (call !== undefined) call.finish(span, durationSecondsOf(span));
  else finishCall(undefined, span, durationSecondsOf(span));
}

function finishCall(call: ObservedOpenAICall | undefined, span: EndingSpan, durationSeconds: number): void {
  const attributes = span.attributes ?? {};
  const settings = genaiSettings();
  const destinations = contentDestinations(settings.captureContent, undefined);
  const captureContent = destinations.span;
  const target: LLMCallTarget = call?.targetOf() ?? {
    operation: stringAttribute(attributes, 'gen_ai.operation.name') ?? 'chat',
    provider: providerOf(
      undefined,
      stringAttribute(attributes, 'server.address'),
      numberAttribute(attributes, 'server.port'),
    ),
    requestModel: stringAttribute(attributes, 'gen_ai.request.model'),
    serverAddress: stringAttribute(attributes, 'server.address'),
    serverPort: numberAttribute(attributes, 'server.port'),
  };
  // Written only when the span lacks them: genai-otel's own chat patch started the span with both.
  if (attributes[ATTR_GEN_AI_PROVIDER_NAME] !== target.provider)
    span.setAttribute(ATTR_GEN_AI_PROVIDER_NAME, target.provider);
  // The official instrumentation still names the provider with the deprecated `gen_ai.system`.
  if (settings.semconv === 'latest') dropAttributes(span, SYSTEM_KEY);
  else if (attributes[ATTR_GEN_AI_SYSTEM] !== target.provider) span.setAttribute(ATTR_GEN_AI_SYSTEM, target.provider);
  if (call !== undefined) setOpenAICallAttributes(span, call);

  const read = call?.read();
  const usage = read?.usage ?? {
    inputTokens: numberAttribute(attributes, 'gen_ai.usage.input_tokens'),
    outputTokens: numberAttribute(attributes, 'gen_ai.usage.output_tokens'),
  };
  const response = read?.response ?? {
    id: stringAttribute(attributes, 'gen_ai.response.id'),
    model: stringAttribute(attributes, 'gen_ai.response.model'),
    finishReasons: stringListAttribute(attributes, 'gen_ai.response.finish_reasons'),
  };

  let errorType: string | undefined;
  if (call?.failed === true) {
    const facts = describeThrown(call.error);
    errorType = facts.type;
    span.setAttribute(ATTR_ERROR_TYPE, errorType);
    if (!(span.events ?? []).some((event) => event.name === 'exception')) span.recordException(facts);
    span.setStatus({ code: SpanStatusCode.ERROR, message: facts.message });
    emitOperationException(span, facts);
  } else if (span.status?.code === SpanStatusCode.ERROR) {
    errorType = stringAttribute(attributes, 'error.type') ?? '_OTHER';
  }

  if (call?.streamRequested === true) {
    span.setAttribute(ATTR_GENAI_OTEL_STREAM_CHUNK_COUNT, call.chunkCount);
    if (call.streamEnd !== undefined) span.setAttribute(ATTR_GENAI_OTEL_STREAM_END, call.streamEnd);
  }
  // The conventions define content (attributes and the details event) for inference, not for embeddings.
  const content =
    call === undefined || call.operation !== 'chat' || (!captureContent && !destinations.event)
      ? undefined
      : requestContentOf(call);
  if (captureContent && content !== undefined) {
    if (content.inputMessages !== undefined)
      span.setAttribute(ATTR_GEN_AI_INPUT_MESSAGES, safeJson(content.inputMessages, settings.maxContentLength));
    if (content.systemInstructions !== undefined)
      span.setAttribute(
        ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
        safeJson(content.systemInstructions, settings.maxContentLength),
      );
    if (content.toolDefinitions !== undefined)
      span.setAttribute(ATTR_GEN_AI_TOOL_DEFINITIONS, safeJson(content.toolDefinitions, settings.maxContentLength));
  } else if (!captureContent) {
    // The official instrumentation records the Responses API's `instructions` whatever its content setting says.
    dropAttributes(span, SYSTEM_INSTRUCTIONS_KEY);
  }

  const ended = recordLLMCallEnd(span, {
    target,
    usage,
    response,
    durationSeconds,
    errorType,
    timeToFirstChunk: call?.timeToFirstChunk,
    streamed: call?.streamRequested === true && (call.chunkCount > 0 || !call.failed),
    retries: call?.retries,
    lastRetryReason: call?.lastRetryReason,
    captureContent,
    maxContentLength: settings.maxContentLength,
    origin: 'openai instrumentation',
  });
  if (destinations.event && content !== undefined) {
    // The span's attributes without its content (the event carries content structured) and without gen_ai.system.
    const eventAttributes: Attributes = { ...span.attributes, ...ended };
    for (const key of [...CONTENT_KEYS, ATTR_GEN_AI_SYSTEM]) delete eventAttributes[key];
    const outputMessages =
      response.outputMessages !== undefined && response.outputMessages.length > 0 ? response.outputMessages : undefined;
    emitInferenceDetails(span, eventAttributes, { ...content, outputMessages }, settings.maxContentLength);
  }
  if (call !== undefined) {
    const { params } = call;
    const messages = Array.isArray(params.messages)
      ? params.messages
      : typeof params.input === 'string'
        ? [{ role: 'user', content: params.input }]
        : Array.isArray(params.input)
          ? params.input
          : undefined;
    const maxTokens = params.max_tokens ?? params.max_completion_tokens ?? params.max_output_tokens;
    recordLLMExchange({
      span,
      operation: target.operation,
      provider: target.provider,
      model: target.requestModel,
      request: {
        messages: messages as LLMRequest['messages'],
        temperature: typeof params.temperature === 'number' ? params.temperature : undefined,
        maxTokens: typeof maxTokens === 'number' ? maxTokens : undefined,
        tools: Array.isArray(params.tools) ? params.tools : undefined,
        systemInstructions: typeof params.instructions === 'string' ? params.instructions : undefined,
      },
      response,
      usage,
      errorType,
    });
  }
}
