// HTTP servers under the real preload: Express 5, Fastify 5, Koa 3 and 2 (with @koa/router), NestJS 11 (on its
// Express and Fastify platforms) and a bare node:http server, as CommonJS and ES module apps, each using the real openai
// client and sent one real request carrying a `traceparent` and a `baggage` header. The server span continues the
// caller's trace, the framework names the route, and the LLM span is a descendant of the server span.
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
// Koa 2 (the previous major, still widely used) is installed from npm into a scratch app of its own, beside the
// repository's Koa 3; genai-otel, openai and the API are the repository's.
let koa2App: string;
before(async () => {
  receiver = await startOtlpReceiver();
  provider = await startFakeProvider();
  koa2App = createApp(mkdtempSync(join(tmpdir(), 'genai-otel-koa2-')), 'koa2');
  await npmInstall(koa2App, ['koa@^2', '@koa/router']);
  assert.match(
    (JSON.parse(readFileSync(join(koa2App, 'node_modules/koa/package.json'), 'utf8')) as { version: string }).version,
    /^2\./,
  );
  for (const name of ['genai-otel', 'openai', '@opentelemetry/api']) {
    mkdirSync(join(koa2App, 'node_modules', name, '..'), { recursive: true });
    symlinkSync(
      name === 'genai-otel' ? repositoryRoot : join(repositoryRoot, 'node_modules', name),
      join(koa2App, 'node_modules', name),
      'dir',
    );
  }
  for (const file of ['koa-app.cjs', 'koa-app.mjs']) copyFileSync(fixture(`servers/${file}`), join(koa2App, file));
});
after(async () => {
  await provider.close();
  await receiver.close();
  rmSync(join(koa2App, '..'), { recursive: true, force: true });
});

interface Served {
  code: number | null;
  stderr: string;
  answer: { answer?: string; tier?: string };
  traceId: string;
  callerSpanId: string;
  spans: ReceivedSpan[];
}

/** Runs `script` under the preload, sends it one GET /ask with a traceparent and baggage, returns what came back. */
async function serveOneRequest(
  script: string,
  nodeArgs: string[],
  serviceName: string,
  extra: Record<string, string> = {},
  cwd?: string,
): Promise<Served> {
  const traceId = randomBytes(16).toString('hex');
  const callerSpanId = randomBytes(8).toString('hex');
  const port = await closedPort();
  let answer: Promise<Served['answer']> | undefined;
  const result = await runFixture(cwd === undefined ? fixture(script) : join(cwd, script), {
    ...(cwd === undefined ? {} : { cwd }),
    timeoutMillis: 40_000,
    nodeArgs,
    env: otelEnv(receiver.url, {
      OTEL_SERVICE_NAME: serviceName,
      FAKE_PROVIDER_URL: provider.anthropicBaseURL,
      APP_PORT: String(port),
      ...extra,
    }),
    onLine: {
      line: 'listening',
      then: () => {
        answer = fetch(`http://127.0.0.1:${port}/ask`, {
          headers: { traceparent: `00-${traceId}-${callerSpanId}-01`, baggage: 'user.tier=gold' },
        }).then((response) => response.json() as Promise<Served['answer']>);
      },
    },
  });
  const spans = result.code === 0 ? await spansOnceModelCalled(receiver, serviceName) : [];
  return {
    code: result.code,
    stderr: result.stderr,
    answer: (await answer) ?? {},
    traceId,
    callerSpanId,
    spans,
  };
}

