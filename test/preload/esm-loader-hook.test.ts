// `--import genai-otel/register` installs the ESM loader hook that instrumentations of ES modules need.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';

const env = otelEnv('http://127.0.0.1:9', {
  OTEL_TRACES_EXPORTER: 'none',
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
});

test('with --import genai-otel/register an ES module can be patched by an import-in-the-middle hook', async () => {
  const result = await runFixture(fixture('esm-hooked-app.mjs'), {
    nodeArgs: ['--import', 'genai-otel/register'],
    env,
  });
  assert.equal(result.stdout.trim(), 'patched', result.stderr);
});

test('without the preload the same hook cannot patch it (the test above is not vacuous)', async () => {
  const result = await runFixture(fixture('esm-hooked-app.mjs'), { env });
  assert.equal(result.stdout.trim(), 'original', result.stderr);
});

test('OTEL_SDK_DISABLED=true installs no loader hook at all', async () => {
  const result = await runFixture(fixture('esm-hooked-app.mjs'), {
    nodeArgs: ['--import', 'genai-otel/register'],
    env: { ...env, OTEL_SDK_DISABLED: 'true' },
  });
  assert.equal(result.stdout.trim(), 'original', result.stderr);
});

// The loader hook is installed when the first module to patch is announced, not at start: an app whose
// instrumentations patch nothing pays nothing for it. loader-hook-probe.cjs records every install.
const quiet = { ...env, GENAI_OTEL_INSTRUMENTATIONS: 'none', GENAI_OTEL_LOG_BRIDGES: 'none' };
const probed = (script: string, environment: Record<string, string | undefined>) =>
  runFixture(fixture(script), {
    nodeArgs: ['--require', fixture('loader-hook-probe.cjs'), '--import', 'genai-otel/register'],
    env: environment,
  });
const installsOf = (stderr: string): { api: string; beforeApp: boolean }[] =>
  JSON.parse(/loader hooks: (.*)/.exec(stderr)![1]!);

test('with nothing to patch, --import installs no loader hook', async () => {
  const result = await probed('esm-plain-app.mjs', quiet);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), 'original');
  assert.deepEqual(installsOf(result.stderr), []);
});

test('a hook the app registers later still patches: the loader hook is installed at its announcement', async () => {
  const result = await probed('esm-hooked-app.mjs', quiet);
  assert.equal(result.stdout.trim(), 'patched', result.stderr);
  assert.deepEqual(
    installsOf(result.stderr).map((install) => install.beforeApp),
    [false],
  );
});

test("instrumentations enabled by the preload get the loader hook before the app's first line", async () => {
  // openai is installed here, so its instrumentation announces the module at start.
  const result = await probed('esm-hooked-app.mjs', { ...env, GENAI_OTEL_LOG_BRIDGES: 'none' });
  assert.equal(result.stdout.trim(), 'patched', result.stderr);
  assert.deepEqual(
    installsOf(result.stderr).map((install) => install.beforeApp),
    [true],
  );
});
