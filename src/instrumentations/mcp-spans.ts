import {
  SpanKind,
  SpanStatusCode,
  context,
  metrics,
  trace,
  type Attributes,
  type Context,
  type Histogram,
  type Link,
  type MeterProvider,
  type Span,
} from '@opentelemetry/api';
import { capturesContentOnSpans } from '../genai/content.ts';
import { errorTypeOf } from '../core/error-type.ts';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_PROTOCOL_VERSION,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCP_SESSION_ID,
  ATTR_NETWORK_TRANSPORT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  INSTRUMENTATION_SCOPE,
  MCP_ERROR_TYPE_TOOL_ERROR,
  METRIC_MCP_CLIENT_OPERATION_DURATION,
  METRIC_MCP_SERVER_OPERATION_DURATION,
  NETWORK_TRANSPORT_VALUE_PIPE,
  NETWORK_TRANSPORT_VALUE_TCP,
} from '../attributes/names.ts';
import { MAX_PLAIN_STRING_LENGTH, isObject, safeJson, truncate } from '../attributes/safe-values.ts';
import { storeServing } from '../genai/metric-series.ts';
import { genaiSettings } from '../config/genai-settings.ts';
import { ShapeCache } from '../genai/shape-cache.ts';
import { genaiTracer } from '../genai/span-runner.ts';
import { toolSpanOf } from '../genai/tool-spans.ts';
import { errorOnce } from '../core/diagnostics.ts';
import { VERSION } from '../version.ts';

/** The JSON-RPC code the SDK answers with when a handler throws an error without a code of its own. */
const JSONRPC_INTERNAL_ERROR = -32603;
/** Bucket boundaries the MCP conventions advise for both operation durations, in seconds. */
export const MCP_DURATION_BUCKETS_SECONDS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

/** What both sides know of one MCP request before it runs. */
export interface McpRequestFacts {
  method: string;
  requestId?: string;
  sessionId?: string;
  protocolVersion?: string;
  jsonrpcVersion?: string;
  transport?: string;
  serverAddress?: string;
  serverPort?: number;
  toolName?: string;
  promptName?: string;
  resourceUri?: string;
  /** `params.arguments` of a tools/call, recorded only with content capture on. */
  toolArguments?: unknown;
}

const plain = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? truncate(value, MAX_PLAIN_STRING_LENGTH) : undefined;

/** The `jsonrpc.request.id` of an id: strings and numbers only (the conventions skip null and absent ids). */
export function requestIdOf(id: unknown): string | undefined {
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  return plain(id);
}

/**
 * `network.transport` of an SDK transport, told by its class: stdio is a pipe; Streamable HTTP, SSE and WebSocket
 * run over TCP. Other transports (in-memory, the application's own) get none.
 */
export function networkTransportOf(transport: unknown): string | undefined {
  if (!isObject(transport)) return undefined;
  let name: unknown;
  try {
    const constructor = (transport as { constructor?: { name?: unknown } }).constructor;
    // Told once per transport class: every request of a connection asks.
    if (typeof constructor === 'function') {
      const known = transportsByClass.get(constructor);
      if (known !== undefined) return known === NONE ? undefined : known;
      const found = transportOfClassName(constructor.name);
      transportsByClass.set(constructor, found ?? NONE);
      return found;
    }
    name = constructor?.name;
  } catch {
    return undefined;
  }
  return transportOfClassName(name);
}

const NONE = '';
const transportsByClass = new WeakMap<object, string>();

function transportOfClassName(name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined;
  if (/stdio/i.test(name)) return NETWORK_TRANSPORT_VALUE_PIPE;
  if (/http|sse|websocket/i.test(name)) return NETWORK_TRANSPORT_VALUE_TCP;
  return undefined;
}

/** The method, target and content of a request, as both sides read it from the JSON-RPC message. */
export function requestFacts(request: unknown): McpRequestFacts | undefined {
  if (!isObject(request) || typeof request.method !== 'string' || request.method === '') return undefined;
  const facts: McpRequestFacts = { method: truncate(request.method, MAX_PLAIN_STRING_LENGTH) };
  const params = isObject(request.params) ? request.params : undefined;
  if (params !== undefined) {
    if (facts.method === 'tools/call') {
      facts.toolName = plain(params.name);
      facts.toolArguments = params.arguments;
    } else if (facts.method === 'prompts/get') {
      facts.promptName = plain(params.name);
    } else if (facts.method.startsWith('resources/') || facts.method === 'notifications/resources/updated') {
      facts.resourceUri = plain(params.uri);
    }
    if (facts.method === 'initialize') facts.protocolVersion = plain(params.protocolVersion);
  }
  if (typeof request.jsonrpc === 'string') facts.jsonrpcVersion = plain(request.jsonrpc);
  if (request.id !== undefined) facts.requestId = requestIdOf(request.id);
  return facts;
}

