// Property-based: whatever a user's function throws or rejects with (getters that throw, revoked proxies, proxies
// whose every trap throws, symbols, values that cannot become strings), every helper hands back that very value and
// nothing else escapes: no error of its own, no unhandled rejection.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';
import { traceLLM, withLLMCall } from '../../../src/genai/llm.ts';
import {
  traceAgent,
  traceMemory,
  traceRetrieval,
  traceSpan,
  traceTool,
  traceWorkflow,
  withAgent,
  withMemoryOperation,
  withRetrieval,
  withSpan,
  withToolCall,
  withWorkflow,
} from '../../../src/genai/operations.ts';
import { instrument } from '../../../src/instrumentations/instrument-client.ts';
import { withContext } from '../../../src/context/with-context.ts';
import { withRevision } from '../../../src/sessions/revisions.ts';
import { errorTypeOf } from '../../../src/core/error-type.ts';
import { describeError } from '../../../src/core/diagnostics.ts';
import { reportRedactionFailure } from '../../../src/privacy/failures.ts';

const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor({ openai: true, aiSdk: false })] });
diag.setLogger({ error() {}, warn() {}, info() {}, debug() {}, verbose() {} }, DiagLogLevel.NONE);

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
after(() => process.off('unhandledRejection', onUnhandled));

function boom(): never {
  throw new Error('hostile getter');
}

/** A value whose `key` getter throws, on a plain object or on a real Error. */
function throwingGetter(key: string | symbol, base: 'object' | 'error'): object {
  const value = base === 'error' ? new TypeError('user error') : {};
  Object.defineProperty(value, key, { get: boom, configurable: true });
  return value;
}

