// Fault injection against a real local receiver: the collector goes away and comes back, answers 429/503/500, hangs,
// resets connections; the app is killed with SIGKILL; the spool's disk is full or read-only. Nothing the app does may
// fail, and nothing may be lost except what the OTLP specification says not to retry (HTTP 500) — which is counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpReceiver, type OtlpReceiver, type Behaviour } from '@genai-otel/mock-otlp-receiver';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';
import { closedPort } from '../support/ports.ts';
import { spoolStatus, spooledItems, spooledPayloads } from '../support/spool-files.ts';
import { spoolFolderFor } from '../support/spool-location.ts';

const sequencesOf = (receiver: OtlpReceiver, service: string) =>
  new Set(
    receiver
      .spans()
      .filter((span) => span.resource['service.name'] === service)
      .map((span) => span.attributes['producer.seq'] as number),
  );

function producerEnv(endpoint: string, service: string, extra: Record<string, string> = {}) {
  return otelEnv(endpoint, {
    OTEL_SERVICE_NAME: service,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '200',
    OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
    GENAI_OTEL_SHUTDOWN_TIMEOUT_MS: '10000',
    ...extra,
  });
}

test('the collector is away for the first part of a 3 s run: every span arrives, in order of sending, none lost', async () => {
  const port = await closedPort();
  const env = producerEnv(`http://127.0.0.1:${port}`, 'outage-seconds', {
    PRODUCER_SPANS: '3000',
    PRODUCER_RATE: '1000',
    PRODUCER_HOLD_MS: '500',
  });
  // The collector comes back once the app has spooled its first batch (and at least 1.5 s after the start): a fixed
  // delay alone let a slowly starting app on a busy machine find the collector already there, with nothing spooled.
  let receiver: OtlpReceiver | undefined;
  const started = Date.now();
  const watch = setInterval(() => {
    if (receiver !== undefined || Date.now() - started < 1500) return;
    if (spooledPayloads(env.GENAI_OTEL_SPOOL_DIR!).length === 0) return;
    clearInterval(watch);
    void startOtlpReceiver({ port }).then((up) => (receiver = up));
  }, 50);
  const result = await runFixture(fixture('span-producer.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env,
  });
  clearInterval(watch);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(receiver, 'receiver came back');
  const received = sequencesOf(receiver, 'outage-seconds');
  await receiver.close();
  assert.equal(received.size, 3000, `received ${received.size} of 3000`);
  const status = spoolStatus(env.GENAI_OTEL_SPOOL_DIR!);
  assert.ok(
    status.signals.traces.spooled! > 0 && status.signals.traces.replayed === status.signals.traces.spooled,
    JSON.stringify(status.signals.traces),
  );
  assert.equal(status.signals.traces.dropped, 0);
});

const retryableFaults: [string, Behaviour][] = [
  ['429 with Retry-After', { status: 429, retryAfterSeconds: 1, times: 3 }],
  ['503', { status: 503, times: 3 }],
  ['hangs (no answer within the export timeout)', { hang: true, times: 2 }],
  ['resets the connection', { resetConnection: true, times: 3 }],
];

for (const [fault, behaviour] of retryableFaults) {
  test(`the collector ${fault}: every span arrives once it behaves again`, async () => {
    const receiver = await startOtlpReceiver();
    receiver.setBehaviour(behaviour);
    const service = `fault-${fault.replace(/\W+/g, '-')}`;
    const result = await runFixture(fixture('span-producer.cjs'), {
      nodeArgs: ['--require', 'genai-otel/register'],
      env: producerEnv(receiver.url, service, {
        PRODUCER_SPANS: '2000',
        PRODUCER_RATE: '2000',
        OTEL_EXPORTER_OTLP_TIMEOUT: '500',
      }),
    });
    assert.equal(result.code, 0, result.stderr);
    const received = sequencesOf(receiver, service);
    await receiver.close();
    assert.equal(received.size, 2000, `received ${received.size} of 2000; stderr: ${result.stderr}`);
  });
}

