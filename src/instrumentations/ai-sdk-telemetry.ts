// AI SDK 7 makes spans only through a telemetry integration in its global registry (`registerTelemetry()` pushes to
// `globalThis.AI_SDK_TELEMETRY_INTEGRATIONS`, read at every call). The preload puts one there before the app loads
// `ai`: a stand-in for `@ai-sdk/otel`'s `OpenTelemetry` integration, loaded from the app's own packages at the first
// call, that steps aside when the app registers that integration itself, so spans are never made twice.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { capturesContentOnSpans } from '../genai/content.ts';
import { genaiSettings } from '../config/genai-settings.ts';
import { debug, errorOnce } from '../core/diagnostics.ts';
import { resolveFromApplication } from './app-resolve.ts';

type Integration = Record<PropertyKey, unknown>;
/** What is used of `@ai-sdk/otel`. */
export interface OtelModule {
  OpenTelemetry: new () => object;
}

/** The class names of `@ai-sdk/otel`'s integrations: an app that registered one of these gets no second one from us. */
const OTEL_INTEGRATION_CLASSES = new Set(['OpenTelemetry', 'LegacyOpenTelemetry']);

/** Answers `true` on genai-otel's stand-in, so that a second `start()` (or a second copy of genai-otel) adds none. */
const STAND_IN = Symbol.for('genai-otel.ai-sdk.stand-in');

declare global {
  var AI_SDK_TELEMETRY_INTEGRATIONS: unknown[] | undefined;
}

function registeredByOthers(self: object): boolean {
  const registry = globalThis.AI_SDK_TELEMETRY_INTEGRATIONS;
  if (!Array.isArray(registry)) return false;
  return registry.some((integration) => integration !== self && isOtelIntegration(integration));
}

function isOtelIntegration(integration: unknown): boolean {
  try {
    return (
      typeof integration === 'object' &&
      integration !== null &&
      OTEL_INTEGRATION_CLASSES.has(integration.constructor?.name ?? '')
    );
  } catch {
    // An object of the app's whose `constructor` throws is not @ai-sdk/otel's, and must not fail the app's call.
    return false;
  }
}

/**
 * With content capture off (genai-otel's default), the integration is told not to record inputs and outputs, as if
 * the call had said `recordInputs: false, recordOutputs: false`; a call that says `true` itself keeps its content.
 */
function withContentPolicy(argument: unknown): unknown {
  if (typeof argument !== 'object' || argument === null || Array.isArray(argument)) return argument;
  if (capturesContentOnSpans(genaiSettings().captureContent, undefined)) return argument;
  const event = argument as { recordInputs?: unknown; recordOutputs?: unknown };
  if (event.recordInputs !== undefined && event.recordOutputs !== undefined) return argument;
  return Object.assign(Object.create(Object.getPrototypeOf(argument) as object | null) as object, argument, {
    recordInputs: event.recordInputs ?? false,
    recordOutputs: event.recordOutputs ?? false,
  });
}

/**
 * The stand-in registered in the AI SDK's registry: every property the SDK reads is the real integration's (its
 * methods bound to it), or nothing when the app registered its own or `@ai-sdk/otel` could not be loaded, so the
 * app's call then runs exactly as without genai-otel.
 *
 * @example
 * globalThis.AI_SDK_TELEMETRY_INTEGRATIONS = [createAiSdkIntegration(() => require('@ai-sdk/otel'))];
 */
export function createAiSdkIntegration(load: () => OtelModule): object {
  let inner: Integration | undefined;
  let failed = false;
  const active = (self: object): Integration | undefined => {
    if (failed || registeredByOthers(self)) return undefined;
    if (inner === undefined) {
      try {
        inner = new (load().OpenTelemetry)() as Integration;
      } catch (error) {
        failed = true;
        errorOnce(
          'ai-sdk:register',
          'could not register the AI SDK telemetry integration of @ai-sdk/otel; AI SDK calls are not traced',
          error,
        );
        return undefined;
      }
    }
    return inner;
  };
  const proxy: object = new Proxy(Object.create(null) as object, {
    get(_target, key) {
      if (key === STAND_IN) return true;
      const integration = active(proxy);
      const value = integration?.[key];
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (first: unknown, ...rest: unknown[]) => method.call(integration, withContentPolicy(first), ...rest);
    },
    has(_target, key) {
      if (key === STAND_IN) return true;
      const integration = active(proxy);
      return integration !== undefined && key in integration;
    },
  });
  return proxy;
}

function majorOf(packageName: string): number | undefined {
  const entry = resolveFromApplication(packageName);
  if (entry === undefined) return undefined;
  for (let directory = dirname(entry); directory !== dirname(directory); directory = dirname(directory)) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === packageName) return Number(manifest.version?.split('.')[0]);
    } catch {
      // No manifest here: one folder up.
    }
  }
  return undefined;
}

/**
 * Registers the stand-in when the app has `ai` 7 or newer and `@ai-sdk/otel` (AI SDK 6 reads `experimental_telemetry`
 * per call instead). Returns whether it did; says in one debug line what is missing otherwise.
 *
 * @example
 * enableAiSdkTelemetry(); // true in an app with ai 7 and @ai-sdk/otel installed
 */
export function enableAiSdkTelemetry(): boolean {
  const major = majorOf('ai');
  if (major === undefined || !(major >= 7)) {
    debug(
      major === undefined
        ? 'ai is not installed: no AI SDK telemetry integration registered'
        : `ai ${major}.x traces per call (experimental_telemetry); genai-otel completes those spans`,
    );
    return false;
  }
  const otelEntry = resolveFromApplication('@ai-sdk/otel');
  if (otelEntry === undefined) {
    debug(
      `ai ${major}.x makes no spans without @ai-sdk/otel: npm install @ai-sdk/otel, and genai-otel registers it (no code)`,
    );
    return false;
  }
  globalThis.AI_SDK_TELEMETRY_INTEGRATIONS ??= [];
  if (
    globalThis.AI_SDK_TELEMETRY_INTEGRATIONS.some(
      (integration) => (integration as { [STAND_IN]?: unknown } | null)?.[STAND_IN] === true,
    )
  )
    return true;
  // `require` of an ES module (Node.js 22.12+), at the first AI SDK call: the app that never calls it never loads it.
  globalThis.AI_SDK_TELEMETRY_INTEGRATIONS.push(
    createAiSdkIntegration(() => createRequire(otelEntry)(otelEntry) as OtelModule),
  );
  return true;
}
