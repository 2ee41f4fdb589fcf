// End-to-end test of a gateway leaving the pool while traffic flows, with real processes: four "host" processes ->
// the agent (load balancing by trace id, DNS resolver re-read every second) -> two gateways (tail sampling keeps
// every trace here) -> Jaeger. What reaches Jaeger is compared with what was sent:
//
//   - kill -9 of a gateway, then its removal from DNS: the traffic moves to the survivor; what is lost is the dead
//     gateway's tail-sampling buffer (the traces it was holding for OTELCOL_TAIL_DECISION_WAIT), measured here;
//   - removal from DNS, then SIGTERM, then the gateway back on its storage (a rolling restart): tail sampling decides
//     its pending traces before it exits, its persistent queue sends what it still held once it is back, and nothing
//     is lost;
//   - removal from DNS, then SIGTERM while trace storage is stopped, and the gateway never comes back (a scale-down):
//     what its persistent queue held stays on its storage and is lost, until the drain users run for that case
//     (scripts/stack.sh drain, as the Kubernetes drain Job) sends it on: then nothing is lost.
//
//   scripts/stack.sh install --profile scale && npm run build && GENAI_OTEL_E2E=1 node --test test/e2e/scale-failover.e2e.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { guarded, poll } from './support/stack.mjs';
import {
  SCALE_SKIP,
  gatewaySpans,
  hopsInJaeger,
  makeScaleStack,
  pidOf,
  scaleCmd,
  sendContinuously,
  settled,
  startHosts,
  startScaleStack,
  stopScaleStack,
} from './support/scale.mjs';

