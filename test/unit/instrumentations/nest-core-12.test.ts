// The NestJS 12 patch never harms the app: a Nest whose internals are not the expected ones (a class or method
// missing, too few parameters), a 13.x, a controller it cannot read (a throwing getter), and handlers that throw,
// reject, return an Observable or a lazy thenable: the app gets its own value or error, unchanged, and a difference is
// said once. Each case is a small ES module `@nestjs/core` written into an app folder of its own, loaded as the
// preload loads the real one (require of an ES module). The real Nest 12 runs in test/preload/nest12.test.ts.
import 'reflect-metadata';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diag, DiagLogLevel, SpanStatusCode } from '@opentelemetry/api';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { enableNest12 } from '../../../src/instrumentations/nest-core-12.ts';

const sdk = installMemorySdk();
const warnings: string[] = [];
diag.setLogger(
  {
    error: (message) => warnings.push(message),
    warn: (message) => warnings.push(message),
    info: () => undefined,
    debug: () => undefined,
    verbose: () => undefined,
  },
  DiagLogLevel.WARN,
);

const ROUTER = `export class RouterExecutionContext {
  // As Nest's: builds the route handler of one controller method, which calls it with the request's arguments.
  create(instance, callback, methodName, moduleKey, requestMethod) {
    this.callback = callback;
    return function (req, res, next) {
      return callback.apply(instance, [req, res]);
    };
  }
}
`;
const FACTORY = `export class NestFactoryStatic {
  async create(moduleCls, serverOrOptions, options) {
    if (moduleCls.fail) throw moduleCls.fail;
    return { app: moduleCls.name };
  }
}
export const NestFactory = new NestFactoryStatic();
`;

let root: string;
const startedIn = process.cwd();
before(() => {
  root = mkdtempSync(join(tmpdir(), 'genai-otel-nest12-unit-'));
});
after(() => {
  process.chdir(startedIn);
  rmSync(root, { recursive: true, force: true });
});

interface RouterContext {
  create: (...args: unknown[]) => (...request: unknown[]) => unknown;
  /** The controller method the fake `create` was given (Nest reads its metadata and calls it). */
  callback: (...args: unknown[]) => unknown;
}
interface FakeNest {
  router: { RouterExecutionContext: new () => RouterContext };
  factory: { NestFactory: { create: (module: unknown) => Promise<unknown> } };
}

/** An app folder holding a `@nestjs/core` of `version` made of `files`, made the working directory. */
async function fakeNest(
  name: string,
  version: string,
  files: Record<string, string> = { 'nest-factory.js': FACTORY, 'router/router-execution-context.js': ROUTER },
): Promise<FakeNest> {
  const folder = join(root, name, 'node_modules/@nestjs/core');
  mkdirSync(join(folder, 'router'), { recursive: true });
  writeFileSync(
    join(folder, 'package.json'),
    JSON.stringify({
      name: '@nestjs/core',
      version,
      type: 'module',
      exports: { './package.json': './package.json', './*.js': './*.js' },
    }),
  );
  for (const [file, text] of Object.entries(files)) writeFileSync(join(folder, file), text);
  process.chdir(join(root, name));
  const load = async (file: string): Promise<unknown> => (file in files ? await import(join(folder, file)) : undefined);
  return {
    router: (await load('router/router-execution-context.js')) as FakeNest['router'],
    factory: (await load('nest-factory.js')) as FakeNest['factory'],
  };
}

const request = { method: 'POST', route: { path: '/orders/:id' }, originalUrl: '/orders/7?key=secret' };
const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

class OrdersController {
  readonly value = { orders: 2 };
  list(this: OrdersController) {
    return this.value;
  }
}
Reflect.defineMetadata('roles', ['admin'], OrdersController.prototype.list);

/** The route handler the patched Nest builds for `method` of `instance`, and the context that built it. */
function route(nest: FakeNest, instance: object, method: (...args: unknown[]) => unknown) {
  const context = new nest.router.RouterExecutionContext();
  return { handler: context.create(instance, method, method.name, 'AppModule', 1), context };
}

test('Nest 12: the route and method spans of the official instrumentation; the app’s value, `this` and metadata', async () => {
  const nest = await fakeNest('good', '12.6.3');
  assert.equal(enableNest12(), 'patched');
  assert.equal(enableNest12(), 'patched', 'a second start() wraps nothing twice');
  await sdk.reset();
  const controller = new OrdersController();
  const { handler, context } = route(nest, controller, OrdersController.prototype.list);
  assert.equal(handler(request), controller.value);
  // Nest holds the traced method: guards and Reflector read its name and metadata.
  assert.notEqual(context.callback, OrdersController.prototype.list);
  assert.equal(context.callback.name, 'list');
  assert.deepEqual(Reflect.getMetadata('roles', context.callback), ['admin']);

  const routeSpan = sdk.span('OrdersController.list');
  assert.deepEqual(routeSpan.attributes, {
    component: '@nestjs/core',
    'nestjs.version': '12.6.3',
    'nestjs.type': 'request_context',
    'nestjs.controller': 'OrdersController',
    'nestjs.callback': 'list',
    'http.route': '/orders/:id',
    'http.request.method': 'POST',
    'url.full': '/orders/7',
  });
  const methodSpan = sdk.span('list');
  assert.equal(methodSpan.parentSpanContext?.spanId, routeSpan.spanContext().spanId);
  assert.deepEqual(methodSpan.attributes, {
    component: '@nestjs/core',
    'nestjs.version': '12.6.3',
    'nestjs.type': 'handler',
    'nestjs.callback': 'list',
  });
});

