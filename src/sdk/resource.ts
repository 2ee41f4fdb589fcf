import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  defaultResource,
  detectResources,
  hostDetector,
  osDetector,
  processDetector,
  resourceFromAttributes,
  type Resource,
  type ResourceDetector,
} from '@opentelemetry/resources';
import {
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_TELEMETRY_DISTRO_NAME,
  ATTR_TELEMETRY_DISTRO_VERSION,
} from '@opentelemetry/semantic-conventions';
import type { GenAIOtelConfig, ResourceDetectorName } from '../config/types.ts';
import { DISTRO_NAME, VERSION } from '../version.ts';
import { serviceInstanceDetector } from './service-instance.ts';

// OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME are parsed by the config module (the one place that reads the
// environment), so `env` selects no detector of its own here.
const DETECTORS: Record<ResourceDetectorName, ResourceDetector | undefined> = {
  env: undefined,
  host: hostDetector,
  os: osDetector,
  process: processDetector,
  serviceinstance: serviceInstanceDetector,
};

interface PackageIdentity {
  name?: string;
  version?: string;
}

/**
 * The application's own package.json: the nearest one above the entry script, else above the working directory.
 * It names the service when OTEL_SERVICE_NAME is not set, so no service shows up as `unknown_service:node`.
 */
export function findApplicationPackage(entryScript: string | undefined = process.argv[1], cwd = process.cwd()): PackageIdentity {
  for (const start of [entryScript === undefined ? undefined : dirname(entryScript), cwd]) {
    if (start === undefined) continue;
    let directory = start;
    for (let depth = 0; depth < 64; depth++) {
      if (!directory.split(/[\\/]/).includes('node_modules')) {
        const identity = readPackageIdentity(join(directory, 'package.json'));
        if (identity !== undefined) return identity;
      }
      const parent = dirname(directory);
      if (parent === directory) break;
      directory = parent;
    }
  }
  return {};
}

function readPackageIdentity(path: string): PackageIdentity | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as { name?: unknown; version?: unknown };
    return {
      name: typeof parsed.name === 'string' && parsed.name !== '' ? parsed.name : undefined,
      version: typeof parsed.version === 'string' && parsed.version !== '' ? parsed.version : undefined,
    };
  } catch {
    return {};
  }
}

/**
 * The resource every signal carries. Priority, lowest first: SDK defaults, the application's package.json,
 * detectors (host, os, process, OTEL_RESOURCE_ATTRIBUTES), then explicit settings (OTEL_SERVICE_NAME, start options),
 * with the distro attributes always ours.
 */
export function buildResource(config: GenAIOtelConfig): { resource: Resource; serviceName: string } {
  const application = findApplicationPackage();
  const fallback: Record<string, string> = {};
  if (application.name !== undefined) fallback[ATTR_SERVICE_NAME] = application.name;
  if (application.version !== undefined) fallback[ATTR_SERVICE_VERSION] = application.version;

  const detected = detectResources({ detectors: config.resourceDetectors.flatMap((name) => DETECTORS[name] ?? []) });

  const explicit: Record<string, string> = { ...config.resourceAttributes };
  if (config.serviceName !== undefined) explicit[ATTR_SERVICE_NAME] = config.serviceName;
  if (config.serviceVersion !== undefined) explicit[ATTR_SERVICE_VERSION] = config.serviceVersion;

  const resource = defaultResource()
    .merge(resourceFromAttributes(fallback))
    .merge(detected)
    .merge(resourceFromAttributes(explicit))
    .merge(resourceFromAttributes({ [ATTR_TELEMETRY_DISTRO_NAME]: DISTRO_NAME, [ATTR_TELEMETRY_DISTRO_VERSION]: VERSION }));
  // Known without waiting for the detectors' asynchronous attributes (host.id).
  const serviceName = explicit[ATTR_SERVICE_NAME] ?? fallback[ATTR_SERVICE_NAME] ?? 'unknown_service';
  return { resource, serviceName };
}