const cases: {
  name: string;
  script: string;
  nodeArgs: string[];
  frameworkScope: string | undefined;
  env?: Record<string, string>;
  /** The scratch app to run the script in (the repository's test/fixtures otherwise). */
  app?: () => string;
}[] = [
  {
    name: 'Express 5, ES module app, --import genai-otel/register',
    script: 'servers/express-app.mjs',
    nodeArgs: ['--import', 'genai-otel/register'],
    frameworkScope: '@opentelemetry/instrumentation-express',
  },
  {
    name: 'Fastify 5, CommonJS app, --require genai-otel/register',
    script: 'servers/fastify-app.cjs',
    nodeArgs: ['--require', 'genai-otel/register'],
    frameworkScope: '@fastify/otel',
  },
  {
    name: 'node:http, ES module app (named import), --import genai-otel/register',
    script: 'servers/node-http-app.mjs',
    nodeArgs: ['--import', 'genai-otel/register'],
    frameworkScope: undefined,
  },
  {
    name: 'Koa 3 with @koa/router, ES module app, --import genai-otel/register',
    script: 'servers/koa-app.mjs',
    nodeArgs: ['--import', 'genai-otel/register'],
    frameworkScope: '@opentelemetry/instrumentation-koa',
  },
  {
    name: 'Koa 3 with @koa/router, CommonJS app, --require genai-otel/register',
    script: 'servers/koa-app.cjs',
    nodeArgs: ['--require', 'genai-otel/register'],
    frameworkScope: '@opentelemetry/instrumentation-koa',
  },
  {
    name: 'Koa 2 with @koa/router, ES module app, --import genai-otel/register',
    script: 'koa-app.mjs',
    nodeArgs: ['--import', 'genai-otel/register'],
    frameworkScope: '@opentelemetry/instrumentation-koa',
    app: () => koa2App,
  },
  {
    name: 'Koa 2 with @koa/router, CommonJS app, --require genai-otel/register',
    script: 'koa-app.cjs',
    nodeArgs: ['--require', 'genai-otel/register'],
    frameworkScope: '@opentelemetry/instrumentation-koa',
    app: () => koa2App,
  },
  {
    name: 'NestJS 11 on @nestjs/platform-express, ES module app, --import genai-otel/register',
    script: 'servers/nest-app.mjs',
    nodeArgs: ['--import', 'genai-otel/register'],
    frameworkScope: '@opentelemetry/instrumentation-nestjs-core',
  },
  {
    name: 'NestJS 11 on @nestjs/platform-express, CommonJS app, --require genai-otel/register',
    script: 'servers/nest-app.cjs',
    nodeArgs: ['--require', 'genai-otel/register'],
    frameworkScope: '@opentelemetry/instrumentation-nestjs-core',
  },
  {
    name: 'NestJS 11 on @nestjs/platform-fastify, ES module app, --import genai-otel/register',
    script: 'servers/nest-app.mjs',
    nodeArgs: ['--import', 'genai-otel/register'],
    frameworkScope: '@opentelemetry/instrumentation-nestjs-core',
    env: { NEST_PLATFORM: 'fastify' },
  },
];

for (const { name, script, nodeArgs, frameworkScope, env, app } of cases) {
  describe(name, () => {
    const serviceName = `server-${name.replace(/\W+/g, '-')}`;
    let served: Served;
    before(async () => {
      served = await serveOneRequest(script, nodeArgs, serviceName, env, app?.());
    });

    test('the app answers with the LLM text and sees the caller’s baggage', () => {
      assert.equal(served.code, 0, served.stderr);
      assert.equal(served.stderr, '');
      assert.equal(served.answer.tier, 'gold');
      assert.equal(typeof served.answer.answer, 'string');
    });

    test('the server span continues the caller’s trace, and the LLM span is its descendant', () => {
      const server = served.spans.find((span) => span.kind === 2);
      assert.ok(server, served.spans.map((span) => `${span.scope.name} ${span.name}`).join(', '));
      assert.equal(server.scope.name, '@opentelemetry/instrumentation-http');
      assert.equal(server.traceId, served.traceId);
      assert.equal(server.parentSpanId, served.callerSpanId);
      if (frameworkScope !== undefined) assert.equal(server.attributes['http.route'], '/ask');
      const llm = served.spans.find((span) => span.attributes['gen_ai.provider.name'] === 'openai')!;
      const chain = ancestry(served.spans, llm);
      assert.equal(chain.at(-1)?.spanId, server.spanId, chain.map((span) => span.name).join(' < '));
      if (frameworkScope !== undefined) assert.ok(served.spans.some((span) => span.scope.name === frameworkScope));
    });

    test('the exporter’s own requests to the collector are not traced', () => {
      assert.ok(served.spans.every((span) => span.kind !== 3 || !String(span.attributes['url.full']).includes('/v1/')));
    });
  });
}