test('Nest 12: handlers that throw, reject, return an Observable or a lazy thenable give the app its own', async () => {
  const nest = await fakeNest('good', '12.6.3');
  assert.equal(enableNest12(), 'patched');
  await sdk.reset();
  const failure = new Error('order not found');
  const throwing = route(nest, {}, function find() {
    throw failure;
  }).handler;
  assert.throws(
    () => throwing(request),
    (error) => error === failure,
  );

  const rejected = Promise.reject(failure);
  const rejecting = route(nest, {}, function load() {
    return rejected;
  }).handler;
  const returned = rejecting(request);
  assert.equal(returned, rejected, 'the very promise');
  await assert.rejects(rejected, (error) => error === failure);

  const observable = { subscribe: () => undefined };
  assert.equal(route(nest, {}, () => observable).handler(request), observable);

  let thenCalls = 0;
  const lazy = { then: () => void thenCalls++ };
  assert.equal(
    route(nest, {}, function query() {
      return lazy;
    }).handler(request),
    lazy,
  );
  assert.equal(thenCalls, 0, 'a lazy thenable is left for Nest to run');

  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(unhandled, []);
  for (const name of ['find', 'load']) {
    const span = sdk.span(name);
    assert.equal(span.status.code, SpanStatusCode.ERROR, name);
    assert.equal(span.status.message, 'order not found');
    assert.equal(span.events[0]?.name, 'exception');
  }
  assert.equal(sdk.span('Object.find').status.code, SpanStatusCode.ERROR);
  assert.equal(sdk.span('query').status.code, SpanStatusCode.UNSET);
  assert.equal(sdk.spans().filter((span) => span.name === 'anonymous nest handler').length, 1, 'the Observable one');
});

test('Nest 12: a controller or request it cannot read is served as it is', async () => {
  const nest = await fakeNest('good', '12.6.3');
  assert.equal(enableNest12(), 'patched');
  const hostile = Object.defineProperty({ value: 3 }, 'constructor', {
    get() {
      throw new Error('hostile getter');
    },
  });
  const { handler } = route(nest, hostile, function count(this: { value: number }) {
    return this.value;
  });
  assert.equal(handler(request), 3);
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const plain = route(nest, new OrdersController(), OrdersController.prototype.list).handler;
  assert.deepEqual(plain(proxy), { orders: 2 });
});

test('Nest 12 app creation: the same promise, resolved or rejected with the app’s own value', async () => {
  const nest = await fakeNest('good', '12.6.3');
  assert.equal(enableNest12(), 'patched');
  await sdk.reset();
  const created = nest.factory.NestFactory.create(class AppModule {});
  assert.ok(created instanceof Promise);
  assert.deepEqual(await created, { app: 'AppModule' });
  const failure = new Error('no database');
  await assert.rejects(
    nest.factory.NestFactory.create({ name: 'Broken', fail: failure }),
    (error) => error === failure,
  );
  assert.deepEqual(
    sdk
      .spans()
      .filter((span) => span.name === 'Create Nest App')
      .map((span) => [span.attributes['nestjs.module'], span.attributes['nestjs.type'], span.status.code]),
    [
      ['AppModule', 'app_creation', SpanStatusCode.UNSET],
      ['Broken', 'app_creation', SpanStatusCode.ERROR],
    ],
  );
});

test('internals that differ (a method missing, too few parameters): left untraced, said once', async () => {
  const missing = await fakeNest('missing', '12.0.0', {
    'nest-factory.js': FACTORY,
    'router/router-execution-context.js': 'export class RouterExecutionContext {}\n',
  });
  assert.equal(enableNest12(), 'unexpected');
  await sdk.reset();
  await missing.factory.NestFactory.create(class AppModule {});
  assert.equal(sdk.spans().length, 0, 'nothing patched, not even the factory');
  await fakeNest('arity', '12.1.0', {
    'nest-factory.js': FACTORY,
    'router/router-execution-context.js':
      'export class RouterExecutionContext { create(handler) { return handler; } }\n',
  });
  assert.equal(enableNest12(), 'unexpected');
  assert.equal(warnings.filter((warning) => warning.includes('not what genai-otel expects')).length, 1);
});

test('Nest 13: left alone, said once; Nest 11: left to the official instrumentation; none: nothing loaded', async () => {
  await fakeNest('v13', '13.0.0');
  assert.equal(enableNest12(), 'newer');
  assert.equal(enableNest12(), 'newer');
  assert.equal(warnings.filter((warning) => warning.includes('@nestjs/core 13.0.0 is newer')).length, 1);
  await fakeNest('v11', '11.1.0', {});
  assert.equal(enableNest12(), 'official');
  mkdirSync(join(root, 'none'));
  process.chdir(join(root, 'none'));
  const [node, argv1, ...rest] = process.argv;
  process.argv.splice(0, process.argv.length, node ?? '', join(root, 'none', 'app.js'), ...rest);
  try {
    assert.equal(enableNest12(), 'not-installed');
  } finally {
    process.argv.splice(0, process.argv.length, node ?? '', argv1 ?? '', ...rest);
  }
});
