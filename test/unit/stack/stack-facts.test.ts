// One place for each fact of the bundled backend: the pinned versions live in collector/versions.env, the default
// ports in collector/ports.txt. scripts/stack.sh and the end-to-end helper read those files; docker-compose.yml,
// collector/builder-config.yaml and the usage text of scripts/stack.sh cannot, and repeat the values. These tests
// fail, naming file and line, when a copy disagrees. No stack is needed: the files are read, and the settings part
// of scripts/stack.sh (scripts/stack/common.sh) is run by bash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
// @ts-expect-error: a plain .mjs helper of the end-to-end suite, without types
import { PORTS_FILE, freeStackPorts, readStackPorts } from '../../e2e/support/ports.mjs';

const root = new URL('../../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(root, path), 'utf8');

type StackPort = { setting: string; port: number; component: string; what: string };

/** collector/versions.env as NAME -> value (plain NAME=value lines, # comments). */
function readVersions(): Record<string, string> {
  const versions: Record<string, string> = {};
  read('collector/versions.env')
    .split('\n')
    .forEach((line, index) => {
      const text = line.replace(/#.*/, '').trim();
      if (!text) return;
      const [, name, value] = /^([A-Z][A-Z0-9_]*)=([^\s'"$`]+)$/.exec(text) ?? [];
      assert.ok(name && value, `collector/versions.env line ${index + 1} is not a plain NAME=value line: ${line}`);
      versions[name] = value;
    });
  return versions;
}

/** One version of collector/versions.env, which must be set. */
function pinned(name: string): string {
  const version = readVersions()[name];
  assert.ok(version, `collector/versions.env sets ${name}`);
  return version;
}

/** Every match of `pattern` in a file, with its line number (comments included: they state versions too). */
function occurrences(path: string, pattern: RegExp): { line: number; match: RegExpExecArray }[] {
  const found: { line: number; match: RegExpExecArray }[] = [];
  read(path)
    .split('\n')
    .forEach((text, index) => {
      for (const match of text.matchAll(new RegExp(pattern.source, 'g'))) {
        found.push({ line: index + 1, match: match });
      }
    });
  return found;
}

/**
 * Runs scripts/stack/common.sh's load_settings with `env` (and no other STACK_* variable) and returns the port
 * settings it ends up with, and the ports each component must find free before it starts: of the single-node
 * stack, or of the scale-out profile (scripts/stack/scale.sh, whose gateways all listen on the same ports).
 */
function stackSettings(env: Record<string, string> = {}, profile: 'single' | 'scale' = 'single') {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('STACK_')));
  const script = [
    'set -euo pipefail',
    'source "$1"',
    'load_settings',
    'settings_fingerprint',
    profile === 'single'
      ? 'for c in "${COMPONENTS[@]}"; do echo "component $c $(component_ports "$c")"; done'
      : [
          'STACK_LIB=$(dirname "$1"); source "$STACK_LIB/run.sh"; source "$STACK_LIB/scale.sh"',
          'STACK_SCALE_TRACES=badger scale_load_settings',
          'for c in "${COMPONENTS[@]}"; do echo "component ${c%%[0-9]*} $(scale_component_ports "$c")"; done',
        ].join('\n'),
    // The trace tier of the scale profile: its processes and the component names of its own ports.
    'source "$2"',
    'for p in "${SCALE_TRACES_PROCESSES[@]}"; do echo "process $p $(st_ports "$p")"; done',
    'echo "trace-components ${SCALE_TRACES_COMPONENTS[*]}"',
  ].join('\n');
  const args = [join(root, 'scripts/stack/common.sh'), join(root, 'scripts/stack/scale-traces.sh')];
  const result = spawnSync('bash', ['-c', script, 'stack-facts', ...args], {
    env: { ...clean, ...env },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `scripts/stack/common.sh failed: ${result.stderr}`);
  const ports: Record<string, number> = {};
  const componentPorts: Record<string, number[]> = {};
  const traceProcessPorts: Record<string, number[]> = {};
  let traceComponents: string[] = [];
  for (const line of result.stdout.split('\n')) {
    const [, processName, processPorts = ''] = /^process (\S+) ?(.*)$/.exec(line) ?? [];
    if (processName) traceProcessPorts[processName] = processPorts.split(' ').filter(Boolean).map(Number);
    if (line.startsWith('trace-components ')) traceComponents = line.split(' ').slice(1);
    const [, setting, port] = /^([A-Z0-9_]+_PORT)=(.*)$/.exec(line) ?? [];
    if (setting) ports[setting] = Number(port);
    const [, component, owned = ''] = /^component (\S+) ?(.*)$/.exec(line) ?? [];
    if (component) componentPorts[component] = owned.split(' ').filter(Boolean).map(Number);
  }
  return { ports, componentPorts, traceProcessPorts, traceComponents };
}

const stackPorts = (): StackPort[] => readStackPorts();
const defaults = () => Object.fromEntries(stackPorts().map((p) => [p.setting, p.port]));

/** Image repository -> the tag collector/versions.env pins for it. */
const IMAGE_TAGS: Record<string, (v: Record<string, string>) => string | undefined> = {
  'otel/opentelemetry-collector-contrib': (v) => v.COLLECTOR_VERSION,
  'jaegertracing/jaeger': (v) => v.JAEGER_VERSION,
  'prom/prometheus': (v) => v.PROMETHEUS_VERSION && `v${v.PROMETHEUS_VERSION}`,
  'prom/alertmanager': (v) => v.ALERTMANAGER_VERSION && `v${v.ALERTMANAGER_VERSION}`,
  'grafana/grafana': (v) => v.GRAFANA_VERSION,
  'docker.elastic.co/elasticsearch/elasticsearch': (v) => v.ELASTICSEARCH_VERSION,
  'opensearchproject/opensearch': (v) => v.OPENSEARCH_VERSION,
  'victoriametrics/victoria-metrics': (v) => v.VICTORIAMETRICS_VERSION && `v${v.VICTORIAMETRICS_VERSION}`,
  busybox: (v) => v.BUSYBOX_VERSION,
};

/** Every `image:` of the compose files and the Kubernetes manifests, with where it is. */
function images(): { where: string; image: string }[] {
  const found: { where: string; image: string }[] = [];
  for (const file of ['docker-compose.yml', 'docker-compose.scale.yml']) {
    // merge: the scale file shares service settings through YAML merge keys (<<), as compose reads them.
    const services = parse(read(file), { merge: true }).services as Record<string, { image: string }>;
    for (const [name, service] of Object.entries(services))
      found.push({ where: `${file} service ${name}`, image: service.image });
  }
  const manifests = readdirSync(join(root, 'collector/k8s'), { recursive: true, encoding: 'utf8' });
  for (const file of manifests.filter((name) => name.endsWith('.yaml'))) {
    for (const { line, match } of occurrences(`collector/k8s/${file}`, /^\s*image:\s*(\S+)/)) {
      found.push({ where: `collector/k8s/${file}:${line}`, image: match[1] as string });
    }
  }
  return found;
}

/** Ports that only docker-compose.yml publishes (scripts/stack.sh runs neither Grafana nor Elasticsearch). */
const COMPOSE_ONLY_PORTS = new Set(['GRAFANA_PORT', 'ELASTICSEARCH_PORT']);

test('docker-compose.yml, docker-compose.scale.yml and the Kubernetes manifests run the versions of collector/versions.env', () => {
  const versions = readVersions();
  const all = images();
  assert.ok(all.length >= 15, 'the images of both compose files and the manifests are read');
  for (const { where, image } of all) {
    const [, repository, tag] = /^(.+):([^:/]+)$/.exec(image) ?? [];
    assert.ok(repository, `${where}: image "${image}" has no tag`);
    const pinned = IMAGE_TAGS[repository];
    assert.ok(pinned, `${where}: image ${repository} has no version in collector/versions.env`);
    assert.equal(tag, pinned(versions), `${where} runs ${image}: collector/versions.env pins ${pinned(versions)}`);
  }
});

test('collector/builder-config.yaml builds the collector release of collector/versions.env', () => {
  const COLLECTOR_VERSION = pinned('COLLECTOR_VERSION');
  const COLLECTOR_STABLE_VERSION = pinned('COLLECTOR_STABLE_VERSION');
  assert.match(COLLECTOR_VERSION, /^0\.\d+\.\d+$/, 'COLLECTOR_VERSION is a v0.x release');
  assert.match(COLLECTOR_STABLE_VERSION, /^1\.\d+\.\d+$/, 'COLLECTOR_STABLE_VERSION is a v1.x release');
  // Core's stable modules are numbered v1.(x-94) in collector release 0.x.
  assert.equal(
    Number(COLLECTOR_STABLE_VERSION.split('.')[1]),
    Number(COLLECTOR_VERSION.split('.')[1]) - 94,
    `collector/versions.env: COLLECTOR_STABLE_VERSION ${COLLECTOR_STABLE_VERSION} is not the v1.(x-94) of ${COLLECTOR_VERSION}`,
  );

  const manifest = parse(read('collector/builder-config.yaml'));
  assert.equal(String(manifest.dist.version), COLLECTOR_VERSION, 'collector/builder-config.yaml: dist.version');
  const modules = ['receivers', 'processors', 'exporters', 'connectors', 'extensions', 'providers'].flatMap((kind) =>
    (manifest[kind] ?? []).map((entry: { gomod: string }) => entry.gomod),
  );
  assert.ok(modules.length >= 10, 'the manifest lists its modules');
  for (const gomod of modules) {
    const [module, version = ''] = gomod.split(' ');
    const expected = version.startsWith('v1.') ? COLLECTOR_STABLE_VERSION : COLLECTOR_VERSION;
    assert.equal(
      version,
      `v${expected}`,
      `collector/builder-config.yaml: ${module} is at ${version}, not v${expected}`,
    );
  }
  // The comments name the release too (the build command, the numbering): every version written in the file.
  // The replaces: lines pin third-party modules at their own versions.
  const replaced = new Set(
    ((manifest.replaces ?? []) as string[]).map((line) => line.split('=>')[1]?.trim().split(' ')[1]),
  );
  for (const { line, match } of occurrences('collector/builder-config.yaml', /\bv?([01]\.\d+\.\d+)\b/)) {
    if (replaced.has(match[0])) continue;
    const written = match[1] ?? '';
    const expected = written.startsWith('1.') ? COLLECTOR_STABLE_VERSION : COLLECTOR_VERSION;
    assert.equal(written, expected, `collector/builder-config.yaml line ${line} says ${match[0]}, not ${expected}`);
  }
});

test('docker-compose.yml publishes the ports of collector/ports.txt at their defaults', () => {
  const want = defaults();
  // `${OTLP_GRPC_PORT:-4317}` in ports: entries and comments, `OTLP_GRPC_PORT=4317` in the settings comment.
  const found = [
    ...occurrences('docker-compose.yml', /\$\{([A-Z0-9_]+_PORT):-(\d+)\}/),
    ...occurrences('docker-compose.yml', /\b([A-Z0-9_]+_PORT)=(\d+)\b/),
  ];
  assert.ok(found.length >= 14, `the compose file's port settings are read (found ${found.length})`);
  const published = new Set<string>();
  for (const { line, match } of found) {
    const [, setting = '', port] = match;
    if (COMPOSE_ONLY_PORTS.has(setting)) continue;
    assert.ok(setting in want, `docker-compose.yml line ${line}: ${setting} is not a setting of collector/ports.txt`);
    assert.equal(
      Number(port),
      want[setting],
      `docker-compose.yml line ${line}: ${setting} defaults to ${port}, collector/ports.txt says ${want[setting]}`,
    );
    published.add(setting);
  }
  for (const setting of [
    'OTLP_GRPC_PORT',
    'OTLP_HTTP_PORT',
    'JAEGER_UI_PORT',
    'PROMETHEUS_PORT',
    'ALERTMANAGER_PORT',
  ]) {
    assert.ok(published.has(setting), `docker-compose.yml publishes ${setting}`);
  }
});

test('scripts/stack.sh listens on the defaults of collector/ports.txt, and its usage text says them', () => {
  const want = defaults();
  assert.ok(Object.keys(want).length >= 13, 'collector/ports.txt is read');
  assert.deepEqual(stackSettings().ports, want, 'the ports scripts/stack.sh uses when no STACK_*_PORT is set');

  const usage = spawnSync('bash', [join(root, 'scripts/stack.sh'), 'help'], { encoding: 'utf8' });
  assert.equal(usage.status, 0, usage.stderr);
  const documented: Record<string, number> = {};
  for (const [, setting = '', port] of usage.stdout.matchAll(/\bSTACK_([A-Z0-9_]+_PORT) \[(\d+)\]/g)) {
    documented[setting] = Number(port);
  }
  assert.deepEqual(documented, want, 'the STACK_*_PORT [default] lines at the top of scripts/stack.sh');
});

test('the end-to-end helper gives every port of scripts/stack.sh a free port, and stack.sh listens on each', async () => {
  assert.equal(PORTS_FILE, join(root, 'collector/ports.txt'), 'the helper reads the file scripts/stack.sh reads');
  const ports: Record<string, number> = await freeStackPorts();
  assert.equal(new Set(Object.values(ports)).size, Object.keys(ports).length, 'the free ports are distinct');
  const env = Object.fromEntries(Object.entries(ports).map(([setting, port]) => [`STACK_${setting}`, String(port)]));
  const stack = stackSettings(env);
  assert.deepEqual(stack.ports, ports, "with the helper's environment, scripts/stack.sh uses exactly its ports");
  const scale = stackSettings(env, 'scale');
  const traceTier = Object.values(stack.traceProcessPorts).flat();
  // Each port is checked free before its component (or trace-tier process) starts: within a profile, none is shared;
  // over both profiles and the trace tier, none is left out.
  for (const [profile, owned] of [
    ['single-node', Object.values(stack.componentPorts).flat()],
    ['scale', Object.values(scale.componentPorts).flat()],
    ['trace tier', traceTier],
  ] as const) {
    assert.equal(new Set(owned).size, owned.length, `${profile}: no port belongs to two components`);
  }
  assert.ok(traceTier.every(Boolean), 'every port of the trace tier is set');
  const everyOwned = new Set(
    [...Object.values(stack.componentPorts), ...Object.values(scale.componentPorts), traceTier].flat(),
  );
  assert.deepEqual(
    [...everyOwned].sort((a, b) => a - b),
    Object.values(ports).sort((a, b) => a - b),
    'every port belongs to a component or a trace-tier process',
  );
  const components = new Set(stackPorts().map((p) => p.component));
  assert.deepEqual(
    [...components].sort(),
    [...new Set([...Object.keys(stack.componentPorts), ...Object.keys(scale.componentPorts), ...stack.traceComponents])]
      .filter((c) => components.has(c))
      .sort(),
    'the components of collector/ports.txt are those scripts/stack.sh runs',
  );
  assert.deepEqual(
    Object.keys(scale.componentPorts).sort(),
    ['agent', 'alertmanager', 'gateway', 'jaeger', 'prometheus', 'victoriametrics'],
    'the scale profile runs an agent, gateways, Jaeger, Prometheus, Alertmanager and VictoriaMetrics',
  );
});

test('collector/ports.txt gives each setting one distinct port', () => {
  const ports = stackPorts();
  assert.equal(new Set(ports.map((p) => p.setting)).size, ports.length, 'no setting twice');
  assert.equal(new Set(ports.map((p) => p.port)).size, ports.length, 'no port twice');
  for (const p of ports) assert.ok(p.port >= 1 && p.port <= 65535 && p.what, `${p.setting}: a port and what it is`);
});
