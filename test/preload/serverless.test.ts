// wrapHandler() in a frozen-after-invocation process: a runtime that freezes (SIGSTOP) after every invocation and
// thaws (SIGCONT) for the next, with the collector hanging for the first invocations and back for the last. Each
// invocation returns the handler's own value within the flush bound (a ratio of the bound), what the hanging collector
// did not take is spooled (and said so), and at the end every invocation's span has reached the collector.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { startOtlpReceiver, type OtlpReceiver } from '@genai-otel/mock-otlp-receiver';
import { fixture, otelEnv, repositoryRoot } from '../support/run-fixture.ts';

const FLUSH_TIMEOUT_MS = 600;

let receiver: OtlpReceiver;
before(async () => {
  receiver = await startOtlpReceiver();
});
after(async () => {
  await receiver.close();
});

/** Starts the runtime; `invoke` sends one command and resolves with the line the runtime prints for it. */
function startRuntime(env: Record<string, string | undefined>) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--require', 'genai-otel/register', fixture('serverless/frozen-runtime.cjs')],
    { cwd: repositoryRoot, env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  const waiting: ((line: string) => void)[] = [];
  child.stdout!.on('data', (data: Buffer) => {
    stdout += data.toString();
    let newline = stdout.indexOf('\n');
    while (newline >= 0) {
      const line = stdout.slice(0, newline);
      stdout = stdout.slice(newline + 1);
      waiting.shift()?.(line);
      newline = stdout.indexOf('\n');
    }
  });
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    invoke: (command: string) =>
      new Promise<string>((resolve) => {
        waiting.push(resolve);
        child.stdin!.write(`${command}\n`);
      }),
    /** Frozen between invocations, as a serverless platform does, then thawed. */
    freeze: async (millis: number) => {
      child.kill('SIGSTOP');
      await new Promise((resolve) => setTimeout(resolve, millis));
      child.kill('SIGCONT');
    },
    end: async () => {
      child.stdin!.end('exit\n');
      return { code: await exited, stderr };
    },
  };
}

const parse = (line: string) => {
  const match = /^returned (\d+) (.*) ([\d.]+) spooled=(\d+) dropped=(\d+)$/.exec(line);
  assert.ok(match, line);
  return { outcome: match[2]!, millis: Number(match[3]), spooled: Number(match[4]), dropped: Number(match[5]) };
};

describe('wrapHandler() with the collector hanging, then back, in a process frozen after each invocation', () => {
  const serviceName = 'serverless-frozen';
  const lines: ReturnType<typeof parse>[] = [];
  let ended: { code: number | null; stderr: string };

  before(async () => {
    receiver.setBehaviour({ hang: true });
    const runtime = startRuntime(
      otelEnv(receiver.url, {
        OTEL_SERVICE_NAME: serviceName,
        FLUSH_TIMEOUT_MS: String(FLUSH_TIMEOUT_MS),
        // Only the flush exports: no timer sends between invocations.
        OTEL_BSP_SCHEDULE_DELAY: '600000',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      }),
    );
    for (const [index, command] of ['invoke 1', 'fail 2', 'invoke 3'].entries()) {
      lines[index] = parse(await runtime.invoke(command));
      await runtime.freeze(300);
    }
    receiver.setBehaviour({});
    lines[3] = parse(await runtime.invoke('invoke 4'));
    await runtime.freeze(300);
    ended = await runtime.end();
  });

  test("each invocation returns the handler's own value or error", () => {
    assert.deepEqual(
      lines.map((line) => line.outcome),
      ['{"answer":2}', 'threw handler failed 2', '{"answer":6}', '{"answer":8}'],
    );
    assert.equal(ended.code, 0, ended.stderr);
  });

  test('with the collector hanging, an invocation takes no more than the flush bound (as a ratio of it)', () => {
    for (const line of lines.slice(0, 3)) assert.ok(line.millis / FLUSH_TIMEOUT_MS < 1.5, `${line.millis} ms`);
  });

  test('what the hanging collector did not take is spooled, not dropped, and the message says spooled', () => {
    // Counted when written: on a loaded machine a spool write may end just after the invocation returned.
    assert.ok(lines[0]!.spooled >= 1 || lines[1]!.spooled >= 1, JSON.stringify(lines));
    assert.ok(lines[3]!.spooled >= 3, JSON.stringify(lines));
    assert.deepEqual(
      lines.map((line) => line.dropped),
      [0, 0, 0, 0],
    );
    assert.match(ended.stderr, /items are spooled and sent by a later invocation or start/);
    assert.doesNotMatch(ended.stderr, /dropped/);
  });

  test('nothing is lost: every invocation’s span reaches the collector once it is back', async () => {
    const spans = await receiver.waitFor(
      'spans',
      (all) => all.filter((span) => span.resource['service.name'] === serviceName).length >= 4,
      10_000,
    );
    const ids = spans
      .filter((span) => span.resource['service.name'] === serviceName)
      .map((span) => span.attributes['gen_ai.response.id'])
      .sort();
    assert.deepEqual(ids, ['invocation-1', 'invocation-2', 'invocation-3', 'invocation-4']);
  });
});
