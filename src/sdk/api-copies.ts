import { resolveExternal } from '../core/loaders.ts';

const API_KEY = Symbol.for('opentelemetry.js.api.1');

/** Two copies of @opentelemetry/api in one process: the one whose registry holds the globals, and genai-otel's. */
export interface ApiCopies {
  /** Version of the copy that registered the global OpenTelemetry objects first (another library's). */
  registered: string;
  /** Version of the copy genai-otel loaded, and where it lives. */
  ours: string;
  oursAt: string;
  /** Whether genai-otel's copy accepts the registered globals (same major, its minor not newer): it can attach. */
  canUseRegistered: boolean;
}

function parse(version: string): [number, number] | undefined {
  const match = /^(\d+)\.(\d+)\.\d+$/.exec(version);
  return match === null ? undefined : [Number(match[1]), Number(match[2])];
}

/** The version and folder of the @opentelemetry/api that `require('@opentelemetry/api')` gives genai-otel. */
function loadedApi(): { version: string; folder: string } | undefined {
  const { readFileSync } = process.getBuiltinModule('node:fs');
  const { dirname, join } = process.getBuiltinModule('node:path');
  try {
    let folder = dirname(resolveExternal('@opentelemetry/api'));
    for (;;) {
      try {
        const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
          name?: unknown;
          version?: unknown;
        };
        if (manifest.name === '@opentelemetry/api' && typeof manifest.version === 'string')
          return { version: manifest.version, folder };
      } catch {
        // No manifest here (a dist/ folder): look further up.
      }
      const parent = dirname(folder);
      if (parent === folder) return undefined;
      folder = parent;
    }
  } catch {
    return undefined;
  }
}

/**
 * Finds a second copy of @opentelemetry/api: another library (@vercel/otel, an SDK of an older major, ...) registered
 * the global OpenTelemetry objects through an API of another version than the one genai-otel loads. The API refuses
 * registrations across versions, and an API reads the globals of an older minor as absent: genai-otel's telemetry
 * would silently go nowhere. Undefined when nothing is registered yet or both are the same version.
 *
 * @example
 * const copies = findApiCopies();
 * if (copies !== undefined) console.error(describeApiCopies(copies));
 */
export function findApiCopies(): ApiCopies | undefined {
  const registry = (globalThis as Record<symbol, { version?: unknown } | undefined>)[API_KEY];
  const registered = registry?.version;
  if (typeof registered !== 'string') return undefined;
  const ours = loadedApi();
  if (ours === undefined || ours.version === registered) return undefined;
  const theirs = parse(registered);
  const mine = parse(ours.version);
  const canUseRegistered = theirs !== undefined && mine !== undefined && theirs[0] === mine[0] && mine[1] <= theirs[1];
  return { registered, ours: ours.version, oursAt: ours.folder, canUseRegistered };
}

/** The one line that says what is wrong, what it costs and how to fix it. */
export function describeApiCopies(copies: ApiCopies): string {
  const effect = copies.canUseRegistered
    ? 'genai-otel can only add its exporters to a tracer provider already registered; it registers nothing of its own'
    : 'genai-otel telemetry cannot reach the registered providers and is not recorded';
  // Started first, a newer API's globals are read by the older copy; the other way round they are not.
  const startFirst = copies.canUseRegistered ? '' : ', or start genai-otel first (node --import genai-otel/register)';
  return (
    `genai-otel: two copies of @opentelemetry/api are loaded: ${copies.registered} (used by the library that set up OpenTelemetry first) ` +
    `and ${copies.ours} (genai-otel's, in ${copies.oursAt}); ${effect}. ` +
    `Fix: install one version for both (npm ls @opentelemetry/api; npm dedupe, or "overrides": { "@opentelemetry/api": "${copies.registered}" } in package.json)${startFirst}`
  );
}

/**
 * Reports two copies of the API once, straight to stderr: the API's diagnostic logger cannot be installed across
 * versions either, so a line sent through it would be lost. Returns what was found.
 */
export function reportApiCopies(quiet: boolean): ApiCopies | undefined {
  const copies = findApiCopies();
  if (copies === undefined || quiet) return copies;
  const reported = Symbol.for('genai-otel.api-copies.reported');
  const slots = globalThis as Record<symbol, unknown>;
  if (slots[reported] === true) return copies;
  slots[reported] = true;
  try {
    process.stderr.write(`${describeApiCopies(copies)}\n`);
  } catch {
    // A closed stderr must not break the application.
  }
  return copies;
}
