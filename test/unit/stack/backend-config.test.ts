// Guards on the bundled backend's configuration (docker-compose.yml, scripts/stack.sh and scripts/stack/*.sh,
// collector/), read as files: no stack is needed, so these run everywhere. The end-to-end suite checks the same
// properties on running processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';

const root = new URL('../../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(root, path), 'utf8');

type Env = Record<string, string | undefined>;
type Node = Record<string, any>;

/** Replaces `${env:NAME:-default}` (collector/Jaeger syntax) or `${NAME:-default}` (compose syntax) in every string. */
function expand(value: unknown, env: Env, pattern: RegExp): any {
  if (typeof value === 'string')
    return value.replace(pattern, (_, name: string, fallback = '') => env[name] || fallback);
  if (Array.isArray(value)) return value.map((item) => expand(item, env, pattern));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, expand(item, env, pattern)]));
  }
  return value;
}
const COLLECTOR_VARIABLE = /\$\{env:([A-Z0-9_]+)(?::-([^}]*))?\}/g;
const COMPOSE_VARIABLE = /\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g;

const jaegerConfig = (env: Env): Node => expand(parse(read('collector/jaeger.yaml')), env, COLLECTOR_VARIABLE);
const compose = (): Node => expand(parse(read('docker-compose.yml')), {}, COMPOSE_VARIABLE);
/** scripts/stack.sh is a dispatcher: the work is in scripts/stack/*.sh. */
const stackScriptFiles = ['scripts/stack.sh', ...filesUnder('scripts/stack')];
const stackScript = stackScriptFiles.map(read).join('\n');

/** The trace store Jaeger reads and writes with this environment, as its config resolves. */
function traceStore(env: Env) {
  const config = jaegerConfig(env);
  const name = config.extensions.jaeger_query.storage.traces;
  assert.equal(
    config.exporters.jaeger_storage_exporter.trace_storage,
    name,
    'the exporter writes where jaeger_query reads',
  );
  const backend = config.extensions.jaeger_storage.backends[name];
  assert.ok(backend, `trace store "${name}" is declared`);
  return backend as Node;
}

function assertPersistentBadger(backend: Node) {
  assert.equal(backend.memory, undefined, 'the default trace store is not the memory store');
  assert.ok(backend.badger, `the default trace store is Badger (got ${Object.keys(backend).join(', ')})`);
  assert.equal(backend.badger.ephemeral, false, 'Badger keeps its data on disk');
  assert.match(String(backend.badger.ttl?.spans), /^(\d+(ns|us|ms|s|m|h))+$/, 'Badger has a retention (ttl.spans)');
  assert.ok(backend.badger.directories?.keys && backend.badger.directories?.values, 'Badger folders are set');
}

function filesUnder(path: string): string[] {
  const full = join(root, path);
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full).flatMap((entry) => filesUnder(relative(root, join(full, entry))));
}

test('Prometheus runs without --web.enable-lifecycle (any web page could POST /-/quit)', () => {
  for (const file of ['docker-compose.yml', ...stackScriptFiles, ...filesUnder('collector')]) {
    assert.doesNotMatch(read(file), /web\.enable-lifecycle/, `${file} enables the lifecycle API`);
  }
  assert.doesNotMatch(stackScript, /\/-\/(reload|quit)/, 'nothing calls the lifecycle API');
});

test('Jaeger stores traces in Badger on disk by default, through stack.sh', () => {
  const fallback = /JAEGER_STORAGE=\$\{STACK_JAEGER_STORAGE:-([a-z]+)\}/.exec(stackScript);
  assert.ok(fallback, 'stack.sh reads STACK_JAEGER_STORAGE with a default');
  assert.match(stackScript, /"JAEGER_STORAGE=\$JAEGER_STORAGE"/, 'stack.sh hands the choice to Jaeger');
  assert.match(stackScript, /"JAEGER_BADGER_DIR=\$RUN_DIR\//, 'Badger lives in the run folder');
  assert.match(
    stackScript,
    /cmd=\("\$bin" "--config" "\$COLLECTOR_DIR\/jaeger\.yaml"\)/,
    'stack.sh runs collector/jaeger.yaml',
  );
  assertPersistentBadger(traceStore({ JAEGER_STORAGE: fallback[1] }));
  assertPersistentBadger(traceStore({}));
});

test('Jaeger stores traces in Badger on a named volume writable by its uid by default, through docker compose', () => {
  const { services, volumes } = compose();
  const jaeger = services.jaeger as Node;
  assert.ok(jaeger.command.includes('/etc/jaeger/config.yaml'));
  assert.ok(
    jaeger.volumes.includes('./collector/jaeger.yaml:/etc/jaeger/config.yaml:ro'),
    'compose mounts collector/jaeger.yaml',
  );
  const env = jaeger.environment as Env;
  assertPersistentBadger(traceStore(env));
  const folder = traceStore(env).badger.directories.keys as string;
  const mount = (jaeger.volumes as string[])
    .map((v) => v.split(':'))
    .find(([, target]) => folder.startsWith(`${target}/`));
  assert.ok(mount, `Badger's folder ${folder} is on a mounted volume`);
  const [volume] = mount;
  assert.ok(volume && volume in volumes, `${volume} is a named volume (kept by "docker compose down")`);
  // The image runs as uid 10001 and a fresh named volume belongs to root: a root job must hand it over first.
  const init = Object.entries(services as Record<string, Node>).find(
    ([name, s]) =>
      name !== 'jaeger' && s.user === '0:0' && (s.volumes ?? []).some((v: string) => v.startsWith(`${volume}:`)),
  );
  assert.ok(init, `a root job prepares ${volume}`);
  assert.match(JSON.stringify(init[1].entrypoint ?? init[1].command), /chown -R 10001:10001/);
  assert.equal(
    jaeger.depends_on?.[init[0]]?.condition,
    'service_completed_successfully',
    `Jaeger waits for ${init[0]}`,
  );
});

test('the memory store stays an option (JAEGER_STORAGE=memory)', () => {
  const backend = traceStore({ JAEGER_STORAGE: 'memory' });
  assert.equal(backend.badger, undefined);
  assert.equal(backend.memory.max_traces, '100000');
  assert.equal(traceStore({ JAEGER_STORAGE: 'memory', JAEGER_MAX_TRACES: '500' }).memory.max_traces, '500');
});

test('Jaeger does not trace itself (jaeger_query traces its API by default and sends the spans to localhost:4317)', () => {
  for (const env of [{}, compose().services.jaeger.environment as Env]) {
    const config = jaegerConfig(env);
    assert.equal(config.extensions.jaeger_query.enable_tracing, false, 'jaeger_query.enable_tracing is false');
    const traces = config.service.telemetry?.traces;
    assert.ok(traces === undefined || traces.level === 'none', 'no traces from the collector framework either');
  }
});
