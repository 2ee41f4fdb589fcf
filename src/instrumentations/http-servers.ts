import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { InstrumentationName } from '../config/config-types.ts';
import {
  expressInstrumentation,
  fastifyOtel,
  httpInstrumentation,
  koaInstrumentation,
  nestInstrumentation,
} from '../core/loaders.ts';

/** The server-side instrumentations genai-otel can start: Node's HTTP server and client, and four web frameworks. */
export type ServerInstrumentationName = Extract<InstrumentationName, 'http' | 'express' | 'fastify' | 'koa' | 'nestjs'>;

/**
 * The package each framework instrumentation needs in the application (`http` is built into Node). The framework
 * instrumentations only name routes and middleware: the server span and the incoming `traceparent` come from `http`.
 */
export const SERVER_PACKAGES: Record<Exclude<ServerInstrumentationName, 'http'>, string> = {
  express: 'express',
  fastify: 'fastify',
  koa: 'koa',
  nestjs: '@nestjs/core',
};

/**
 * The built-in modules the `http` instrumentation patches without the ES module loader hook (which is then not
 * installed for them: it costs start-up time). `http` is patched when the instrumentation is enabled: its servers'
 * `emit` is on a prototype every importer shares, and its ES module bindings are re-synced. `https` is patched when
 * CommonJS code first requires it (every web framework does): loading it at start would add ~30 ms of TLS set-up.
 */
export const PATCHED_WITHOUT_LOADER_HOOK: readonly string[] = ['http', 'https'];

export function isServerInstrumentation(name: InstrumentationName): name is ServerInstrumentationName {
  return name === 'http' || name in SERVER_PACKAGES;
}

/**
 * The official OpenTelemetry instrumentation for `name`, enabled (each package is loaded only now). Fastify's is
 * `@fastify/otel`, which patches nothing: it joins every Fastify instance through Fastify's `fastify.initialization`
 * diagnostics channel.
 */
export function createServerInstrumentation(name: ServerInstrumentationName): Instrumentation {
  switch (name) {
    case 'http':
      return patchedNow(new (httpInstrumentation().HttpInstrumentation)());
    case 'express':
      return new (expressInstrumentation().ExpressInstrumentation)();
    case 'fastify':
      return new (fastifyOtel().FastifyOtelInstrumentation)({ registerOnInitialization: true });
    case 'koa':
      return new (koaInstrumentation().KoaInstrumentation)();
    case 'nestjs':
      return new (nestInstrumentation().NestInstrumentation)();
  }
}

/**
 * Requires `http` once through the require hook the instrumentation just registered, which patches it, then updates
 * its ES module named exports (`import { request } from 'node:http'`) to the patched functions.
 */
function patchedNow(instrumentation: Instrumentation): Instrumentation {
  const nodeModule = process.getBuiltinModule('node:module');
  const requireHooked = nodeModule.createRequire(import.meta.url);
  requireHooked('http');
  nodeModule.syncBuiltinESMExports();
  return instrumentation;
}
