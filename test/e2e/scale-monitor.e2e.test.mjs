// End-to-end test of what the scale-out profile shows and sends about the traffic both gateways share: Jaeger's
// Monitor tab (its /api/metrics API) reading the span metrics from VictoriaMetrics, and an alert of the bundled rules
// (evaluated by Prometheus) reaching Alertmanager. Every span and data point goes app -> agent -> 2 gateways.
//
//   scripts/stack.sh install --profile scale && npm run build && GENAI_OTEL_E2E=1 node --test test/e2e/scale-monitor.e2e.test.mjs
//
// The spans are OTLP/JSON requests built here (random trace ids, so the agent spreads them over both gateways) with
// three kinds, fixed durations and fixed error shares, so that what the Monitor API must show is known in advance.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startAlertWebhook } from './support/alert-webhook.mjs';
import { getJson, guarded, poll } from './support/stack.mjs';
import { postMetrics, postTraces } from './support/otlp-json.mjs';
import { SCALE_SKIP, makeScaleStack, promQuery, scaleCmd, startScaleStack, stopScaleStack } from './support/scale.mjs';

const RUN = randomBytes(3).toString('hex');
const SERVICE = `scale-monitor-${RUN}`;
const ROUNDS = 6;
const TRACES_PER_ROUND = 10;
// One operation per span kind: [kind in the Monitor API, OTLP kind, name, duration ms, which traces fail].
const OPERATIONS = [
  { kind: 'server', otlpKind: 2, name: 'POST /chat', ms: 300, fails: (i) => i % 4 === 0 },
  { kind: 'client', otlpKind: 3, name: 'chat gpt-4o-mini', ms: 30, fails: () => false },
  { kind: 'internal', otlpKind: 1, name: 'execute_tool lookup_order', ms: 3, fails: () => true },
];
const BUDGET_USD = 1;
const SPEND_USD = 0.7;

/** One request of TRACES_PER_ROUND traces, each a SERVER root with a CLIENT and an INTERNAL child. */
function roundOfTraces(round) {
  const spans = [];
  const now = BigInt(Date.now()) * 1_000_000n;
  for (let t = 0; t < TRACES_PER_ROUND; t++) {
    const index = round * TRACES_PER_ROUND + t;
    const traceId = randomBytes(16).toString('hex');
    const rootId = randomBytes(8).toString('hex');
    for (const op of OPERATIONS) {
      const start = now - BigInt(op.ms) * 1_000_000n;
      spans.push({
        traceId,
        spanId: op.otlpKind === 2 ? rootId : randomBytes(8).toString('hex'),
        ...(op.otlpKind === 2 ? {} : { parentSpanId: rootId }),
        name: op.name,
        kind: op.otlpKind,
        startTimeUnixNano: String(start),
        endTimeUnixNano: String(now),
        status: op.fails(index) ? { code: 2, message: 'e2e failure' } : {},
      });
    }
  }
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: SERVICE } }] },
        scopeSpans: [{ scope: { name: 'genai-otel-e2e' }, spans }],
      },
    ],
  };
}

