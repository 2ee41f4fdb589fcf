// End-to-end test of the scale-out tiers with real processes: four "host" processes (genai-otel preloaded, each trace
// spread over all four through traceparent) -> the agent (load balancing by trace id, DNS) -> two gateways (span
// metrics, tail sampling) -> Jaeger; Prometheus scrapes both gateways and remote-writes to VictoriaMetrics.
//
//   scripts/stack.sh install --profile scale && npm run build && GENAI_OTEL_E2E=1 node --test test/e2e/scale-tiers.e2e.test.mjs
//
// Each gateway also writes what it receives and what it samples to files (test/e2e/support/scale.mjs): the proof
// that no trace was split and that sampling decisions were whole-trace comes from each gateway's own output.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, getJson, guarded, poll } from './support/stack.mjs';
import {
  SCALE_SKIP,
  gatewaySpans,
  makeScaleStack,
  promQuery,
  sendTrace,
  settled,
  startHosts,
  startScaleStack,
  stopScaleStack,
} from './support/scale.mjs';

const execFileP = promisify(execFile);
const HOPS = 4;
const TRACES = 60;

describe('scale-out: agent -> 2 gateways -> Jaeger, Prometheus -> VictoriaMetrics', { skip: SCALE_SKIP }, () => {
  let stack;
  /** trace id -> { error, costly } for every trace sent. */
  const sent = new Map();

  before(async () => {
    stack = await makeScaleStack('scale-tiers', {
      // Only errors and costly calls are kept: what the sampled files hold is the policies' doing.
      OTELCOL_TAIL_SAMPLE_PERCENT: '0',
      OTELCOL_TAIL_DECISION_WAIT: '2s',
    });
    await startScaleStack(stack);
    const entry = await startHosts(stack, HOPS);
    for (let i = 0; i < TRACES; i += 4) {
      await Promise.all(
        [i, i + 1, i + 2, i + 3].map(async (n) => {
          const expect = { error: n % 5 === 0, costly: n % 7 === 3 };
          sent.set(await sendTrace(entry, { error: expect.error, cost: expect.costly ? 0.25 : 0 }), expect);
        }),
      );
    }
  });

  after(async () => {
    if (stack) await stopScaleStack(stack);
  });

  test('no trace is split across the gateways while the set is stable, and both gateways get a share', async (t) => {
    await guarded(stack, async () => {
      const received = await poll(
        'every span at the gateways',
        () => {
          const spans = ['gateway1', 'gateway2'].map((g) => gatewaySpans(stack, g, 'received'));
          const hops = spans.flat().filter((s) => s.name.startsWith('hop-') && sent.has(s.traceId));
          return new Set(hops.map((s) => s.spanId)).size === TRACES * HOPS ? spans : null;
        },
        { timeoutMs: 30_000 },
      );
      const gatewaysOf = new Map();
      received.forEach((spans, index) => {
        for (const span of spans) {
          if (!sent.has(span.traceId)) continue;
          if (!gatewaysOf.has(span.traceId)) gatewaysOf.set(span.traceId, new Set());
          gatewaysOf.get(span.traceId).add(index + 1);
        }
      });
      const split = [...gatewaysOf].filter(([, gateways]) => gateways.size > 1);
      assert.deepEqual(split, [], 'traces whose spans reached both gateways');
      const share = [1, 2].map((g) => [...gatewaysOf.values()].filter((set) => set.has(g)).length);
      t.diagnostic(`traces per gateway: ${share.join(' / ')} of ${TRACES}`);
      assert.ok(
        share.every((n) => n > 0),
        `both gateways receive traces (${share.join(' / ')})`,
      );
    })(t);
  });

  test("tail sampling keeps whole traces: the last process's error (or cost) keeps every process's span", async (t) => {
    await guarded(stack, async () => {
      const wanted = [...sent].filter(([, e]) => e.error || e.costly).map(([id]) => id);
      assert.ok(wanted.length >= 15, `${wanted.length} traces to keep`);
      const sampledHops = () => {
        const hops = new Map();
        for (const g of ['gateway1', 'gateway2']) {
          for (const span of gatewaySpans(stack, g, 'sampled')) {
            if (!span.name.startsWith('hop-') || !sent.has(span.traceId)) continue;
            if (!hops.has(span.traceId)) hops.set(span.traceId, new Set());
            hops.get(span.traceId).add(span.name);
          }
        }
        return [...hops].map(([id, names]) => `${id}:${names.size}`).sort();
      };
      // Decisions come OTELCOL_TAIL_DECISION_WAIT after a trace's first span; wait until the output stops growing.
      const kept = await settled('the sampled output', sampledHops, { stableMs: 4000, timeoutMs: 60_000 });
      assert.deepEqual(
        kept,
        wanted.map((id) => `${id}:${HOPS}`).sort(),
        'exactly the error and costly traces, each with the spans of all four processes',
      );
      // The same traces, whole, in Jaeger.
      const errorTrace = [...sent].find(([, e]) => e.error)[0];
      const trace = await poll(`trace ${errorTrace} in Jaeger`, async () => {
        const data = await getJson(`${stack.jaeger}/api/v3/traces/${errorTrace}`).catch(() => null);
        const services = data?.result?.resourceSpans?.map(
          (r) => r.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue,
        );
        return services?.length === HOPS ? services : null;
      });
      assert.deepEqual([...new Set(trace)].sort(), ['scale-host-0', 'scale-host-1', 'scale-host-2', 'scale-host-3']);
    })(t);
  });

  test('VictoriaMetrics holds span metrics from both gateways, labelled per gateway; genai-otel report reads it', async (t) => {
    await guarded(stack, async () => {
      const expr = 'sum by (gateway) (traces_span_metrics_calls_total{service_name="scale-host-3",span_name="hop-3"})';
      const byGateway = await poll(
        'span metrics of both gateways in VictoriaMetrics',
        async () => {
          const rows = await promQuery(stack.victoriametrics, expr);
          const total = rows.reduce((sum, row) => sum + Number(row.value[1]), 0);
          return rows.length === 2 && total === TRACES ? rows : null;
        },
        { timeoutMs: 60_000, intervalMs: 1000 },
      );
      assert.deepEqual(byGateway.map((row) => row.metric.gateway).sort(), ['gateway1', 'gateway2']);
      t.diagnostic(`hop-3 calls per gateway: ${byGateway.map((r) => `${r.metric.gateway}=${r.value[1]}`).join(' ')}`);

      const cli = join(ROOT, 'dist', 'cli', 'genai-otel.js');
      const env = { ...stack.env };
      for (const k of Object.keys(env)) if (/^(STACK_|OTELCOL_)/.test(k)) delete env[k];
      const report = await poll(
        'a report from VictoriaMetrics',
        async () => {
          const { stdout } = await execFileP(
            process.execPath,
            [
              cli,
              'report',
              '--prometheus',
              stack.victoriametrics,
              '--service',
              'scale-host-3',
              '--since',
              '15m',
              '--json',
            ],
            { cwd: ROOT, env, timeout: 60_000 },
          );
          const data = JSON.parse(stdout);
          return data.operations.some((row) => row.name === 'hop-3' && row.calls > 0) ? data : null;
        },
        { timeoutMs: 30_000, intervalMs: 1000 },
      );
      assert.match(report.source, new RegExp(`Prometheus at ${stack.victoriametrics}`));
      const hop = report.operations.find((row) => row.name === 'hop-3');
      t.diagnostic(`genai-otel report: hop-3 calls ${hop.calls}, errors ${hop.errors}`);
      // Summed over the gateways (VictoriaMetrics' increase() counts a new series from zero, without extrapolating).
      assert.equal(hop.calls, TRACES);
      assert.equal(hop.errors, [...sent.values()].filter((e) => e.error).length);
    })(t);
  });
});
