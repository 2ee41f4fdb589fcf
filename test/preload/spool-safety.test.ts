// The spool against a hostile neighbour and against what an outage leaves behind: a folder another local user made
// first, a named pipe or a link among the payloads, leftovers meant for another collector, and a huge stale spool.
// The app must never send what it did not write, never send a payload to another destination, and exit as fast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { startOtlpReceiver, type OtlpReceiver } from '@genai-otel/mock-otlp-receiver';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';
import { closedPort } from '../support/ports.ts';
import { spoolFolderFor } from '../support/spool-location.ts';

const NOBODY = 65534;
const runsAsRoot = process.getuid?.() === 0;

/** Every `*.otlp` payload file under `root`, at any depth. */
function payloadFiles(root: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.otlp')) found.push(join(entry.parentPath, entry.name));
  }
  return found.sort();
}

/** A payload name like `name` (same signal, encoding, items and size) but `millisEarlier` older, with its own sequence. */
function olderName(name: string, millisEarlier: number, sequence: number): string {
  const [, time, pid, rest] = /^(\d{15})-(\d+)-\d{6}(\..+)$/.exec(name)!;
  return `${String(Number(time) - millisEarlier).padStart(15, '0')}-${pid}-${String(sequence).padStart(6, '0')}${rest}`;
}

const bodiesContain = (receiver: OtlpReceiver, marker: string) =>
  receiver.requests().some((request) => request.body.includes(marker));

/** An OTLP/JSON traces request with one span named `name`. */
function plantedSpans(name: string): string {
  const span = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    name,
    kind: 1,
    startTimeUnixNano: '1',
    endTimeUnixNano: '2',
  };
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'neighbour' }, spans: [span] }] }],
  });
}

/**
 * A temp folder standing for the shared /tmp, in which another user (uid 65534) made every folder the app's spool
 * could be in, world-writable, and planted a payload (with names the app gives) in each.
 */
function neighbourTmpdir(env: (tmp: string) => Record<string, string | undefined>): string {
  const tmp = mkdtempSync(join(tmpdir(), 'spool-neighbour-'));
  const service = env(tmp).OTEL_SERVICE_NAME!;
  const payload = plantedSpans('planted-by-a-neighbour');
  const time = String(Date.now() - 60_000).padStart(15, '0');
  const oldLayout = join(tmp, 'genai-otel-spool', service);
  const perUser = spoolFolderFor(env(tmp), 'traces');
  mkdirSync(oldLayout, { recursive: true });
  mkdirSync(perUser, { recursive: true });
  writeFileSync(join(oldLayout, `${time}-1-000000.traces.json.1.otlp`), payload);
  writeFileSync(join(perUser, `${time}-1-000000.${Buffer.byteLength(payload)}.traces.json.1.otlp`), payload);
  for (const folder of [
    oldLayout,
    dirname(oldLayout),
    perUser,
    dirname(perUser),
    dirname(dirname(perUser)),
    dirname(dirname(dirname(perUser))),
  ]) {
    chmodSync(folder, 0o777);
    chownSync(folder, NOBODY, NOBODY);
  }
  for (const file of payloadFiles(tmp)) chownSync(file, NOBODY, NOBODY);
  return tmp;
}

/** What this process's user wrote in the folders the neighbour made (the temp folder holds Node's compile cache too). */
function ownFilesUnder(tmp: string): string[] {
  const planted = readdirSync(tmp)
    .filter((name) => name.startsWith('genai-otel-'))
    .map((name) => join(tmp, name));
  return planted
    .flatMap((root) => readdirSync(root, { recursive: true, encoding: 'utf8' }).map((path) => join(root, path)))
    .filter((path) => statSync(path).uid === process.getuid!());
}

