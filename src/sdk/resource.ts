import {
  defaultResource,
  detectResources,
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
import { ATTR_GENAI_OTEL_REDACTION_RULESET } from '../attributes/names.ts';
import type { GenAIOtelConfig, ResourceDetectorName } from '../config/config-types.ts';
import { DISTRO_NAME, VERSION } from '../version.ts';
import { findApplicationPackage } from '../core/application-package.ts';
import { serviceInstanceDetector } from './service-instance.ts';
import { hostDetector } from './host-detector.ts';

// OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME are parsed by the config module (the one place that reads the
// environment), so `env` selects no detector of its own here.
const DETECTORS: Record<ResourceDetectorName, ResourceDetector | undefined> = {
  env: undefined,
  host: hostDetector,
  os: osDetector,
  process: processDetector,
  serviceinstance: serviceInstanceDetector,
};

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
  // Only a redacting exporter may state what it applied (see ResourceRedactor): exporters the user adds must not claim it.
  delete explicit[ATTR_GENAI_OTEL_REDACTION_RULESET];

  const resource = defaultResource()
    .merge(resourceFromAttributes(fallback))
    .merge(detected)
    .merge(resourceFromAttributes(explicit))
    .merge(
      resourceFromAttributes({ [ATTR_TELEMETRY_DISTRO_NAME]: DISTRO_NAME, [ATTR_TELEMETRY_DISTRO_VERSION]: VERSION }),
    );
  // Known without waiting for a detector's asynchronous attributes (none of ours has any; OTEL_RESOURCE_ATTRIBUTES none).
  const serviceName = explicit[ATTR_SERVICE_NAME] ?? fallback[ATTR_SERVICE_NAME] ?? 'unknown_service';
  return { resource, serviceName };
}
