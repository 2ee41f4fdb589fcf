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
import { McpCall, networkTransportOf, requestFacts, requestIdOf, type McpRequestFacts } from './mcp-spans.ts';

/**
 * `@modelcontextprotocol/sdk` versions traced: the 1.x line (the only major of that package; the SDK's 2.x ships as
 * the separate `@modelcontextprotocol/client` and `@modelcontextprotocol/server` packages, not traced yet).
 * `Protocol.request()` and `Protocol.setRequestHandler()` have kept their shape across 1.x.
 */
export const MCP_SUPPORTED_VERSIONS = ['>=1.0.0 <2'];
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
}

function transportOf(protocol: unknown): unknown {
  return isObject(protocol) ? (protocol as ProtocolInternals)._transport : undefined;
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

/** The facts of a request this side sends: the id it is about to get, the session, transport and endpoint. */
function outgoingFacts(protocol: unknown, request: unknown): McpRequestFacts | undefined {
  const facts = requestFacts(request);
  if (facts === undefined) return undefined;
  const transport = transportOf(protocol);
  // The SDK numbers requests itself, from this counter, synchronously inside request().
  const nextId = isObject(protocol) ? (protocol as ProtocolInternals)._requestMessageId : undefined;
  if (typeof nextId === 'number' && Number.isSafeInteger(nextId)) facts.requestId = String(nextId);
  facts.jsonrpcVersion = '2.0';
  const sessionId = isObject(transport) ? (transport as { sessionId?: unknown }).sessionId : undefined;
  if (typeof sessionId === 'string' && sessionId !== '') facts.sessionId = sessionId;
  facts.transport = networkTransportOf(transport);
  serverOf(transport, facts);
  if (facts.protocolVersion === undefined && isObject(protocol)) facts.protocolVersion = negotiated.get(protocol);
  return facts;
}

/**
 * Wraps `Protocol.prototype.request`: each request this side sends (a client's tools/call, a server's
 * sampling/createMessage) is a CLIENT span, and the request carries its trace context in `params._meta`, so the
 * peer's SERVER span joins the trace. The caller gets the SDK's own promise; its request object is not changed.
 *
 * @example
 * instrumentation._wrap(Protocol.prototype, 'request', (original) => tracedRequest(original));
 */
export function tracedRequest(original: AnyFunction, isEnabled: () => boolean = () => true): AnyFunction {
  return function request(this: unknown, ...args: unknown[]): unknown {
    if (!isEnabled()) return original.apply(this, args);
    let call: McpCall | undefined;
    let sent = args;
    try {
      const facts = outgoingFacts(this, args[0]);
      if (facts !== undefined) {
        call = McpCall.client(facts);
        sent = [withTraceContext(args[0], call.context), ...args.slice(1)];
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
    if (call === undefined) return original.apply(this, args);
    const traced = call;
    let result: unknown;
    try {
      result = context.with(traced.context, () => original.apply(this, sent));
    } catch (error) {
      traced.fail(error);
      throw error;
    }
    traced.follow(result);
    return result;
  };
}

/** The facts of a request this side received, from the message and the SDK's `extra` (session, HTTP headers). */
function incomingFacts(protocol: unknown, request: unknown, extra: unknown): McpRequestFacts | undefined {
  const facts = requestFacts(request);
  if (facts === undefined) return undefined;
  const sessionId = isObject(extra) ? extra.sessionId : undefined;
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
    else if (isObject(protocol)) facts.protocolVersion = negotiated.get(protocol);
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
    if (call === undefined) return handler.apply(this, args);
    const traced = call;
    let result: unknown;
    try {
      result = context.with(traced.context, () => handler.apply(this, args));
    } catch (error) {
      traced.fail(error);
      throw error;
    }
    traced.follow(result);
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

/**
 * The instrumentation of `@modelcontextprotocol/sdk`: it patches the `Protocol` class both `Client` and `Server`
 * extend, in the CommonJS and the ES module build alike (require-in-the-middle and import-in-the-middle file hooks).
 * Loaded only when enabled and the SDK is installed.
 */
export function createMcpInstrumentation(): InstrumentationModule.Instrumentation {
  const { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile } =
    instrumentationBase();

  const sdk = protocolFiles();

  class McpInstrumentation extends InstrumentationBase {
    constructor() {
      super(MCP_INSTRUMENTATION_NAME, VERSION, {});
      // Hooked by path, the base class would look for a package.json next to the file and warn that it has none.
      Object.defineProperty(this, '_extractPackageVersion', { value: () => sdk.version });
    }

    protected init() {
      const enabled = () => this.isEnabled();
      const patch = (moduleExports: unknown) => {
        const proto = (moduleExports as ProtocolExports)?.Protocol?.prototype;
        if (
          proto === undefined ||
          typeof proto.request !== 'function' ||
          typeof proto.setRequestHandler !== 'function'
        ) {
          errorOnce(
            'mcp:shape',
            'this version of @modelcontextprotocol/sdk has no Protocol.request/setRequestHandler; MCP calls are not traced',
          );
          return moduleExports;
        }
        this._wrap(proto, 'request', (original) => tracedRequest(original as AnyFunction, enabled));
        this._wrap(proto, 'setRequestHandler', (original) => tracedSetRequestHandler(original as AnyFunction, enabled));
        return moduleExports;
      };
      const unpatch = (moduleExports: unknown) => {
        const proto = (moduleExports as ProtocolExports)?.Protocol?.prototype;
        if (proto === undefined) return;
        this._unwrap(proto, 'request');
        this._unwrap(proto, 'setRequestHandler');
      };
      // Hooked by absolute path: require-in-the-middle skips every file of a package whose main entry does not
      // resolve, which is the case of the SDK's 1.x packages; by path, the hooks hand over the file by its base name.
      return sdk.files.map(
        (file) =>
          new InstrumentationNodeModuleDefinition(file, ['*'], undefined, undefined, [
            new InstrumentationNodeModuleFile(basename(file, '.js'), ['*'], patch, unpatch),
          ]),
      );
    }
  }
  return new McpInstrumentation();
}
