// End-to-end test of the scale profile's trace tier (scripts/stack/scale-traces.sh), with real processes: a 3-node
// OpenSearch cluster (2 data nodes, 1 cluster-manager-only; test harness from Maven Central jars), Jaeger v2 in the
// collector, query and ingester roles, and Kafka. Synthetic OTLP traces go into the Jaeger collector role; the test
// reads them back through the query role's API and counts them in OpenSearch.
//
//   scripts/stack.sh install && test/e2e/support/scale-traces.sh install   (once; cached)
//   node --test test/e2e/scale-traces.e2e.test.mjs
//
// In order, on one cluster (about 3 minutes on a loaded 2-core machine):
//   1. OTLP -> Jaeger collector -> OpenSearch: every trace readable through Jaeger query; every index replicated
//   2. the data node holding the span index's primary killed with kill -9: old traces readable, new writes stored,
//      then the node restarted and the cluster green again
//   3. Kafka between the Jaeger collector and an ingester: the ingester stopped for 20 s while traces keep coming;
//      after it returns every span is in OpenSearch (each counted)
//   4. the query role's Monitor tab (/api/metrics) reads the span metrics from VictoriaMetrics, summed over the
//      gateways (samples imported into a VictoriaMetrics of the test's own; skipped when it is not installed)
// Skipped when the harness is not installed, except with GENAI_OTEL_E2E=1 or CI=true (then a failure).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { ROOT, freePorts, getJson, poll } from './support/stack.mjs';
import { makeTraces, postTraces } from './support/otlp-json.mjs';
import { traceTierSettings } from './support/ports.mjs';

const execFileP = promisify(execFile);
const DRIVER = join(ROOT, 'test', 'e2e', 'support', 'scale-traces.sh');
const RUN = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const SPANS_PER_TRACE = 3;
const SETTINGS = traceTierSettings();
const VM_BIN = join(ROOT, '.stack', 'bin', 'victoria-metrics');
const VM_MISSING = existsSync(VM_BIN)
  ? false
  : 'VictoriaMetrics is not installed (scripts/stack.sh install --profile scale)';

function installed() {
  return execFileP('bash', [DRIVER, 'installed'], { cwd: ROOT }).then(
    () => false,
    (err) =>
      `trace tier not installed: ${String(err.stdout || err.message).trim()} (run test/e2e/support/scale-traces.sh install)`,
  );
}
const MISSING = await installed();
const REQUIRED = process.env.GENAI_OTEL_E2E === '1' || (process.env.CI && process.env.CI !== 'false');
if (MISSING && REQUIRED)
  throw new Error(`e2e prerequisites missing (GENAI_OTEL_E2E=1 or CI requires them): ${MISSING}`);

/** The trace tier on free ports, in a run folder of its own. */
async function makeTier() {
  const ports = await freePorts(SETTINGS.length + 1);
  const vmPort = ports.pop();
  const runDir = mkdtempSync(join(tmpdir(), 'genai-otel-e2e-scale-traces-'));
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(STACK_|OTELCOL_|JAEGER_|GENAI_OTEL_)/.test(k)),
  );
  SETTINGS.forEach((k, i) => {
    env[`STACK_${k}`] = String(ports[i]);
  });
  // The query role reads span metrics from VictoriaMetrics at STACK_VICTORIAMETRICS_PORT: one of the test's own.
  Object.assign(env, {
    STACK_HOST: '127.0.0.1',
    STACK_RUN_DIR: runDir,
    STACK_UP_TIMEOUT: '150',
    STACK_VICTORIAMETRICS_PORT: String(vmPort),
  });
  const port = (k) => ports[SETTINGS.indexOf(k)];
  return {
    env,
    runDir,
    failed: false,
    vmPort,
    victoriametrics: `http://127.0.0.1:${vmPort}`,
    collector: `http://127.0.0.1:${port('JAEGER_OTLP_HTTP_PORT')}`,
    query: `http://127.0.0.1:${port('JAEGER_UI_PORT')}`,
    nodes: {
      'opensearch-1': `http://127.0.0.1:${port('OPENSEARCH_PORT')}`,
      'opensearch-2': `http://127.0.0.1:${port('OPENSEARCH_NODE2_PORT')}`,
      'opensearch-3': `http://127.0.0.1:${port('OPENSEARCH_NODE3_PORT')}`,
    },
  };
}

async function driver(tier, args, extraEnv = {}) {
  try {
    const { stdout, stderr } = await execFileP('bash', [DRIVER, ...args], {
      env: { ...tier.env, ...extraEnv },
      cwd: ROOT,
      timeout: 240_000,
      maxBuffer: 8 << 20,
    });
    return stdout + stderr;
  } catch (err) {
    throw new Error(
      `scale-traces.sh ${args.join(' ')} failed (exit ${err.code}):\n${err.stdout || ''}${err.stderr || ''}`,
    );
  }
}

