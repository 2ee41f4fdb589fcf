// The deployment files users apply elsewhere, checked offline with deploy-check (scripts/stack/deploy-check, built by
// scripts/stack.sh install): the Kubernetes manifests of collector/kustomization.yaml and the compose files. The
// good files pass, and each kind of mistake the check is there for is caught in a broken copy, naming the object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './support/stack.mjs';

const BIN = join(ROOT, '.stack', 'bin', 'deploy-check');
const REQUIRED = process.env.GENAI_OTEL_E2E === '1' || process.env.CI === 'true';
const SKIP = existsSync(BIN) ? false : REQUIRED ? false : 'deploy-check is not installed (scripts/stack.sh install)';

const SCALE_SERVICES = [
  'volume-init',
  'otel-agent',
  'otel-gateway-1',
  'otel-gateway-2',
  'opensearch-1',
  'opensearch-2',
  'jaeger-collector',
  'jaeger-query',
  'alertmanager',
  'prometheus',
  'victoriametrics',
];

function deployCheck(...args) {
  const result = spawnSync(BIN, args, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A copy of collector/ with one manifest edited, checked with the drain Job; the copy is removed afterwards. */
function checkBrokenCopy(file, edit) {
  const dir = mkdtempSync(join(tmpdir(), 'genai-otel-k8s-'));
  try {
    cpSync(join(ROOT, 'collector'), dir, { recursive: true });
    const path = join(dir, 'k8s', file);
    const before = readFileSync(path, 'utf8');
    const after = edit(before);
    assert.notEqual(after, before, `the edit of ${file} changed something`);
    writeFileSync(path, after);
    return deployCheck('k8s', dir, join(dir, 'k8s', 'drain'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test(
  'the Kubernetes manifests render and pass the strict check; the ConfigMaps carry the scale profile configs',
  { skip: SKIP },
  () => {
    const out = mkdtempSync(join(tmpdir(), 'genai-otel-cm-'));
    try {
      const { status, output } = deployCheck(
        'k8s',
        join(ROOT, 'collector'),
        join(ROOT, 'collector', 'k8s', 'drain'),
        '--write-configmaps',
        out,
      );
      assert.equal(status, 0, output);
      const maps = readdirSync(out);
      // The drain Job runs the gateway's very configs and the waiter the local `drain` runs.
      const gatewayMap = maps.find((name) => name.startsWith('otel-gateway-config-'));
      for (const [key, file] of [
        ['gateway.yaml', 'scale/gateway.yaml'],
        ['tail-sampling.yaml', 'tail-sampling.yaml'],
        ['drain-wait.sh', 'scale/drain-wait.sh'],
      ]) {
        const source = readFileSync(join(ROOT, 'collector', file), 'utf8');
        assert.equal(readFileSync(join(out, 'otel-gateway-drain', key), 'utf8'), source, key);
        if (key !== 'drain-wait.sh') assert.equal(readFileSync(join(out, gatewayMap, key), 'utf8'), source, key);
      }
      const agent = maps.find((name) => name.startsWith('otel-agent-config-'));
      assert.ok(agent, `an agent ConfigMap among ${maps}`);
      // The ConfigMap holds the very file the local profile runs, byte for byte.
      assert.equal(
        readFileSync(join(out, agent, 'agent.yaml'), 'utf8'),
        readFileSync(join(ROOT, 'collector', 'scale', 'agent.yaml'), 'utf8'),
      );
      const resolver = parse(readFileSync(join(out, agent, 'agent-k8s.yaml'), 'utf8')).exporters.load_balancing
        .resolver;
      assert.equal(resolver.dns, null, 'the Kubernetes overlay removes the DNS resolver');
      assert.equal(resolver.k8s.service, 'otel-gateway.genai-otel');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
);

test(
  'deploy-check catches a misspelt field, a Service port no pod serves, a missing ConfigMap, a missing limit and an unknown claim',
  { skip: SKIP },
  () => {
    const typo = checkBrokenCopy('gateway.yaml', (text) => text.replace('  replicas: 2', '  replica: 2'));
    assert.equal(typo.status, 1);
    assert.match(typo.output, /StatefulSet.*otel-gateway.*unknown field "spec\.replica"/s);

    const port = checkBrokenCopy('jaeger.yaml', (text) => text.replace('targetPort: http\n', 'targetPort: htpp\n'));
    assert.equal(port.status, 1);
    assert.match(
      port.output,
      /Service\/jaeger-query: port "http" targets htpp, which Deployment\/jaeger-query does not serve/,
    );

    const configMap = checkBrokenCopy('agent.yaml', (text) =>
      text.replace('name: otel-agent-config', 'name: otel-agent-conf'),
    );
    assert.equal(configMap.status, 1);
    assert.match(
      configMap.output,
      /DaemonSet\/otel-agent: volume "config" names ConfigMap "otel-agent-conf", which is not defined/,
    );

    const limit = checkBrokenCopy('gateway.yaml', (text) =>
      text.replace('            limits:\n              memory: 1Gi\n', ''),
    );
    assert.equal(limit.status, 1);
    assert.match(limit.output, /StatefulSet\/otel-gateway container "otelcol": no memory limit/);

    // The drain Job names a claim that the gateways' StatefulSet gives its pods (any ordinal): a typo is caught.
    const claim = checkBrokenCopy('drain/job.yaml', (text) =>
      text.replace('claimName: state-otel-gateway-1', 'claimName: state-otel-gateways-1'),
    );
    assert.equal(claim.status, 1);
    assert.match(
      claim.output,
      /Job\/otel-gateway-drain: volume "state" names PersistentVolumeClaim "state-otel-gateways-1", which is not defined/,
    );
  },
);

test('docker-compose.scale.yml runs the scale topology; docker-compose.yml its single node', { skip: SKIP }, () => {
  const scale = deployCheck(
    'compose',
    join(ROOT, 'docker-compose.scale.yml'),
    '--profile',
    'scale',
    '--expect',
    SCALE_SERVICES.join(','),
  );
  assert.equal(scale.status, 0, scale.output);
  // The drain of a gateway's volume is a profile of its own: never started with the stack.
  const drain = deployCheck(
    'compose',
    join(ROOT, 'docker-compose.scale.yml'),
    '--profile',
    'drain',
    '--expect',
    'gateway-drain,gateway-drain-wait',
  );
  assert.equal(drain.status, 0, drain.output);
  const single = deployCheck(
    'compose',
    join(ROOT, 'docker-compose.yml'),
    '--profile',
    'default',
    '--expect',
    'volume-init,otel-collector,jaeger,prometheus,alertmanager',
  );
  assert.equal(single.status, 0, single.output);

  const dir = mkdtempSync(join(tmpdir(), 'genai-otel-compose-'));
  try {
    const broken = join(dir, 'docker-compose.scale.yml');
    writeFileSync(
      broken,
      readFileSync(join(ROOT, 'docker-compose.scale.yml'), 'utf8').replace(
        '  stop_grace_period: 60s',
        '  stop_grace: 60s',
      ),
    );
    const result = deployCheck('compose', broken, '--profile', 'scale');
    assert.equal(result.status, 1);
    assert.match(result.output, /stop_grace/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
