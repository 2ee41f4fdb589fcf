// `--import genai-otel/register` installs the ESM loader hook that instrumentations of ES modules need.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';

const env = otelEnv('http://127.0.0.1:9', { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' });

test('with --import genai-otel/register an ES module can be patched by an import-in-the-middle hook', async () => {
  const result = await runFixture(fixture('esm-hooked-app.mjs'), { nodeArgs: ['--import', 'genai-otel/register'], env });
  assert.equal(result.stdout.trim(), 'patched', result.stderr);
});

test('without the preload the same hook cannot patch it (the test above is not vacuous)', async () => {
  const result = await runFixture(fixture('esm-hooked-app.mjs'), { env });
  assert.equal(result.stdout.trim(), 'original', result.stderr);
});

test('OTEL_SDK_DISABLED=true installs no loader hook at all', async () => {
  const result = await runFixture(fixture('esm-hooked-app.mjs'), { nodeArgs: ['--import', 'genai-otel/register'], env: { ...env, OTEL_SDK_DISABLED: 'true' } });
  assert.equal(result.stdout.trim(), 'original', result.stderr);
});