test('the collector answers 500 twice: those batches are tried again from the spool, and arrive', async () => {
  const receiver = await startOtlpReceiver();
  receiver.setBehaviour({ status: 500, times: 2 });
  const env = producerEnv(receiver.url, 'fault-500-passing', { PRODUCER_SPANS: '1000', PRODUCER_RATE: '2000' });
  const result = await runFixture(fixture('span-producer.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env,
  });
  assert.equal(result.code, 0);
  const received = sequencesOf(receiver, 'fault-500-passing').size;
  await receiver.close();
  assert.equal(received, 1000, result.stderr);
});

test('the collector answers 500 to everything: after four attempts the data is dropped, counted and reported once; the app is unaffected', async () => {
  const receiver = await startOtlpReceiver();
  receiver.setBehaviour({ status: 500 });
  const env = producerEnv(receiver.url, 'fault-500', {
    PRODUCER_SPANS: '1000',
    PRODUCER_RATE: '2000',
    GENAI_OTEL_SHUTDOWN_TIMEOUT_MS: '3000',
  });
  const result = await runFixture(fixture('span-producer.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env,
  });
  assert.equal(result.code, 0);
  assert.equal(result.stderr.match(/the collector rejected spooled traces \(HTTP 500\)/g)?.length, 1, result.stderr);
  await receiver.close();
  const status = spoolStatus(env.GENAI_OTEL_SPOOL_DIR!);
  // What has not used up its attempts by the exit waits in the spool for the next run: nothing vanishes uncounted.
  const waiting = spooledItems(env.GENAI_OTEL_SPOOL_DIR!);
  assert.ok(status.signals.traces.dropped! > 0, JSON.stringify(status.signals.traces));
  assert.equal(
    status.signals.traces.dropped! + waiting,
    1000,
    `${JSON.stringify(status.signals.traces)}, ${waiting} waiting`,
  );
});

test('SIGKILL mid-run: what was spooled is replayed by the next start of the app', async () => {
  const spoolDirectory = mkdtempSync(join(tmpdir(), 'spool-kill-'));
  const port = await closedPort();
  const env = producerEnv(`http://127.0.0.1:${port}`, 'killed', {
    PRODUCER_SPANS: '1500',
    PRODUCER_HOLD_MS: '60000',
    GENAI_OTEL_SPOOL_DIR: spoolDirectory,
  });
  const first = await runFixture(fixture('span-producer.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env,
    onLine: {
      line: 'produced',
      then: (child) => {
        // Kill once every span sits in the spool.
        const poll = setInterval(() => {
          const spooled = spooledItems(spoolDirectory);
          if (spooled >= 1500) {
            clearInterval(poll);
            child.kill('SIGKILL');
          }
        }, 50);
      },
    },
  });
  assert.equal(first.signal, 'SIGKILL');
  const receiver = await startOtlpReceiver({ port });
  const second = await runFixture(fixture('span-producer.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env: { ...env, PRODUCER_SPANS: '0', PRODUCER_HOLD_MS: '0' },
  });
  assert.equal(second.code, 0, second.stderr);
  const received = sequencesOf(receiver, 'killed');
  await receiver.close();
  assert.equal(received.size, 1500, `replayed ${received.size} of 1500`);
  assert.deepEqual(spooledPayloads(spoolDirectory), [], 'the spool is empty after the replay');
});

