// withContext puts session, user and conversation ids on every span started inside — genai-otel's own, a third-party
// library's plain OpenTelemetry spans — through awaits, timers and event emitters, without leaking between requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT_CONTEXT, context, diag, logs, trace, DiagLogLevel } from '@opentelemetry/api';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { ContextLogRecordProcessor, ContextSpanProcessor } from '../../../src/context/processors.ts';
import { contextMiddleware, getContext, setContext, withContext } from '../../../src/context/with-context.ts';
import { withLLMCall } from '../../../src/genai/llm.ts';
import { withToolCall } from '../../../src/genai/operations.ts';

const sdk = installMemorySdk({
  spanProcessors: [new ContextSpanProcessor()],
  logRecordProcessors: [new ContextLogRecordProcessor()],
});
const warnings: string[] = [];
diag.setLogger(
  { error: (m) => warnings.push(m), warn: (m) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
  DiagLogLevel.WARN,
);

// Stands for any library that traces with the OpenTelemetry API (an HTTP client, a database driver...).
const thirdParty = trace.getTracer('some-database-driver');
function thirdPartyQuery(name: string): void {
  thirdParty.startSpan(name).end();
}

function attributesOf(name: string) {
  return sdk.span(name).attributes;
}

test('a span started with the plain OpenTelemetry API inside withContext carries session.id, user.id and the conversation id', () => {
  withContext(
    {
      sessionId: 'sess-1',
      userId: 'user-1',
      conversationId: 'conv-1',
      contentId: 'doc-9',
      attributes: { 'app.plan': 'pro' },
    },
    () => thirdPartyQuery('plain-api'),
  );
  const attributes = attributesOf('plain-api');
  assert.equal(attributes['session.id'], 'sess-1');
  assert.equal(attributes['user.id'], 'user-1');
  assert.equal(attributes['gen_ai.conversation.id'], 'conv-1');
  assert.equal(attributes['genai_otel.content.id'], 'doc-9');
  assert.equal(attributes['app.plan'], 'pro');
});

test('outside withContext spans get none of these attributes', () => {
  thirdPartyQuery('outside');
  assert.equal(attributesOf('outside')['session.id'], undefined);
});

test('the context follows awaits, promise chains and async generators', async () => {
  await withContext({ sessionId: 'sess-await' }, async () => {
    await sleep(5);
    thirdPartyQuery('after-await');
    await Promise.resolve().then(() => thirdPartyQuery('in-then'));
    async function* pages() {
      await sleep(1);
      yield 1;
    }
    for await (const _page of pages()) thirdPartyQuery('in-for-await');
  });
  for (const name of ['after-await', 'in-then', 'in-for-await'])
    assert.equal(attributesOf(name)['session.id'], 'sess-await', name);
});

test('the context follows setTimeout, setImmediate, setInterval and queueMicrotask', async () => {
  await withContext({ sessionId: 'sess-timers' }, () => {
    return new Promise<void>((resolve) => {
      setTimeout(() => thirdPartyQuery('in-timeout'), 1);
      setImmediate(() => thirdPartyQuery('in-immediate'));
      queueMicrotask(() => thirdPartyQuery('in-microtask'));
      const interval = setInterval(() => {
        thirdPartyQuery('in-interval');
        clearInterval(interval);
        setTimeout(resolve, 5);
      }, 2);
    });
  });
  for (const name of ['in-timeout', 'in-immediate', 'in-microtask', 'in-interval'])
    assert.equal(attributesOf(name)['session.id'], 'sess-timers', name);
});

test('event emitters: listeners run in the context of emit, or of the context they were bound to', async () => {
  const emitter = new EventEmitter();
  emitter.on('message', (name: string) => thirdPartyQuery(name));
  withContext({ sessionId: 'sess-emit' }, () => emitter.emit('message', 'listener-of-emit-inside'));
  assert.equal(attributesOf('listener-of-emit-inside')['session.id'], 'sess-emit');

  // A socket-like emitter created in the request and bound to its context keeps it for events fired from elsewhere.
  const bound = withContext({ sessionId: 'sess-bound' }, () => context.bind(context.active(), new EventEmitter()));
  bound.on('data', () => thirdPartyQuery('bound-listener'));
  context.with(ROOT_CONTEXT, () => setTimeout(() => bound.emit('data'), 1));
  await sleep(10);
  assert.equal(attributesOf('bound-listener')['session.id'], 'sess-bound');
});

test('concurrent requests keep their own ids, whatever the interleaving', async () => {
  const request = (id: string, delays: number[]) =>
    withContext({ sessionId: id, userId: `user-of-${id}` }, async () => {
      for (const [index, delay] of delays.entries()) {
        await sleep(delay);
        thirdPartyQuery(`${id}-step-${index}`);
      }
    });
  await Promise.all([request('req-a', [5, 1, 8]), request('req-b', [1, 9, 2]), request('req-c', [3, 3, 3])]);
  for (const id of ['req-a', 'req-b', 'req-c']) {
    for (let index = 0; index < 3; index++) {
      const attributes = attributesOf(`${id}-step-${index}`);
      assert.equal(attributes['session.id'], id);
      assert.equal(attributes['user.id'], `user-of-${id}`);
    }
  }
});

test("genai-otel's helper spans carry the ids too; a call's own conversation id wins over the context's", async () => {
  await withContext({ sessionId: 'sess-helpers', conversationId: 'conv-context' }, async () => {
    await withLLMCall({ provider: 'openai', model: 'gpt-4o-mini', conversationId: 'conv-own' }, async () => 'ok');
    await withToolCall({ name: 'lookup' }, async () => 'ok');
  });
  assert.equal(attributesOf('chat gpt-4o-mini')['session.id'], 'sess-helpers');
  assert.equal(attributesOf('chat gpt-4o-mini')['gen_ai.conversation.id'], 'conv-own');
  assert.equal(attributesOf('execute_tool lookup')['gen_ai.conversation.id'], 'conv-context');
});

test('nested withContext adds to and overrides the outer values, and the outer ones come back after', () => {
  withContext({ sessionId: 'outer', userId: 'user-outer', attributes: { 'app.tier': 'free' } }, () => {
    withContext({ userId: 'user-inner', attributes: { 'app.step': 'refine' } }, () => thirdPartyQuery('nested-inner'));
    thirdPartyQuery('nested-outer-again');
  });
  assert.deepEqual(
    {
      session: attributesOf('nested-inner')['session.id'],
      user: attributesOf('nested-inner')['user.id'],
      tier: attributesOf('nested-inner')['app.tier'],
      step: attributesOf('nested-inner')['app.step'],
    },
    { session: 'outer', user: 'user-inner', tier: 'free', step: 'refine' },
  );
  assert.equal(attributesOf('nested-outer-again')['user.id'], 'user-outer');
  assert.equal(attributesOf('nested-outer-again')['app.step'], undefined);
});

test('middleware: contextMiddleware opens the scope, a later setContext adds the user, the server span gets both', async () => {
  // The chain of an Express/Connect app, under a server span such as the HTTP instrumentation starts.
  const chain = [
    contextMiddleware((req: { headers: Record<string, string> }) => ({ sessionId: req.headers['x-session-id'] })),
    (_req: unknown, _res: unknown, next: () => void) => {
      setTimeout(() => {
        assert.equal(setContext({ userId: 'authenticated-user' }), true);
        next();
      }, 1);
    },
    async (_req: unknown, res: { done: () => void }) => {
      await sleep(1);
      thirdPartyQuery('handler-query');
      assert.equal(getContext().userId, 'authenticated-user');
      res.done();
    },
  ];
  const serverSpan = thirdParty.startSpan('GET /chat');
  await new Promise<void>((resolve) => {
    const res = { done: resolve };
    const req = { headers: { 'x-session-id': 'sess-http' } };
    const run = (index: number): void => {
      const handler = chain[index] as (req: unknown, res: unknown, next: () => void) => void;
      handler(req, res, () => run(index + 1));
    };
    context.with(trace.setSpan(context.active(), serverSpan), () => run(0));
  });
  serverSpan.end();
  assert.equal(attributesOf('handler-query')['session.id'], 'sess-http');
  assert.equal(attributesOf('handler-query')['user.id'], 'authenticated-user');
  assert.equal(attributesOf('GET /chat')['session.id'], 'sess-http');
  assert.equal(attributesOf('GET /chat')['user.id'], 'authenticated-user');
});

test('setContext outside any scope sets nothing and says so once', () => {
  assert.equal(setContext({ userId: 'nobody' }), false);
  assert.equal(setContext({ userId: 'nobody' }), false);
  assert.equal(warnings.filter((warning) => warning.includes('setContext() was called outside')).length, 1);
  assert.deepEqual(getContext(), {});
});

test('log records emitted inside withContext carry the ids and the trace context', () => {
  const logger = logs.getLogger('app-logs');
  withContext({ sessionId: 'sess-logs', userId: 'user-logs' }, () => {
    const span = thirdParty.startSpan('with-a-log');
    context.with(trace.setSpan(context.active(), span), () => logger.emit({ body: 'hello' }));
    span.end();
  });
  const record = sdk.logs().find((log) => log.body === 'hello');
  assert.ok(record);
  assert.equal(record.attributes['session.id'], 'sess-logs');
  assert.equal(record.attributes['user.id'], 'user-logs');
  assert.equal(record.spanContext?.spanId, sdk.span('with-a-log').spanContext().spanId);
});

test('bad values never break the function: it runs, returns its value, throws its own error; the bad field is reported', async () => {
  assert.equal(
    withContext(null as never, () => 'ran'),
    'ran',
  );
  assert.equal(
    withContext(
      { sessionId: { not: 'a string' } as never, userId: 42 as never },
      () => (thirdPartyQuery('bad-values'), 'ran'),
    ),
    'ran',
  );
  assert.equal(attributesOf('bad-values')['session.id'], undefined);
  assert.equal(attributesOf('bad-values')['user.id'], '42', 'numeric ids are accepted as strings');
  assert.ok(warnings.some((warning) => warning.includes('sessionId must be a string')));
  await assert.rejects(
    withContext({ sessionId: 's' }, async () => {
      throw new TypeError('own error');
    }),
    /own error/,
  );
  const throwing = contextMiddleware(() => {
    throw new Error('extract failed');
  });
  let nextCalled = false;
  throwing({}, {}, () => (nextCalled = true));
  assert.equal(nextCalled, true, 'the request goes on');
});