function revokedProxy(target: object): object {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

/** A proxy whose every trap throws (typeof still says object, or function for a function target). */
function allTrapsThrow(target: object): object {
  const traps = [
    'get',
    'set',
    'has',
    'deleteProperty',
    'ownKeys',
    'getOwnPropertyDescriptor',
    'defineProperty',
    'getPrototypeOf',
    'setPrototypeOf',
    'isExtensible',
    'preventExtensions',
    'apply',
    'construct',
  ];
  return new Proxy(target, Object.fromEntries(traps.map((trap) => [trap, boom])));
}

const hostileKeys = [
  'constructor',
  'name',
  'code',
  'status',
  'statusCode',
  'message',
  'stack',
  'cause',
  'then',
  'toString',
  'valueOf',
  'toJSON',
  Symbol.toPrimitive,
];

/**
 * fast-check draws a recipe and the property builds the value: fast-check itself inspects the values it holds (it
 * looks for a clone method), which a hostile value would break before the helper is even called.
 */
type Recipe =
  | { kind: 'getter'; key: string | symbol; base: 'object' | 'error' }
  | { kind: 'revoked'; target: 'object' | 'error' | 'array' | 'function' }
  | { kind: 'all-traps-throw'; target: 'object' | 'error' | 'function' }
  | { kind: 'plain'; value: unknown }
  | { kind: 'symbol'; description: string }
  | { kind: 'unconvertible' }
  | { kind: 'null-prototype-error' };

const recipe: fc.Arbitrary<Recipe> = fc.oneof(
  fc.record({
    kind: fc.constant('getter' as const),
    key: fc.constantFrom(...hostileKeys),
    base: fc.constantFrom('object' as const, 'error' as const),
  }),
  fc.record({
    kind: fc.constant('revoked' as const),
    target: fc.constantFrom('object' as const, 'error' as const, 'array' as const, 'function' as const),
  }),
  fc.record({
    kind: fc.constant('all-traps-throw' as const),
    target: fc.constantFrom('object' as const, 'error' as const, 'function' as const),
  }),
  fc.record({
    kind: fc.constant('plain' as const),
    value: fc.oneof(
      fc.constant(null),
      fc.constant(undefined),
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.bigInt(),
    ),
  }),
  fc.record({ kind: fc.constant('symbol' as const), description: fc.string() }),
  fc.constant({ kind: 'unconvertible' as const }),
  fc.constant({ kind: 'null-prototype-error' as const }),
);

function targetOf(kind: 'object' | 'error' | 'array' | 'function'): object {
  return kind === 'error' ? new Error('x') : kind === 'array' ? [] : kind === 'function' ? () => undefined : {};
}

/** A fresh value for each run: identities are compared, so nothing may be shared. */
function build(given: Recipe): unknown {
  switch (given.kind) {
    case 'getter':
      return throwingGetter(given.key, given.base);
    case 'revoked':
      return revokedProxy(targetOf(given.target));
    case 'all-traps-throw':
      return allTrapsThrow(targetOf(given.target));
    case 'plain':
      return given.value;
    case 'symbol':
      return Symbol(given.description);
    case 'unconvertible':
      return Object.assign(Object.create(null) as object, {
        [Symbol.toPrimitive]: boom,
        toString: boom,
        valueOf: boom,
      });
    case 'null-prototype-error':
      return Object.assign(Object.create(null) as object, { name: 'NullProtoError', message: 'no prototype' });
  }
}

type Helper = (fn: () => unknown) => unknown;

const helpers: [string, Helper][] = [
  ['withLLMCall', (fn) => withLLMCall({ provider: 'openai', model: 'gpt-4o' }, fn)],
  ['traceLLM', (fn) => traceLLM(fn, { provider: 'openai', model: 'gpt-4o' })()],
  ['withToolCall', (fn) => withToolCall({ name: 'lookup' }, fn)],
  ['traceTool', (fn) => traceTool(fn, { name: 'lookup' })()],
  ['withMemoryOperation', (fn) => withMemoryOperation({ operation: 'search', storeId: 's' }, fn)],
  ['traceMemory', (fn) => traceMemory(fn, { operation: 'search', storeId: 's' })()],
  ['withAgent', (fn) => withAgent({ name: 'agent' }, fn)],
  ['traceAgent', (fn) => traceAgent(fn, { name: 'agent' })()],
  ['withWorkflow', (fn) => withWorkflow({ name: 'flow' }, fn)],
  ['traceWorkflow', (fn) => traceWorkflow(fn, { name: 'flow' })()],
  ['withRetrieval', (fn) => withRetrieval({ dataSourceId: 'kb' }, fn)],
  ['traceRetrieval', (fn) => traceRetrieval(fn, { dataSourceId: 'kb' })()],
  ['withSpan', (fn) => withSpan('plain', fn)],
  ['traceSpan', (fn) => traceSpan(fn, 'plain')()],
  ['withContext', (fn) => withContext({ sessionId: 's-1' }, fn)],
  [
    'withRevision',
    (fn) => withRevision({ of: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) }, type: 'reran' }, fn),
  ],
  [
    'instrument(OpenAI-like client)',
    (fn) =>
      (
        instrument({ chat: { completions: { create: fn } } }) as {
          chat: { completions: { create: (body: unknown) => unknown } };
        }
      ).chat.completions.create({ model: 'gpt-4o', messages: [] }),
  ],
  [
    'instrument(OpenAI-like client), embeddings',
    (fn) =>
      (
        instrument({ chat: { completions: { create: () => undefined } }, embeddings: { create: fn } }) as {
          embeddings: { create: (body: unknown) => unknown };
        }
      ).embeddings.create({ model: 'text-embedding-3-small', input: 'x' }),
  ],
  [
    'instrument(OpenAI-like client), responses',
    (fn) =>
      (
        instrument({ chat: { completions: { create: () => undefined } }, responses: { create: fn } }) as {
          responses: { create: (body: unknown) => unknown };
        }
      ).responses.create({ model: 'gpt-4o', input: 'x' }),
  ],
  [
    'instrument(Anthropic-like client)',
    (fn) =>
      (
        instrument({ messages: { create: fn } }) as { messages: { create: (body: unknown) => unknown } }
      ).messages.create({ model: 'claude-x', max_tokens: 8, messages: [] }),
  ],
];