test('a corrupt file in the spool is rejected by the collector, dropped and counted; the rest is replayed', async () => {
  const spoolDirectory = mkdtempSync(join(tmpdir(), 'spool-corrupt-'));
  const receiver = await startOtlpReceiver();
  const env = producerEnv(receiver.url, 'corrupt', { PRODUCER_SPANS: '100', GENAI_OTEL_SPOOL_DIR: spoolDirectory });
  const folder = spoolFolderFor(env, 'traces');
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, `${String(Date.now() - 1000).padStart(15, '0')}-1-000000.20.traces.protobuf.7.otlp`),
    'this is not protobuf',
  );
  const result = await runFixture(fixture('span-producer.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env,
  });
  assert.equal(result.code, 0);
  assert.equal(sequencesOf(receiver, 'corrupt').size, 100);
  await receiver.close();
  assert.equal(spoolStatus(spoolDirectory).signals.traces.dropped, 7);
});

function tryMount(directory: string, options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', directory], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('the spool disk is full: the oldest data is dropped and counted, the app runs on and exits normally', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'spool-full-'));
  if (!tryMount(directory, 'size=256k')) return t.skip('mounting a tmpfs needs root');
  try {
    const port = await closedPort();
    const env = producerEnv(`http://127.0.0.1:${port}`, 'disk-full', {
      PRODUCER_SPANS: '20000',
      GENAI_OTEL_SPOOL_DIR: join(directory, 'spool'),
      GENAI_OTEL_SHUTDOWN_TIMEOUT_MS: '2000',
    });
    const result = await runFixture(fixture('span-producer.cjs'), {
      nodeArgs: ['--require', 'genai-otel/register'],
      env,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /could not write to the spool .*\(ENOSPC\)/);
  } finally {
    execFileSync('umount', [directory]);
  }
});

test('the spool directory is read-only: one diagnostic, nothing thrown, the app exits normally', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'spool-ro-'));
  mkdirSync(join(directory, 'x'));
  if (!tryMount(directory, 'ro,size=64k')) return t.skip('mounting a tmpfs needs root');
  try {
    const port = await closedPort();
    const env = producerEnv(`http://127.0.0.1:${port}`, 'read-only', {
      PRODUCER_SPANS: '500',
      GENAI_OTEL_SPOOL_DIR: join(directory, 'spool'),
      GENAI_OTEL_SHUTDOWN_TIMEOUT_MS: '1000',
    });
    const result = await runFixture(fixture('span-producer.cjs'), {
      nodeArgs: ['--require', 'genai-otel/register'],
      env,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'produced');
    assert.match(result.stderr, /GENAI_OTEL_SPOOL_DIR=".*" cannot be created/);
  } finally {
    execFileSync('umount', [directory]);
  }
});

test('a burst of 100,000 spans is exported without a drop', async () => {
  const receiver = await startOtlpReceiver();
  const env = producerEnv(receiver.url, 'burst', {
    PRODUCER_SPANS: '100000',
    OTEL_BSP_SCHEDULE_DELAY: '1000',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048',
  });
  const result = await runFixture(fixture('span-producer.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env,
    timeoutMillis: 60000,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.ok(!/Dropped \d+ spans/.test(result.stderr), result.stderr);
  const received = sequencesOf(receiver, 'burst').size;
  await receiver.close();
  assert.equal(received, 100000);
});

test('spans ended faster than the queue can take while the event loop is blocked: the drops are counted and reported', async () => {
  const receiver = await startOtlpReceiver();
  const env = producerEnv(receiver.url, 'queue-full', {
    PRODUCER_SPANS: '5000',
    PRODUCER_SYNC: '1',
    OTEL_BSP_MAX_QUEUE_SIZE: '1000',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '500',
  });
  const result = await runFixture(fixture('span-producer.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env,
  });
  assert.equal(result.code, 0);
  const received = sequencesOf(receiver, 'queue-full').size;
  await receiver.close();
  assert.match(result.stderr, /spans were dropped because the span queue \(OTEL_BSP_MAX_QUEUE_SIZE=1000\) was full/);
  const status = spoolStatus(env.GENAI_OTEL_SPOOL_DIR!);
  assert.equal(
    status.signals.traces.dropped! + received,
    5000,
    `dropped ${status.signals.traces.dropped} + received ${received}`,
  );
});
