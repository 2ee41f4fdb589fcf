// `npm run demo` end to end with no collector: the sample agent runs under the preload against the simulated OpenAI
// API, its telemetry lands in the local files (and the spool), and the demo prints the last trace's tree and the
// report of the run with the genai-otel CLI. (With the stack up: test/e2e/demo-cli.e2e.test.mjs.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logsOf, spansOf } from '../../src/cli/telemetry/otlp-json.ts';
import { runFixture, type FixtureResult } from '../support/run-fixture.ts';
import { closedPort, traceIdsIn } from '../support/support-agent.ts';
import { spoolStatus, spooledPayloads } from '../support/spool-files.ts';

const demoScript = fileURLToPath(new URL('../../scripts/demo.mjs', import.meta.url));

const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);

describe('npm run demo without a collector', () => {
  let folder: string;
  let demo: FixtureResult;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'genai-otel-demo-'));
    const env: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(process.env))
      if (!/^(OTEL_|GENAI_OTEL_|OPENAI_|DEMO_)/.test(key)) env[key] = value;
    demo = await runFixture(demoScript, {
      env: {
        ...env,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
        GENAI_OTEL_FILE_DIR: join(folder, 'files'),
        GENAI_OTEL_SPOOL_DIR: join(folder, 'spool'),
        GENAI_OTEL_JAEGER_URL: `http://127.0.0.1:${await closedPort()}`,
        GENAI_OTEL_PROMETHEUS_URL: `http://127.0.0.1:${await closedPort()}`,
        DEMO_SPEED: '4',
      },
      timeoutMillis: 60_000,
    });
  });

  after(() => rmSync(folder, { recursive: true, force: true }));

  test('runs the agent on the simulated OpenAI API and says where telemetry goes', (t) => {
    assert.equal(demo.code, 0, `${demo.stdout}\n${demo.stderr}`);
    t.diagnostic(`demo took ${demo.elapsedMillis} ms at DEMO_SPEED=4`);
    assert.match(demo.stdout, /LLM: a simulated OpenAI API at http:\/\/127\.0\.0\.1:\d+\/v1 \(no key, no network\)/);
    assert.match(
      demo.stdout,
      /Telemetry: no collector at http:\/\/127\.0\.0\.1:\d+, so OTLP\/JSON files in \.genai-otel\//,
    );
    for (const customer of ['Alice', 'Bob', 'Carol']) assert.match(demo.stdout, new RegExp(`\\] ${customer}: `));
    assert.match(demo.stdout, /\[session-bob-1\] {3}disliked, regenerated/);
    assert.equal(traceIdsIn(demo.stdout).length, 7, 'six questions, one answered twice');
    // The one diagnostic: the collector is away, so telemetry is spooled (said once, not per export).
    const diagnostics = demo.stderr.split('\n').filter((line) => line.startsWith('genai-otel:'));
    assert.equal(diagnostics.length, 1, demo.stderr);
    assert.match(diagnostics[0]!, /cannot take traces now \(ECONNREFUSED\); they wait in the spool/);
  });

  test('ends with the trace tree of the last interaction and the report of the run, printed by the CLI', () => {
    const last = traceIdsIn(demo.stdout.slice(0, demo.stdout.indexOf('The last interaction:'))).at(-1)!;
    const tail = demo.stdout.slice(demo.stdout.indexOf('The last interaction:'));
    assert.match(
      tail,
      new RegExp(`\\$ genai-otel traces --source files --trace ${last}\\ntrace ${last}  support-assistant-demo  `),
    );
    assert.match(tail, /└─ invoke_agent support-assistant {2}[\d.]+ m?s\n {3}├─ search_memory/);
    assert.match(tail, /├─ chat gpt-4o-mini {2}[\d.]+ m?s {2}[\d,]+→\d+ tokens/);
    assert.match(tail, /└─ upsert_memory/);
    assert.match(tail, /\$ genai-otel report --source files --since \d+s\ngenai-otel report/);
    assert.match(tail, /LLM calls\n +requests +errors +error rate +p50 +p95 +p99 .*\n +28 +0 +0\.0 %/);
    assert.match(tail, /lookup_order +7 +3 +42\.9 %/);
    assert.match(tail, /LLM client retries: [1-9]\d* \(rate_limited [1-9]\d*\)/);
    assert.match(tail, /feedback: 4 liked, 2 disliked/);
    assert.match(tail, /Demo finished in [\d.]+ s\./);
  });

  test('the local files hold OTLP/JSON spans, metrics and logs; what could not be sent waits in the spool', () => {
    const spans = lines(join(folder, 'files', 'traces.jsonl')).flatMap(spansOf);
    assert.equal(new Set(spans.map((span) => span.traceId)).size, 8, "seven answers and describeAgent's trace");
    assert.equal(spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat').length, 28);
    const metricNames = new Set(
      lines(join(folder, 'files', 'metrics.jsonl')).flatMap((request) =>
        (request as { resourceMetrics: { scopeMetrics: { metrics: { name: string }[] }[] }[] }).resourceMetrics.flatMap(
          (rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((metric) => metric.name)),
        ),
      ),
    );
    for (const name of [
      'gen_ai.client.inference.duration',
      'gen_ai.client.inference.usage.input_tokens',
      'genai_otel.client.cost',
      'genai_otel.client.retries',
      'genai_otel.feedback.likes',
    ])
      assert.ok(metricNames.has(name), `${name} in metrics.jsonl`);
    const feedback = lines(join(folder, 'files', 'logs.jsonl'))
      .flatMap(logsOf)
      .filter((log) => log.eventName === 'gen_ai.evaluation.result');
    assert.equal(feedback.length, 6);
    assert.ok(feedback.every((log) => typeof log.attributes['session.id'] === 'string'));
    const status = spoolStatus(join(folder, 'spool'));
    assert.equal(status.collectorReachable, false);
    assert.ok(status.spool.entries > 0 && spooledPayloads(join(folder, 'spool')).length > 0);
  });
});