/** genai-otel's cost counter (genai_otel.client.cost, USD, cumulative) of one service at `usd`. */
function costPoint(service, usd, startNs) {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeMetrics: [
          {
            scope: { name: 'genai-otel' },
            metrics: [
              {
                name: 'genai_otel.client.cost',
                unit: 'USD',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [
                    {
                      attributes: [{ key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } }],
                      startTimeUnixNano: String(startNs),
                      timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                      asDouble: usd,
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe(
  'scale-out: the Monitor tab on VictoriaMetrics and alerts through Alertmanager, over 2 gateways',
  { skip: SCALE_SKIP },
  () => {
    let stack;
    let webhook;

    before(async () => {
      webhook = await startAlertWebhook();
      stack = await makeScaleStack('scale-monitor', {
        ALERT_WEBHOOK_URL: webhook.url,
        ALERT_GROUP_WAIT: '1s',
        ALERT_GROUP_INTERVAL: '5s',
        STACK_ALERT_FOR: '0s',
        GENAI_OTEL_COST_BUDGET_USD_PER_HOUR: String(BUDGET_USD),
      });
      // The profile's own VictoriaMetrics latency offset (the other scale tests take 1s): what users get.
      delete stack.env.STACK_VM_LATENCY_OFFSET;
      await startScaleStack(stack);
    });

    after(async () => {
      if (stack) await stopScaleStack(stack);
      if (webhook) await webhook.close();
    });

    test('the Monitor API shows call rate, error rate and latency per service and operation, summed over both gateways', async (t) => {
      await guarded(stack, async () => {
        // Several rounds a little apart: a rate needs the counters to move between samples.
        for (let round = 0; round < ROUNDS; round++) {
          await postTraces(stack.otlpHttp, roundOfTraces(round));
          await sleep(1500);
        }
        const sent = ROUNDS * TRACES_PER_ROUND;
        const byGateway = await poll(
          'every span counted by the span metrics in VictoriaMetrics',
          async () => {
            const rows = await promQuery(
              stack.victoriametrics,
              `sum by (gateway) (traces_span_metrics_calls_total{service_name="${SERVICE}"})`,
            );
            const total = rows.reduce((sum, row) => sum + Number(row.value[1]), 0);
            return total === sent * OPERATIONS.length ? rows : null;
          },
          { timeoutMs: 40_000, intervalMs: 1000 },
        );
        assert.deepEqual(byGateway.map((row) => row.metric.gateway).sort(), ['gateway1', 'gateway2']);
        t.diagnostic(`spans per gateway: ${byGateway.map((r) => `${r.metric.gateway}=${r.value[1]}`).join(' ')}`);

        // The request the Monitor tab sends (10-minute rate window), over the last 5 minutes in 5 s steps.
        // VictoriaMetrics fills the steps of its newest 10 s (-search.latencyOffset) with the step before, and a later
        // query computes them again from the samples that arrived meanwhile: compare the Monitor API with
        // VictoriaMetrics at a step older than that. The first step with a rate can be up to one step (5 s) after the
        // samples the poll above saw, so wait until every kind has a rate at a settled step rather than for a fixed time.
        let endTs = 0;
        let settledTs = 0;
        const params = (kinds, extra = {}) => {
          const query = new URLSearchParams({
            service: SERVICE,
            endTs: String(endTs),
            lookback: String(5 * 60_000),
            step: '5000',
            ratePer: String(10 * 60_000),
            ...extra,
          });
          for (const kind of kinds) query.append('spanKind', kind);
          return query;
        };
        const everyKind = OPERATIONS.map((op) => op.kind);
        const lastPoint = (metric) => metric?.metricPoints?.at(-1);
        const value = (point) => Number(point?.gaugeValue?.doubleValue ?? Number.NaN);
        const settledPoint = (calls) =>
          calls.metrics?.[0]?.metricPoints?.findLast((p) => Date.parse(p.timestamp) <= settledTs);
        const settledCalls = await poll(
          'a call rate at a settled step for every span kind in the Monitor API',
          async () => {
            endTs = Date.now();
            settledTs = endTs - 15_000;
            const byKind = new Map();
            for (const op of OPERATIONS) {
              const calls = await getJson(`${stack.jaeger}/api/metrics/calls?${params([op.kind])}`);
              if (!(value(settledPoint(calls)) > 0)) return null;
              byKind.set(op.kind, calls);
            }
            return byKind;
          },
          { timeoutMs: 40_000, intervalMs: 1000 },
        );

        for (const op of OPERATIONS) {
          const calls = settledCalls.get(op.kind);
          const point = settledPoint(calls);
          assert.ok(value(point) > 0, `${op.kind}: a non-zero call rate (got ${JSON.stringify(calls).slice(0, 300)})`);
          // The same rate, per gateway, straight from VictoriaMetrics over the same range and steps: the Monitor's
          // figure at that step is the sum of the two gateways' at that step.
          const at = Date.parse(point.timestamp) / 1000;
          const perGateway = await getJson(
            `${stack.victoriametrics}/api/v1/query_range?${new URLSearchParams({
              query: `sum(rate(traces_span_metrics_calls_total{service_name="${SERVICE}", span_kind="SPAN_KIND_${op.kind.toUpperCase()}"}[10m])) by (gateway)`,
              start: String((endTs - 5 * 60_000) / 1000),
              end: String(endTs / 1000),
              step: '5',
            })}`,
          );
          const shares = perGateway.data.result.map((row) => Number(row.values.find(([ts]) => ts === at)?.[1]));
          assert.equal(shares.length, 2, `${op.kind}: a rate from each gateway`);
          assert.ok(
            shares.every((share) => share > 0 && share < value(point)),
            `${op.kind}: each gateway has a share`,
          );
          const sum = shares[0] + shares[1];
          assert.ok(Math.abs(value(point) - sum) <= 1e-9 * sum, `${op.kind}: ${value(point)} = ${shares.join(' + ')}`);
          t.diagnostic(
            `${op.kind} call rate ${value(point).toFixed(3)}/s = ${shares.map((s) => s.toFixed(3)).join(' + ')}`,
          );
        }

        // Error rate and latency per operation: each operation's own failure share and duration bucket.
        const errors = await getJson(
          `${stack.jaeger}/api/metrics/errors?${params(everyKind, { groupByOperation: 'true' })}`,
        );
        const latencies = await getJson(
          `${stack.jaeger}/api/metrics/latencies?${params(everyKind, { groupByOperation: 'true', quantile: '0.95' })}`,
        );
        const ofOperation = (family, name) =>
          family.metrics.find((m) => m.labels.some((l) => l.name === 'operation' && l.value === name));
        const buckets = [0, 5, 10, 25, 50, 100, 250, 500];
        for (const op of OPERATIONS) {
          // Operations without errors have no series when others have errors (Jaeger fills in zeros only when no
          // operation of the service has any).
          const errorRate = value(lastPoint(ofOperation(errors, op.name))) || 0;
          const failing = Array.from({ length: sent }, (_, i) => op.fails(i)).filter(Boolean).length;
          if (failing === sent) assert.equal(errorRate, 1, `${op.name}: every call failed`);
          else if (failing === 0) assert.equal(errorRate, 0, `${op.name}: no call failed`);
          else assert.ok(errorRate > 0 && errorRate < 1, `${op.name}: some calls failed (error rate ${errorRate})`);
          const p95 = value(lastPoint(ofOperation(latencies, op.name)));
          // The p95 falls in the bucket holding the operation's duration (5, 10, 25, 50, 100, 250, 500 ms bounds).
          const upper = buckets.find((b) => b >= op.ms);
          const lower = buckets[buckets.indexOf(upper) - 1];
          assert.ok(
            p95 > lower && p95 <= upper,
            `${op.name}: p95 ${p95} ms in (${lower}, ${upper}] for ${op.ms} ms calls`,
          );
          t.diagnostic(
            `${op.name}: error rate ${errorRate.toFixed(3)} (${failing}/${sent} sent), p95 ${p95.toFixed(1)} ms`,
          );
        }
      })(t);
    });

    test('spend split over the 2 gateways crosses the cost budget that neither share crosses: the alert reaches Alertmanager', async (t) => {
      await guarded(stack, async () => {
        // Alertmanager is a component of the profile: status and urls name it.
        const status = await scaleCmd(stack, 'status');
        assert.match(status, new RegExp(`^alertmanager +\\d+ +healthy +${stack.alertmanager}$`, 'm'));
        assert.match(await scaleCmd(stack, 'urls'), new RegExp(`^ALERTMANAGER_URL=${stack.alertmanager}$`, 'm'));

        // Metrics are routed by service.name: find one service that each gateway exports.
        const startNs = BigInt(Date.now()) * 1_000_000n;
        const candidates = Array.from({ length: 8 }, (_, i) => `scale-budget-${RUN}-${i}`);
        for (const service of candidates) await postMetrics(stack.otlpHttp, costPoint(service, 0, startNs));
        const gatewayOf = await poll(
          'the zero cost of every candidate service in Prometheus',
          async () => {
            const rows = await promQuery(
              stack.prometheus,
              `genai_otel_client_cost_USD_total{job=~"scale-budget-${RUN}-.*"}`,
            );
            return rows.length === candidates.length
              ? new Map(rows.map((r) => [r.metric.job, r.metric.gateway]))
              : null;
          },
          { timeoutMs: 30_000, intervalMs: 500 },
        );
        const first = candidates.find((s) => gatewayOf.get(s) === 'gateway1');
        const second = candidates.find((s) => gatewayOf.get(s) === 'gateway2');
        assert.ok(first && second, `a service on each gateway (${[...gatewayOf].join(', ')})`);
        // A few samples at zero first: Prometheus's increase() counts a counter's rise, not its first value.
        await sleep(3000);

        const alerts = async () =>
          (await getJson(`${stack.alertmanager}/api/v2/alerts`)).filter(
            (a) => a.labels.alertname === 'GenAICostBudgetExceeded',
          );
        const spent = async () =>
          Number((await promQuery(stack.prometheus, 'genai_otel:cost_usd:increase1h'))[0]?.value[1] ?? 0);

        await postMetrics(stack.otlpHttp, costPoint(first, SPEND_USD, startNs));
        const alone = await poll(
          'the first share of the spend in the rule',
          async () => ((await spent()) >= SPEND_USD * 0.9 ? spent() : null),
          {
            timeoutMs: 30_000,
            intervalMs: 500,
          },
        );
        assert.ok(alone < BUDGET_USD, `one gateway's share (${alone} USD) is under the ${BUDGET_USD} USD budget`);
        // Several evaluations (1 s apart) with one share: no alert.
        await sleep(4000);
        assert.deepEqual(await alerts(), [], 'no budget alert while one share is spent');

        await postMetrics(stack.otlpHttp, costPoint(second, SPEND_USD, startNs));
        const notified = await poll(
          'a GenAICostBudgetExceeded notification at the webhook',
          () =>
            webhook.notifications
              .flatMap((n) => n.alerts ?? [])
              .find((a) => a.labels?.alertname === 'GenAICostBudgetExceeded' && a.status === 'firing'),
          { timeoutMs: 40_000, intervalMs: 500 },
        );
        assert.equal(notified.labels.severity, 'critical');
        assert.equal(notified.labels.gateway, undefined, 'one alert for the whole traffic, not one per gateway');
        const total = await spent();
        assert.ok(total > BUDGET_USD && total < 2 * SPEND_USD * 1.1, `both shares summed: ${total} USD`);
        const active = await alerts();
        assert.equal(active.length, 1, 'Alertmanager holds the one budget alert');
        const shares = await promQuery(
          stack.prometheus,
          `sum by (gateway) (increase(genai_otel_client_cost_USD_total{job=~"scale-budget-${RUN}-.*"}[1h]))`,
        );
        assert.ok(
          shares.every((row) => Number(row.value[1]) < BUDGET_USD),
          `no gateway's share alone is over budget (${shares.map((r) => `${r.metric.gateway}=${r.value[1]}`).join(' ')})`,
        );
        t.diagnostic(
          `spend ${total.toFixed(3)} USD over ${shares.length} gateways; alert: ${notified.annotations.description}`,
        );
      })(t);
    });
  },
);
