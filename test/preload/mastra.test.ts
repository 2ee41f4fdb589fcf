// A Mastra agent with a tool, ES modules and CommonJS, run unchanged under the real preload against the local fake
// OpenAI-compatible server: one trace (invoke_agent → chat → step → execute_tool), made by Mastra's OTel bridge that
// genai-otel configures, with cost and genai-otel's metrics on the model call (once), no prompt or output recorded
// (content capture is off), and `genai-otel report` counting the call and its cost.
//
// Mastra is installed from the npm registry into a scratch app in the temporary folder, not into this repository:
// @mastra/otel-bridge declares optional peers (@opentelemetry/auto-instrumentations-node) on OTel SDK 2.x, which
// npm refuses beside this repository's SDK 3.x devDependencies.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spansOf, type CliSpan } from '../../src/cli/telemetry/otlp-json.ts';
import { startFakeProvider, type FakeProvider } from '../support/fake-provider.ts';
import { fixture, repositoryRoot, runFixture } from '../support/run-fixture.ts';
import { assertSucceeded, childEnv, run } from '../install/scratch.ts';
import { closedPort, runCli } from '../support/support-agent.ts';

let app: string;
let provider: FakeProvider;
const apiVersion = (
  JSON.parse(readFileSync(join(repositoryRoot, 'node_modules/@opentelemetry/api/package.json'), 'utf8')) as {
    version: string;
  }
).version;

before(async () => {
  provider = await startFakeProvider();
  app = mkdtempSync(join(tmpdir(), 'genai-otel-mastra-'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'mastra-app', private: true }));
  assertSucceeded(
    await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '@mastra/core@^1.71.0',
        '@mastra/observability@^1.17.9',
        '@mastra/otel-bridge@^1.5.4',
        // The same API as genai-otel's here, so the two copies share one registry.
        `@opentelemetry/api@${apiVersion}`,
        'zod@^4',
      ],
      { cwd: app, env: childEnv(), timeoutMillis: 600_000 },
    ),
    'npm install of Mastra',
  );
  copyFileSync(fixture('mastra-agent.mjs'), join(app, 'agent.mjs'));
  copyFileSync(fixture('mastra-agent.cjs'), join(app, 'agent.cjs'));
});
after(async () => {
  await provider.close();
  rmSync(app, { recursive: true, force: true });
});

const cases = [
  { module: 'ESM', script: 'agent.mjs', preload: ['--import', join(repositoryRoot, 'dist/esm/register.js')] },
  { module: 'CommonJS', script: 'agent.cjs', preload: ['--require', join(repositoryRoot, 'dist/cjs/register.cjs')] },
];

