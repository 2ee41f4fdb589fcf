// What the preload costs at start-up is measured by `npm run bench`; here, the behaviour that keeps it low.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';

const probe = async (nodeArgs: string[], extra: Record<string, string> = {}) => {
  const result = await runFixture(fixture('startup-probe.cjs'), {
    nodeArgs,
    env: otelEnv('http://127.0.0.1:9', { NODE_COMPILE_CACHE: undefined, ...extra }),
  });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout.trim()) as {
    sdkLoaded: boolean;
    builtins: string[];
    disabled?: boolean;
    tracing?: string;
    compileCacheDir?: string;
  };
};

test('OTEL_SDK_DISABLED=true: the preload loads neither the SDK nor any dependency, yet getStatus() in the app says disabled', async () => {
  for (const flag of ['--require', '--import']) {
    const seen = await probe([flag, 'genai-otel/register'], { OTEL_SDK_DISABLED: 'true' });
    // The app's own require('genai-otel') loads the bundle after the probe looked.
    assert.equal(seen.sdkLoaded, false, flag);
    assert.equal(seen.disabled, true, flag);
    assert.equal(seen.tracing, 'off', flag);
  }
});

test('with telemetry on, the SDK is loaded and started by the preload (the probe above is not vacuous)', async () => {
  const seen = await probe(['--require', 'genai-otel/register']);
  assert.equal(seen.sdkLoaded, true);
  assert.equal(seen.disabled, false);
  assert.equal(seen.tracing, 'registered');
});

test("the preload turns on Node's compile cache, and NODE_DISABLE_COMPILE_CACHE=1 keeps it off", async () => {
  assert.ok((await probe(['--require', 'genai-otel/register'])).compileCacheDir, 'a compile cache folder');
  assert.equal(
    (await probe(['--require', 'genai-otel/register'], { NODE_DISABLE_COMPILE_CACHE: '1' })).compileCacheDir,
    undefined,
  );
  assert.equal((await probe([])).compileCacheDir, undefined, 'without the preload, no cache');
});

test('with telemetry on, the preload loads neither node:crypto nor node:fs/promises (about 3.5 ms of every start); identity hashing loads crypto when asked for', async () => {
  for (const flag of ['--require', '--import']) {
    const seen = await probe([flag, 'genai-otel/register']);
    assert.equal(seen.tracing, 'registered', flag);
    assert.ok(!seen.builtins.includes('crypto'), `${flag}: node:crypto was loaded`);
    // Under --import, Node's ES module loader reads the entry script with fs/promises itself.
    if (flag === '--require') assert.ok(!seen.builtins.includes('fs/promises'), `${flag}: node:fs/promises was loaded`);
  }
  const hashing = await probe(['--require', 'genai-otel/register'], { GENAI_OTEL_USER_ID_HMAC_KEY: 'k'.repeat(32) });
  assert.ok(hashing.builtins.includes('crypto'), 'the probe sees crypto when a setting needs it');
});
