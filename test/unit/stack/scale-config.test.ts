// Guards on the scale-out tiers' collector configs (collector/scale/agent.yaml, gateway.yaml), read as files: the
// routing and delivery choices whose failure modes were measured (README "Scaling out"), and that the gateways compute
// the single-node stack's span metrics. test/e2e/scale-*.e2e.test.mjs run them for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ATTR_GENAI_OTEL_COST_USD } from '../../../src/attributes/names.ts';

const load = (path: string) => parse(readFileSync(new URL(`../../../collector/${path}`, import.meta.url), 'utf8'));
const agent = load('scale/agent.yaml');
const gateway = load('scale/gateway.yaml');
const single = load('config.yaml');
const tailSampling = load('tail-sampling.yaml');

type Exporter = {
  routing_key: string;
  resolver: Record<string, { hostname?: string; port?: string }>;
  sending_queue: { enabled: boolean; storage?: string };
  retry_on_failure: { enabled: boolean };
  protocol: { otlp: { sending_queue: { enabled: boolean }; retry_on_failure: { enabled: boolean } } };
};

const loadBalancers = () =>
  Object.entries(agent.exporters as Record<string, Exporter>).filter(
    ([name]) => name.split('/')[0] === 'load_balancing',
  );

test('the agent routes traces and logs by trace id and metrics by service, to the gateways DNS lists', () => {
  const pipelines = agent.service.pipelines;
  const routing = (pipeline: string) => agent.exporters[pipelines[pipeline].exporters[0]].routing_key;
  assert.equal(routing('traces'), 'traceID');
  assert.equal(routing('logs'), 'traceID');
  assert.equal(routing('metrics'), 'service');
  for (const pipeline of Object.values<{ exporters: string[] }>(pipelines))
    assert.deepEqual(
      pipeline.exporters.filter((name) => !name.startsWith('load_balancing')),
      [],
      'everything goes to the gateways',
    );
  for (const [name, exporter] of loadBalancers()) {
    assert.deepEqual(Object.keys(exporter.resolver), ['dns'], `${name}: the DNS resolver`);
    assert.match(exporter.resolver.dns!.hostname!, /^\$\{env:OTELCOL_GATEWAY_HOSTNAME:-/);
  }
});

test('the agent queues and retries once, persistently, at the exporter level and never per gateway', () => {
  assert.ok(loadBalancers().length >= 2);
  for (const [name, exporter] of loadBalancers()) {
    assert.equal(exporter.sending_queue.enabled, true, name);
    assert.equal(exporter.sending_queue.storage, 'file_storage/queue', `${name}: the queue survives a restart`);
    assert.ok(agent.service.extensions.includes(exporter.sending_queue.storage), name);
    assert.equal(exporter.retry_on_failure.enabled, true, name);
    // A per-gateway queue keeps retrying a dead gateway's share to it; the exporter's retry routes it again.
    assert.equal(exporter.protocol.otlp.sending_queue.enabled, false, `${name}: no per-gateway queue`);
    assert.equal(exporter.protocol.otlp.retry_on_failure.enabled, false, `${name}: no per-gateway retry`);
    // A static list with that retry stalls the whole pipeline behind a dead gateway.
    assert.ok(!('static' in exporter.resolver), `${name}: no static resolver`);
  }
});

test('each gateway computes span metrics from every span, then tail-samples what goes to trace storage', () => {
  const { traces, 'traces/sampled': sampled, metrics } = gateway.service.pipelines;
  assert.deepEqual(traces.receivers, ['otlp']);
  assert.deepEqual(traces.exporters, ['span_metrics']);
  assert.ok(!traces.processors.includes('tail_sampling'), 'span metrics see every span');
  assert.deepEqual(sampled.receivers, ['otlp']);
  assert.ok(sampled.processors.includes('tail_sampling'));
  assert.deepEqual(sampled.exporters, ['otlp_grpc/jaeger']);
  assert.ok(metrics.receivers.includes('span_metrics'));
  assert.deepEqual(metrics.exporters, ['prometheus']);
  const jaeger = gateway.exporters['otlp_grpc/jaeger'];
  assert.equal(jaeger.sending_queue.storage, 'file_storage/queue');
  assert.ok(gateway.service.extensions.includes('file_storage/queue'));
  // The processor comes from collector/tail-sampling.yaml, loaded before gateway.yaml.
  assert.ok(!('tail_sampling' in (gateway.processors ?? {})));
  const policies = tailSampling.processors.tail_sampling.policies as { name: string; type: string }[];
  assert.deepEqual(
    policies.map((p) => p.type),
    ['status_code', 'ottl_condition', 'ottl_condition', 'probabilistic'],
  );
  const conditions = policies.flatMap((p) => (p as { ottl_condition?: { span: string[] } }).ottl_condition?.span ?? []);
  assert.ok(
    conditions.some((c) => c.includes(`attributes["${ATTR_GENAI_OTEL_COST_USD}"]`)),
    'the costly-call policy reads the cost genai-otel sets',
  );
});

test("the gateways' metrics carry a per-gateway label, and their span metrics are the single-node stack's", () => {
  assert.match(gateway.exporters.prometheus.const_labels.gateway, /^\$\{env:OTELCOL_GATEWAY_ID:-/);
  assert.deepEqual(gateway.connectors.span_metrics, single.connectors.span_metrics);
  const { const_labels: _label, ...prometheus } = gateway.exporters.prometheus;
  assert.deepEqual(prometheus, single.exporters.prometheus);
});

test("the scale profile's Prometheus evaluates the single-node rules and sends their alerts to Alertmanager", () => {
  const scaleProm = load('scale/prometheus.yml');
  const singleProm = load('prometheus.yml');
  assert.deepEqual(scaleProm.rule_files, singleProm.rule_files);
  assert.deepEqual(scaleProm.alerting, singleProm.alerting);
  const compose = parse(readFileSync(new URL('../../../docker-compose.scale.yml', import.meta.url), 'utf8'), {
    merge: true,
  });
  const [target] = scaleProm.alerting.alertmanagers[0].static_configs[0].targets;
  assert.ok(compose.services[target.split(':')[0]], `docker-compose.scale.yml runs ${target}`);
  assert.deepEqual(compose.services.alertmanager.profiles, ['scale']);
});

test('VictoriaMetrics hides no more of the newest data than Prometheus takes to remote-write it', () => {
  // Prometheus sends each scrape within remote_write's batch_send_deadline (5 s unless set): an offset well above it
  // only delays the Monitor tab (VictoriaMetrics' own default, 30 s, put its first rate a minute after the traffic).
  const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1] ?? Number.NaN);
  const [write] = load('scale/prometheus.yml').remote_write;
  const deadline = seconds(write.queue_config?.batch_send_deadline ?? '5s');
  const script = readFileSync(new URL('../../../scripts/stack/scale.sh', import.meta.url), 'utf8');
  const stackDefault = /VM_LATENCY_OFFSET=\$\{STACK_VM_LATENCY_OFFSET:-(\w+)\}/.exec(script)?.[1] ?? '';
  const compose = readFileSync(new URL('../../../docker-compose.scale.yml', import.meta.url), 'utf8');
  const composeDefault = /-search\.latencyOffset=\$\{VICTORIAMETRICS_LATENCY_OFFSET:-(\w+)\}/.exec(compose)?.[1] ?? '';
  for (const [where, offset] of [
    ['scripts/stack/scale.sh', stackDefault],
    ['docker-compose.scale.yml', composeDefault],
  ]) {
    assert.ok(
      seconds(offset) >= deadline && seconds(offset) <= 2 * deadline,
      `${where}: latency offset '${offset}' between ${deadline}s and ${2 * deadline}s`,
    );
  }
});
