// NestJS 12 (ES modules only; the official instrumentation stops before 12) under the real preload, on
// @nestjs/platform-express and @nestjs/platform-fastify, as an ES module app under --import, a CommonJS app (require()
// of the ES modules) under --require, and an ES module app after a preload of its own. Each app serves POST /notes,
// GET /ticks (an Observable), GET /fail (an HttpException) and GET /ask (the real openai client against the local fake
// provider), the last one carrying a `traceparent` and a `baggage` header. The trace must read as on Nest 11: server
// span → `AskController.ask` (route, method, path) → `ask` → the LLM span, a `Create Nest App` span, the failing
// route's spans in error; and every response must be the one the same app gives without genai-otel.
//
// Nest 12 is installed from npm into a scratch app of its own: its packages import each other by name, so it cannot
// sit beside the repository's Nest 11. genai-otel, openai and the API are the repository's.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@genai-otel/mock-otlp-receiver';
import { startFakeProvider, type FakeProvider } from '../support/fake-provider.ts';
import { fixture, otelEnv, repositoryRoot, runFixture } from '../support/run-fixture.ts';
import { closedPort } from '../support/ports.ts';
import { spansOnceModelCalled } from '../support/service-spans.ts';
import { ancestry } from '../support/span-tree.ts';
import { createApp, npmInstall } from '../install/scratch.ts';

let receiver: OtlpReceiver;
let provider: FakeProvider;
let app: string;
let nestVersion: string;
before(async () => {
  receiver = await startOtlpReceiver();
  provider = await startFakeProvider();
  app = createApp(mkdtempSync(join(tmpdir(), 'genai-otel-nest12-')), 'nest12');
  await npmInstall(app, [
    '@nestjs/core@^12',
    '@nestjs/common@^12',
    '@nestjs/platform-express@^12',
    '@nestjs/platform-fastify@^12',
    'reflect-metadata@^0.2',
    'rxjs@^7',
  ]);
  nestVersion = (
    JSON.parse(readFileSync(join(app, 'node_modules/@nestjs/core/package.json'), 'utf8')) as { version: string }
  ).version;
  assert.match(nestVersion, /^12\./);
  // The packages of the app's own OpenTelemetry preload (own-otel.mjs), in the one case that has it.
  const ownPreload = ['instrumentation', 'instrumentation-http', 'instrumentation-express'].map(
    (name) => `@opentelemetry/${name}`,
  );
  for (const name of ['genai-otel', 'openai', '@opentelemetry/api', ...ownPreload]) {
    mkdirSync(join(app, 'node_modules', name, '..'), { recursive: true });
    symlinkSync(
      name === 'genai-otel' ? repositoryRoot : join(repositoryRoot, 'node_modules', name),
      join(app, 'node_modules', name),
      'dir',
    );
  }
  for (const file of ['nest12-app.mjs', 'nest12-app.cjs', 'own-otel.mjs'])
    copyFileSync(fixture(`servers/${file}`), join(app, file));
});
after(async () => {
  await provider.close();
  await receiver.close();
  rmSync(join(app, '..'), { recursive: true, force: true });
});

/** The status and body of each request, in the order sent. */
type Responses = Record<string, { status: number; body: unknown }>;

interface Served {
  code: number | null;
  stderr: string;
  responses: Responses;
  traceId: string;
  callerSpanId: string;
  spans: ReceivedSpan[];
}