describe('GENAI_OTEL_INSTRUMENTATIONS without http', () => {
  test('no server span: the LLM span starts its own trace', async () => {
    const serviceName = 'server-no-http';
    const served = await serveOneRequest('servers/fastify-app.cjs', ['--require', 'genai-otel/register'], serviceName, {
      GENAI_OTEL_INSTRUMENTATIONS: 'openai',
    });
    assert.equal(served.code, 0, served.stderr);
    assert.ok(served.spans.every((span) => span.kind !== 2));
    const llm = served.spans.find((span) => span.attributes['gen_ai.provider.name'] === 'openai')!;
    assert.notEqual(llm.traceId, served.traceId);
  });
});

// The app registers the HTTP and Express instrumentations in a preload of its own, before or after genai-otel's;
// genai-otel leaves HTTP to it. Express must be patched whichever runs first.
describe("instrumentations registered by the app's own preload", () => {
  const own = (file: string) => fixture(`servers/${file}`);
  const orders = [
    {
      name: 'ES module app, its preload first',
      script: 'servers/express-app.mjs',
      nodeArgs: ['--import', own('own-otel.mjs'), '--import', 'genai-otel/register'],
    },
    {
      name: 'ES module app, its preload after genai-otel',
      script: 'servers/express-app.mjs',
      nodeArgs: ['--import', 'genai-otel/register', '--import', own('own-otel.mjs')],
    },
    {
      name: 'CommonJS app, its preload first',
      script: 'servers/express-app.cjs',
      nodeArgs: ['--require', own('own-otel.cjs'), '--require', 'genai-otel/register'],
    },
    {
      name: 'CommonJS app, its preload after genai-otel',
      script: 'servers/express-app.cjs',
      nodeArgs: ['--require', 'genai-otel/register', '--require', own('own-otel.cjs')],
    },
  ];
  for (const { name, script, nodeArgs } of orders) {
    test(`${name}: Express is patched, the server span continues the caller's trace, the LLM span is under it`, async () => {
      const serviceName = `own-preload-${name.replace(/\W+/g, '-')}`;
      const served = await serveOneRequest(script, nodeArgs, serviceName, { GENAI_OTEL_INSTRUMENTATIONS: 'openai' });
      assert.equal(served.code, 0, served.stderr);
      assert.equal(served.answer.tier, 'gold');
      const scopes = new Set(served.spans.map((span) => span.scope.name));
      assert.ok(scopes.has('@opentelemetry/instrumentation-express'), [...scopes].join(', '));
      const server = served.spans.find((span) => span.kind === 2)!;
      assert.equal(server.traceId, served.traceId);
      assert.equal(server.attributes['http.route'], '/ask');
      const llm = served.spans.find((span) => span.attributes['gen_ai.provider.name'] === 'openai')!;
      assert.equal(ancestry(served.spans, llm).at(-1)?.spanId, server.spanId);
    });
  }
});

test('start({ instrumentations }) from code: names and an instrumentation object, both enabled', async () => {
  const served = await serveOneRequest('servers/start-with-extra.cjs', [], 'start-with-extra');
  assert.equal(served.code, 0, served.stderr);
  assert.match(served.stderr, /^instrumentations: @opentelemetry\/instrumentation-express,http,openai$/m);
  const scopes = new Set(served.spans.map((span) => span.scope.name));
  assert.ok(scopes.has('@opentelemetry/instrumentation-express'), [...scopes].join(', '));
  const server = served.spans.find((span) => span.kind === 2)!;
  assert.equal(server.traceId, served.traceId);
  assert.equal(server.attributes['http.route'], '/ask');
});
