// Guards on the Kubernetes shape of the gateway pool (collector/k8s/gateway.yaml), its drain Job (collector/k8s/drain)
// and the compose gateways, read as files: SIGTERM leaves a gateway's persistent queue on disk (exporterhelper does
// not drain it at shutdown), so every gateway keeps its storage across a restart, a removed one keeps it for the
// drain, and the drain runs the gateway's very configs. deploy-check (test/e2e/deploy-files.e2e.test.mjs) checks the
// same files against the API types; test/e2e/scale-failover.e2e.test.mjs runs the drain for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
const docs = (path: string) => parseAllDocuments(read(path)).map((d) => d.toJS());

type Env = { name: string; value?: string };
type Container = {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  restartPolicy?: string;
  env?: Env[];
  volumeMounts: { name: string; mountPath: string }[];
};

const [statefulSet, service] = docs('collector/k8s/gateway.yaml');
const [job] = docs('collector/k8s/drain/job.yaml');
const kustomization = parse(read('collector/kustomization.yaml'));
const gatewayConfig = parse(read('collector/scale/gateway.yaml'));
const tailSampling = parse(read('collector/tail-sampling.yaml'));
const compose = parse(read('docker-compose.scale.yml'));

const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
const mountOf = (c: Container, volume: string) => c.volumeMounts.find((m) => m.name === volume)?.mountPath;
/** Seconds of a Go duration such as 10s, 1m or 500ms. */
function seconds(duration: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(duration);
  assert.ok(m, `a duration: ${duration}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60 }[m[2] as 'ms' | 's' | 'm'];
}
/** The default of a `${env:NAME:-default}` setting. */
const envDefault = (value: string) => /:-([^}]*)\}$/.exec(value)?.[1] ?? value;

const gateway: Container = statefulSet.spec.template.spec.containers[0];

test('the gateways are a StatefulSet behind the headless Service, each with a claim of its own that outlives it', () => {
  assert.equal(statefulSet.kind, 'StatefulSet');
  assert.equal(service.kind, 'Service');
  assert.equal(statefulSet.spec.serviceName, service.metadata.name);
  assert.equal(service.spec.clusterIP, 'None', "headless: the agents' resolver sees each gateway");
  for (const [k, v] of Object.entries<string>(service.spec.selector))
    assert.equal(statefulSet.spec.template.metadata.labels[k], v);
  // Scale-down and deletion keep the queues (Delete would lose what a gateway held at its SIGTERM).
  assert.deepEqual(statefulSet.spec.persistentVolumeClaimRetentionPolicy, {
    whenDeleted: 'Retain',
    whenScaled: 'Retain',
  });
  const claim = statefulSet.spec.volumeClaimTemplates.find((t: { metadata: { name: string } }) =>
    gateway.volumeMounts.some((m) => m.name === t.metadata.name),
  );
  assert.ok(claim, 'the container mounts a volumeClaimTemplate');
  assert.deepEqual(claim.spec.accessModes, ['ReadWriteOnce']);
  const volumes = statefulSet.spec.template.spec.volumes.map((v: { name: string }) => v.name);
  assert.ok(!volumes.includes(claim.metadata.name), 'no pod volume (an emptyDir) shadows the claim');
  const storage = envOf(gateway).OTELCOL_STORAGE_DIR!;
  assert.ok(storage.startsWith(`${mountOf(gateway, claim.metadata.name)}/`), `the queue ${storage} is on the claim`);
});

test('the grace period covers what a gateway does at SIGTERM: the decision wait, an export and a retry interval', () => {
  const exporter = gatewayConfig.exporters['otlp_grpc/jaeger'];
  const decisionWait = seconds(envDefault(tailSampling.processors.tail_sampling.decision_wait));
  const exportTimeout = seconds(exporter.timeout ?? '5s'); // exporterhelper's default
  const retryInterval = seconds(exporter.retry_on_failure.max_interval);
  const grace = statefulSet.spec.template.spec.terminationGracePeriodSeconds;
  assert.ok(
    grace > decisionWait + exportTimeout + retryInterval,
    `${grace} s > ${decisionWait} + ${exportTimeout} + ${retryInterval} s`,
  );
  assert.equal(seconds(compose['x-gateway'].stop_grace_period), grace, 'compose gives the same time');
});

test("the drain Job runs the gateway's configs on a gateway's claim, unreachable, and ends when drain-wait does", () => {
  const spec = job.spec.template.spec;
  const collector: Container = spec.initContainers.find((c: Container) => c.name === 'otelcol');
  // A native sidecar: the kubelet stops it once the Job's container (drain-wait) has exited.
  assert.equal(collector.restartPolicy, 'Always');
  assert.equal(collector.image, gateway.image);
  assert.deepEqual(collector.args, gateway.args);
  const env = envOf(collector);
  for (const name of ['OTELCOL_STORAGE_DIR', 'OTELCOL_JAEGER_ENDPOINT', 'OTELCOL_LOGS_PATH'])
    assert.equal(env[name], envOf(gateway)[name], name);
  assert.equal(mountOf(collector, 'state'), mountOf(gateway, 'state'));
  for (const name of ['OTELCOL_OTLP_GRPC_ENDPOINT', 'OTELCOL_PROMETHEUS_ENDPOINT', 'OTELCOL_HEALTH_ENDPOINT'])
    assert.match(env[name] ?? '', /^127\.0\.0\.1:/, `${name} on loopback: no agent sends to the drain`);
  const claimVolume = spec.volumes.find((v: { name: string }) => v.name === 'state');
  const template = statefulSet.spec.volumeClaimTemplates[0].metadata.name;
  assert.match(claimVolume.persistentVolumeClaim.claimName, new RegExp(`^${template}-otel-gateway-\\d+$`));
  // Not a member of the pool: the Service does not select the drain pod.
  const labels = job.spec.template.metadata.labels;
  assert.ok(Object.entries<string>(service.spec.selector).some(([k, v]) => labels[k] !== v));

  const wait: Container = spec.containers[0];
  assert.deepEqual(wait.command, ['sh', `${mountOf(wait, 'config')}/drain-wait.sh`]);
  assert.equal(spec.restartPolicy, 'Never');
  assert.ok(job.spec.activeDeadlineSeconds > 0, 'a storage outage ends the Job; the queue stays on the claim');

  // Its ConfigMap has a fixed name (the Job is applied on its own) and the gateway's files.
  const configMap = spec.volumes.find((v: { name: string }) => v.name === 'config').configMap.name;
  type Generator = { name: string; files: string[]; options?: { disableNameSuffixHash?: boolean } };
  const generators: Generator[] = kustomization.configMapGenerator;
  const drain = generators.find((g) => g.name === configMap);
  const gatewayFiles = generators.find((g) => g.name === 'otel-gateway-config')!.files;
  assert.ok(drain?.options?.disableNameSuffixHash, `ConfigMap ${configMap} has no hash suffix`);
  assert.deepEqual(drain.files, [...gatewayFiles, 'drain-wait.sh=scale/drain-wait.sh']);
});

test('compose: every gateway has a named volume of its own, and the drain takes one of them', () => {
  const gateways = Object.keys(compose.services).filter((name) => /^otel-gateway-\d+$/.test(name));
  assert.ok(gateways.length >= 2);
  const volumeOf = (name: string) =>
    (compose.services[name].volumes as string[])
      .map((v) => /^(.+):(\/[^:]*)(?::ro)?$/.exec(v) ?? [])
      .find(([, , target]) => target === '/var/lib/otelcol')?.[1];
  const volumes = gateways.map(volumeOf);
  assert.equal(new Set(volumes).size, gateways.length, `one volume each: ${volumes}`);
  for (const v of volumes) assert.ok(v && v in compose.volumes, `${v} is a named volume`);
  const drain = volumeOf('gateway-drain')!;
  assert.ok(volumes.includes(envDefault(drain)), `the drain's default volume ${drain} is a gateway's`);
  assert.deepEqual(compose.services['gateway-drain'].profiles, ['drain']);
});