/** `{mcp.method.name} {target}`, the target being the tool or prompt name (never the resource URI: high cardinality). */
export function mcpSpanName(facts: McpRequestFacts): string {
  const target = facts.toolName ?? facts.promptName;
  return target === undefined ? facts.method : `${facts.method} ${target}`;
}

/** The attributes both the span and the duration metric carry. */
function metricAttributes(facts: McpRequestFacts, errorType?: string, statusCode?: string): Attributes {
  const attributes: Attributes = { [ATTR_MCP_METHOD_NAME]: facts.method };
  if (facts.toolName !== undefined) attributes[ATTR_GEN_AI_TOOL_NAME] = facts.toolName;
  if (facts.method === 'tools/call') attributes[ATTR_GEN_AI_OPERATION_NAME] = GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL;
  if (facts.promptName !== undefined) attributes[ATTR_GEN_AI_PROMPT_NAME] = facts.promptName;
  if (facts.protocolVersion !== undefined) attributes[ATTR_MCP_PROTOCOL_VERSION] = facts.protocolVersion;
  if (facts.jsonrpcVersion !== undefined && facts.jsonrpcVersion !== '2.0')
    attributes[ATTR_JSONRPC_PROTOCOL_VERSION] = facts.jsonrpcVersion;
  if (facts.transport !== undefined) attributes[ATTR_NETWORK_TRANSPORT] = facts.transport;
  if (facts.serverAddress !== undefined) attributes[ATTR_SERVER_ADDRESS] = facts.serverAddress;
  if (facts.serverPort !== undefined) attributes[ATTR_SERVER_PORT] = facts.serverPort;
  if (errorType !== undefined) attributes[ATTR_ERROR_TYPE] = errorType;
  if (statusCode !== undefined) attributes[ATTR_RPC_RESPONSE_STATUS_CODE] = statusCode;
  return attributes;
}

/** What every call of one shape (method, target, connection facts, outcome) shares: its metric attributes and name. */
interface CallShape {
  readonly metric: Attributes;
  readonly name: string;
}

/**
 * Shapes seen, by their facts: a call of a known shape reuses the very attribute object, which the metric store binds
 * to its series once (no hashing of the attributes per record) and the span copies, and its name. Looked up part by
 * part (no key string built and hashed per call); bounded like a metric's series (past the bound it starts over).
 */
const shapes = new ShapeCache<CallShape>(2000);

function shapeOf(facts: McpRequestFacts, errorType?: string, statusCode?: string): CallShape {
  return shapes.get(
    [
      facts.method,
      facts.toolName,
      facts.promptName,
      facts.protocolVersion,
      facts.jsonrpcVersion,
      facts.transport,
      facts.serverAddress,
      facts.serverPort,
      errorType,
      statusCode,
    ],
    () => ({ metric: Object.freeze(metricAttributes(facts, errorType, statusCode)), name: mcpSpanName(facts) }),
  );
}

/** The span's attributes at start: the metric's, plus the per-request ones (ids, resource URI, arguments). */
export function spanAttributes(
  facts: McpRequestFacts,
  captureContent: boolean,
  maxContentLength: number,
  metric: Attributes = metricAttributes(facts),
): Attributes {
  const attributes = { ...metric };
  if (facts.requestId !== undefined) attributes[ATTR_JSONRPC_REQUEST_ID] = facts.requestId;
  if (facts.sessionId !== undefined) attributes[ATTR_MCP_SESSION_ID] = facts.sessionId;
  if (facts.resourceUri !== undefined) attributes[ATTR_MCP_RESOURCE_URI] = facts.resourceUri;
  if (captureContent && facts.method === 'tools/call' && facts.toolArguments !== undefined)
    attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS] = safeJson(facts.toolArguments, maxContentLength);
  return attributes;
}

