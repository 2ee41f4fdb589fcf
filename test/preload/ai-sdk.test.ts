// AI SDK 7 under the real preload, with no telemetry code in the app: CommonJS and ESM apps calling generateText and
// streamText with a tool through @ai-sdk/openai, against the fake OpenAI server and the local OTLP receiver.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedMetric,
  type ReceivedSpan,
} from '@genai-otel/mock-otlp-receiver';
import { startFakeProvider, type FakeProvider } from '../support/fake-provider.ts';
import { fixture, otelEnv, repositoryRoot, runFixture } from '../support/run-fixture.ts';

let receiver: OtlpReceiver;
let provider: FakeProvider;
let apps: string;
before(async () => {
  receiver = await startOtlpReceiver();
  provider = await startFakeProvider();
  apps = mkdtempSync(join(tmpdir(), 'genai-otel-ai-sdk-apps-'));
});
after(async () => {
  await provider.close();
  await receiver.close();
  rmSync(apps, { recursive: true, force: true });
});

const CONTENT = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
  'gen_ai.tool.definitions',
];

interface Run {
  stdout: string;
  stderr: string;
  spans: ReceivedSpan[];
}

/** Runs the app, waits for its last span ('app finished', made after the calls) and returns its AI SDK spans. */
async function runApp(
  serviceName: string,
  options: { script?: string; nodeArgs: string[]; args?: string[]; env?: Record<string, string>; cwd?: string },
): Promise<Run> {
  const result = await runFixture(options.script ?? fixture('ai-sdk-app.cjs'), {
    nodeArgs: options.nodeArgs,
    args: options.args,
    cwd: options.cwd,
    env: otelEnv(receiver.url, {
      OTEL_SERVICE_NAME: serviceName,
      FAKE_PROVIDER_URL: provider.openaiBaseURL,
      OTEL_LOGS_EXPORTER: 'none',
      ...options.env,
    }),
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'generated: The order has shipped.\nstreamed: The order has shipped.\napp finished\n');
  const all = await receiver.waitFor(
    'spans',
    (spans) => spans.some((span) => span.resource['service.name'] === serviceName && span.name === 'app finished'),
    10000,
  );
  return {
    stdout: result.stdout,
    stderr: result.stderr,
    spans: all.filter((span) => span.resource['service.name'] === serviceName && span.scope.name === 'gen_ai'),
  };
}

const cases = [
  {
    name: 'CommonJS app with --require genai-otel/register',
    script: 'ai-sdk-app.cjs',
    nodeArgs: ['--require', 'genai-otel/register'],
  },
  {
    name: 'ESM app with --import genai-otel/register',
    script: 'ai-sdk-app.mjs',
    nodeArgs: ['--import', 'genai-otel/register'],
  },
];

for (const { name, script, nodeArgs } of cases) {
  describe(name, () => {
    const serviceName = `ai-sdk-${script.replace(/\W+/g, '-')}`;
    let spans: ReceivedSpan[];
    let metrics: ReceivedMetric[];

    before(async () => {
      ({ spans } = await runApp(serviceName, { script: fixture(script), nodeArgs }));
      metrics = (
        await receiver.waitFor(
          'metrics',
          (all) =>
            all.some(
              (metric) =>
                metric.resource['service.name'] === serviceName &&
                metric.name === 'gen_ai.execute_tool.duration' &&
                metric.dataPoints.some((point) => point.count === 2),
            ),
          10000,
        )
      ).filter((metric) => metric.resource['service.name'] === serviceName);
    });

    test('each call is one trace: invoke_agent → step → chat and execute_tool, made once', () => {
      assert.equal(spans.length, 12, spans.map((span) => span.name).join(', '));
      const roots = spans.filter((span) => span.parentSpanId === undefined);
      assert.deepEqual(
        roots.map((span) => span.name),
        ['invoke_agent gpt-4o-mini', 'invoke_agent gpt-4o-mini'],
      );
      assert.equal(new Set(spans.map((span) => span.traceId)).size, 2);
      const tools = spans.filter((span) => span.name === 'execute_tool lookup_order');
      assert.equal(tools.length, 2);
      for (const tool of tools) {
        assert.equal(tool.attributes['gen_ai.tool.name'], 'lookup_order');
        assert.equal(tool.attributes['gen_ai.tool.call.id'], 'call_abc123');
      }
    });

    test('every model call (generated and streamed) has usage and cost', () => {
      const chats = spans.filter((span) => span.name === 'chat gpt-4o-mini');
      assert.equal(chats.length, 4);
      for (const chat of chats) {
        assert.equal(chat.attributes['gen_ai.provider.name'], 'openai');
        assert.ok((chat.attributes['gen_ai.usage.input_tokens'] as number) > 0, JSON.stringify(chat.attributes));
        assert.ok((chat.attributes['gen_ai.usage.output_tokens'] as number) > 0);
        assert.ok((chat.attributes['genai_otel.cost.usd'] as number) > 0);
      }
    });

    test('content is not recorded: genai-otel’s content setting (off by default) applies to the integration it registers', () => {
      for (const span of spans)
        for (const key of CONTENT) assert.equal(span.attributes[key], undefined, `${span.name} has ${key}`);
    });

    test('metrics: genai-otel’s duration, tokens, cost, time to first chunk (streamed) and tool duration, once per call', () => {
      // Cumulative: the last export of each metric holds every call.
      const last = (metricName: string) =>
        metrics.filter((metric) => metric.name === metricName && metric.scope.name === 'genai-otel').at(-1);
      const total = (metricName: string, field: 'count' | 'value') =>
        last(metricName)
          ?.dataPoints.filter((point) => point.attributes['gen_ai.provider.name'] === 'openai')
          .reduce((sum, point) => sum + (point[field] ?? 0), 0);
      // Inference calls under gen_ai.client.inference.duration, the others (embeddings) under operation.duration.
      assert.equal(
        (total('gen_ai.client.inference.duration', 'count') ?? 0) +
          (total('gen_ai.client.operation.duration', 'count') ?? 0),
        4,
        JSON.stringify(
          last('gen_ai.client.inference.duration')?.dataPoints.map((point) => [point.attributes, point.count]),
        ),
      );
      assert.equal(
        (total('gen_ai.client.inference.operation.input_tokens', 'count') ?? 0) +
          (total('gen_ai.client.inference.operation.output_tokens', 'count') ?? 0),
        8,
      );
      assert.equal(total('gen_ai.client.inference.time_to_first_chunk', 'count'), 2);
      assert.ok((total('genai_otel.client.cost', 'value') ?? 0) > 0);
      assert.deepEqual(
        last('gen_ai.execute_tool.duration')?.dataPoints.map((point) => [
          point.attributes['gen_ai.tool.name'],
          point.count,
        ]),
        [['lookup_order', 2]],
      );
    });
  });
}

test('content capture on: the spans carry the messages (the content test above is not vacuous)', async () => {
  const { spans } = await runApp('ai-sdk-content', {
    nodeArgs: ['--require', 'genai-otel/register'],
    env: { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'SPAN_ONLY', OTEL_METRICS_EXPORTER: 'none' },
  });
  assert.ok(spans.some((span) => typeof span.attributes['gen_ai.input.messages'] === 'string'));
  assert.ok(spans.some((span) => typeof span.attributes['gen_ai.tool.call.arguments'] === 'string'));
});

test('the app registers @ai-sdk/otel itself: its integration makes the spans, ours steps aside (no span twice)', async () => {
  const { spans } = await runApp('ai-sdk-self', {
    script: fixture('ai-sdk-app.mjs'),
    nodeArgs: ['--import', 'genai-otel/register'],
    args: ['self-register'],
    env: { OTEL_METRICS_EXPORTER: 'none' },
  });
  assert.equal(spans.length, 12, spans.map((span) => span.name).join(', '));
  assert.equal(spans.filter((span) => span.name === 'chat gpt-4o-mini').length, 4);
  // The app's integration records content unless the call says otherwise; the one genai-otel registers would not.
  assert.ok(spans.some((span) => typeof span.attributes['gen_ai.input.messages'] === 'string'));
  assert.ok(
    spans
      .filter((span) => span.name === 'chat gpt-4o-mini')
      .every((span) => (span.attributes['genai_otel.cost.usd'] as number) > 0),
  );
});

test('ai-sdk left out of GENAI_OTEL_INSTRUMENTATIONS: no AI SDK span, the app unchanged', async () => {
  const { spans } = await runApp('ai-sdk-off', {
    nodeArgs: ['--require', 'genai-otel/register'],
    env: { GENAI_OTEL_INSTRUMENTATIONS: 'openai,anthropic,mcp', OTEL_METRICS_EXPORTER: 'none' },
  });
  assert.deepEqual(spans, []);
});

/** An app folder of its own (so the preload finds its packages, not this repository's), with `otel` as @ai-sdk/otel. */
function appWith(name: string, otel: 'none' | 'broken'): string {
  const directory = join(apps, name);
  for (const linked of ['ai', '@ai-sdk/openai', 'zod', '@opentelemetry/api']) {
    mkdirSync(join(directory, 'node_modules', linked, '..'), { recursive: true });
    symlinkSync(join(repositoryRoot, 'node_modules', linked), join(directory, 'node_modules', linked), 'dir');
  }
  if (otel === 'broken') {
    const broken = join(directory, 'node_modules/@ai-sdk/otel');
    mkdirSync(broken, { recursive: true });
    writeFileSync(
      join(broken, 'package.json'),
      JSON.stringify({ name: '@ai-sdk/otel', version: '1.0.0', type: 'module', exports: { '.': './index.js' } }),
    );
    writeFileSync(join(broken, 'index.js'), "throw new Error('a broken build of @ai-sdk/otel');\n");
  }
  for (const file of ['ai-sdk-app.cjs', 'ai-sdk-scenario.cjs']) cpSync(fixture(file), join(directory, file));
  return directory;
}

test('@ai-sdk/otel that cannot be loaded: said once, the calls run as without genai-otel, no span', async () => {
  const directory = appWith('broken-otel', 'broken');
  const { spans, stderr } = await runApp('ai-sdk-broken', {
    script: join(directory, 'ai-sdk-app.cjs'),
    cwd: directory,
    nodeArgs: ['--require', join(repositoryRoot, 'dist/cjs/register.cjs')],
    env: { OTEL_METRICS_EXPORTER: 'none' },
  });
  assert.deepEqual(spans, []);
  assert.equal(
    stderr.match(
      /could not register the AI SDK telemetry integration of @ai-sdk\/otel; AI SDK calls are not traced: .*a broken build of @ai-sdk\/otel/g,
    )?.length,
    1,
    stderr,
  );
});

test('ai 7 without @ai-sdk/otel: one debug line says how to get spans; the app unchanged', async () => {
  const directory = appWith('no-otel', 'none');
  const { spans, stderr } = await runApp('ai-sdk-no-otel', {
    script: join(directory, 'ai-sdk-app.cjs'),
    cwd: directory,
    nodeArgs: ['--require', join(repositoryRoot, 'dist/cjs/register.cjs')],
    env: { OTEL_LOG_LEVEL: 'debug', OTEL_METRICS_EXPORTER: 'none' },
  });
  assert.deepEqual(spans, []);
  assert.equal(
    stderr.match(
      /ai 7\.x makes no spans without @ai-sdk\/otel: npm install @ai-sdk\/otel, and genai-otel registers it \(no code\)/g,
    )?.length,
    1,
    stderr,
  );
});
