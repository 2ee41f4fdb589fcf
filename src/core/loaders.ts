import type * as FastifyOtelModule from '@fastify/otel';
import type * as ApiModule from '@opentelemetry/api';
import type * as ContextAsyncHooksModule from '@opentelemetry/context-async-hooks';
import type * as CoreModule from '@opentelemetry/core';
import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import type * as ExpressInstrumentationModule from '@opentelemetry/instrumentation-express';
import type * as HttpInstrumentationModule from '@opentelemetry/instrumentation-http';
import type * as KoaInstrumentationModule from '@opentelemetry/instrumentation-koa';
import type * as NestInstrumentationModule from '@opentelemetry/instrumentation-nestjs-core';
import type * as OpenAIInstrumentationModule from '@opentelemetry/instrumentation-openai';
import type * as PinoInstrumentationModule from '@opentelemetry/instrumentation-pino';
import type * as WinstonInstrumentationModule from '@opentelemetry/instrumentation-winston';
import type * as TransformerModule from '@opentelemetry/otlp-transformer';
import type * as B3Module from '@opentelemetry/propagator-b3';
import type * as SdkLogsModule from '@opentelemetry/sdk-logs';
import type * as SdkMetricsModule from '@opentelemetry/sdk-metrics';
import type * as SdkTraceModule from '@opentelemetry/sdk-trace';
import type * as ImportInTheMiddleModule from 'import-in-the-middle';
import type * as InThreadHooksModule from 'import-in-the-middle/register-hooks.mjs';
import type * as CryptoModule from 'node:crypto';
import type * as FsModule from 'node:fs';
import type * as FsPromisesModule from 'node:fs/promises';
import type * as HttpModule from 'node:http';
import type * as HttpsModule from 'node:https';
import type * as NetModule from 'node:net';
import type * as SqliteModule from 'node:sqlite';
import type * as WorkerThreadsModule from 'node:worker_threads';
import type * as ZlibModule from 'node:zlib';
import type * as YamlModule from 'yaml';

/**
 * Typed loaders for the dependencies genai-otel takes only when a setting needs them, synchronously, so that the
 * preload can finish before the application's first line while skipping the cost of exporters nobody asked for (and
 * everything when disabled). Each loader pairs one specifier with its module's type, in this file only.
 *
 * The build (scripts/build.mjs) turns each `lazyRequire('<package>')` below into a bundled `require()` when the
 * package is bundled, still evaluated only when its loader first runs; it refuses `lazyRequire(` anywhere else.
 * Built-ins are taken with process.getBuiltinModule's createRequire, not imported: an ES module that imports a
 * built-in makes a facade of all its exports (node:module, node:fs and node:worker_threads together cost the `--import`
 * preload about 1.3 ms). The builds replace `import.meta.url` with the bundle file's own URL.
 */
const lazyRequire: NodeJS.Require = process.getBuiltinModule('node:module').createRequire(import.meta.url);

export const sdkTrace = (): typeof SdkTraceModule => lazyRequire('@opentelemetry/sdk-trace');
export const sdkMetrics = (): typeof SdkMetricsModule => lazyRequire('@opentelemetry/sdk-metrics');
export const sdkLogs = (): typeof SdkLogsModule => lazyRequire('@opentelemetry/sdk-logs');
export const otelCore = (): typeof CoreModule => lazyRequire('@opentelemetry/core');
export const contextAsyncHooks = (): typeof ContextAsyncHooksModule =>
  lazyRequire('@opentelemetry/context-async-hooks');
export const propagatorB3 = (): typeof B3Module => lazyRequire('@opentelemetry/propagator-b3');
export const otlpTransformer = (): typeof TransformerModule => lazyRequire('@opentelemetry/otlp-transformer');
export const instrumentationBase = (): typeof InstrumentationModule => lazyRequire('@opentelemetry/instrumentation');
export const openaiInstrumentation = (): typeof OpenAIInstrumentationModule =>
  lazyRequire('@opentelemetry/instrumentation-openai');
export const httpInstrumentation = (): typeof HttpInstrumentationModule =>
  lazyRequire('@opentelemetry/instrumentation-http');