async function osRequest(base, path, body) {
  const res = await fetch(`${base}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} from OpenSearch ${path}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/**
 * Span documents of a service in OpenSearch, read one by one (a cardinality aggregation is approximate): all of
 * them, distinct span ids (duplicates = total - distinct) and the set of trace ids.
 */
async function storedSpans(base, service) {
  await osRequest(base, '/genai-otel-jaeger-span-*/_refresh', {});
  const result = await osRequest(base, '/genai-otel-jaeger-span-*/_search', {
    size: 10_000,
    track_total_hits: true,
    _source: ['traceID', 'spanID'],
    query: { term: { 'process.serviceName': service } },
  });
  const total = result.hits.total.value;
  assert.ok(total <= 10_000, `${service}: at most 10000 span documents are read back, found ${total}`);
  const hits = result.hits.hits.map((hit) => hit._source);
  const traceIds = new Set(hits.map((h) => h.traceID));
  return { total, distinct: new Set(hits.map((h) => h.spanID)).size, traces: traceIds.size, traceIds };
}

/** Spans of one trace through Jaeger query's API v3 (0 while it is not there: 404). */
async function readTrace(tier, traceId) {
  try {
    const body = await getJson(`${tier.query}/api/v3/traces/${traceId}`);
    const ids = new Set();
    for (const rs of body.result?.resourceSpans ?? [])
      for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) ids.add(span.spanId);
    return ids.size;
  } catch (err) {
    if (err.status === 404) return 0;
    throw err;
  }
}

/** Waits until Jaeger query returns every span of every trace; returns how long that took. */
async function assertReadable(tier, traceIds, what, timeoutMs = 60_000) {
  const started = Date.now();
  let pending = [...traceIds];
  await poll(
    `${what}: ${traceIds.length} traces readable through Jaeger query`,
    async () => {
      const counts = await Promise.all(pending.map((id) => readTrace(tier, id)));
      pending = pending.filter((_, i) => counts[i] < SPANS_PER_TRACE);
      if (pending.length) throw new Error(`${pending.length} of ${traceIds.length} not (fully) readable yet`);
      return true;
    },
    { timeoutMs, intervalMs: 500 },
  );
  return Date.now() - started;
}

async function send(tier, service, count) {
  const { traceIds, body } = makeTraces({ service, run: RUN, count, spansPerTrace: SPANS_PER_TRACE });
  await postTraces(tier.collector, body);
  return traceIds;
}

function pidOf(tier, process) {
  return Number(readFileSync(join(tier.runDir, 'pids', `${process}.pid`), 'utf8').trim());
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe(
  'scale profile, trace tier: OpenSearch behind Jaeger collector/query, Kafka as a buffer',
  { skip: MISSING },
  () => {
    let tier;
    const direct = `direct-${RUN}`;
    let directIds = [];

    before(async () => {
      tier = await makeTier();
      const started = Date.now();
      if (!VM_MISSING) {
        tier.vm = spawn(
          VM_BIN,
          [
            `-httpListenAddr=127.0.0.1:${tier.vmPort}`,
            `-storageDataPath=${join(tier.runDir, 'victoriametrics')}`,
            '-retentionPeriod=1',
            '-search.latencyOffset=1s',
          ],
          { stdio: 'ignore' },
        );
        await poll('VictoriaMetrics to answer', () => fetch(`${tier.victoriametrics}/health`).then((r) => r.ok), {
          timeoutMs: 30_000,
        });
      }
      await driver(tier, ['up']);
      tier.upSeconds = ((Date.now() - started) / 1000).toFixed(1);
    });

    after(async () => {
      if (!tier) return;
      if (tier.failed) {
        process.stderr.write(`\n---- trace tier kept in ${tier.runDir} ----\n`);
        process.stderr.write(await driver(tier, ['status']).catch((err) => err.message));
      }
      await driver(tier, ['down']).catch((err) => process.stderr.write(`${err.message}\n`));
      if (tier.vm && tier.vm.exitCode === null) {
        const exited = new Promise((resolve) => tier.vm.once('exit', resolve));
        tier.vm.kill('SIGTERM');
        await exited;
      }
      if (!tier.failed) rmSync(tier.runDir, { recursive: true, force: true });
    });

    const guarded = (fn) => async (t) => {
      try {
        await fn(t);
      } catch (err) {
        tier.failed = true;
        throw err;
      }
    };

    test(
      'traces sent over OTLP to the Jaeger collector role are readable through the query role; each index has a replica',
      guarded(async (t) => {
        t.diagnostic(`3 OpenSearch nodes + Jaeger collector + query up in ${tier.upSeconds}s`);
        directIds = await send(tier, direct, 30);
        const ms = await assertReadable(tier, directIds, 'direct');
        t.diagnostic(`30 traces readable ${ms} ms after the send`);
        const base = tier.nodes['opensearch-1'];
        const health = await osRequest(base, '/_cluster/health?wait_for_status=green&timeout=30s');
        assert.equal(health.status, 'green', 'the cluster is green: every replica is allocated');
        const shards = await osRequest(base, '/_cat/shards/genai-otel-jaeger-*?format=json');
        for (const index of new Set(shards.map((s) => s.index))) {
          const copies = shards.filter((s) => s.index === index && s.state === 'STARTED');
          assert.deepEqual(copies.map((s) => s.prirep).sort(), ['p', 'r'], `${index}: a primary and a replica`);
          assert.notEqual(copies[0].node, copies[1].node, `${index}: primary and replica on different nodes`);
          assert.ok(
            copies.every((s) => s.node !== 'opensearch-3'),
            `${index}: no data on the cluster-manager-only node`,
          );
        }
        const stored = await storedSpans(base, direct);
        assert.equal(stored.distinct, 30 * SPANS_PER_TRACE, 'every span is in OpenSearch');
      }),
    );

    test(
      'the data node holding the span index primary killed (kill -9): old traces readable, writes continue',
      guarded(async (t) => {
        const base = tier.nodes['opensearch-1'];
        await osRequest(base, '/_cluster/health?wait_for_status=green&timeout=30s');
        const shards = await osRequest(base, '/_cat/shards/genai-otel-jaeger-span-*?format=json');
        const victim = shards.find((s) => s.prirep === 'p' && s.state === 'STARTED')?.node;
        assert.match(String(victim), /^opensearch-[12]$/, 'the span primary is on a data node');
        const survivor = tier.nodes[victim === 'opensearch-1' ? 'opensearch-2' : 'opensearch-1'];

        process.kill(pidOf(tier, victim), 'SIGKILL');
        const killedAt = Date.now();
        // Written while the cluster notices the loss and promotes the replica.
        const during = `during-${RUN}`;
        const duringIds = await send(tier, during, 30);

        const health = await poll(
          'the cluster without the killed node',
          async () => {
            const h = await osRequest(survivor, '/_cluster/health?timeout=2s');
            return h.number_of_nodes === 2 && h.status !== 'red' ? h : null;
          },
          { timeoutMs: 60_000, intervalMs: 200 },
        );
        const failoverMs = Date.now() - killedAt;
        assert.equal(health.status, 'yellow', 'the lost copies are replicas now: yellow, not red');

        await assertReadable(tier, directIds, 'traces stored before the kill');
        const afterIds = await send(tier, `after-${RUN}`, 30);
        const afterMs = await assertReadable(tier, afterIds, 'traces sent after the kill');
        await assertReadable(tier, duringIds, 'traces sent at the moment of the kill');
        const duringStored = await storedSpans(survivor, during);
        t.diagnostic(
          `killed ${victim}; cluster yellow with 2 nodes after ${failoverMs} ms; new traces readable in ${afterMs} ms; ` +
            `the 30 traces sent right after the kill: ${duringStored.distinct}/${30 * SPANS_PER_TRACE} spans stored, ` +
            `${duringStored.total - duringStored.distinct} duplicate documents`,
        );

        const started = Date.now();
        await driver(tier, ['up', victim]);
        t.diagnostic(`${victim} restarted; cluster green with 3 nodes again after ${Date.now() - started} ms`);
        const green = await osRequest(base, '/_cluster/health?wait_for_status=green&timeout=30s');
        assert.equal(green.status, 'green');
      }),
    );

    test(
      'Kafka between collector and ingester: the ingester stopped for 20 s while traces are sent loses nothing',
      guarded(async (t) => {
        const kafka = { STACK_SCALE_KAFKA: '1' };
        await driver(tier, ['down', 'jaeger-collector']);
        await driver(tier, ['up'], kafka); // kafka, the collector writing to it, the ingester
        const service = `kafka-${RUN}`;
        const base = tier.nodes['opensearch-1'];
        // One large request first: the collector's batches become Kafka messages, which the broker refuses above
        // its message.max.bytes (1 MB by default).
        const big = `kafka-big-${RUN}`;
        const bigIds = await send(tier, big, 2000);
        const sent = [];
        let sending = true;
        let sendErrors = 0;
        const sender = (async () => {
          while (sending) {
            try {
              sent.push(...(await send(tier, service, 10)));
            } catch {
              sendErrors++;
            }
            await sleep(250);
          }
        })();

        await sleep(3_000);
        await driver(tier, ['down', 'jaeger-ingester'], kafka);
        const stoppedAt = Date.now();
        const atStop = (await storedSpans(base, service)).distinct;
        await sleep(Math.max(0, 20_000 - (Date.now() - stoppedAt)));
        const beforeRestart = (await storedSpans(base, service)).distinct;
        const sentWhileDown = sent.length;
        await driver(tier, ['up', 'jaeger-ingester'], kafka);
        const downMs = Date.now() - stoppedAt;
        await sleep(3_000);
        sending = false;
        await sender;

        assert.equal(sendErrors, 0, 'the Jaeger collector accepted every request');
        assert.ok(
          beforeRestart - atStop < (sentWhileDown * SPANS_PER_TRACE) / 2,
          `nothing was stored while the ingester was down (${atStop} -> ${beforeRestart} spans)`,
        );
        const expected = sent.length * SPANS_PER_TRACE;
        const started = Date.now();
        const stored = await poll(
          `all ${expected} spans in OpenSearch`,
          async () => {
            const s = await storedSpans(base, service);
            if (s.distinct < expected) {
              const missing = sent.filter((id) => !s.traceIds.has(id));
              throw new Error(
                `${s.distinct} of ${expected} spans stored; traces missing: ${missing.length} (${missing[0]})`,
              );
            }
            return s;
          },
          { timeoutMs: 90_000, intervalMs: 1_000 },
        );
        assert.equal(stored.distinct, expected, 'every span sent, each once by id');
        assert.equal(stored.traces, sent.length, 'every trace sent');
        await assertReadable(tier, sent.slice(-20), 'the last traces, through Jaeger query');
        const bigStored = await poll(
          `the ${bigIds.length} traces of the large request in OpenSearch`,
          async () => {
            const s = await storedSpans(base, big);
            if (s.distinct < bigIds.length * SPANS_PER_TRACE)
              throw new Error(`${s.distinct} of ${bigIds.length * SPANS_PER_TRACE} spans stored`);
            return s;
          },
          { timeoutMs: 30_000, intervalMs: 1_000 },
        );
        assert.equal(bigStored.traces, bigIds.length, 'every trace of the large request');
        t.diagnostic(
          `${sent.length} traces (${expected} spans) sent; ingester down ${downMs} ms (${sentWhileDown} traces sent ` +
            `by then); all stored ${Date.now() - started} ms after the checks began; ` +
            `${stored.total - stored.distinct} duplicate documents`,
        );
      }),
    );

    test(
      "the query role's Monitor tab reads the gateways' span metrics from VictoriaMetrics, summed over them",
      { skip: VM_MISSING },
      guarded(async (t) => {
        // Two gateways' cumulative call counters for one operation, as Prometheus remote-writes them: 2 and 1 calls
        // a second, a sample every 10 s over the last 5 minutes.
        const service = `monitor-${RUN}`;
        const now = Date.now();
        const lines = [];
        for (let at = now - 300_000; at <= now - 10_000; at += 10_000) {
          for (const [gateway, perSecond] of [
            ['gateway1', 2],
            ['gateway2', 1],
          ]) {
            const labels = `service_name="${service}",span_name="chat",span_kind="SPAN_KIND_CLIENT",status_code="STATUS_CODE_UNSET",gateway="${gateway}"`;
            lines.push(
              `traces_span_metrics_calls_total{${labels}} ${(perSecond * (at - (now - 300_000))) / 1000} ${at}`,
            );
          }
        }
        const res = await fetch(`${tier.victoriametrics}/api/v1/import/prometheus`, {
          method: 'POST',
          body: `${lines.join('\n')}\n`,
        });
        assert.equal(res.status, 204, await res.text());
        const query = new URLSearchParams({
          service,
          spanKind: 'client',
          endTs: String(now - 20_000),
          lookback: String(3 * 60_000),
          step: '10000',
          ratePer: String(60_000),
        });
        const points = await poll(
          'the Monitor API to show the imported calls',
          async () => {
            const calls = await getJson(`${tier.query}/api/metrics/calls?${query}`);
            const found = calls.metrics?.[0]?.metricPoints ?? [];
            return found.length > 0 ? found : null;
          },
          { timeoutMs: 30_000, intervalMs: 1000 },
        );
        const rates = points.map((p) => Number(p.gaugeValue?.doubleValue));
        t.diagnostic(`Monitor call rates (calls/s): ${rates.map((r) => r.toFixed(2)).join(' ')}`);
        // The newest points are whole minutes of both series: 2 + 1 calls a second.
        const last = rates.at(-1);
        assert.ok(Math.abs(last - 3) < 0.3, `the call rate sums both gateways: ${last}, expected 3`);
      }),
    );
  },
);
