// NestJS 12 (`@nestjs/core` 12.x) ships ES modules only, and the official @opentelemetry/instrumentation-nestjs-core
// stops before 12 (`>=4.0.0 <12`). Until it supports 12, genai-otel makes the same spans itself: `Create Nest App`
// around `NestFactory.create`, and per request a `<Controller>.<method>` span (route, method, URL) around Nest's route
// handler with a `<method>` span around the controller method. No loader hook is needed: the two classes that make
// them (`NestFactoryStatic` in nest-factory.js, `RouterExecutionContext` in router/router-execution-context.js) are
// module-level classes, and Node 22.12+ `require()` of an ES module returns the very module a later `import` (or the
// app's own `require`) gets, so patching their prototypes once, at start, before the app builds its routes, covers
// ES module and CommonJS apps alike.
import { context, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import {
  ATTR_COMPONENT,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_ROUTE,
  ATTR_NESTJS_CALLBACK,
  ATTR_NESTJS_CONTROLLER,
  ATTR_NESTJS_MODULE,
  ATTR_NESTJS_TYPE,
  ATTR_NESTJS_VERSION,
  ATTR_URL_FULL,
} from '../attributes/names.ts';
import { debug, describeError, warnOnce } from '../core/diagnostics.ts';
import { nodeFs, otelCore } from '../core/loaders.ts';
import { VERSION } from '../version.ts';
import { resolveFromApplication } from './app-resolve.ts';

export const NEST12_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-nestjs-core';
/** The `@nestjs/core` major genai-otel traces itself (the official instrumentation covers 4 to 11). */
export const NEST12_MAJOR = 12;
const COMPONENT = '@nestjs/core';
/** Set on each wrapper, holding the method it replaced: a second start() (ESM and CJS builds) patches nothing. */
const ORIGINAL = Symbol.for('genai-otel.nestjs12.original');

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
/** What the patches need of a module: a class whose prototype has `create`. */
type ClassModule = Record<string, { prototype?: Record<string, unknown> } | undefined>;

/** What `enableNest12` did, for the caller and the tests. */
export type Nest12Outcome = 'not-installed' | 'official' | 'newer' | 'unexpected' | 'patched';

/**
 * Patches `@nestjs/core` 12, as the application resolves it, so that its app creation and controller handlers make
 * the spans the official instrumentation makes for Nest 11; `onPatched` is called once it is done. Nest 4 to 11 is
 * left to the official instrumentation, 13 and later is left alone (said once), and a Nest 12 whose internals are not
 * the ones expected is left untraced (said once): the application runs as it would without genai-otel.
 * Runs at start, before any module hook is installed, and loads Nest (~160 ms, which a Nest app pays at its own
 * import anyway). Patching when the app first resolves Nest, from a resolve hook, was tried: the `require()`s nested
 * in the hook left import-in-the-middle, where it wraps `@nestjs/core` (another preload's instrumentations), resolving
 * Nest's `export *` with CommonJS conditions, failing and warning on Node 24.
 *
 * @example
 * enableNest12(() => traced.push('nestjs')); // 'patched' when the app has @nestjs/core 12.x
 */
export function enableNest12(onPatched: () => void = () => undefined): Nest12Outcome {
  const nest = nest12Manifest();
  return typeof nest === 'string' ? nest : patchNest12(nest.manifestFile, nest.version, onPatched);
}

/** The application's `@nestjs/core` 12 (its package.json and version), or why there is nothing to patch. */
function nest12Manifest(): { manifestFile: string; version: string } | Exclude<Nest12Outcome, 'patched'> {
  const manifestFile = resolveFromApplication('@nestjs/core/package.json');
  if (manifestFile === undefined) return 'not-installed';
  let version: string;
  try {
    version = String((JSON.parse(nodeFs().readFileSync(manifestFile, 'utf8')) as { version?: unknown }).version);
  } catch (error) {
    warnOnce('nestjs12:manifest', `could not read @nestjs/core's package.json (${describeError(error)})`);
    return 'unexpected';
  }
  const major = Number(/^(\d+)\./.exec(version)?.[1]);
  if (!(major >= NEST12_MAJOR)) return 'official';
  if (major > NEST12_MAJOR) {
    warnOnce(
      'nestjs12:newer',
      `@nestjs/core ${version} is newer than genai-otel knows: its controllers are not traced (HTTP and the Express or Fastify spans still are)`,
    );
    return 'newer';
  }
  return { manifestFile, version };
}

/** Loads the two classes of `@nestjs/core` 12 that make the spans and wraps their `create`. Never throws. */
function patchNest12(manifestFile: string, version: string, onPatched: () => void): Nest12Outcome {
  try {
    const { dirname, join } = process.getBuiltinModule('node:path');
    const load = process.getBuiltinModule('node:module').createRequire(manifestFile);
    const folder = dirname(manifestFile);
    const factoryModule = load(join(folder, 'nest-factory.js')) as ClassModule;
    const routerModule = load(join(folder, 'router/router-execution-context.js')) as ClassModule;
    const factoryCreate = createMethodOf(factoryModule, 'NestFactoryStatic', 1);
    const routerCreate = createMethodOf(routerModule, 'RouterExecutionContext', 2);
    if (factoryCreate === undefined || routerCreate === undefined) {
      warnOnce(
        'nestjs12:shape',
        `@nestjs/core ${version}: NestFactoryStatic or RouterExecutionContext is not what genai-otel expects; its controllers are not traced`,
      );
      return 'unexpected';
    }
    const tracer = trace.getTracer(NEST12_INSTRUMENTATION_NAME, VERSION);
    replaceMethod(factoryCreate.owner, factoryCreate.method, (original) =>
      tracedAppCreation(tracer, version, original),
    );
    replaceMethod(routerCreate.owner, routerCreate.method, (original) =>
      tracedRouteCreation(tracer, version, original),
    );
    debug(`@nestjs/core ${version}: app creation and controller handlers are traced by genai-otel`);
    onPatched();
    return 'patched';
  } catch (error) {
    warnOnce(
      'nestjs12:load',
      `could not load @nestjs/core ${version} to trace it (${describeError(error)}); its controllers are not traced`,
    );
    return 'unexpected';
  }
}

/** `exports[className].prototype.create` when it is a function taking at least `minimumArity` parameters (ours or not). */
function createMethodOf(
  exports: ClassModule,
  className: string,
  minimumArity: number,
): { owner: Record<string, unknown>; method: AnyFunction } | undefined {
  const owner = exports?.[className]?.prototype;
  const method = owner?.create;
  if (owner === undefined || typeof method !== 'function') return undefined;
  const original = (method as unknown as Record<symbol, unknown>)[ORIGINAL];
  if ((typeof original === 'function' ? original : method).length < minimumArity) return undefined;
  return { owner, method: method as AnyFunction };
}

/** Puts `wrap(method)` in place of `owner.create`, once, keeping the property's attributes. */
function replaceMethod(
  owner: Record<string, unknown>,
  method: AnyFunction,
  wrap: (original: AnyFunction) => AnyFunction,
) {
  if ((method as unknown as Record<symbol, unknown>)[ORIGINAL] !== undefined) return;
  const wrapper = wrap(method);
  Object.defineProperty(wrapper, ORIGINAL, { value: method });
  Object.defineProperty(wrapper, 'name', { value: method.name });
  Object.defineProperty(wrapper, 'length', { value: method.length });
  const descriptor = Object.getOwnPropertyDescriptor(owner, 'create') ?? { writable: true, configurable: true };
  Object.defineProperty(owner, 'create', { ...descriptor, value: wrapper });
}

/**
 * Runs `call` in the context of `span` and ends the span when the call is done: at once for a value or a thrown
 * error, when it settles for a native promise. The caller gets what `call` returned (the very promise) or threw.
 * Other thenables are not awaited: calling their `then` may run them (a lazy query), which is for Nest to do once.
 */
function runInSpan(span: Span, call: () => unknown): unknown {
  let result: unknown;
  try {
    result = context.with(trace.setSpan(context.active(), span), call);
  } catch (error) {
    endWithError(span, error);
    throw error;
  }
  if (result instanceof Promise)
    result.then(
      () => span.end(),
      (error: unknown) => endWithError(span, error),
    );
  else span.end();
  return result;
}

/** Records `error` as the official instrumentation does: an exception event and an error status with its message. */
function endWithError(span: Span, error: unknown): void {
  try {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  } catch {
    // A hostile error (a throwing getter): the status stays unset, the app's error goes on unchanged.
  }
  span.end();
}

/** Starts a span, or undefined when the tracer fails: the app's call then runs without one. */
function startSpan(tracer: Tracer, name: string, attributes: () => Attributes): Span | undefined {
  try {
    return tracer.startSpan(name, { attributes: attributes() });
  } catch (error) {
    warnOnce('nestjs12:span', `could not start a NestJS span (${describeError(error)})`);
    return undefined;
  }
}

/** `NestFactoryStatic.prototype.create`, in a `Create Nest App` span. */
function tracedAppCreation(tracer: Tracer, version: string, original: AnyFunction): AnyFunction {
  return function (this: unknown, ...args: unknown[]) {
    const span = startSpan(tracer, 'Create Nest App', () => ({
      [ATTR_COMPONENT]: COMPONENT,
      [ATTR_NESTJS_TYPE]: 'app_creation',
      [ATTR_NESTJS_VERSION]: version,
      [ATTR_NESTJS_MODULE]: nameOf(args[0]),
    }));
    return span === undefined
      ? Reflect.apply(original, this, args)
      : runInSpan(span, () => Reflect.apply(original, this, args));
  };
}

/**
 * `RouterExecutionContext.prototype.create(instance, callback, methodName, ...)`, which builds the route handler of
 * one controller method: the controller method is replaced by one in a `<method>` span (Nest reads its metadata, so
 * the metadata is copied over), and the handler it returns runs each request in a `<Controller>.<method>` span.
 */
function tracedRouteCreation(tracer: Tracer, version: string, original: AnyFunction): AnyFunction {
  return function (this: unknown, ...args: unknown[]) {
    const [instance, callback] = args;
    let names: { controller: string; callback: string } | undefined;
    try {
      if (typeof callback === 'function') {
        names = { controller: controllerName(instance), callback: callback.name };
        const traced = tracedCallback(tracer, version, callback as AnyFunction);
        if (traced !== undefined) args[1] = traced;
      }
    } catch (error) {
      warnOnce('nestjs12:callback', `could not trace a NestJS controller method (${describeError(error)})`);
      args[1] = callback;
    }
    const handler = Reflect.apply(original, this, args);
    if (names === undefined || typeof handler !== 'function') return handler;
    const spanName = names.callback === '' ? names.controller : `${names.controller}.${names.callback}`;
    const { controller, callback: callbackName } = names;
    return function (this: unknown, ...request: unknown[]) {
      const attributes = requestAttributes(request[0]);
      nameServerRoute(attributes[ATTR_HTTP_ROUTE]);
      const span = startSpan(tracer, spanName, () => ({
        [ATTR_COMPONENT]: COMPONENT,
        [ATTR_NESTJS_VERSION]: version,
        [ATTR_NESTJS_TYPE]: 'request_context',
        [ATTR_NESTJS_CONTROLLER]: controller,
        [ATTR_NESTJS_CALLBACK]: callbackName,
        ...attributes,
      }));
      return span === undefined
        ? Reflect.apply(handler as AnyFunction, this, request)
        : runInSpan(span, () => Reflect.apply(handler as AnyFunction, this, request));
    };
  };
}

/**
 * The controller method in a `<method>` span, with the method's name and reflect-metadata entries (guards,
 * interceptors and `Reflector` read them from the function Nest holds). Undefined when the metadata cannot be copied.
 */
function tracedCallback(tracer: Tracer, version: string, callback: AnyFunction): AnyFunction | undefined {
  const metadata = Reflect as unknown as {
    getMetadataKeys?: (target: object) => unknown[];
    getMetadata?: (key: unknown, target: object) => unknown;
    defineMetadata?: (key: unknown, value: unknown, target: object) => void;
  };
  const { getMetadataKeys, getMetadata, defineMetadata } = metadata;
  if (
    typeof getMetadataKeys !== 'function' ||
    typeof getMetadata !== 'function' ||
    typeof defineMetadata !== 'function'
  )
    return undefined;
  const name = callback.name === '' ? 'anonymous nest handler' : callback.name;
  const attributes: Attributes = {
    [ATTR_COMPONENT]: COMPONENT,
    [ATTR_NESTJS_VERSION]: version,
    [ATTR_NESTJS_TYPE]: 'handler',
    [ATTR_NESTJS_CALLBACK]: callback.name,
  };
  const traced = function (this: unknown, ...args: unknown[]) {
    const span = startSpan(tracer, name, () => attributes);
    return span === undefined
      ? Reflect.apply(callback, this, args)
      : runInSpan(span, () => Reflect.apply(callback, this, args));
  };
  if (callback.name !== '') Object.defineProperty(traced, 'name', { value: callback.name });
  for (const key of getMetadataKeys.call(Reflect, callback))
    defineMetadata.call(Reflect, key, getMetadata.call(Reflect, key, callback), traced);
  return traced;
}

/** The route, method and URL (path only: a query string may carry a secret) of an Express or Fastify request. */
function requestAttributes(request: unknown): Attributes {
  const attributes: Attributes = {};
  try {
    const req = request as {
      route?: { path?: unknown };
      routeOptions?: { url?: unknown };
      routerPath?: unknown;
      method?: unknown;
      originalUrl?: unknown;
      url?: unknown;
    };
    const route = req.route?.path || req.routeOptions?.url || req.routerPath;
    if (typeof route === 'string') attributes[ATTR_HTTP_ROUTE] = route;
    if (typeof req.method === 'string') attributes[ATTR_HTTP_REQUEST_METHOD] = req.method;
    const url = req.originalUrl || req.url;
    if (typeof url === 'string') attributes[ATTR_URL_FULL] = url.split(/[?#]/, 1)[0] ?? url;
  } catch {
    // A request genai-otel cannot read: the span has the attributes read so far.
  }
  return attributes;
}

/**
 * Hands the route to the HTTP server span (its `http.route` and name, set as it ends) when no framework
 * instrumentation did: Express is patched only where a hook sees it load, which a CommonJS app's `require()` of the
 * ES module @nestjs/platform-express 12 (importing `express` in turn) escapes.
 */
function nameServerRoute(route: unknown): void {
  if (typeof route !== 'string') return;
  try {
    const { getRPCMetadata, RPCType } = otelCore();
    const metadata = getRPCMetadata(context.active());
    if (metadata?.type === RPCType.HTTP && metadata.route === undefined) metadata.route = route;
  } catch (error) {
    debug(`could not name the HTTP route of a NestJS request (${describeError(error)})`);
  }
}

function controllerName(instance: unknown): string {
  const name = (instance as { constructor?: { name?: unknown } } | undefined)?.constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'UnnamedInstance';
}

function nameOf(value: unknown): string {
  try {
    const name = (value as { name?: unknown } | undefined)?.name;
    return typeof name === 'string' ? name : '';
  } catch {
    return '';
  }
}
