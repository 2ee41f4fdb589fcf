// The MCP instrumentation's parts: trace context in `params._meta`, spans of a real in-process client and server
// (the real SDK over its in-memory transport), and hostile values that must never reach the application.
import { after, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  diag,
  propagation,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { contextFromRequest, withTraceContext } from '../../../src/instrumentations/mcp-meta.ts';
import {
  tracedNotification,
  tracedRequest,
  tracedSetRequestHandler,
  tracingHandlerMap,
} from '../../../src/instrumentations/mcp.ts';
import { McpCall, networkTransportOf, requestFacts } from '../../../src/instrumentations/mcp-spans.ts';

const warnings: string[] = [];
diag.setLogger(
  {
    error: (message) => warnings.push(message),
    warn: (message) => warnings.push(message),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  },
  DiagLogLevel.WARN,
);
const sdk = installMemorySdk();
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
beforeEach(() => sdk.reset());

const require = createRequire(import.meta.url);
const { Protocol } = require('@modelcontextprotocol/sdk/shared/protocol.js') as {
  Protocol: { prototype: Record<string, unknown> };
};
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { InMemoryTransport } = require('@modelcontextprotocol/sdk/inMemory.js');
const { z } = require('zod');

// Patched by hand, as the instrumentation does on load (the preload tests cover the hooks themselves).
type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
const originalRequest = Protocol.prototype.request as AnyFunction;
const originalSetRequestHandler = Protocol.prototype.setRequestHandler as AnyFunction;
Protocol.prototype.request = tracedRequest(originalRequest);
Protocol.prototype.setRequestHandler = tracedSetRequestHandler(originalSetRequestHandler);
after(() => {
  Protocol.prototype.request = originalRequest;
  Protocol.prototype.setRequestHandler = originalSetRequestHandler;
});

const revoked = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
const throwingGetter = (key: string): object =>
  Object.defineProperty({}, key, {
    enumerable: true,
    get() {
      throw new Error('hostile getter');
    },
  });

test('withTraceContext: a copy of the request with traceparent in params._meta; the caller’s objects untouched, its own _meta keys kept', () => {
  const span = trace.getTracer('test').startSpan('parent');
  const ctx = trace.setSpan(ROOT_CONTEXT, span);
  const meta = { progressToken: 7, traceparent: 'caller-set' };
  const request = { method: 'tools/call', params: { name: 'get_weather', _meta: meta } };
  const sent = withTraceContext(request, ctx);
  assert.notEqual(sent, request);
  assert.deepEqual(request, {
    method: 'tools/call',
    params: { name: 'get_weather', _meta: { progressToken: 7, traceparent: 'caller-set' } },
  });
  assert.equal(sent.params._meta.progressToken, 7);
  assert.equal(sent.params._meta.traceparent, 'caller-set', 'a value the caller put there wins');

  const bare = withTraceContext({ method: 'tools/list' }, ctx) as unknown as {
    params: { _meta: { traceparent: string } };
  };
  assert.equal(bare.params._meta.traceparent, `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
  span.end();
});

test('contextFromRequest: the context withTraceContext put in, as a remote parent; nothing for requests without one', () => {
  const span = trace.getTracer('test').startSpan('client');
  const sent = withTraceContext({ method: 'tools/call', params: { name: 'x' } }, trace.setSpan(ROOT_CONTEXT, span));
  const remote = contextFromRequest(sent, ROOT_CONTEXT);
  const spanContext = remote === undefined ? undefined : trace.getSpanContext(remote);
  assert.equal(spanContext?.traceId, span.spanContext().traceId);
  assert.equal(spanContext?.spanId, span.spanContext().spanId);
  assert.equal(spanContext?.isRemote, true);
  for (const request of [
    undefined,
    null,
    'text',
    {},
    { params: 3 },
    { params: { _meta: [] } },
    { params: { _meta: { traceparent: 'garbage' } } },
    { params: { _meta: { traceparent: 42 } } },
  ]) {
    assert.equal(contextFromRequest(request, ROOT_CONTEXT), undefined);
  }
  // An active local span is the ambient context, not a remote parent.
  assert.equal(
    context.with(trace.setSpan(ROOT_CONTEXT, span), () => contextFromRequest({ params: { _meta: {} } })),
    undefined,
  );
  span.end();
});

test('withTraceContext: requests it cannot extend are returned as given', () => {
  const ctx = trace.setSpan(ROOT_CONTEXT, trace.getTracer('test').startSpan('s'));
  for (const request of [
    undefined,
    null,
    42,
    'text',
    { params: 'x' },
    { params: [1] },
    { params: { _meta: 'x' } },
    { params: { _meta: [1] } },
  ]) {
    assert.equal(withTraceContext(request, ctx), request);
  }
  assert.equal(withTraceContext({ method: 'ping' }, ROOT_CONTEXT).constructor, Object, 'no span: nothing to inject');
  assert.deepEqual(withTraceContext({ method: 'ping' }, ROOT_CONTEXT), { method: 'ping' });
});

test('requestFacts and networkTransportOf: the method and its target; the transport told by its class', () => {
  assert.deepEqual(
    requestFacts({
      jsonrpc: '2.0',
      id: 4,
      method: 'tools/call',
      params: { name: 'get_weather', arguments: { city: 'Paris' } },
    }),
    {
      method: 'tools/call',
      toolName: 'get_weather',
      toolArguments: { city: 'Paris' },
      jsonrpcVersion: '2.0',
      requestId: '4',
    },
  );
  assert.equal(requestFacts({ method: 'resources/read', params: { uri: 'file:///a' } })?.resourceUri, 'file:///a');
  assert.equal(requestFacts({ method: 'prompts/get', params: { name: 'greet' } })?.promptName, 'greet');
  assert.equal(requestFacts({ method: 42 }), undefined);
  assert.equal(requestFacts({ id: null, method: 'ping' })?.requestId, undefined, 'the conventions skip null ids');
  class StdioClientTransport {}
  class StreamableHTTPServerTransport {}
  class InMemory {}
  assert.equal(networkTransportOf(new StdioClientTransport()), 'pipe');
  assert.equal(networkTransportOf(new StreamableHTTPServerTransport()), 'tcp');
  assert.equal(networkTransportOf(new InMemory()), undefined);
  assert.equal(networkTransportOf(revoked()), undefined);
});

async function connectedPair() {
  const server = new McpServer({ name: 'weather', version: '1.0.0' });
  server.registerTool('get_weather', { inputSchema: { city: z.string() } }, async ({ city }: { city: string }) => {
    trace.getTracer('app').startSpan('inside_tool').end();
    return { content: [{ type: 'text', text: `sunny in ${city}` }] };
  });
  server.registerTool('explode', { inputSchema: {} }, async () => {
    throw new Error('boom');
  });
  const client = new Client({ name: 'c', version: '1.0.0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return { server, client };
}

test('a real client and server in one process: CLIENT span, SERVER span under it, the tool’s span under that; no content by default', async () => {
  const { client, server } = await connectedPair();
  const result = await client.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
  assert.deepEqual(result.content, [{ type: 'text', text: 'sunny in Oslo' }]);
  const failed = await client.callTool({ name: 'explode', arguments: {} });
  assert.equal(failed.isError, true);
  await client.close();
  await server.close();

  const spans = sdk.spans().filter((span) => span.name === 'tools/call get_weather');
  const call = spans.find((span) => span.kind === SpanKind.CLIENT)!;
  const handled = spans.find((span) => span.kind === SpanKind.SERVER)!;
  assert.ok(
    call && handled,
    sdk
      .spans()
      .map((span) => span.name)
      .join(', '),
  );
  assert.equal(handled.parentSpanContext?.spanId, call.spanContext().spanId);
  assert.equal(handled.spanContext().traceId, call.spanContext().traceId);
  // In one process the ambient context of the handler is the client span's: a link to the parent would say nothing.
  assert.deepEqual(handled.links, []);
  assert.equal(sdk.span('inside_tool').parentSpanContext?.spanId, handled.spanContext().spanId);
  for (const span of [call, handled]) {
    assert.equal(span.attributes['gen_ai.operation.name'], 'execute_tool');
    assert.equal(span.attributes['network.transport'], undefined, 'the in-memory transport is no network');
    assert.equal(span.attributes['gen_ai.tool.call.arguments'], undefined);
    assert.equal(span.attributes['gen_ai.tool.call.result'], undefined);
  }
  const explode = sdk.spans().filter((span) => span.name === 'tools/call explode');
  assert.equal(explode.length, 2);
  for (const span of explode) {
    assert.equal(span.attributes['error.type'], 'tool_error');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
  }
  const durations = await sdk.collect();
  assert.ok(sdk.points(durations.get('mcp.client.operation.duration')).length > 0);
  assert.ok(sdk.points(durations.get('mcp.server.operation.duration')).length > 0);
});

test('a SERVER span has the client span of _meta as parent and links the ambient span (the transport’s), when another', () => {
  const transportSpan = trace.getTracer('test').startSpan('POST /mcp');
  const remote = contextFromRequest(
    withTraceContext(
      { method: 'tools/list', params: {} },
      trace.setSpan(ROOT_CONTEXT, trace.getTracer('test').startSpan('client')),
    ),
    ROOT_CONTEXT,
  );
  const call = context.with(trace.setSpan(ROOT_CONTEXT, transportSpan), () =>
    McpCall.server({ method: 'tools/list' }, remote),
  );
  call.succeed({ tools: [] });
  const handled = sdk.span('tools/list');
  assert.equal(handled.parentSpanContext?.spanId, trace.getSpanContext(remote!)?.spanId);
  assert.deepEqual(
    handled.links.map((link) => link.context.spanId),
    [transportSpan.spanContext().spanId],
  );
});

test('hostile values around request(): the SDK’s own value or error reaches the caller, untraced if need be', async () => {
  const value = Promise.resolve('sdk value');
  const failure = new Error('sdk error');
  const returns = tracedRequest(function (this: unknown) {
    return value;
  });
  const throws = tracedRequest(() => {
    throw failure;
  });
  const hostileThis = [
    undefined,
    null,
    revoked(),
    throwingGetter('_transport'),
    throwingGetter('_requestMessageId'),
    { _transport: revoked() },
  ];
  const hostileRequests = [
    undefined,
    null,
    revoked(),
    throwingGetter('method'),
    { method: 'tools/call', params: throwingGetter('name') },
    { method: 'x', params: revoked() },
    { method: 'x', params: { _meta: revoked() } },
  ];
  for (const self of hostileThis) {
    for (const request of hostileRequests) {
      assert.equal(returns.call(self, request, undefined, {}), value);
      assert.throws(
        () => throws.call(self, request),
        (error) => error === failure,
      );
    }
  }
  // Each kind of failure is said once, however often it happens.
  assert.ok(warnings.length > 0, 'the hostile values were noticed');
  assert.equal(new Set(warnings).size, warnings.length, warnings.join('\n'));
  // Rejections are the SDK's own too, and are not left unhandled by the tracing.
  const rejected = Promise.reject(failure);
  const rejects = tracedRequest(() => rejected);
  const got = rejects.call({}, { method: 'tools/call', params: { name: 't' } });
  assert.equal(got, rejected);
  await assert.rejects(got, (error) => error === failure);
});

test('hostile values around request handlers: the handler’s value or error reaches the SDK unchanged', async () => {
  const registered: AnyFunction[] = [];
  const register = tracedSetRequestHandler(function (this: unknown, _schema: unknown, handler: unknown) {
    registered.push(handler as AnyFunction);
    return 'registered';
  });
  const failure = new Error('handler error');
  const value = { content: [] };
  for (const self of [undefined, revoked(), throwingGetter('_transport')]) {
    assert.equal(
      register.call(self, {}, () => value),
      'registered',
    );
    assert.equal(
      register.call(self, {}, () => Promise.reject(failure)),
      'registered',
    );
    assert.equal(
      register.call(self, {}, () => {
        throw failure;
      }),
      'registered',
    );
  }
  const hostileArgs = [
    [undefined, undefined],
    [revoked(), revoked()],
    [throwingGetter('method'), throwingGetter('sessionId')],
    [{ method: 'tools/call', params: throwingGetter('name') }, { requestInfo: throwingGetter('headers') }],
    [{ method: 'x', params: { _meta: throwingGetter('traceparent') } }, {}],
  ];
  for (let index = 0; index < registered.length; index += 3) {
    for (const args of hostileArgs) {
      assert.equal(registered[index]!(...args), value);
      await assert.rejects(registered[index + 1]!(...args) as Promise<unknown>, (error) => error === failure);
      assert.throws(
        () => registered[index + 2]!(...args),
        (error) => error === failure,
      );
    }
  }
  assert.equal(register.call({}, {}, 'not a function'), 'registered', 'non-functions are handed over as given');
});

test('hostile values around notifications: the SDK’s value or error reaches the caller, handlers run as registered', async () => {
  const failure = new Error('sdk error');
  const sent = Promise.resolve(undefined);
  const sends = tracedNotification(() => sent, undefined, 1);
  const throws = tracedNotification(() => {
    throw failure;
  });
  const hostile = [undefined, null, revoked(), throwingGetter('method'), { method: 'x', params: revoked() }];
  for (const self of [undefined, revoked(), throwingGetter('_transport'), {}]) {
    for (const notification of hostile) {
      assert.equal(sends.call(self, 'codec', notification), sent);
      assert.throws(
        () => throws.call(self, notification),
        (error) => error === failure,
      );
    }
  }
  // Handler maps that are not maps, or hold what is not a function, are left as they are.
  const register = tracingHandlerMap(() => 'registered', '_notificationHandlers', 'notification');
  for (const self of [undefined, revoked(), throwingGetter('_notificationHandlers'), { _notificationHandlers: {} }])
    assert.equal(register.call(self), 'registered');
  const handlers = new Map<string, unknown>([
    ['notifications/message', () => 'handled'],
    ['notifications/progress', () => Promise.reject(failure)],
    ['odd', 'not a function'],
  ]);
  const protocol = { _notificationHandlers: handlers };
  assert.equal(register.call(protocol), 'registered');
  const traced = handlers.get('notifications/message') as AnyFunction;
  assert.equal(handlers.get('odd'), 'not a function');
  // Registering again traces nothing twice.
  register.call(protocol);
  assert.equal(handlers.get('notifications/message'), traced);
  for (const notification of hostile) assert.equal(traced(notification), 'handled');
  await assert.rejects(
    (handlers.get('notifications/progress') as AnyFunction)({
      method: 'notifications/progress',
      params: {},
    }) as Promise<unknown>,
    (error) => error === failure,
  );
  assert.equal(traced({ method: 'notifications/message', params: { level: 'info' } }), 'handled');
  assert.equal(sdk.spans().filter((span) => span.name === 'notifications/message').length, 1);
});

test('disabled: the original gets the very same arguments and nothing is recorded', () => {
  let seen: unknown[] = [];
  const request = tracedRequest(
    (...args: unknown[]) => {
      seen = args;
      return 'ok';
    },
    () => false,
  );
  const message = { method: 'tools/call', params: { name: 't' } };
  assert.equal(request.call({}, message, 'schema'), 'ok');
  assert.equal(seen[0], message);
  assert.equal(sdk.spans().length, 0);
});
