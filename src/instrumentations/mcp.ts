import { basename, dirname, join } from 'node:path';
import { context } from '@opentelemetry/api';
import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { NETWORK_TRANSPORT_VALUE_TCP } from '../attributes/names.ts';
import { isObject } from '../attributes/safe-values.ts';
import { debug, errorOnce } from '../core/diagnostics.ts';
import { instrumentationBase } from '../core/loaders.ts';
import { VERSION } from '../version.ts';
import { resolveFromApplication } from './app-resolve.ts';
import { contextFromRequest, withTraceContext } from './mcp-meta.ts';
import { mayTraceNotification } from './mcp-notification-budget.ts';
import { McpCall, networkTransportOf, requestFacts, requestIdOf, type McpRequestFacts } from './mcp-spans.ts';

/**
 * `@modelcontextprotocol/sdk` versions traced: the 1.x line (the only major of that package).
 * `Protocol.request()` and `Protocol.setRequestHandler()` have kept their shape across 1.x.
 */
export const MCP_SUPPORTED_VERSIONS = ['>=1.0.0 <2'];
/**
 * The SDK's 2.x, split into `@modelcontextprotocol/client` and `@modelcontextprotocol/server`, each bundling its own
 * copy of `Protocol`: every request and notification goes through its `_requestWithSchemaViaCodec` and
 * `_notificationViaCodec` funnels (2.0 to 2.4 alike), and handlers are kept in its `_requestHandlers` and
 * `_notificationHandlers` maps.
 */
export const MCP_SPLIT_SUPPORTED_VERSIONS = ['>=2.0.0 <3'];
/** The 2.x packages, hooked by name (their exports maps have main entries, unlike the 1.x package). */
export const MCP_SPLIT_PACKAGES = ['@modelcontextprotocol/client', '@modelcontextprotocol/server'];
export const MCP_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-mcp';
type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/**
 * The SDK's two files defining `Protocol` (CommonJS and ES module builds), as the application resolves them, when
 * its installed version is supported; none otherwise.
 */
export function protocolFiles(): { files: string[]; version?: string } {
  const cjs = resolveFromApplication('@modelcontextprotocol/sdk/shared/protocol.js');
  if (cjs === undefined) return { files: [] };
  const root = join(dirname(cjs), '..', '..', '..');
  const version = packageVersion(join(root, 'package.json'));
  if (version === undefined || !isSupportedVersion(version)) {
    debug(
      `@modelcontextprotocol/sdk ${version ?? '(unknown version)'} is not supported (${MCP_SUPPORTED_VERSIONS.join(', ')}): MCP calls are not traced`,
    );
    return { files: [] };
  }
  const esm = join(root, 'dist', 'esm', 'shared', 'protocol.js');
  return { files: process.getBuiltinModule('node:fs').existsSync(esm) ? [cjs, esm] : [cjs], version };
}

