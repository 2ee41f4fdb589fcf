// `npm run demo` with the bundled stack up, then every `genai-otel` command against the real Jaeger and Prometheus
// it filled: the demo's traces are in Jaeger, its metrics in Prometheus, and the CLI's figures agree with both.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import { ROOT, SKIP, getJson, guarded, makeStack, poll, startStack, stopStack } from './support/stack.mjs';

const RUN_ID = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const CLI = join(ROOT, 'dist', 'cli', 'genai-otel.js');
// The bundled collector drops user and session ids it does not receive hashed: the app and the CLI share a key.
const KEY = 'e2e-demo-key-0123456789abcdef';
const hashed = (id) => `hmac-sha256:${createHmac('sha256', KEY).update(id).digest('hex')}`;

/** The environment of a user's shell: none of the test runner's OTEL_/GENAI_OTEL_/STACK_ settings. */
function cleanEnv(extra) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(OTEL_|GENAI_OTEL_|STACK_|OTELCOL_|OPENAI_|DEMO_)/.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

function run(args, env, timeoutMillis = 60_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data) => {
      stdout += data;
    });
    child.stderr.on('data', (data) => {
      stderr += data;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMillis);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function kindName(kind) {
  return typeof kind === 'number'
    ? ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT'][kind]
    : String(kind).replace(/^SPAN_KIND_/, '');
}

function attributesOf(list = []) {
  const value = (v) =>
    'stringValue' in v
      ? v.stringValue
      : 'intValue' in v
        ? Number(v.intValue)
        : 'doubleValue' in v
          ? Number(v.doubleValue)
          : 'boolValue' in v
            ? v.boolValue
            : undefined;
  return Object.fromEntries(list.map((item) => [item.key, value(item.value ?? {})]));
}

describe(
  'npm run demo with the bundled stack up, then the genai-otel CLI against Jaeger and Prometheus',
  { skip: SKIP },
  () => {
    const service = `demo-${RUN_ID}`;
    let stack;
    let demo;
    let folders;
    let cliEnv;
    /** Every span of the demo's traces, read from Jaeger by trace id. */
    const spans = [];

    const cli = (...args) => run([CLI, ...args], cliEnv);

    before(async () => {
      stack = await makeStack('demo');
      await startStack(stack);
      folders = {
        files: mkdtempSync(join(tmpdir(), 'genai-otel-demo-files-')),
        spool: mkdtempSync(join(tmpdir(), 'genai-otel-demo-spool-')),
      };
      cliEnv = cleanEnv({
        GENAI_OTEL_JAEGER_URL: stack.jaeger,
        GENAI_OTEL_PROMETHEUS_URL: stack.prometheus,
        GENAI_OTEL_FILE_DIR: folders.files,
        GENAI_OTEL_USER_ID_HMAC_KEY: KEY,
      });
      const started = Date.now();
      demo = await run([join(ROOT, 'scripts', 'demo.mjs')], {
        ...cliEnv,
        OTEL_SERVICE_NAME: service,
        OTEL_EXPORTER_OTLP_ENDPOINT: stack.otlpHttp,
        OTEL_METRIC_EXPORT_INTERVAL: '500',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        GENAI_OTEL_SPOOL_DIR: folders.spool,
        DEMO_SPEED: '4',
      });
      stack.notes.push(`demo ran in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });

    after(async () => {
      if (stack) await stopStack(stack);
      if (folders) for (const folder of Object.values(folders)) rmSync(folder, { recursive: true, force: true });
    });

    test('the demo sends every trace to the collector and prints the Jaeger link of each, and the last tree from Jaeger', async (t) => {
      await guarded(stack, async () => {
        assert.equal(demo.code, 0, `demo failed:\n${demo.stdout}\n${demo.stderr}`);
        assert.match(demo.stdout, new RegExp(`Telemetry: to the collector at ${stack.otlpHttp}`));
        const traceIds = [...new Set([...demo.stdout.matchAll(/trace ([0-9a-f]{32})/g)].map((match) => match[1]))];
        const links = [...demo.stdout.matchAll(new RegExp(`${stack.jaeger}/trace/([0-9a-f]{32})`, 'g'))].map(
          (match) => match[1],
        );
        // Six questions, one of them answered twice: seven traces, each linked.
        assert.equal(links.length, 7, demo.stdout);
        for (const id of links) assert.ok(traceIds.includes(id));
        for (const id of links) {
          // Spans arrive in batches: wait for the root (it ends last) and every parent.
          const body = await poll(`the whole trace ${id} in Jaeger`, async () => {
            const found = await getJson(`${stack.jaeger}/api/v3/traces/${id}`).catch((error) =>
              error.status === 404 ? null : Promise.reject(error),
            );
            const all = (found?.result.resourceSpans ?? []).flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
            const ids = new Set(all.map((span) => span.spanId));
            return all.some((span) => !span.parentSpanId) &&
              all.every((span) => !span.parentSpanId || ids.has(span.parentSpanId))
              ? found
              : null;
          });
          for (const rs of body.result.resourceSpans) {
            const resource = attributesOf(rs.resource.attributes);
            for (const ss of rs.scopeSpans)
              for (const span of ss.spans)
                spans.push({
                  ...span,
                  scope: ss.scope?.name,
                  service: resource['service.name'],
                  attributes: attributesOf(span.attributes),
                });
          }
        }
        assert.ok(spans.every((span) => span.service === service));
        assert.match(demo.stdout, /The last interaction, read back from Jaeger:/);
        assert.match(demo.stdout, new RegExp(`trace ${links.at(-1)}`));
        assert.match(demo.stdout, /└─ invoke_agent support-assistant/);
        assert.ok(!existsSync(join(folders.files, 'traces.jsonl')), 'with a collector, no local file is written');
      })(t);
    });

    test('the traces hold what the agent did: OpenAI calls traced by the instrumentation, retries, tool failures, memory, a stream', async (t) => {
      await guarded(stack, async () => {
        const chats = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
        assert.equal(chats.length, 28, 'four LLM calls per answer, seven answers');
        assert.ok(
          chats.every(
            (span) => span.scope === '@opentelemetry/instrumentation-openai' && kindName(span.kind) === 'CLIENT',
          ),
        );
        assert.deepEqual(
          new Set(chats.map((span) => span.attributes['gen_ai.request.model'])),
          new Set(['gpt-4o-mini', 'gpt-4o']),
        );
        assert.ok(
          chats.every(
            (span) => span.attributes['gen_ai.usage.input_tokens'] > 1000 && span.attributes['genai_otel.cost.usd'] > 0,
          ),
        );
        assert.ok(
          chats.some((span) => span.attributes['gen_ai.usage.cache_read.input_tokens'] > 0),
          'the long system prompt is cached',
        );
        const streamed = chats.filter((span) => span.attributes['gen_ai.request.model'] === 'gpt-4o');
        assert.ok(
          streamed.every((span) => span.attributes['gen_ai.response.time_to_first_chunk'] > 0),
          'the answer is streamed',
        );
        assert.ok(
          chats.some((span) => span.attributes['genai_otel.retry.reason'] === 'rate_limited'),
          'a 429 was retried by the client',
        );
        const tools = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'execute_tool');
        const failed = tools.filter((span) => span.status?.code === 2 || span.status?.code === 'STATUS_CODE_ERROR');
        assert.ok(
          failed.length > 0 &&
            failed.every(
              (span) =>
                span.attributes['gen_ai.tool.name'] === 'lookup_order' &&
                span.attributes['error.type'] === 'TimeoutError',
            ),
        );
        assert.ok(
          spans.some((span) => span.name === 'search_memory') && spans.some((span) => span.name === 'upsert_memory'),
        );
        assert.deepEqual(
          new Set(spans.map((span) => span.attributes['session.id']).filter(Boolean)),
          new Set(['session-alice-1', 'session-bob-1', 'session-carol-1'].map(hashed)),
          'ids reach Jaeger hashed',
        );
      })(t);
    });

    test('the metrics reach Prometheus: LLM calls, retries, tool failures, cost, likes and dislikes', async (t) => {
      await guarded(stack, async () => {
        const value = async (query) =>
          Number(
            (await getJson(`${stack.prometheus}/api/v1/query?${new URLSearchParams({ query })}`)).data.result[0]
              ?.value[1] ?? Number.NaN,
          );
        await poll(
          '28 LLM calls in Prometheus',
          async () =>
            (await value(`sum(gen_ai_client_inference_duration_seconds_count{service_name="${service}"})`)) === 28,
          { timeoutMs: 60_000 },
        );
        assert.ok((await value(`sum(genai_otel_client_retries_total{service_name="${service}"})`)) >= 1);
        assert.ok(
          (await value(
            `sum(gen_ai_execute_tool_duration_seconds_count{service_name="${service}",error_type="TimeoutError"})`,
          )) >= 1,
        );
        assert.ok((await value(`sum(genai_otel_client_cost_USD_total{service_name="${service}"})`)) > 0);
        await poll(
          'feedback counters',
          async () => (await value(`sum(genai_otel_feedback_likes_total{service_name="${service}"})`)) === 4,
        );
        assert.equal(await value(`sum(genai_otel_feedback_dislikes_total{service_name="${service}"})`), 2);
      })(t);
    });

    test('genai-otel traces reads Jaeger: recent trees, one trace, one session', async (t) => {
      await guarded(stack, async () => {
        const recent = await cli('traces', '--service', service, '--limit', '3');
        assert.equal(recent.code, 0, recent.stderr);
        assert.match(recent.stderr, new RegExp(`Jaeger at ${stack.jaeger}: 3 of \\d+ traces`));
        assert.equal(recent.stdout.match(/^trace [0-9a-f]{32}/gm)?.length, 3);
        const traceId = spans.find((span) => span.name === 'answer_revision reran').traceId;
        const one = await cli('traces', '--source', 'jaeger', '--trace', traceId);
        assert.equal(one.code, 0, one.stderr);
        assert.match(one.stdout, new RegExp(`^trace ${traceId}  ${service}`, 'm'));
        assert.match(one.stdout, /└─ answer_revision reran .*revision: reran\n   └─ invoke_agent support-assistant/);
        const session = await cli('traces', '--session', 'session-bob-1', '--service', service);
        assert.equal(session.stdout.match(/^trace /gm)?.length, 3, session.stdout);
        assert.ok(
          session.stdout
            .split('\n')
            .filter((line) => line.startsWith('trace '))
            .every((line) =>
              line.includes(`session ${hashed('session-bob-1').slice(0, 24)}… (${hashed('user-bob').slice(0, 24)}…)`),
            ),
        );
        const missing = await cli('traces', '--trace', '0123456789abcdef0123456789abcdef');
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /no trace 0123456789abcdef0123456789abcdef in Jaeger/);
      })(t);
    });

    test('genai-otel report reads Prometheus, and its figures agree with the spans in Jaeger', async (t) => {
      await guarded(stack, async () => {
        const chats = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
        const tools = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'execute_tool');
        const expected = {
          cost: chats.reduce((sum, span) => sum + span.attributes['genai_otel.cost.usd'], 0),
          retries: chats.reduce((sum, span) => sum + (span.attributes['genai_otel.retry.count'] ?? 0), 0),
          toolFailures: tools.filter((span) => span.attributes['error.type'] !== undefined).length,
          input: chats.reduce((sum, span) => sum + span.attributes['gen_ai.usage.input_tokens'], 0),
        };
        const report = await poll(
          'a complete report',
          async () => {
            const result = await cli('report', '--service', service, '--since', '15m', '--json');
            assert.equal(result.code, 0, result.stderr);
            const data = JSON.parse(result.stdout);
            return data.requests === 28 && data.feedback.likes === 4 && data.operations.length > 0 ? data : null;
          },
          { timeoutMs: 60_000, intervalMs: 1000 },
        );
        assert.match(report.source, new RegExp(`Prometheus at ${stack.prometheus}`));
        assert.equal(report.errors, 0);
        assert.equal(report.tokens.input, expected.input);
        assert.ok(Math.abs(report.costUsd - expected.cost) < 1e-9, `cost ${report.costUsd} vs ${expected.cost}`);
        assert.equal(report.retries.total, expected.retries);
        assert.deepEqual(
          report.retries.byReason.map((row) => row.reason),
          ['rate_limited'],
        );
        assert.equal(report.tools.calls, tools.length);
        assert.equal(report.tools.failures, expected.toolFailures);
        assert.deepEqual(report.feedback, { likes: 4, dislikes: 2 });
        assert.deepEqual(report.byModel.map((row) => row.model).sort(), ['gpt-4o', 'gpt-4o-mini']);
        assert.equal(
          report.byModel.reduce((sum, row) => sum + row.requests, 0),
          28,
        );
        assert.ok(
          report.latency.p50 > 0 &&
            report.latency.p95 >= report.latency.p50 &&
            report.latency.p99 >= report.latency.p95,
        );
        assert.equal(
          report.byHour.reduce((sum, row) => sum + row.requests, 0),
          28,
          'every call in one clock hour or the next',
        );
        const llmOperation = report.operations.find((row) => row.name === 'chat gpt-4o-mini' && row.kind === 'CLIENT');
        assert.equal(llmOperation?.calls, 21);
        // Span metrics' buckets in milliseconds (as the Monitor tab reads them): a p95 in the range of the calls.
        const slowest = Math.max(
          ...spans
            .filter((span) => span.name === 'chat gpt-4o-mini')
            .map((span) => Number(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)) / 1e6),
        );
        assert.ok(
          llmOperation.p95Millis > 5 && llmOperation.p95Millis <= 2 * slowest + 10,
          `p95 ${llmOperation.p95Millis} ms, slowest call ${slowest} ms`,
        );
        const text = await cli('report', '--service', service, '--since', '15m');
        assert.match(text.stdout, /Cost by model\n {2}model +requests/);
        assert.match(text.stdout, /feedback: 4 liked, 2 disliked/);
      })(t);
    });

    test("genai-otel sessions joins Jaeger's spans with the collector's log file; export writes them as CSV", async (t) => {
      await guarded(stack, async () => {
        const logsFile = join(stack.runDir, 'collector', 'logs', 'genai-logs.jsonl');
        await poll(
          "feedback records in the collector's log file",
          async () =>
            existsSync(logsFile) &&
            (readFileSync(logsFile, 'utf8').match(/gen_ai\.evaluation\.result/g)?.length ?? 0) >= 6,
        );
        const result = await cli('sessions', '--service', service, '--logs-file', logsFile, '--json');
        assert.equal(result.code, 0, result.stderr);
        const names = Object.fromEntries(
          ['session-alice-1', 'session-bob-1', 'session-carol-1'].map((id) => [hashed(id), id]),
        );
        const rows = Object.fromEntries(JSON.parse(result.stdout).map((row) => [names[row.sessionId], row]));
        assert.deepEqual(Object.keys(rows).sort(), ['session-alice-1', 'session-bob-1', 'session-carol-1']);
        assert.deepEqual(
          [rows['session-bob-1'].userMessages, rows['session-bob-1'].assistantMessages, rows['session-bob-1'].retried],
          [2, 3, 1],
        );
        assert.deepEqual(
          [
            rows['session-alice-1'].likes,
            rows['session-bob-1'].likes + rows['session-bob-1'].dislikes,
            rows['session-carol-1'].dislikes,
          ],
          [2, 2, 1],
        );
        const csv = await cli('export', '--format', 'csv', '--service', service);
        assert.equal(csv.code, 0, csv.stderr);
        const lines = csv.stdout.trim().split('\n');
        assert.match(lines[0], /^trace_id,span_id,parent_span_id,service,name,/);
        assert.equal(
          lines.length - 1,
          spans.length + 1,
          "every span of the seven traces, and describeAgent's create_agent span",
        );
      })(t);
    });

    test('genai-otel doctor finds the collector, Jaeger and Prometheus', async (t) => {
      await guarded(stack, async () => {
        const result = await run([CLI, 'doctor', '--json'], {
          ...cliEnv,
          OTEL_EXPORTER_OTLP_ENDPOINT: stack.otlpHttp,
          OTEL_SERVICE_NAME: service,
          GENAI_OTEL_SPOOL_DIR: folders.spool,
        });
        assert.equal(result.code, 0, result.stdout + result.stderr);
        const checks = JSON.parse(result.stdout);
        const byName = (name) => checks.filter((check) => check.name === name);
        assert.deepEqual(
          byName('OTLP endpoint').map((check) => check.status),
          ['ok'],
        );
        assert.match(
          byName('OTLP endpoint')[0].detail,
          new RegExp(`${stack.otlpHttp} \\(traces, metrics, logs\\): accepts OTLP`),
        );
        assert.equal(byName('Jaeger')[0].status, 'ok');
        assert.equal(byName('Prometheus')[0].status, 'ok');
        assert.equal(byName('spool')[0].status, 'ok', 'the demo left nothing in the spool');
      })(t);
    });
  },
);