interface Durations {
  provider: MeterProvider;
  client: Histogram;
  server: Histogram;
}
let durations: Durations | undefined;

/** The two MCP duration histograms, re-created when another MeterProvider is registered (the API has no proxy). */
function durationHistograms(): Durations {
  const provider = metrics.getMeterProvider();
  if (durations !== undefined && durations.provider === provider) return durations;
  // Under start(), the pre-bound series of genai-otel's other metrics (see metric-series.ts); the metrics API otherwise.
  const store = storeServing(provider);
  const meter = store === undefined ? provider.getMeter(INSTRUMENTATION_SCOPE, VERSION) : undefined;
  const histogram = (name: string, description: string): Histogram =>
    store !== undefined
      ? store.histogram({ name, unit: 's', description, boundaries: MCP_DURATION_BUCKETS_SECONDS })
      : meter!.createHistogram(name, {
          unit: 's',
          description,
          advice: { explicitBucketBoundaries: MCP_DURATION_BUCKETS_SECONDS },
        });
  durations = {
    provider,
    client: histogram(METRIC_MCP_CLIENT_OPERATION_DURATION, 'Duration of MCP requests as the sender sees them'),
    server: histogram(METRIC_MCP_SERVER_OPERATION_DURATION, 'Duration of MCP requests as the receiver handles them'),
  };
  return durations;
}

/** The JSON-RPC error code of a thrown value, as the SDK answers it: its own `code`, else internal error. */
function jsonRpcCodeOf(error: unknown, side: 'client' | 'server'): number | undefined {
  let code: unknown;
  try {
    code = isObject(error) ? error.code : undefined;
  } catch {
    code = undefined;
  }
  if (typeof code === 'number' && Number.isSafeInteger(code)) return code;
  return side === 'server' ? JSONRPC_INTERNAL_ERROR : undefined;
}

