// The edge build (src/entry/edge.ts, the `edge-light`/`worker`/`browser` conditions): the same names as the Node.js
// build, each running the application's code unchanged and recording nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as edge from '../../../src/entry/edge.ts';
import * as full from '../../../src/index.ts';

test('exports every name the Node.js build exports, of the same kind, and nothing else', () => {
  assert.deepEqual(Object.keys(edge).sort(), Object.keys(full).sort());
  for (const name of Object.keys(full) as (keyof typeof full)[])
    assert.equal(typeof edge[name], typeof full[name], `${name} is a ${typeof full[name]} in the Node.js build`);
});

test("the helpers return the function's own value and throw its own error", async () => {
  assert.equal(
    await edge.withLLMCall({ provider: 'openai', model: 'm' }, async (call) => {
      call.setUsage({ inputTokens: 1, outputTokens: 1 });
      return 'answer';
    }),
    'answer',
  );
  const failure = new Error('the app failed');
  assert.throws(
    () =>
      edge.withToolCall({ name: 'lookup' }, () => {
        throw failure;
      }),
    (error) => error === failure,
  );
  const traced = edge.traceAgent((x: number) => x * 2, { name: 'a' });
  assert.equal(traced(21), 42);
  assert.equal(
    edge.withContext({ sessionId: 's' }, () => 'inside'),
    'inside',
  );
  assert.equal(edge.start().disabled, true);
  assert.equal(edge.getStatus(), undefined);
  assert.equal(edge.getLogger('x').child({ a: 1 }).info('m'), undefined);
});

test('redactText gives nothing of the text back (the redaction rules are not in the edge build)', () => {
  assert.doesNotMatch(edge.redactText('password=hunter2'), /hunter2/);
});