export const expressInstrumentation = (): typeof ExpressInstrumentationModule =>
  lazyRequire('@opentelemetry/instrumentation-express');
export const koaInstrumentation = (): typeof KoaInstrumentationModule =>
  lazyRequire('@opentelemetry/instrumentation-koa');
export const nestInstrumentation = (): typeof NestInstrumentationModule =>
  lazyRequire('@opentelemetry/instrumentation-nestjs-core');
export const fastifyOtel = (): typeof FastifyOtelModule => lazyRequire('@fastify/otel');
export const pinoInstrumentation = (): typeof PinoInstrumentationModule =>
  lazyRequire('@opentelemetry/instrumentation-pino');
export const winstonInstrumentation = (): typeof WinstonInstrumentationModule =>
  lazyRequire('@opentelemetry/instrumentation-winston');

// Left outside the bundle (scripts/build.mjs, `external`): the application's copies.
export const applicationApi = (): typeof ApiModule => lazyRequire('@opentelemetry/api');
export const importInTheMiddle = (): typeof ImportInTheMiddleModule => lazyRequire('import-in-the-middle');
/** ES modules, required synchronously (Node 22.12+): the in-thread hook may be installed within a module resolution. */
export const importInTheMiddleInThread = (): typeof InThreadHooksModule =>
  lazyRequire('import-in-the-middle/register-hooks.mjs');
export const importInTheMiddleSupportsSyncHooks = (): Pick<typeof InThreadHooksModule, 'supportsSyncHooks'> =>
  lazyRequire('import-in-the-middle/supports-sync-hooks.mjs');
/** Whether a module file of this package was loaded by CommonJS (e.g. an instrumentation library, by another preload). */
export const loadedAlready = (pathPart: string): boolean =>
  Object.keys(lazyRequire.cache).some((file) => file.includes(pathPart));
export const yaml = (): typeof YamlModule => lazyRequire('yaml');
/** Where an external package resolves from this bundle (throws when it is not installed). */
export const resolveExternal = (specifier: '@opentelemetry/api' | '@opentelemetry/winston-transport'): string =>
  lazyRequire.resolve(specifier);

export const nodeCrypto = (): typeof CryptoModule => lazyRequire('node:crypto');
export const nodeFs = (): typeof FsModule => lazyRequire('node:fs');
export const nodeFsPromises = (): typeof FsPromisesModule => lazyRequire('node:fs/promises');
export const nodeHttp = (): typeof HttpModule => lazyRequire('node:http');
export const nodeHttps = (): typeof HttpsModule => lazyRequire('node:https');
export const nodeNet = (): typeof NetModule => lazyRequire('node:net');
export const nodeZlib = (): typeof ZlibModule => lazyRequire('node:zlib');
export const nodeWorkerThreads = (): typeof WorkerThreadsModule => lazyRequire('node:worker_threads');

/**
 * `node:sqlite` (Node 22.13+), without the one ExperimentalWarning some Node lines print when it first loads: that
 * line would land on the application's stderr (or the CLI's) for a module the user never chose. Every other warning,
 * emitted meanwhile or later, goes through untouched.
 */
export function nodeSqlite(): typeof SqliteModule {
  const emitWarning = process.emitWarning;
  process.emitWarning = function withoutSqliteNotice(this: unknown, warning: unknown, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning instanceof Error ? warning.message : '';
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (/^SQLite is an experimental feature/.test(text) && (type === 'ExperimentalWarning' || warning instanceof Error))
      return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  };
  try {
    return lazyRequire('node:sqlite') as typeof SqliteModule;
  } finally {
    process.emitWarning = emitWarning;
  }
}

/**
 * Whether a module request comes from these loaders (a module hook's `context.parentURL`): genai-otel's own use of
 * `node:http` to export must not count as the application's.
 */
export const requestedByLoaders = (parentURL: string | undefined): boolean => parentURL === import.meta.url;

/**
 * A file of the built package, by its path from the bundle that runs (the preload entries start the full build only
 * when telemetry is on). Untyped: the caller names the source module the file was built from.
 */
export const requireBuiltFile = (pathFromBundle: string): unknown => lazyRequire(pathFromBundle);
