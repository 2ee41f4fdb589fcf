// Guards on the trace tier of the scale profile (collector/scale/jaeger-*.yaml), read as files: each Jaeger role's
// config merged with the shared OpenSearch one the way the collector core merges several --config files (maps
// deeply, lists replaced), with the ${env:...} defaults. The end-to-end test (test/e2e/scale-traces.e2e.test.mjs)
// checks the same on running processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = new URL('../../../', import.meta.url).pathname;
type Node = Record<string, any>;

/** `${env:NAME:-default}` -> default, parsed as YAML as the collector does when the variable makes the whole value. */
function defaults(value: unknown): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{env:[A-Z0-9_]+(?::-(.*))?\}$/.exec(value);
    if (whole) return parse(whole[1] ?? '');
    return value.replace(/\$\{env:[A-Z0-9_]+(?::-([^}]*))?\}/g, (_, fallback = '') => fallback);
  }
  if (Array.isArray(value)) return value.map(defaults);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, defaults(item)]));
  }
  return value;
}

function merge(base: Node, overlay: Node): Node {
  const out: Node = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? merge(current, value)
        : value;
  }
  return out;
}

/** A role's effective config: collector/scale/<files...> merged in order, env defaults applied. */
function config(...files: string[]): Node {
  return defaults(
    files.map((file) => parse(readFileSync(join(root, 'collector/scale', file), 'utf8')) ?? {}).reduce(merge, {}),
  ) as Node;
}

const collector = () => config('jaeger-collector.yaml', 'jaeger-opensearch.yaml');
const collectorKafka = () => config('jaeger-collector.yaml', 'jaeger-opensearch.yaml', 'jaeger-collector-kafka.yaml');
const ingester = () => config('jaeger-ingester.yaml', 'jaeger-opensearch.yaml');
const query = () => config('jaeger-query.yaml', 'jaeger-opensearch.yaml');

test('every Jaeger role uses the one replicated OpenSearch store of jaeger-opensearch.yaml', () => {
  const stores = [
    ['collector', collector().exporters.jaeger_storage_exporter.trace_storage, collector()],
    ['ingester', ingester().exporters.jaeger_storage_exporter.trace_storage, ingester()],
    ['query', query().extensions.jaeger_query.storage.traces, query()],
  ] as const;
  for (const [role, name, effective] of stores) {
    const backend = effective.extensions.jaeger_storage.backends[name];
    assert.ok(backend?.opensearch, `${role}: store "${name}" is an OpenSearch backend`);
    assert.ok(effective.service.extensions.includes('jaeger_storage'), `${role} starts the storage extension`);
    const urls = backend.opensearch.server_urls;
    assert.ok(Array.isArray(urls) && urls.length >= 2, `${role}: more than one node to fail over to (${urls})`);
    for (const kind of ['spans', 'services']) {
      assert.ok(backend.opensearch.indices[kind].replicas >= 1, `${role}: ${kind} indices have a replica`);
    }
  }
  assert.equal(new Set(stores.map(([, name]) => name)).size, 1, 'the three roles name the same store');
});

test('the query role does not trace itself and only serves: no receiver takes data in', () => {
  const q = query();
  assert.equal(q.extensions.jaeger_query.enable_tracing, false, 'enable_tracing: false');
  assert.deepEqual(q.service.pipelines.traces.receivers, ['nop']);
  assert.ok(q.extensions.jaeger_storage.metric_backends[q.extensions.jaeger_query.storage.metrics]?.prometheus);
});

test('with Kafka, the collector writes only to Kafka, in messages under the broker default of 1 MB', () => {
  const c = collectorKafka();
  assert.deepEqual(c.service.pipelines.traces.exporters, ['kafka'], 'the collector exports to Kafka only');
  assert.ok(!c.service.extensions.includes('jaeger_storage'), 'and opens no OpenSearch connection');
  const batch = c.processors.batch;
  assert.ok(c.service.pipelines.traces.processors.includes('batch'));
  // One batch is one Kafka message; 1 MB (message.max.bytes) / a few hundred bytes per span: at most 1000 spans.
  assert.ok(batch.send_batch_max_size > 0 && batch.send_batch_max_size <= 1000, 'send_batch_max_size bounds it');
  assert.ok(batch.send_batch_size <= batch.send_batch_max_size, 'send_batch_size <= send_batch_max_size');

  const i = ingester();
  assert.deepEqual(i.service.pipelines.traces.receivers, ['kafka']);
  assert.equal(i.receivers.kafka.topic, c.exporters.kafka.topic, 'the ingester reads the topic the collector writes');
  assert.equal(i.receivers.kafka.encoding, c.exporters.kafka.encoding, 'in the same encoding');
  assert.deepEqual(i.receivers.kafka.brokers, c.exporters.kafka.brokers, 'on the same brokers');
  assert.equal(i.receivers.kafka.initial_offset, 'earliest', 'a new group starts at the oldest span kept');
});