function packageVersion(file: string): string | undefined {
  try {
    const version = (
      JSON.parse(process.getBuiltinModule('node:fs').readFileSync(file, 'utf8')) as { version?: unknown }
    ).version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

/** 1.x releases (prereleases of 2.0 included in no range): what MCP_SUPPORTED_VERSIONS says, without a semver parser. */
function isSupportedVersion(version: string): boolean {
  return /^1\.\d+\.\d+/.test(version);
}

/** The protocol version each connection negotiated, learnt from its initialize exchange. */
const negotiated = new WeakMap<object, string>();

interface ProtocolInternals {
  _transport?: unknown;
  _requestMessageId?: unknown;
  /** 2.x: the version this connection negotiated. */
  _negotiatedProtocolVersion?: unknown;
}

/** The protocol version a connection negotiated: learnt from its initialize exchange, or kept by the 2.x SDK. */
function negotiatedVersion(protocol: unknown): string | undefined {
  if (!isObject(protocol)) return undefined;
  const learnt = negotiated.get(protocol);
  if (learnt !== undefined) return learnt;
  const kept = (protocol as ProtocolInternals)._negotiatedProtocolVersion;
  return typeof kept === 'string' && kept !== '' ? kept : undefined;
}

function transportOf(protocol: unknown): unknown {
  return isObject(protocol) ? (protocol as ProtocolInternals)._transport : undefined;
}

/** The Streamable HTTP session id a transport holds (none for stdio). */
function sessionOf(transport: unknown): string | undefined {
  const sessionId = isObject(transport) ? (transport as { sessionId?: unknown }).sessionId : undefined;
  return typeof sessionId === 'string' && sessionId !== '' ? sessionId : undefined;
}

/** `server.address` and `server.port` of an HTTP client transport (the SDK keeps its endpoint as `_url`). */
function serverOf(transport: unknown, facts: McpRequestFacts): void {
  const url = isObject(transport) ? (transport as { _url?: unknown })._url : undefined;
  if (!(url instanceof URL)) return;
  facts.serverAddress = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port =
    url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : undefined;
  if (port !== undefined) facts.serverPort = port;
}

function rememberVersion(protocol: unknown, call: McpCall, value: unknown): void {
  const version = isObject(value) ? value.protocolVersion : undefined;
  if (typeof version !== 'string' || version === '') return;
  if (isObject(protocol)) negotiated.set(protocol, version);
  call.setProtocolVersion(version);
}

/**
 * The facts of a request (or notification) this side sends: the id a request is about to get, the session, transport
 * and endpoint.
 */
function outgoingFacts(protocol: unknown, request: unknown, isRequest: boolean): McpRequestFacts | undefined {
  const facts = requestFacts(request);
  if (facts === undefined) return undefined;
  const transport = transportOf(protocol);
  // The SDK numbers requests itself, from this counter, synchronously inside request().
  const nextId = isRequest && isObject(protocol) ? (protocol as ProtocolInternals)._requestMessageId : undefined;
  if (typeof nextId === 'number' && Number.isSafeInteger(nextId)) facts.requestId = String(nextId);
  facts.jsonrpcVersion = '2.0';
  const sessionId = sessionOf(transport);
  if (sessionId !== undefined) facts.sessionId = sessionId;
  facts.transport = networkTransportOf(transport);
  serverOf(transport, facts);
  if (facts.protocolVersion === undefined) facts.protocolVersion = negotiatedVersion(protocol);
  return facts;
}

/**
 * Wraps `Protocol.prototype.request` (1.x; 2.x's funnel `_requestWithSchemaViaCodec`, whose request is its second
 * argument: `at` 1): each request this side sends (a client's tools/call, a server's sampling/createMessage) is a
 * CLIENT span, and the request carries its trace context in `params._meta`, so the peer's SERVER span joins the trace.
 * The caller gets the SDK's own promise; its request object is not changed.
 *
 * @example
 * instrumentation._wrap(Protocol.prototype, 'request', (original) => tracedRequest(original));
 */
export function tracedRequest(original: AnyFunction, isEnabled: () => boolean = () => true, at = 0): AnyFunction {
  return function request(this: unknown, ...args: unknown[]): unknown {
    if (!isEnabled()) return original.apply(this, args);
    let call: McpCall | undefined;
    let sent = args;
    try {
      const facts = outgoingFacts(this, args[at], true);
      if (facts !== undefined) {
        call = McpCall.client(facts);
        sent = args.slice();
        sent[at] = withTraceContext(args[at], call.context);
        if (facts.method === 'initialize') {
          const protocol = this;
          const traced = call;
          call.onResult = (value) => rememberVersion(protocol, traced, value);
        }
      }
    } catch (error) {
      errorOnce('mcp:request', 'could not trace an MCP request; it runs untraced', error);
      sent = args;
    }
    return runTraced(call, this, original, call === undefined ? args : sent);
  };
}

/** Runs `original` inside the call's context and settles the call with its outcome; untraced without a call. */
function runTraced(call: McpCall | undefined, self: unknown, original: AnyFunction, args: unknown[]): unknown {
  if (call === undefined) return original.apply(self, args);
  let result: unknown;
  try {
    result = context.with(call.context, () => original.apply(self, args));
  } catch (error) {
    call.fail(error);
    throw error;
  }
  call.follow(result);
  return result;
}

/**
 * Wraps `Protocol.prototype.notification` (1.x; 2.x's funnel `_notificationViaCodec`, notification second: `at` 1):
 * each notification this side sends is a CLIENT span named after its method, until the transport took it, and carries
 * its trace context in `params._meta` like a request, within the budget of {@link mayTraceNotification}.
 *
 * @example
 * instrumentation._wrap(Protocol.prototype, 'notification', (original) => tracedNotification(original));
 */
export function tracedNotification(original: AnyFunction, isEnabled: () => boolean = () => true, at = 0): AnyFunction {
  return function notification(this: unknown, ...args: unknown[]): unknown {
    if (!isEnabled()) return original.apply(this, args);
    let call: McpCall | undefined;
    let sent = args;
    try {
      const facts = outgoingFacts(this, args[at], false);
      if (facts !== undefined && mayTraceNotification(this, facts.method)) {
        call = McpCall.client(facts);
        sent = args.slice();
        sent[at] = withTraceContext(args[at], call.context);
      }
    } catch (error) {
      errorOnce('mcp:notification', 'could not trace an MCP notification; it is sent untraced', error);
      sent = args;
    }
    return runTraced(call, this, original, call === undefined ? args : sent);
  };
}

/** The facts of a request this side received, from the message and the SDK's `extra` (session, HTTP headers). */
function incomingFacts(protocol: unknown, request: unknown, extra: unknown): McpRequestFacts | undefined {
  const facts = requestFacts(request);
  if (facts === undefined) return undefined;
  // Notification handlers have no `extra`: the session is the transport's.
  const sessionId = isObject(extra) ? extra.sessionId : sessionOf(transportOf(protocol));
  if (typeof sessionId === 'string' && sessionId !== '') facts.sessionId = sessionId;
  // Handlers get the request as their schema parsed it, without its JSON-RPC envelope: the id is in `extra`.
  if (facts.requestId === undefined && isObject(extra)) facts.requestId = requestIdOf(extra.requestId);
  facts.jsonrpcVersion = '2.0';
  const requestInfo = isObject(extra) ? extra.requestInfo : undefined;
  facts.transport =
    networkTransportOf(transportOf(protocol)) ?? (isObject(requestInfo) ? NETWORK_TRANSPORT_VALUE_TCP : undefined);
  if (facts.protocolVersion === undefined) {
    const headers = isObject(requestInfo) ? requestInfo.headers : undefined;
    const header = isObject(headers) ? headers['mcp-protocol-version'] : undefined;
    if (typeof header === 'string' && header !== '') facts.protocolVersion = header;
    else facts.protocolVersion = negotiatedVersion(protocol);
  }
  return facts;
}

/** A request handler run inside a SERVER span whose parent is the client span the request's `_meta` names. */
function tracedHandler(handler: AnyFunction, protocol: unknown, isEnabled: () => boolean): AnyFunction {
  return function handleRequest(this: unknown, ...args: unknown[]): unknown {
    if (!isEnabled()) return handler.apply(this, args);
    let call: McpCall | undefined;
    try {
      const facts = incomingFacts(protocol, args[0], args[1]);
      if (facts !== undefined) {
        call = McpCall.server(facts, contextFromRequest(args[0]));
        if (facts.method === 'initialize') {
          const traced = call;
          call.onResult = (value) => rememberVersion(protocol, traced, value);
        }
      }
    } catch (error) {
      errorOnce('mcp:handler', 'could not trace an MCP request handler; it runs untraced', error);
    }
    return runTraced(call, this, handler, args);
  };
}

/**
 * A notification handler run inside a SERVER span whose parent is the sender's span its `_meta` names, within the
 * budget of {@link mayTraceNotification}.
 */
function tracedNotificationHandler(handler: AnyFunction, protocol: unknown, isEnabled: () => boolean): AnyFunction {
  return function handleNotification(this: unknown, ...args: unknown[]): unknown {
    if (!isEnabled()) return handler.apply(this, args);
    let call: McpCall | undefined;
    try {
      const facts = incomingFacts(protocol, args[0], undefined);
      if (facts !== undefined && mayTraceNotification(protocol, facts.method)) {
        call = McpCall.server(facts, contextFromRequest(args[0]));
      }
    } catch (error) {
      errorOnce('mcp:notification-handler', 'could not trace an MCP notification handler; it runs untraced', error);
    }
    return runTraced(call, this, handler, args);
  };
}

/** The handlers a map of the SDK's has already traced: a map is re-read after every registration. */
const tracedHandlers = new WeakSet<object>();

/**
 * Wraps a 2.x handler registration (`setRequestHandler`, `setNotificationHandler`; any notification registration of
 * 1.x): after the SDK stored the handler in its map (`_requestHandlers`, `_notificationHandlers`), with its own
 * validation around it, every handler of that map not traced yet is replaced by its traced twin. Reading the map
 * keeps the hook independent of the registration's argument shapes (method or schema, two or three arguments).
 *
 * @example
 * instrumentation._wrap(proto, 'setNotificationHandler', (original) =>
 *   tracingHandlerMap(original, '_notificationHandlers', 'notification'));
 */
export function tracingHandlerMap(
  original: AnyFunction,
  mapKey: '_requestHandlers' | '_notificationHandlers',
  kind: 'request' | 'notification',
  isEnabled: () => boolean = () => true,
): AnyFunction {
  return function registerHandler(this: unknown, ...args: unknown[]): unknown {
    const result = original.apply(this, args);
    try {
      const handlers = isObject(this) ? this[mapKey] : undefined;
      if (!(handlers instanceof Map)) return result;
      for (const [method, handler] of handlers as Map<unknown, unknown>) {
        if (typeof handler !== 'function' || tracedHandlers.has(handler)) continue;
        const traced =
          kind === 'request'
            ? tracedHandler(handler as AnyFunction, this, isEnabled)
            : tracedNotificationHandler(handler as AnyFunction, this, isEnabled);
        tracedHandlers.add(traced);
        handlers.set(method, traced);
      }
    } catch (error) {
      errorOnce('mcp:handler-map', 'could not trace MCP handlers; they run untraced', error);
    }
    return result;
  };
}

/**
 * Wraps `Protocol.prototype.setRequestHandler`: every handler registered (the `McpServer`'s tools/call, prompts,
 * resources, the client's sampling and elicitation handlers) runs inside a SERVER span, so the spans the application
 * makes in its tool nest under it.
 *
 * @example
 * instrumentation._wrap(Protocol.prototype, 'setRequestHandler', (original) => tracedSetRequestHandler(original));
 */
export function tracedSetRequestHandler(original: AnyFunction, isEnabled: () => boolean = () => true): AnyFunction {
  return function setRequestHandler(this: unknown, ...args: unknown[]): unknown {
    const handler = args[1];
    if (typeof handler !== 'function') return original.apply(this, args);
    let registered = args;
    try {
      registered = [args[0], tracedHandler(handler as AnyFunction, this, isEnabled), ...args.slice(2)];
    } catch (error) {
      errorOnce('mcp:set-handler', 'could not trace an MCP request handler; it runs untraced', error);
      registered = args;
    }
    return original.apply(this, registered);
  };
}

interface ProtocolExports {
  Protocol?: { prototype: Record<string, unknown> };
}

/** The methods of 1.x `Protocol` the instrumentation wraps. */
const SDK_METHODS = ['request', 'setRequestHandler', 'notification', 'setNotificationHandler'] as const;
/** The methods of 2.x `Protocol` (either package's copy) the instrumentation wraps. */
const SPLIT_METHODS = [
  '_requestWithSchemaViaCodec',
  'setRequestHandler',
  '_notificationViaCodec',
  'setNotificationHandler',
] as const;

function hasMethods(
  proto: Record<string, unknown> | undefined,
  names: readonly string[],
): proto is Record<string, unknown> {
  return proto !== undefined && names.every((name) => typeof proto[name] === 'function');
}

/**
 * The instrumentation of the MCP SDK: it patches the `Protocol` class both `Client` and `Server` extend — of
 * `@modelcontextprotocol/sdk` 1.x, hooked by file, and of each 2.x package (`@modelcontextprotocol/client`,
 * `@modelcontextprotocol/server`), hooked by name — in the CommonJS and the ES module build alike
 * (require-in-the-middle and import-in-the-middle). Loaded only when enabled and an SDK is installed.
 */
export function createMcpInstrumentation(): InstrumentationModule.Instrumentation {
  const { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile } =
    instrumentationBase();

  const sdk = protocolFiles();

  class McpInstrumentation extends InstrumentationBase {
    constructor() {
      super(MCP_INSTRUMENTATION_NAME, VERSION, {});
      // Hooked by path, the base class would look for a package.json next to the 1.x file and warn that it has none
      // (the folder's holds no version); the 2.x packages, hooked by name, have theirs.
      Object.defineProperty(this, '_extractPackageVersion', {
        value: (baseDir: string) => packageVersion(join(baseDir, 'package.json')) ?? sdk.version,
      });
    }

    protected init() {
      const enabled = () => this.isEnabled();
      const patch = (moduleExports: unknown) => {
        const proto = (moduleExports as ProtocolExports)?.Protocol?.prototype;
        if (!hasMethods(proto, SDK_METHODS)) {
          errorOnce(
            'mcp:shape',
            'this version of @modelcontextprotocol/sdk has no Protocol.request/setRequestHandler; MCP calls are not traced',
          );
          return moduleExports;
        }
        this._wrap(proto, 'request', (original) => tracedRequest(original as AnyFunction, enabled));
        this._wrap(proto, 'setRequestHandler', (original) => tracedSetRequestHandler(original as AnyFunction, enabled));
        this._wrap(proto, 'notification', (original) => tracedNotification(original as AnyFunction, enabled));
        this._wrap(proto, 'setNotificationHandler', (original) =>
          tracingHandlerMap(original as AnyFunction, '_notificationHandlers', 'notification', enabled),
        );
        return moduleExports;
      };
      const patchSplit = (moduleExports: unknown) => {
        const proto = (moduleExports as ProtocolExports)?.Protocol?.prototype;
        if (!hasMethods(proto, SPLIT_METHODS)) {
          errorOnce(
            'mcp:split-shape',
            'this version of @modelcontextprotocol/client or /server has a Protocol class of another shape; MCP calls are not traced',
          );
          return moduleExports;
        }
        // Both packages' entries can hand over the same copy (a bundler sharing the chunk): wrap it once.
        if ((proto._requestWithSchemaViaCodec as { __wrapped?: boolean }).__wrapped === true) return moduleExports;
        this._wrap(proto, '_requestWithSchemaViaCodec', (original) =>
          tracedRequest(original as AnyFunction, enabled, 1),
        );
        this._wrap(proto, '_notificationViaCodec', (original) =>
          tracedNotification(original as AnyFunction, enabled, 1),
        );
        this._wrap(proto, 'setRequestHandler', (original) =>
          tracingHandlerMap(original as AnyFunction, '_requestHandlers', 'request', enabled),
        );
        this._wrap(proto, 'setNotificationHandler', (original) =>
          tracingHandlerMap(original as AnyFunction, '_notificationHandlers', 'notification', enabled),
        );
        return moduleExports;
      };
      const unpatchMethods = (names: readonly string[]) => (moduleExports: unknown) => {
        const proto = (moduleExports as ProtocolExports)?.Protocol?.prototype;
        if (proto === undefined) return;
        for (const name of names) this._unwrap(proto, name);
      };
      // 1.x by absolute path: require-in-the-middle skips every file of a package whose main entry does not
      // resolve, which is the case of the SDK's 1.x packages; by path, the hooks hand over the file by its base name.
      const sdkModules = sdk.files.map(
        (file) =>
          new InstrumentationNodeModuleDefinition(file, ['*'], undefined, undefined, [
            new InstrumentationNodeModuleFile(basename(file, '.js'), ['*'], patch, unpatchMethods(SDK_METHODS)),
          ]),
      );
      const splitModules = MCP_SPLIT_PACKAGES.map(
        (name) =>
          new InstrumentationNodeModuleDefinition(
            name,
            MCP_SPLIT_SUPPORTED_VERSIONS,
            patchSplit,
            unpatchMethods(SPLIT_METHODS),
          ),
      );
      return [...sdkModules, ...splitModules];
    }
  }
  return new McpInstrumentation();
}
