// The bundled stack's port settings, read from collector/ports.txt (the file scripts/stack.sh reads too), and free
// ports for all of them: how the end-to-end tests run a stack of their own beside any other.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PORTS_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'collector', 'ports.txt');

/** Each line of collector/ports.txt: `{ setting: 'OTLP_GRPC_PORT', port: 4317, component: 'collector', what }`. */
export function readStackPorts(file = PORTS_FILE) {
  const ports = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      const text = line.replace(/#.*/, '').trim();
      if (!text) return;
      const match = /^([A-Z][A-Z0-9_]*_PORT)\s+(\d+)\s+([a-z]+)(?:\s+(.*))?$/.exec(text);
      if (!match) throw new Error(`${file} line ${index + 1}: expected '<SETTING>_PORT <default> <component> <what>'`);
      ports.push({ setting: match[1], port: Number(match[2]), component: match[3], what: match[4] ?? '' });
    });
  return ports;
}

/** `count` distinct ports free on 127.0.0.1 right now. */
export async function freePorts(count) {
  const servers = [];
  const ports = new Set();
  while (ports.size < count) {
    const server = createServer();
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    servers.push(server);
    ports.add(server.address().port);
  }
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return [...ports];
}

/** A free port for every setting of collector/ports.txt: `{ OTLP_GRPC_PORT: 40123, ... }`. */
export async function freeStackPorts() {
  const settings = readStackPorts().map((p) => p.setting);
  const ports = await freePorts(settings.length);
  return Object.fromEntries(settings.map((setting, i) => [setting, ports[i]]));
}

/** The components of the scale profile's trace tier (scripts/stack/scale-traces.sh) in collector/ports.txt. */
const TRACE_TIER_COMPONENTS = ['opensearch', 'kafka', 'jaeger', 'jaegerquery', 'jaegeringester'];

/** The port settings the trace tier listens on: OpenSearch, Kafka and the Jaeger roles (`['OPENSEARCH_PORT', …]`). */
export function traceTierSettings() {
  return readStackPorts()
    .filter((p) => TRACE_TIER_COMPONENTS.includes(p.component))
    .map((p) => p.setting);
}
