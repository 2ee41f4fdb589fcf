// Bun and Deno, installed from npm (devDependencies `bun`, `deno`), running apps with genai-otel's preload: an ES module
// app on both, a CommonJS app on Bun. Deno runs Node's module hooks; Bun runs none, but its require() goes through the
// CommonJS hook and genai-otel patches the ES module copies at start. Either way openai is traced automatically and
// listed by getStatus(), a client wrapped with instrument(client) is traced once, and nothing is printed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@genai-otel/mock-otlp-receiver';
import { run } from '../install/scratch.ts';
import { startFakeProvider, type FakeProvider } from '../support/fake-provider.ts';
import { fixture, otelEnv, repositoryRoot } from '../support/run-fixture.ts';

let receiver: OtlpReceiver;
let provider: FakeProvider;
let app: string;
before(async () => {
  receiver = await startOtlpReceiver();
  provider = await startFakeProvider();
  // An app folder of its own: genai-otel and openai in its node_modules, as after `npm install`.
  app = mkdtempSync(join(tmpdir(), 'genai-otel-runtimes-'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'runtime-app', type: 'module', private: true }));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(repositoryRoot, join(app, 'node_modules', 'genai-otel'), 'dir');
  symlinkSync(join(repositoryRoot, 'node_modules', 'openai'), join(app, 'node_modules', 'openai'), 'dir');
});
after(async () => {
  await provider.close();
  await receiver.close();
});

const openaiSpans = (spans: ReceivedSpan[], serviceName: string) =>
  spans.filter(
    (span) => span.resource['service.name'] === serviceName && span.attributes['gen_ai.provider.name'] === 'openai',
  );

const runtimes = [
  {
    name: 'Deno (deno run --preload npm:genai-otel/register), ES module app',
    command: join(repositoryRoot, 'node_modules/.bin/deno'),
    args: (script: string) => ['run', '-A', '--preload', 'npm:genai-otel/register', script],
    app: 'runtimes/openai-app.mjs',
  },
  {
    name: 'Bun (bun --preload genai-otel/register), ES module app',
    command: join(repositoryRoot, 'node_modules/.bin/bun'),
    args: (script: string) => ['--preload', 'genai-otel/register', script],
    app: 'runtimes/openai-app.mjs',
  },
  {
    name: 'Bun (bun --preload genai-otel/register), CommonJS app',
    command: join(repositoryRoot, 'node_modules/.bin/bun'),
    args: (script: string) => ['--preload', 'genai-otel/register', script],
    app: 'runtimes/openai-app.cjs',
  },
];

for (const runtime of runtimes) {
  describe(runtime.name, () => {
    const serviceName = `runtime-${runtime.name.replace(/\W+/g, '-')}`;
    let result: Awaited<ReturnType<typeof run>>;
    let spans: ReceivedSpan[];
    before(async () => {
      result = await run(runtime.command, runtime.args(fixture(runtime.app)), {
        cwd: app,
        env: otelEnv(receiver.url, {
          OTEL_SERVICE_NAME: serviceName,
          FAKE_PROVIDER_URL: provider.anthropicBaseURL,
          DENO_NO_UPDATE_CHECK: '1',
          DO_NOT_TRACK: '1',
        }),
        timeoutMillis: 60_000,
      });
      spans =
        result.code === 0
          ? openaiSpans(
              await receiver.waitFor('spans', (all) => openaiSpans(all, serviceName).length >= 2, 15_000),
              serviceName,
            )
          : [];
    });

    test('the app runs to its end and prints nothing on stderr (no stack trace, no warning)', () => {
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
    });

    test('openai is traced automatically, and listed; the instrumented client once, not twice', () => {
      assert.match(result.stdout, /^instrumentations: (.*,)?openai(,|$)/m);
      assert.equal(spans.length, 2, spans.map((span) => span.name).join(', '));
      assert.ok(spans.every((span) => span.scope.name === '@opentelemetry/instrumentation-openai'));
    });
  });
}
