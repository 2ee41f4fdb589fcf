// The Mastra hook never harms the app: a configuration it cannot read (a throwing getter, a revoked proxy) reaches the
// constructor unchanged, and what the constructor returns or throws is the app's own. With no Mastra observability
// packages installed here, nothing is added. (The real Mastra runs in test/preload/mastra.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tracedMastraClass } from '../../../src/instrumentations/mastra.ts';

class Recording {
  readonly config: unknown;
  constructor(config?: Record<string, unknown>) {
    this.config = config;
  }
}

test('hostile configurations reach the constructor unchanged; instanceof and subclasses still work', () => {
  const Traced = tracedMastraClass(Recording) as unknown as typeof Recording;
  const throwing = Object.defineProperty({}, 'observability', {
    enumerable: true,
    get() {
      throw new Error('hostile getter');
    },
  });
  assert.equal(new Traced(throwing).config, throwing);
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  assert.equal(new Traced(proxy).config, proxy);
  assert.equal(new Traced(undefined).config, undefined);
  const plain = { agents: {} };
  assert.equal(new Traced(plain).config, plain, 'nothing to add without @mastra/observability and the bridge');
  assert.ok(new Traced() instanceof Recording);
  class Sub extends Traced {}
  assert.ok(new Sub() instanceof Sub);
});

test('what the constructor throws is the app’s error, unchanged', () => {
  const failure = new Error('the app’s own');
  class Failing {
    constructor() {
      throw failure;
    }
  }
  const Traced = tracedMastraClass(Failing) as unknown as typeof Failing;
  assert.throws(
    () => new Traced(),
    (error) => error === failure,
  );
});
