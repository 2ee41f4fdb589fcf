import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MINIMUM_NODE, unsupportedNodeMessage } from '../../../src/entry/node-version.ts';

test('older than 22.15.0: one line with the version found and the one needed', () => {
  assert.equal(MINIMUM_NODE, '22.15.0');
  for (const version of ['20.20.2', '22.14.9', '18.0.0', '22.9.0']) {
    assert.equal(
      unsupportedNodeMessage(version, 'the app runs'),
      `genai-otel: Node.js ${version} is not supported (genai-otel needs Node.js 22.15.0 or later); the app runs`,
    );
  }
});

test('22.15.0 and later: nothing to say', () => {
  for (const version of ['22.15.0', '22.23.3', '23.0.0', '24.21.0', '100.0.0'])
    assert.equal(unsupportedNodeMessage(version, 'x'), undefined);
});

test('the engines field of package.json says the same', async () => {
  const { default: manifest } = await import('../../../package.json', { with: { type: 'json' } });
  assert.equal(manifest.engines.node, `>=${MINIMUM_NODE}`);
});
