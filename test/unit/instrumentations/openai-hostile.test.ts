// The openai helper workarounds given hostile values: whatever they get, the call goes on as it would untraced and
// nothing is thrown at the app.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { parseBodyOnce } from '../../../src/instrumentations/openai-body-once.ts';
import { wrapRunTools } from '../../../src/instrumentations/openai-run-tools.ts';

const revoked = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};

test('parseBodyOnce: values that are not an APIPromise are left as they are, hostile ones included', () => {
  const throwing = Object.defineProperty({}, 'parseResponse', {
    get() {
      throw new Error('hostile getter');
    },
  });
  const frozen = Object.freeze({ parseResponse() {}, asResponse() {}, withResponse() {}, _thenUnwrap() {} });
  for (const value of [undefined, null, 42, 'text', Promise.resolve(1), {}, throwing, frozen, revoked()]) {
    assert.doesNotThrow(() => parseBodyOnce(value));
  }
  assert.equal(Object.isFrozen(frozen), true);
});

/** The shape of the client's APIPromise: parse() memoised, _thenUnwrap deriving through this.parseResponse. */
function fakeAPIPromiseClass() {
  class FakeAPIPromise {
    parsedPromise: Promise<unknown> | undefined;
    readonly responsePromise: Promise<object>;
    parseResponse: (client: unknown, props: object) => Promise<unknown>;
    constructor(responsePromise: Promise<object>, parseResponse: (client: unknown, props: object) => Promise<unknown>) {
      this.responsePromise = responsePromise;
      this.parseResponse = parseResponse;
    }
    parse(): Promise<unknown> {
      this.parsedPromise ??= this.responsePromise.then((props) => this.parseResponse(undefined, props));
      return this.parsedPromise;
    }
    asResponse(): Promise<unknown> {
      return this.responsePromise;
    }
    withResponse(): Promise<unknown> {
      return Promise.all([this.parse(), this.asResponse()]);
    }
    _thenUnwrap(transform: (value: unknown) => unknown): FakeAPIPromise {
      return new FakeAPIPromise(this.responsePromise, async (client, props) =>
        transform(await this.parseResponse(client, props)),
      );
    }
  }
  return FakeAPIPromise;
}

test('parseBodyOnce: a response parsed by two derived promises is parsed once, each applying its own transform', async () => {
  const FakeAPIPromise = fakeAPIPromiseClass();
  let parses = 0;
  const base = new FakeAPIPromise(Promise.resolve({ response: {} }), async () => ({ parse: ++parses }));
  parseBodyOnce(base);
  const seenByTelemetry = await base.parse();
  const derived = await base._thenUnwrap((value) => ({ derived: value })).parse();
  assert.deepEqual(seenByTelemetry, { parse: 1 });
  assert.deepEqual(derived, { derived: { parse: 1 } });
  assert.equal(parses, 1);
});

test('parseBodyOnce: a followed promise keeps the client methods of its class (only its own parseResponse changes)', async () => {
  const FakeAPIPromise = fakeAPIPromiseClass();
  let parses = 0;
  const followed = new FakeAPIPromise(Promise.resolve({ response: {} }), async () => ({ parse: ++parses }));
  const ownNames = Object.getOwnPropertyNames(followed).sort();
  const keys = Object.keys(followed).sort();
  parseBodyOnce(followed);
  // Methods defined on every promise made each call dearer and the client's promise a slower object.
  assert.deepEqual(Object.getOwnPropertyNames(followed).sort(), ownNames);
  assert.deepEqual(Object.keys(followed).sort(), keys);
  assert.notEqual(followed.parseResponse, undefined);
  // A promise of the same class that is not followed parses as the client's own does.
  const untouched = new FakeAPIPromise(Promise.resolve({ response: {} }), async () => ({ parse: ++parses }));
  assert.deepEqual(await untouched._thenUnwrap((value) => ({ derived: value })).parse(), { derived: { parse: 1 } });
  assert.deepEqual(await followed.parse(), { parse: 2 });
  assert.deepEqual(await followed._thenUnwrap((value) => ({ derived: value })).parse(), { derived: { parse: 2 } });
  assert.equal(parses, 2);
});