const HOPS = 4;
const DECISION_WAIT_S = 4;
const DNS_INTERVAL_S = 1;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('scale-out: a gateway leaves the pool while traffic flows', { skip: SCALE_SKIP }, () => {
  let stack;
  let entry;

  before(async () => {
    stack = await makeScaleStack('scale-failover', {
      OTELCOL_TAIL_SAMPLE_PERCENT: '100',
      OTELCOL_TAIL_DECISION_WAIT: `${DECISION_WAIT_S}s`,
      STACK_SCALE_DNS_INTERVAL: `${DNS_INTERVAL_S}s`,
    });
    await startScaleStack(stack);
    entry = await startHosts(stack, HOPS);
  });

  after(async () => {
    if (stack) await stopScaleStack(stack);
  });

  /** Of the traces `sent`, those Jaeger holds whole, once what it holds stops changing. */
  async function delivered(sent, since) {
    const ids = new Set(sent.map((s) => s.traceId));
    const complete = await settled(
      'Jaeger to hold every trace it will get',
      async () => {
        const hops = await hopsInJaeger(stack, 'scale-host-0', since);
        return [...hops].filter(([id, names]) => ids.has(id) && names.size === HOPS).map(([id]) => id);
      },
      { stableMs: (DECISION_WAIT_S + 3) * 1000, timeoutMs: 90_000 },
    );
    return new Set(complete);
  }

  test('kill -9: traffic moves to the survivor; the dead gateway loses the traces it was holding', async (t) => {
    await guarded(stack, async () => {
      const since = Date.now();
      const traffic = sendContinuously(entry);
      await sleep(3000);
      const killedAt = Date.now();
      process.kill(pidOf(stack, 'gateway2'), 'SIGKILL');
      await scaleCmd(stack, 'pool', 'gateway1');
      await sleep(5000);
      const sent = await traffic.stop();
      assert.deepEqual(traffic.failures, [], 'the apps never notice');
      const complete = await delivered(sent, since);
      const lost = sent.filter((s) => !complete.has(s.traceId));
      // After the DNS change (and the agent's retry of what failed meanwhile), everything reaches the survivor.
      const settledAt = killedAt + (DNS_INTERVAL_S + 2) * 1000;
      const lostLater = lost.filter((s) => s.at > settledAt);
      // What was lost had reached gateway2 at most a decision wait before the kill (its buffer), or was in flight.
      const buffered = sent.filter((s) => s.at >= killedAt - (DECISION_WAIT_S + 1) * 1000 && s.at <= settledAt);
      t.diagnostic(
        `kill -9: ${sent.length} traces sent, ${complete.size} whole in Jaeger, ${lost.length} lost ` +
          `(${((100 * lost.length) / sent.length).toFixed(1)} %); ${buffered.length} sent within the decision wait before the kill`,
      );
      assert.deepEqual(lostLater, [], 'traces sent after the pool changed are all delivered');
      assert.ok(lost.length > 0, 'a kill -9 loses the tail-sampling buffer (if this fails, the README is wrong)');
      assert.ok(lost.length <= buffered.length, `lost ${lost.length} <= ${buffered.length} in the buffer window`);
    })(t);
  });

  test('SIGTERM after leaving DNS (a rolling restart): nothing is lost', async (t) => {
    await guarded(stack, async () => {
      await scaleCmd(stack, 'up', 'gateway2');
      await scaleCmd(stack, 'pool', 'gateway1', 'gateway2');
      await sleep((DNS_INTERVAL_S + 1) * 1000);
      const since = Date.now();
      const traffic = sendContinuously(entry);
      await sleep(3000);
      await scaleCmd(stack, 'pool', 'gateway1');
      await sleep((DNS_INTERVAL_S + 1) * 1000);
      await scaleCmd(stack, 'down', 'gateway2');
      await sleep(2000);
      const sent = await traffic.stop();
      // A rolling restart brings the gateway back on its own storage: what its exporter still held at SIGTERM (the
      // collector leaves a persistent queue on disk at shutdown instead of draining it) goes out then. Without that
      // storage (an emptyDir in Kubernetes) those traces are lost: the README says so.
      await scaleCmd(stack, 'up', 'gateway2');
      assert.deepEqual(traffic.failures, [], 'the apps never notice');
      const complete = await delivered(sent, since);
      const lost = sent.filter((s) => !complete.has(s.traceId));
      t.diagnostic(`SIGTERM: ${sent.length} traces sent, ${complete.size} whole in Jaeger, ${lost.length} lost`);
      // Where the missing ones were last seen, to tell a routing loss from a gateway's exit.
      const seen = (traceId) =>
        ['gateway1', 'gateway2']
          .flatMap((g) =>
            ['received', 'sampled'].map(
              (kind) => `${g}-${kind}:${gatewaySpans(stack, g, kind).filter((x) => x.traceId === traceId).length}`,
            ),
          )
          .join(' ');
      assert.deepEqual(
        lost.map((s) => `${s.traceId} sent ${s.at - since} ms in, ${seen(s.traceId)}`),
        [],
        'every trace is whole in Jaeger',
      );
    })(t);
  });

  test('SIGTERM for good (a scale-down) with trace storage stopped: the drain sends on what its queue kept', async (t) => {
    await guarded(stack, async () => {
      await scaleCmd(stack, 'pool', 'gateway1', 'gateway2');
      await sleep((DNS_INTERVAL_S + 1) * 1000);
      const since = Date.now();
      const traffic = sendContinuously(entry);
      await sleep(2000);
      // Trace storage stops answering: both gateways' queues fill, so gateway2 holds traces at its SIGTERM.
      const jaeger = pidOf(stack, 'jaeger');
      process.kill(jaeger, 'SIGSTOP');
      try {
        await sleep(2000);
        await scaleCmd(stack, 'pool', 'gateway1');
        await sleep((DNS_INTERVAL_S + 1) * 1000);
        await scaleCmd(stack, 'down', 'gateway2');
        await sleep(1000);
      } finally {
        process.kill(jaeger, 'SIGCONT');
      }
      const sent = await traffic.stop();
      assert.deepEqual(traffic.failures, [], 'the apps never notice');
      // gateway1 sends its own queue once storage answers again (its retry backs off up to 10 s).
      await queueEmpty('gateway1');
      const before = await delivered(sent, since);
      const lostBefore = sent.filter((s) => !before.has(s.traceId));
      const sampledBy2 = new Set(gatewaySpans(stack, 'gateway2', 'sampled').map((x) => x.traceId));
      assert.ok(lostBefore.length > 0, 'without the drain, the traces gateway2 still held are lost');
      assert.deepEqual(
        lostBefore.filter((s) => !sampledBy2.has(s.traceId)).map((s) => s.traceId),
        [],
        'what is missing is what gateway2 had kept',
      );

      const drainStarted = Date.now();
      const output = await scaleCmd(stack, 'drain', 'gateway2');
      const drainMs = Date.now() - drainStarted;
      const after = await delivered(sent, since);
      const lost = sent.filter((s) => !after.has(s.traceId));
      t.diagnostic(
        `scale-down: ${sent.length} traces sent, ${lostBefore.length} missing before the drain, ${lost.length} after ` +
          `(drain ${drainMs} ms)`,
      );
      assert.match(output, /gateway2: queue sent on/);
      assert.deepEqual(
        lost.map((s) => s.traceId),
        [],
        'every trace is whole in Jaeger after the drain',
      );
    })(t);
  });

  /** Waits until a running gateway's queue towards trace storage holds nothing (stored or being sent). */
  async function queueEmpty(gateway) {
    const url = `http://${gateway === 'gateway1' ? '127.0.0.2' : '127.0.0.3'}:${stack.ports.GATEWAY_METRICS_PORT}/metrics`;
    await poll(
      `${gateway}'s queue to be empty`,
      async () => {
        const text = await (await fetch(url)).text();
        const line = text
          .split('\n')
          .find((l) => l.startsWith('otelcol_exporter_queue_size{') && l.includes('otlp_grpc/jaeger'));
        return line && Number(line.split(' ').at(-1)) === 0;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  }
});