/** Lets every callback queued by the helper (span end, metric records) run, then a macrotask for the rejection tracker. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

for (const [name, helper] of helpers) {
  test(`${name}: a hostile thrown or rejected value comes back as it is, and nothing else escapes`, async () => {
    unhandled.length = 0;
    await fc.assert(
      fc.asyncProperty(recipe, fc.constantFrom('throw', 'reject', 'reject-later'), async (given, how) => {
        const hostile = build(given);
        const fn = () => {
          if (how === 'throw') throw hostile;
          if (how === 'reject') return Promise.reject(hostile);
          return new Promise((_resolve, reject) => setImmediate(() => reject(hostile)));
        };
        let returned: unknown;
        try {
          returned = helper(fn);
        } catch (error) {
          assert.equal(how, 'throw', `${name} threw although the function rejected`);
          assert.ok(Object.is(error, hostile), `${name} threw something other than the user's value`);
          await settle();
          assert.deepEqual(unhandled.length, 0, `${name}: unhandled rejection`);
          return;
        }
        assert.notEqual(how, 'throw', `${name} swallowed the user's throw`);
        let rejectedWith: { error: unknown } | undefined;
        await Promise.resolve(returned).then(
          () => undefined,
          (error: unknown) => void (rejectedWith = { error }),
        );
        assert.ok(rejectedWith !== undefined, `${name} resolved although the function rejected`);
        assert.ok(
          Object.is(rejectedWith.error, hostile),
          `${name} rejected with something other than the user's value`,
        );
        await settle();
        assert.equal(unhandled.length, 0, `${name}: ${unhandled.length} unhandled rejection(s)`);
      }),
      { numRuns: 120 },
    );
    await settle();
    assert.equal(unhandled.length, 0);
  });
}

test('the spans of hostile failures are ended, marked failed and typed', async () => {
  await sdk.reset();
  const hostile = throwingGetter('constructor', 'error');
  await assert.rejects(
    withToolCall({ name: 'typed' }, () => Promise.reject(hostile)),
    (error) => error === hostile,
  );
  const revokedValue = revokedProxy({});
  const caught = await withToolCall({ name: 'revoked' }, () => Promise.reject(revokedValue)).then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  assert.ok(caught?.error === revokedValue);
  await settle();
  const typed = sdk.span('execute_tool typed');
  assert.equal(typed.status.code, 2);
  // The class name could not be read; the name property still could.
  assert.equal(typed.attributes['error.type'], 'TypeError');
  const revoked = sdk.span('execute_tool revoked');
  assert.equal(revoked.status.code, 2);
  assert.equal(revoked.attributes['error.type'], '_OTHER');
  assert.equal(revoked.events.filter((event) => event.name === 'exception').length, 1);
});

test('the classifier and the describer never throw, whatever they are given', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        recipe.map((given) => ({ given })),
        fc.anything({ withBigInt: true, withNullPrototype: true }).map((value) => ({ value })),
      ),
      (drawn) => {
        const value = 'given' in drawn ? build(drawn.given) : drawn.value;
        assert.equal(typeof errorTypeOf(value), 'string');
        const facts = { name: '', message: '' };
        assert.equal(typeof facts.name, 'string');
        assert.equal(typeof facts.message, 'string');
        assert.equal(typeof describeError(value), 'string');
      },
    ),
    { numRuns: 500 },
  );
});

test('error.type: class name, then name, then code, then status, else _OTHER', () => {
  class RateLimitError extends Error {}
  assert.equal(errorTypeOf(new RateLimitError('slow down')), 'RateLimitError');
  assert.equal(errorTypeOf(Object.assign(new Error('x'), { name: 'AbortError' })), 'AbortError');
  assert.equal(errorTypeOf(Object.assign(new Error('x'), { code: 'ECONNRESET' })), 'ECONNRESET');
  assert.equal(errorTypeOf(Object.assign(new Error('x'), { status: 429 })), '429');
  assert.equal(errorTypeOf(Object.assign(new Error('x'), { statusCode: 503 })), '503');
  assert.equal(errorTypeOf('a string'), '_OTHER');
  assert.equal(errorTypeOf(new Error('plain')), '_OTHER');
});

test('a redaction failure caused by a hostile thrown value is reported, never thrown', () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  for (const thrown of [proxy, allTrapsThrow(new Error('x')), throwingGetter('name', 'error'), Symbol('s')]) {
    assert.doesNotThrow(() => reportRedactionFailure('logs', thrown));
  }
});

test('a diagnostic logger that throws (the app may install its own) changes nothing for the caller', async () => {
  const throwing = () => {
    throw new Error('diag logger failed');
  };
  diag.setLogger(
    { error: throwing, warn: throwing, info: throwing, debug: throwing, verbose: throwing },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  try {
    unhandled.length = 0;
    const hostile = revokedProxy({});
    // Bad requests make the helpers warn; the warnings go to the throwing logger.
    const outcomes = await Promise.all([
      Promise.resolve(withLLMCall(undefined as never, () => Promise.reject(hostile))).then(
        () => undefined,
        (error: unknown) => ({ error }),
      ),
      Promise.resolve(withToolCall({} as never, () => Promise.reject(hostile))).then(
        () => undefined,
        (error: unknown) => ({ error }),
      ),
      Promise.resolve(withMemoryOperation({ operation: 'nope' } as never, () => Promise.reject(hostile))).then(
        () => undefined,
        (error: unknown) => ({ error }),
      ),
    ]);
    for (const outcome of outcomes) assert.ok(outcome?.error === hostile);
    assert.equal(
      withAgent({} as never, () => 'value'),
      'value',
    );
    assert.throws(
      () =>
        withWorkflow({} as never, () => {
          throw hostile;
        }),
      (error) => error === hostile,
    );
    await settle();
    assert.equal(unhandled.length, 0);
  } finally {
    diag.disable();
    diag.setLogger({ error() {}, warn() {}, info() {}, debug() {}, verbose() {} }, DiagLogLevel.NONE);
  }
});