/** Runs `script` in the scratch app, sends it its four requests one after the other, returns what came back. */
async function serve(script: string, nodeArgs: string[], serviceName: string, platform: string): Promise<Served> {
  const traceId = randomBytes(16).toString('hex');
  const callerSpanId = randomBytes(8).toString('hex');
  const port = await closedPort();
  const base = `http://127.0.0.1:${port}`;
  const send = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${base}${path}`, init);
    const body: unknown = await response.json();
    return { status: response.status, body };
  };
  let sent: Promise<Responses> | undefined;
  const result = await runFixture(join(app, script), {
    cwd: app,
    timeoutMillis: 60_000,
    nodeArgs,
    env: otelEnv(receiver.url, {
      OTEL_SERVICE_NAME: serviceName,
      FAKE_PROVIDER_URL: provider.anthropicBaseURL,
      APP_PORT: String(port),
      NEST_PLATFORM: platform,
    }),
    onLine: {
      line: 'listening',
      then: () => {
        sent = (async () => ({
          notes: await send('/notes', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ text: 'call back Tuesday' }),
          }),
          ticks: await send('/ticks'),
          fail: await send('/fail?token=secret'),
          // The app closes once it has answered this one.
          ask: await send('/ask', {
            headers: { traceparent: `00-${traceId}-${callerSpanId}-01`, baggage: 'user.tier=gold' },
          }),
        }))();
      },
    },
  });
  const traced = nodeArgs.length > 0 && result.code === 0;
  const spans = traced ? await spansOnceModelCalled(receiver, serviceName) : [];
  return { code: result.code, stderr: result.stderr, responses: (await sent) ?? {}, traceId, callerSpanId, spans };
}

function withoutTier(responses: Responses): Responses {
  const ask = responses.ask as { status: number; body: { tier?: string } } | undefined;
  return { ...responses, ask: { status: ask?.status ?? 0, body: { ...ask?.body, tier: undefined } } };
}

const names = (spans: ReceivedSpan[]) => spans.map((span) => `${span.scope.name} ${span.name}`).join(', ');

for (const platform of ['express', 'fastify']) {
  describe(`NestJS 12 on @nestjs/platform-${platform}`, () => {
    // The responses of the same app without genai-otel, which every traced run must give back unchanged.
    let untraced: Served;
    before(async () => {
      untraced = await serve('nest12-app.mjs', [], `nest12-untraced-${platform}`, platform);
      assert.equal(untraced.code, 0, untraced.stderr);
    });

    const modules = [
      {
        module: 'ES module app, --import genai-otel/register',
        script: 'nest12-app.mjs',
        nodeArgs: ['--import', 'genai-otel/register'],
      },
      {
        module: 'CommonJS app (require of ES modules), --require genai-otel/register',
        script: 'nest12-app.cjs',
        nodeArgs: ['--require', 'genai-otel/register'],
      },
      // Its instrumentations registered before genai-otel's: the loader hook then wraps every module, Nest's too.
      {
        module: 'ES module app with its own OpenTelemetry preload first',
        script: 'nest12-app.mjs',
        nodeArgs: ['--import', './own-otel.mjs', '--import', 'genai-otel/register'],
      },
    ];
    for (const { module, script, nodeArgs } of modules) {
      describe(module, () => {
        const serviceName = `nest12-${platform}-${module.replace(/\W+/g, '-')}`;
        let served: Served;
        before(async () => {
          served = await serve(script, nodeArgs, serviceName, platform);
        });

        test('the app runs quietly and every response is the one it gives without genai-otel', () => {
          assert.equal(served.code, 0, served.stderr);
          assert.equal(served.stderr, '');
          // Without genai-otel, no propagator reads the baggage: the tier is the one difference.
          assert.deepEqual(withoutTier(served.responses), withoutTier(untraced.responses));
          assert.equal(served.responses.fail?.status, 418);
          assert.equal((served.responses.ask?.body as { tier?: string }).tier, 'gold');
        });

        test('server span → AskController.ask (route, method, path) → ask → the LLM span, in the caller’s trace', () => {
          const llm = served.spans.find((span) => span.attributes['gen_ai.provider.name'] === 'openai');
          assert.ok(llm, names(served.spans));
          const chain = ancestry(served.spans, llm);
          const server = chain.at(-1)!;
          assert.equal(server.kind, 2, chain.map((span) => span.name).join(' < '));
          assert.equal(server.traceId, served.traceId);
          assert.equal(server.parentSpanId, served.callerSpanId);
          assert.equal(server.attributes['http.route'], '/ask');
          const handler = chain.find((span) => span.name === 'ask');
          const route = chain.find((span) => span.name === 'AskController.ask');
          assert.ok(handler && route, chain.map((span) => span.name).join(' < '));
          assert.ok(chain.indexOf(handler) < chain.indexOf(route), 'the method span is inside the route span');
          assert.equal(route.scope.name, 'genai-otel/instrumentation-nestjs-core');
          assert.deepEqual(route.attributes, {
            component: '@nestjs/core',
            'nestjs.version': nestVersion,
            'nestjs.type': 'request_context',
            'nestjs.controller': 'AskController',
            'nestjs.callback': 'ask',
            'http.route': '/ask',
            'http.request.method': 'GET',
            'url.full': '/ask',
          });
          assert.deepEqual(handler.attributes, {
            component: '@nestjs/core',
            'nestjs.version': nestVersion,
            'nestjs.type': 'handler',
            'nestjs.callback': 'ask',
          });
          if (platform === 'fastify')
            assert.ok(
              chain.some((span) => span.scope.name === '@fastify/otel'),
              names(chain),
            );
        });

        test('Create Nest App, with the module and the version', () => {
          const creation = served.spans.find((span) => span.name === 'Create Nest App');
          assert.ok(creation, names(served.spans));
          assert.equal(creation.attributes['nestjs.type'], 'app_creation');
          assert.equal(creation.attributes['nestjs.module'], 'AppModule');
          assert.equal(creation.attributes['nestjs.version'], nestVersion);
        });

        test('the HttpException of GET /fail: its route and method spans in error, the query string left out', () => {
          const failing = served.spans.filter((span) => span.attributes['nestjs.callback'] === 'fail');
          assert.deepEqual(failing.map((span) => span.name).sort(), ['AskController.fail', 'fail']);
          for (const span of failing) {
            assert.equal(span.status.code, 2, span.name);
            assert.equal(span.status.message, 'not today');
            assert.ok(span.events.some((event) => event.name === 'exception'));
          }
          const route = failing.find((span) => span.name === 'AskController.fail')!;
          assert.equal(route.attributes['url.full'], '/fail');
        });

        test('POST /notes and the Observable of GET /ticks: their spans end without error', () => {
          for (const [name, method, path] of [
            ['AskController.add', 'POST', '/notes'],
            ['AskController.ticks', 'GET', '/ticks'],
          ]) {
            const route = served.spans.find((span) => span.name === name);
            assert.ok(route, names(served.spans));
            assert.equal(route.attributes['http.request.method'], method);
            assert.equal(route.attributes['http.route'], path);
            assert.notEqual(route.status.code, 2);
          }
        });
      });
    }
  });
}
