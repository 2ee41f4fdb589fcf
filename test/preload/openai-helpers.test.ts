// The openai helpers under the real preload: openai 7 and 6, CommonJS (--require) and ESM (--import). Structured
// outputs (contrib issue #3586 made them throw "Body has already been read"): chat and Responses `parse()` with Zod
// and JSON-schema formats, and LangChain's `withStructuredOutput` (openai 7 only: @langchain/openai needs it);
// `responses.stream()`; a 2-tool `runTools()` run. Each app must print exactly what it prints without genai-otel,
// each model call must leave a complete span, and the run one tree.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@genai-otel/mock-otlp-receiver';
import { startFakeProvider, STRUCTURED_ANSWER, type FakeProvider } from '../support/fake-provider.ts';
import { fixture, otelEnv, repositoryRoot, runFixture } from '../support/run-fixture.ts';

let receiver: OtlpReceiver;
let provider: FakeProvider;
/** An app folder whose `openai` is openai 6 (linked, so the hooks see the package name `openai`). */
let openai6App: string;
before(async () => {
  receiver = await startOtlpReceiver();
  provider = await startFakeProvider();
  openai6App = mkdtempSync(join(tmpdir(), 'genai-otel-openai6-app-'));
  mkdirSync(join(openai6App, 'node_modules'));
  symlinkSync(join(repositoryRoot, 'node_modules/openai6'), join(openai6App, 'node_modules/openai'), 'dir');
  symlinkSync(join(repositoryRoot, 'node_modules/zod'), join(openai6App, 'node_modules/zod'), 'dir');
  for (const name of ['openai-helpers.cjs', 'openai-helpers.mjs', 'openai-helpers-scenario.cjs'])
    cpSync(fixture(name), join(openai6App, name));
});
after(async () => {
  await provider.close();
  await receiver.close();
  rmSync(openai6App, { recursive: true, force: true });
});

const answer = JSON.stringify(STRUCTURED_ANSWER);
const openaiPaths = [
  'chat.completions.parse zod',
  'chat.completions.parse json-schema',
  'responses.parse zod',
  'responses.parse json-schema',
];
const langchainPaths = [
  'langchain withStructuredOutput zod',
  'langchain withStructuredOutput json-schema',
  'langchain withStructuredOutput zod (Responses API)',
  'langchain withStructuredOutput json-schema (Responses API)',
];

function expectedOutput(langchain: boolean): string {
  const lines = openaiPaths.map((path) => `${path}: ${answer}`);
  lines.push('responses.stream: "The order has shipped."', 'chat.completions.runTools: "The order has shipped."');
  if (langchain) lines.push(...langchainPaths.map((path) => `${path}: ${answer}`));
  return lines.join('\n');
}

const cases = [
  { major: 7, module: 'CommonJS', script: 'openai-helpers.cjs', preload: ['--require', 'genai-otel/register'] },
  { major: 7, module: 'ESM', script: 'openai-helpers.mjs', preload: ['--import', 'genai-otel/register'] },
  { major: 6, module: 'CommonJS', script: 'openai-helpers.cjs', preload: ['--require', 'genai-otel/register'] },
  { major: 6, module: 'ESM', script: 'openai-helpers.mjs', preload: ['--import', 'genai-otel/register'] },
];

for (const { major, module, script, preload } of cases) {
  describe(`openai ${major}, ${module} app under ${preload.join(' ')}`, () => {
    const serviceName = `helpers-${major}-${module.toLowerCase()}`;
    const langchain = major === 7;
    // One per path, two for the runTools() run (the tool calls, then the answer).
    const expectedChatSpans = openaiPaths.length + 1 + 2 + (langchain ? langchainPaths.length : 0);
    const run = (nodeArgs: string[]) => {
      const path = major === 7 ? fixture(script) : join(openai6App, script);
      // Node keeps the linked path under --preserve-symlinks, so the module hooks see `node_modules/openai`.
      const linking = major === 7 ? [] : ['--preserve-symlinks'];
      return runFixture(path, {
        nodeArgs: [...linking, ...nodeArgs],
        env: otelEnv(receiver.url, {
          OTEL_SERVICE_NAME: serviceName,
          OTEL_METRICS_EXPORTER: 'none',
          FAKE_PROVIDER_URL: provider.anthropicBaseURL,
          WITH_LANGCHAIN: langchain ? '1' : '0',
        }),
      });
    };
    let untraced: Awaited<ReturnType<typeof run>>;
    let traced: Awaited<ReturnType<typeof run>>;
    let spans: ReceivedSpan[];
    let all: ReceivedSpan[];

    before(async () => {
      untraced = await run([]);
      traced = await run(preload);
      const chatSpans = (all: ReceivedSpan[]) =>
        all.filter(
          (span) =>
            span.resource['service.name'] === serviceName &&
            span.scope.name === '@opentelemetry/instrumentation-openai',
        );
      // The app flushed at exit: a span missing by now never ended (it would wait for the stream idle timeout).
      all = (
        await receiver
          .waitFor('spans', (received) => chatSpans(received).length >= expectedChatSpans, 3000)
          .catch(() => receiver.spans())
      ).filter((span) => span.resource['service.name'] === serviceName);
      spans = chatSpans(all);
    });

    test('the app prints what it prints without genai-otel: every structured result, no "Body has already been read"', () => {
      assert.equal(untraced.code, 0, untraced.stderr);
      assert.equal(untraced.stdout.trim(), expectedOutput(langchain));
      assert.equal(traced.code, 0, traced.stderr);
      assert.equal(traced.stdout.trim(), untraced.stdout.trim());
    });

    test('each call has one complete chat span: usage, response id and model, cost', () => {
      assert.equal(spans.length, expectedChatSpans);
      for (const span of spans) {
        assert.equal(span.name, 'chat gpt-4o-mini');
        assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
        assert.ok((span.attributes['gen_ai.usage.input_tokens'] as number) > 0, JSON.stringify(span.attributes));
        assert.ok((span.attributes['gen_ai.usage.output_tokens'] as number) > 0);
        assert.match(String(span.attributes['gen_ai.response.id']), /^(chatcmpl|resp)_?-?fake123$/);
        assert.equal(span.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
        assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
        assert.notEqual(span.status.code, 2);
      }
    });

    test('the runTools() run: one invoke_agent span, parent of its 2 model calls and its 2 execute_tool spans', () => {
      const agent = all.find((span) => span.name === 'invoke_agent');
      assert.ok(agent, all.map((span) => span.name).join(', '));
      const children = all.filter((span) => span.parentSpanId === agent.spanId && span.traceId === agent.traceId);
      assert.deepEqual(children.map((span) => span.name).sort(), [
        'chat gpt-4o-mini',
        'chat gpt-4o-mini',
        'execute_tool lookup_order',
        'execute_tool shipping_eta',
      ]);
      const tools = children.filter((span) => span.attributes['gen_ai.operation.name'] === 'execute_tool');
      assert.deepEqual(tools.map((span) => span.attributes['gen_ai.tool.call.id']).sort(), [
        'call_abc123',
        'call_abc124',
      ]);
    });
  });
}