test(
  'the default spool folder was made first by another local user: it is not used, the app says so once and exits normally',
  { skip: !runsAsRoot && 'needs root to make a folder of another user' },
  async () => {
    const port = await closedPort();
    const env = (tmp: string) =>
      otelEnv(`http://127.0.0.1:${port}`, {
        TMPDIR: tmp,
        GENAI_OTEL_SPOOL_DIR: undefined,
        OTEL_SERVICE_NAME: 'neighbour-away',
        OTEL_METRICS_EXPORTER: 'none',
      });
    const tmp = neighbourTmpdir(env);
    const result = await runFixture(fixture('llm-call.cjs'), {
      nodeArgs: ['--require', 'genai-otel/register'],
      env: env(tmp),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'app finished');
    assert.deepEqual(ownFilesUnder(tmp), [], "nothing of the app was written in the neighbour's folders");
    assert.equal(
      result.stderr.match(/is not private to this user \(.*belongs to another user \(uid 65534/g)?.length,
      1,
      result.stderr,
    );
  },
);

test(
  "payloads another local user planted in the default spool folder are never sent (with the app's credentials)",
  { skip: !runsAsRoot && 'needs root to make a folder of another user' },
  async () => {
    const receiver = await startOtlpReceiver();
    try {
      const env = (tmp: string) =>
        otelEnv(receiver.url, {
          TMPDIR: tmp,
          GENAI_OTEL_SPOOL_DIR: undefined,
          OTEL_SERVICE_NAME: 'neighbour-here',
          OTEL_METRICS_EXPORTER: 'none',
          OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer app-secret',
        });
      const tmp = neighbourTmpdir(env);
      const result = await runFixture(fixture('llm-call.cjs'), {
        nodeArgs: ['--require', 'genai-otel/register'],
        env: env(tmp),
      });
      assert.equal(result.code, 0, result.stderr);
      await receiver.waitFor('spans', (spans) => spans.some((span) => span.name === 'invoke_agent support-agent'));
      assert.equal(bodiesContain(receiver, 'planted-by-a-neighbour'), false, 'a planted payload was sent');
    } finally {
      await receiver.close();
    }
  },
);

test('a named pipe and a link among the spooled payloads are skipped: the replay and the exit finish, nothing outside the folder is sent', async () => {
  const port = await closedPort();
  const env = otelEnv(`http://127.0.0.1:${port}`, {
    OTEL_SERVICE_NAME: 'pipe-and-link',
    OTEL_METRICS_EXPORTER: 'none',
  });
  const away = await runFixture(fixture('llm-call.cjs'), { nodeArgs: ['--require', 'genai-otel/register'], env });
  assert.equal(away.code, 0, away.stderr);
  const [spooled] = payloadFiles(env.GENAI_OTEL_SPOOL_DIR!);
  assert.ok(spooled !== undefined, 'the first run spooled its spans');
  // Older than the real payload, so that the replay meets them first.
  const outside = join(mkdtempSync(join(tmpdir(), 'outside-the-spool-')), 'secret.txt');
  writeFileSync(outside, 'outside-the-spool: a file the spool must never read');
  symlinkSync(outside, join(dirname(spooled), olderName(basename(spooled), 2000, 1)));
  execFileSync('mkfifo', [join(dirname(spooled), olderName(basename(spooled), 1000, 2))]);

  const receiver = await startOtlpReceiver({ port });
  try {
    const next = await runFixture(fixture('idle-app.cjs'), {
      nodeArgs: ['--require', 'genai-otel/register'],
      env,
      timeoutMillis: 15_000,
    });
    assert.equal(next.code, 0, next.stderr);
    await receiver.waitFor('spans', (spans) => spans.some((span) => span.name === 'invoke_agent support-agent'));
    assert.equal(bodiesContain(receiver, 'outside-the-spool'), false, 'the file behind the link was sent');
    assert.equal(readFileSync(outside, 'utf8'), 'outside-the-spool: a file the spool must never read');
  } finally {
    await receiver.close();
  }
});

test('spooled payloads are replayed only to the destination they were for: not to another endpoint, nor another environment', async () => {
  const spool = mkdtempSync(join(tmpdir(), 'spool-destinations-'));
  const stagingPort = await closedPort();
  const env = (port: number, environment: string) =>
    otelEnv(`http://127.0.0.1:${port}`, {
      GENAI_OTEL_SPOOL_DIR: spool,
      OTEL_SERVICE_NAME: 'checkout',
      OTEL_RESOURCE_ATTRIBUTES: `deployment.environment.name=${environment}`,
      OTEL_METRICS_EXPORTER: 'none',
    });
  const staging = await runFixture(fixture('llm-call.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env: env(stagingPort, 'staging'),
  });
  assert.equal(staging.code, 0, staging.stderr);
  assert.ok(payloadFiles(spool).length > 0, 'the staging run spooled its spans');

  const production = await startOtlpReceiver();
  try {
    const other = await runFixture(fixture('idle-app.cjs'), {
      nodeArgs: ['--require', 'genai-otel/register'],
      env: env(production.port, 'staging'),
    });
    assert.equal(other.code, 0, other.stderr);
    assert.deepEqual(
      production.spans().map((span) => span.name),
      [],
      "another endpoint received the staging run's spans",
    );
  } finally {
    await production.close();
  }
  const stagingCollector = await startOtlpReceiver({ port: stagingPort });
  try {
    const otherEnvironment = await runFixture(fixture('idle-app.cjs'), {
      nodeArgs: ['--require', 'genai-otel/register'],
      env: env(stagingPort, 'production'),
    });
    assert.equal(otherEnvironment.code, 0, otherEnvironment.stderr);
    assert.deepEqual(
      stagingCollector.spans().map((span) => span.name),
      [],
      'a run of another environment replayed them',
    );
    // Kept for their own destination: the next staging run sends them.
    const again = await runFixture(fixture('idle-app.cjs'), {
      nodeArgs: ['--require', 'genai-otel/register'],
      env: env(stagingPort, 'staging'),
    });
    assert.equal(again.code, 0, again.stderr);
    await stagingCollector.waitFor('spans', (spans) =>
      spans.some(
        (span) =>
          span.name === 'invoke_agent support-agent' && span.resource['deployment.environment.name'] === 'staging',
      ),
    );
  } finally {
    await stagingCollector.close();
  }
});

test('with no collector, a one-span script exits with about the same work with 30,000 stale payloads in its spool as with an empty one', async (t) => {
  const port = await closedPort();
  const env = (spool: string) =>
    otelEnv(`http://127.0.0.1:${port}`, {
      GENAI_OTEL_SPOOL_DIR: spool,
      OTEL_SERVICE_NAME: 'stale-spool',
      OTEL_METRICS_EXPORTER: 'none',
    });
  const full = mkdtempSync(join(tmpdir(), 'spool-stale-'));
  const empties: string[] = [];
  t.after(() => {
    for (const folder of [full, ...empties]) rmSync(folder, { recursive: true, force: true });
  });
  const first = await runFixture(fixture('llm-call.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env: env(full),
  });
  assert.equal(first.code, 0, first.stderr);
  const [spooled] = payloadFiles(full);
  assert.ok(spooled !== undefined);
  const payload = readFileSync(spooled);
  for (let index = 0; index < 30_000; index++)
    writeFileSync(join(dirname(spooled), olderName(basename(spooled), 3_600_000 - index, index % 1_000_000)), payload);

  // The process's own CPU time (the spool's file system calls included): on a busy machine wall time mostly measures
  // the neighbours. Wall time is checked too, loosely.
  const exitCost = async (spool: string) => {
    const result = await runFixture(fixture('llm-call.cjs'), {
      nodeArgs: ['--require', 'genai-otel/register', '--require', fixture('cpu-at-exit.cjs')],
      env: env(spool),
      timeoutMillis: 30_000,
    });
    assert.equal(result.code, 0, result.stderr);
    return { cpu: Number(/cpu-at-exit ([\d.]+)/.exec(result.stderr)![1]), wall: result.elapsedMillis };
  };
  const withEmpty: { cpu: number; wall: number }[] = [];
  const withStale: { cpu: number; wall: number }[] = [];
  for (let round = 0; round < 4; round++) {
    empties.push(mkdtempSync(join(tmpdir(), 'spool-empty-')));
    withEmpty.push(await exitCost(empties.at(-1)!));
    withStale.push(await exitCost(full));
  }
  // Reading the spool's bounded share of names costs a one-span script about 1.2x; reading every file, as before,
  // cost 4.5x at 30,000 (and grew with the count). The cheapest of a few runs each keeps out the noise.
  const ratio = (measure: 'cpu' | 'wall') =>
    Math.min(...withStale.map((run) => run[measure])) / Math.min(...withEmpty.map((run) => run[measure]));
  const figures = `CPU ${withStale.map((run) => run.cpu).join(', ')} vs ${withEmpty.map((run) => run.cpu).join(', ')} ms; wall ${withStale.map((run) => run.wall).join(', ')} vs ${withEmpty.map((run) => run.wall).join(', ')} ms`;
  assert.ok(
    ratio('cpu') < 1.6,
    `the exit with 30,000 stale payloads cost ${ratio('cpu').toFixed(2)}x the CPU of one with an empty spool (${figures})`,
  );
  assert.ok(
    ratio('wall') < 3,
    `the exit with 30,000 stale payloads took ${ratio('wall').toFixed(2)}x as long as with an empty spool (${figures})`,
  );
  assert.ok(
    payloadFiles(full).length >= 30_000,
    'the stale payloads are kept for a collector, not thrown away at exit',
  );
});