function messageOf(error: unknown): string | undefined {
  try {
    if (error instanceof Error) return error.message;
    const message = isObject(error) ? error.message : undefined;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One MCP request traced from start to end: a CLIENT span on the sending side, a SERVER span on the receiving side,
 * and the matching duration metric, recorded once when it settles.
 */
export class McpCall {
  readonly span: Span;
  /** The context the request (client) or its handler (server) runs in: the span's. */
  readonly context: Context;
  private readonly facts: McpRequestFacts;
  /** The shape at start; the protocol version learnt later, or an error, makes another. */
  private shape: CallShape;
  private readonly side: 'client' | 'server';
  private readonly captureContent: boolean;
  private readonly maxContentLength: number;
  private readonly startTime = performance.now();
  /** False when the span is an agent framework's `execute_tool` span this call only adds its attributes to. */
  private readonly owned: boolean;
  private ended = false;
  /** Called with the result of a successful request, before the span ends (the initialize exchange reads its version). */
  onResult?: (value: unknown) => void;

  private constructor(
    side: 'client' | 'server',
    facts: McpRequestFacts,
    parent: Context,
    links: Link[] | undefined,
    outer: Span | undefined,
  ) {
    const settings = genaiSettings();
    this.side = side;
    this.facts = facts;
    this.captureContent = capturesContentOnSpans(settings.captureContent, undefined);
    this.maxContentLength = settings.maxContentLength;
    this.shape = shapeOf(facts);
    const attributes = spanAttributes(facts, this.captureContent, this.maxContentLength, this.shape.metric);
    if (outer !== undefined) {
      this.owned = false;
      this.span = outer;
      this.span.setAttributes(attributes);
      this.context = parent;
      return;
    }
    this.owned = true;
    const kind = side === 'client' ? SpanKind.CLIENT : SpanKind.SERVER;
    this.span = genaiTracer().startSpan(this.shape.name, { kind, attributes, links }, parent);
    this.context = trace.setSpan(parent, this.span);
  }

  /**
   * A CLIENT span under the active context; for a tools/call made inside an agent framework's `execute_tool` span of
   * the same tool (the OpenAI Agents SDK's MCP servers), that span itself, given the MCP attributes, as the MCP
   * conventions ask: one span per tool call, whose context the request carries to the server.
   */
  static client(facts: McpRequestFacts): McpCall {
    const active = context.active();
    const outer = facts.method === 'tools/call' ? toolSpanOf(active, facts.toolName) : undefined;
    return new McpCall('client', facts, active, undefined, outer);
  }

  /**
   * A SERVER span whose parent is the client's span carried in `_meta` when there is one (the ambient context, if it
   * holds a span, becomes a link, as the conventions ask), else the ambient context.
   */
  static server(facts: McpRequestFacts, remote: Context | undefined): McpCall {
    const ambient = context.active();
    if (remote === undefined) return new McpCall('server', facts, ambient, undefined, undefined);
    const ambientSpan = trace.getSpanContext(ambient);
    // A link to the parent itself (client and server in one process, the ambient context the sender's) says nothing.
    // The ids compared first: telling a valid span context takes two regular expressions.
    const links =
      ambientSpan !== undefined &&
      ambientSpan.spanId !== trace.getSpanContext(remote)?.spanId &&
      trace.isSpanContextValid(ambientSpan)
        ? [{ context: ambientSpan }]
        : undefined;
    return new McpCall('server', facts, remote, links, undefined);
  }

  /** Follows what the traced function returned: a promise settles the span later; anything else settles it now. */
  follow(result: unknown): void {
    try {
      if (isObject(result) && typeof (result as { then?: unknown }).then === 'function') {
        (result as unknown as PromiseLike<unknown>).then(
          (value) => this.succeed(value),
          (error: unknown) => this.fail(error),
        );
        return;
      }
      this.succeed(result);
    } catch (error) {
      errorOnce('mcp:follow', 'could not follow the result of an MCP request', error);
      this.end(undefined);
    }
  }

  /** Ends the span with the request's result: a tool result with `isError: true` is a `tool_error`. */
  succeed(value: unknown): void {
    if (this.ended) return;
    let errorType: string | undefined;
    try {
      this.onResult?.(value);
      if (this.facts.method === 'tools/call' && isObject(value)) {
        if (value.isError === true) {
          errorType = MCP_ERROR_TYPE_TOOL_ERROR;
          this.span.setAttribute(ATTR_ERROR_TYPE, errorType);
          this.span.setStatus({ code: SpanStatusCode.ERROR });
        } else if (this.captureContent) {
          const result = value.structuredContent ?? value.content;
          if (result !== undefined)
            this.span.setAttribute(ATTR_GEN_AI_TOOL_CALL_RESULT, safeJson(result, this.maxContentLength));
        }
      }
    } catch (error) {
      errorOnce('mcp:result', 'could not read the result of an MCP request', error);
    }
    this.end(errorType);
  }

  /** Ends the span as failed: `error.type` is the JSON-RPC error code when there is one. */
  fail(error: unknown): void {
    if (this.ended) return;
    let errorType = '_OTHER';
    try {
      const code = jsonRpcCodeOf(error, this.side);
      errorType = code !== undefined ? String(code) : errorTypeOf(error);
      if (code !== undefined) this.span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, String(code));
      this.span.setAttribute(ATTR_ERROR_TYPE, errorType);
      const message = messageOf(error);
      if (error instanceof Error) this.span.recordException(error);
      else this.span.recordException({ name: errorType, message: message ?? 'error' });
      this.span.setStatus({ code: SpanStatusCode.ERROR, message });
    } catch (recordError) {
      errorOnce('mcp:fail', 'could not record the error of an MCP request', recordError);
    }
    this.end(errorType, true);
  }

  /** Sets the protocol version learnt while the request ran (the initialize result). */
  setProtocolVersion(version: string): void {
    this.facts.protocolVersion = version;
    this.shape = shapeOf(this.facts);
    this.span.setAttribute(ATTR_MCP_PROTOCOL_VERSION, version);
  }

  private end(errorType: string | undefined, withCode = false): void {
    if (this.ended) return;
    this.ended = true;
    try {
      const attributes =
        errorType === undefined
          ? this.shape.metric
          : shapeOf(this.facts, errorType, withCode && /^-?\d+$/.test(errorType) ? errorType : undefined).metric;
      const histograms = durationHistograms();
      (this.side === 'client' ? histograms.client : histograms.server).record(
        (performance.now() - this.startTime) / 1000,
        attributes,
      );
    } catch (error) {
      errorOnce('mcp:metric', 'could not record the duration of an MCP request', error);
    }
    if (!this.owned) return;
    try {
      this.span.end();
    } catch (error) {
      errorOnce('mcp:span-end', 'could not end an MCP span', error);
    }
  }
}