test('parseBodyOnce: a promise with methods of its own (a client that sets its own _thenUnwrap) still parses once', async () => {
  const FakeAPIPromise = fakeAPIPromiseClass();
  let parses = 0;
  const base = new FakeAPIPromise(Promise.resolve({ response: {} }), async () => ({ parse: ++parses }));
  const protoThenUnwrap = FakeAPIPromise.prototype._thenUnwrap;
  Object.defineProperty(base, '_thenUnwrap', {
    configurable: true,
    writable: true,
    value: function ownThenUnwrap(this: InstanceType<typeof FakeAPIPromise>, transform: (value: unknown) => unknown) {
      return protoThenUnwrap.call(this, transform);
    },
  });
  parseBodyOnce(base);
  await base.parse();
  assert.deepEqual(await base._thenUnwrap((value) => ({ derived: value })).parse(), { derived: { parse: 1 } });
  assert.equal(parses, 1);
});

test('parseBodyOnce: a promise of the real openai client, which sets its own withResponse and _thenUnwrap, gets no method defined on it and parses once', async () => {
  const { OpenAI } = createRequire(import.meta.url)('openai') as typeof import('openai');
  let fetches = 0;
  const client = new OpenAI({
    apiKey: 'test',
    baseURL: 'http://127.0.0.1:9/v1',
    maxRetries: 0,
    fetch: async () => {
      fetches++;
      return new Response(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', choices: [] }), {
        headers: { 'content-type': 'application/json' },
      });
    },
  });
  const promise = client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  const ownNames = Object.getOwnPropertyNames(promise).sort();
  const keys = Object.keys(promise).sort();
  parseBodyOnce(promise);
  // openai 7.5x: defining asResponse, withResponse and _thenUnwrap on every promise cost about 1 µs per call.
  assert.deepEqual(Object.getOwnPropertyNames(promise).sort(), ownNames);
  assert.deepEqual(Object.keys(promise).sort(), keys);
  const seenByTelemetry = await promise;
  const { data, response } = await promise.withResponse();
  const derived = await (
    promise as unknown as { _thenUnwrap(transform: (value: unknown) => unknown): Promise<unknown> }
  )._thenUnwrap((value) => ({ derived: value }));
  assert.equal((seenByTelemetry as { id: string }).id, 'chatcmpl-1');
  assert.equal(data, seenByTelemetry);
  assert.equal(response.status, 200);
  assert.deepEqual(derived, { derived: seenByTelemetry });
  assert.equal(fetches, 1);
});

test('runTools wrapper: hostile bodies reach the SDK as given, and its runner comes back', () => {
  const runner = { messages: [] };
  const throwingTools = Object.defineProperty({ model: 'm' }, 'tools', {
    get() {
      throw new Error('hostile getter');
    },
  });
  const oddTools = [null, 1, { type: 'function', function: null }];
  for (const body of [
    undefined,
    null,
    'text',
    { tools: 'not a list' },
    { tools: oddTools },
    throwingTools,
    revoked(),
  ]) {
    let given: unknown = 'not called';
    const runTools = wrapRunTools(function (this: unknown, received: unknown) {
      given = received;
      return runner;
    });
    assert.equal(runTools.call({}, body), runner);
    // A list of tools is handed on as a copy of the body (tools it cannot trace kept as they are); anything else as given.
    if (given !== body) assert.deepEqual((given as { tools: unknown[] }).tools, oddTools);
  }
});

test('runTools wrapper: an error thrown by the SDK reaches the caller unchanged', () => {
  const failure = new TypeError('bad tools');
  const runTools = wrapRunTools(() => {
    throw failure;
  });
  assert.throws(
    () => runTools.call({}, { tools: [] }),
    (error) => error === failure,
  );
});