function readSpans(folder: string): CliSpan[] {
  return readFileSync(join(folder, 'traces.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .flatMap((line) => spansOf(JSON.parse(line)));
}

/** The cumulative sum of a counter (or count of a histogram) in the last export of the metrics file. */
function lastMetric(folder: string, name: string): { sum?: number; count?: number } | undefined {
  let found: { sum?: number; count?: number } | undefined;
  for (const line of readFileSync(join(folder, 'metrics.jsonl'), 'utf8').trim().split('\n')) {
    const request = JSON.parse(line) as {
      resourceMetrics: {
        scopeMetrics: {
          metrics: {
            name: string;
            sum?: { dataPoints: { asDouble?: number }[] };
            histogram?: { dataPoints: { count: string | number }[] };
          }[];
        }[];
      }[];
    };
    for (const resource of request.resourceMetrics)
      for (const scope of resource.scopeMetrics)
        for (const metric of scope.metrics)
          if (metric.name === name)
            found = {
              sum: metric.sum?.dataPoints.reduce((total, point) => total + (point.asDouble ?? 0), 0),
              count: metric.histogram?.dataPoints.reduce((total, point) => total + Number(point.count), 0),
            };
  }
  return found;
}

// gpt-4o-mini at 0.15 / 0.075 cached / 0.6 per 1M tokens; the fake's two calls: 240 input (40 cached), 80 output.
const expectedCost = (200 * 0.15 + 40 * 0.075 + 80 * 0.6) / 1e6;

for (const { module, script, preload } of cases) {
  describe(`Mastra agent, ${module} app under ${preload[0]} genai-otel/register`, () => {
    let folder: string;
    let spans: CliSpan[];
    let env: Record<string, string | undefined>;

    before(async () => {
      folder = mkdtempSync(join(tmpdir(), 'genai-otel-mastra-files-'));
      env = childEnv({
        FAKE_URL: provider.openaiBaseURL,
        MASTRA_TELEMETRY_DISABLED: 'true',
        OTEL_SERVICE_NAME: `mastra-${module.toLowerCase()}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
        OTEL_TRACES_EXPORTER: 'file',
        OTEL_METRICS_EXPORTER: 'file',
        OTEL_LOGS_EXPORTER: 'none',
        GENAI_OTEL_FILE_DIR: folder,
        GENAI_OTEL_SPOOL_DIR: join(folder, 'spool'),
      });
      const result = await runFixture(join(app, script), {
        nodeArgs: preload,
        cwd: app,
        env: { ...env, PATH: process.env.PATH },
        timeoutMillis: 60_000,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim(), 'answer: "The order has shipped."', 'the app prints what it prints untraced');
      spans = readSpans(folder);
    });
    after(() => rmSync(folder, { recursive: true, force: true }));

    test('one trace: invoke_agent → chat (cost once) → step → execute_tool, without content', () => {
      const root = spans.find((span) => span.name === 'invoke_agent Support agent');
      assert.ok(root, spans.map((span) => span.name).join(', '));
      assert.equal(root.parentSpanId, undefined);
      assert.ok(
        spans.every((span) => span.traceId === root.traceId),
        'one trace',
      );
      const byId = new Map(spans.map((span) => [span.spanId, span]));
      const ancestors = (span: CliSpan): string[] => {
        const names: string[] = [];
        for (let parent = byId.get(span.parentSpanId ?? ''); parent; parent = byId.get(parent.parentSpanId ?? ''))
          names.push(parent.name);
        return names;
      };
      const chats = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
      assert.deepEqual(
        chats.map((span) => [span.name, span.parentSpanId === root.spanId]),
        [['chat gpt-4o-mini', true]],
      );
      const chat = chats[0]!;
      assert.equal(chat.attributes['gen_ai.provider.name'], 'openai');
      assert.ok(Math.abs((chat.attributes['genai_otel.cost.usd'] as number) - expectedCost) < 1e-12);
      const tool = spans.find((span) => span.name === 'execute_tool lookup_order');
      assert.ok(tool);
      assert.equal(tool.attributes['gen_ai.tool.name'], 'lookup_order');
      assert.deepEqual(ancestors(tool).slice(-2), ['chat gpt-4o-mini', 'invoke_agent Support agent']);
      for (const span of spans)
        for (const key of Object.keys(span.attributes))
          assert.doesNotMatch(
            key,
            /^gen_ai\.(input|output)\.messages$|^gen_ai\.system_instructions$|^gen_ai\.tool\.call\.(arguments|result)$|^mastra\.[a-z_]+\.(input|output)$/,
            `${span.name} carries ${key} with content capture off`,
          );
    });

    test('genai-otel’s metrics count the call once, and genai-otel report counts it with its cost', async () => {
      assert.equal(lastMetric(folder, 'gen_ai.client.inference.duration')?.count, 1);
      assert.ok(Math.abs(lastMetric(folder, 'genai_otel.client.cost')!.sum! - expectedCost) < 1e-12);
      assert.equal(lastMetric(folder, 'gen_ai.execute_tool.duration')?.count, 1);
      assert.equal(lastMetric(folder, 'gen_ai.invoke_agent.duration')?.count, 1);
      const report = await runCli(['report', '--json'], env);
      assert.equal(report.code, 0, report.stderr);
      const data = JSON.parse(report.stdout) as { requests: number; costUsd: number; tokens: { input: number } };
      assert.equal(data.requests, 1);
      assert.equal(data.tokens.input, 240);
      assert.ok(Math.abs(data.costUsd - expectedCost) < 1e-12);
    });
  });
}
