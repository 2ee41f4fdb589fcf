import type { ResourceDetector } from '@opentelemetry/resources';
import { ATTR_SERVICE_INSTANCE_ID } from '@opentelemetry/semantic-conventions';

/**
 * A random UUID v4 made from Math.random. `service.instance.id` only has to tell this process from the others of its
 * service: V8 seeds Math.random from the operating system's entropy in every process, and its 128-bit state keeps two
 * processes from drawing the same 122 bits. It is a name, not a secret, so node:crypto is not needed, and the preload
 * does not load it: crypto and the stream modules it brings cost about 2.5 ms of every start.
 *
 * @example
 * randomInstanceId(); // '3b241101-e2bb-4255-8caf-4136c566a962'
 */
export function randomInstanceId(): string {
  let hex = '';
  for (let index = 0; index < 16; index++) {
    let byte = Math.floor(Math.random() * 256);
    if (index === 6) byte = (byte & 0x0f) | 0x40; // version 4
    if (index === 8) byte = (byte & 0x3f) | 0x80; // RFC 9562 variant
    hex += byte.toString(16).padStart(2, '0');
  }
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** OTEL_NODE_RESOURCE_DETECTORS=serviceinstance: `service.instance.id`, drawn once per process. */
export const serviceInstanceDetector: ResourceDetector = {
  detect: () => ({ attributes: { [ATTR_SERVICE_INSTANCE_ID]: instanceId } }),
};

const instanceId = randomInstanceId();
