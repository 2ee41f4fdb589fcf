// End-to-end test of genai-otel against the bundled backend, run with real
// binaries by scripts/stack.sh: app -> collector -> Jaeger / Prometheus.
//
//   scripts/stack.sh install        (once; cached)
//   npm run build                   (the fixtures load genai-otel from dist/)
//   node --test test/e2e/*.test.mjs (Node >= 22.15, e.g. node_modules/.bin/node;
//                                    the fixture apps run on the same binary)
//
// The stack is started on free ports of the test's choosing, in a run folder of
// its own, so it does not collide with a stack you are running. Flush intervals
// are lowered through the environment; every wait is a poll with a deadline.
// Without installed binaries the tests are skipped, except when GENAI_OTEL_E2E=1
// or CI=true, where that is a failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import {
  ROOT,
  SKIP,
  STACK,
  getJson,
  guarded,
  makeStack,
  poll,
  stackCmd,
  startStack,
  stopStack,
} from './support/stack.mjs';
import { startAlertWebhook } from './support/alert-webhook.mjs';

const execFileP = promisify(execFile);
const FIXTURES = join(ROOT, 'test', 'e2e', 'fixtures');
const RUN_ID = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const T0 = Date.now();

// ------------------------------------------------------------------ helpers

/** Runs a fixture app with genai-otel preloaded, exporting to the stack's collector. */
function runFixture(stack, { file, preload, serviceName, env: extraEnv = {} }) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('OTEL_') && !k.startsWith('GENAI_OTEL_') && !k.startsWith('STACK_') && !k.startsWith('OTELCOL_'))
      env[k] = v;
  }
  Object.assign(env, {
    OTEL_SERVICE_NAME: serviceName,
    OTEL_EXPORTER_OTLP_ENDPOINT: stack.otlpHttp,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_METRIC_EXPORT_INTERVAL: '500',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    ...extraEnv,
  });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [preload, 'genai-otel/register', join(FIXTURES, file)], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && out.includes('fixture done')) resolve(out);
      else reject(new Error(`fixture ${file} exited with ${code ?? signal}:\n${out}`));
    });
  });
}

/** All spans of a service, via Jaeger's stable API v3 (404 = nothing yet). */
async function jaegerSpans(stack, serviceName) {
  const q = new URLSearchParams({
    // snake_case names and num_traces: understood by Jaeger 2.13 through 2.20+.
    'query.service_name': serviceName,
    'query.start_time_min': new Date(T0 - 5 * 60_000).toISOString(),
    'query.start_time_max': new Date(Date.now() + 5 * 60_000).toISOString(),
    'query.num_traces': '20',
  });
  let body;
  try {
    body = await getJson(`${stack.jaeger}/api/v3/traces?${q}`);
  } catch (err) {
    if (err.status === 404) return [];
    throw err;
  }
  const spans = [];
  for (const rs of body.result?.resourceSpans ?? []) {
    const resource = attrs(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? [])
      for (const span of ss.spans ?? []) spans.push({ ...span, resource, attributes: attrs(span.attributes) });
  }
  return spans;
}

function anyValue(v) {
  if (v == null) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(anyValue);
  return v;
}

function attrs(list = []) {
  return Object.fromEntries(list.map((a) => [a.key, anyValue(a.value)]));
}

/**
 * An array attribute as Jaeger returns it: Badger stores spans in Jaeger's classic model, which has no array type, so
 * an array reads back as its JSON text; the memory store keeps the array.
 */
function arrayAttribute(value) {
  return typeof value === 'string' && value.startsWith('[') ? JSON.parse(value) : value;
}

function kindName(kind) {
  const names = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
  return typeof kind === 'number' ? names[kind] : String(kind).replace(/^SPAN_KIND_/, '');
}

async function promQuery(stack, query) {
  const body = await getJson(`${stack.prometheus}/api/v1/query?${new URLSearchParams({ query })}`);
  return body.data.result;
}

async function waitForSeries(stack, query) {
  return poll(`Prometheus series ${query}`, async () => {
    const result = await promQuery(stack, query);
    return result.length ? result : null;
  });
}

/** Waits for the fixture's four spans and checks their tree, names, kinds and gen_ai attributes. */
async function assertAgentTrace(stack, serviceName) {
  const spans = await poll(`trace of ${serviceName} in Jaeger`, async () => {
    const found = await jaegerSpans(stack, serviceName);
    return found.length >= 4 ? found : null;
  });
  assert.equal(spans.length, 4, `expected 4 spans, got ${spans.map((s) => s.name).join(', ')}`);
  const byName = Object.fromEntries(spans.map((s) => [s.name, s]));
  const agent = byName['invoke_agent support-agent'];
  const chat = byName['chat gpt-4o-mini'];
  const tool = byName['execute_tool lookup_order'];
  const memory = byName['search_memory'];
  assert.ok(agent && chat && tool && memory, `unexpected span names: ${Object.keys(byName).join(', ')}`);
  assert.equal(memory.parentSpanId, agent.spanId, 'search_memory is a child of invoke_agent');
  assert.equal(kindName(memory.kind), 'CLIENT');
  assert.equal(memory.attributes['gen_ai.operation.name'], 'search_memory');
  assert.equal(memory.attributes['gen_ai.memory.store.id'], 'customer-facts');
  assert.equal(memory.attributes['gen_ai.memory.record.count'], 2);

  assert.equal(new Set(spans.map((s) => s.traceId)).size, 1, 'all spans share one trace');
  assert.ok(!agent.parentSpanId, 'invoke_agent is the root span');
  assert.equal(chat.parentSpanId, agent.spanId, 'chat is a child of invoke_agent');
  assert.equal(tool.parentSpanId, agent.spanId, 'execute_tool is a child of invoke_agent');

  assert.equal(kindName(agent.kind), 'INTERNAL');
  assert.equal(kindName(chat.kind), 'CLIENT');
  assert.equal(kindName(tool.kind), 'INTERNAL');
  for (const s of spans) {
    assert.equal(s.resource['service.name'], serviceName);
    assert.notEqual(s.status?.code, 2, `${s.name} has status ERROR`);
  }

  assert.equal(agent.attributes['gen_ai.operation.name'], 'invoke_agent');
  assert.equal(agent.attributes['gen_ai.agent.name'], 'support-agent');

  const c = chat.attributes;
  assert.equal(c['gen_ai.operation.name'], 'chat');
  assert.equal(c['gen_ai.provider.name'], 'openai');
  assert.equal(c['gen_ai.request.model'], 'gpt-4o-mini');
  assert.equal(c['gen_ai.request.temperature'], 0.2);
  assert.equal(c['gen_ai.response.id'], 'chatcmpl-1');
  assert.equal(c['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
  assert.deepEqual(arrayAttribute(c['gen_ai.response.finish_reasons']), ['tool_calls']);
  assert.equal(c['gen_ai.usage.input_tokens'], 120);
  assert.equal(c['gen_ai.usage.output_tokens'], 40);
  assert.ok(
    c['genai_otel.cost.usd'] > 0,
    `genai_otel.cost.usd should be a positive number, got ${c['genai_otel.cost.usd']}`,
  );

  assert.equal(tool.attributes['gen_ai.operation.name'], 'execute_tool');
  assert.equal(tool.attributes['gen_ai.tool.name'], 'lookup_order');
  assert.equal(tool.attributes['gen_ai.tool.call.id'], 'call_1');
  return { agent, chat, tool, memory };
}

// ------------------------------------------------------------------ tests

describe('genai-otel -> bundled collector -> Jaeger + Prometheus', { skip: SKIP }, () => {
  let stack;
  const cjsService = `e2e-cjs-${RUN_ID}`;
  const esmService = `e2e-esm-${RUN_ID}`;
  let fixtures;

  before(async () => {
    stack = await makeStack('main');
    // Jaeger's own spans, if it made any, go to OTLP/gRPC at localhost:4317 (the collector's default address) after
    // its batch delay: send them to this stack's collector, promptly, so that a self-tracing Jaeger shows up here.
    stack.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${stack.env.STACK_OTLP_GRPC_PORT}`;
    stack.env.OTEL_BSP_SCHEDULE_DELAY = '100';
    await startStack(stack);
    const started = Date.now();
    // Both fixtures run once, concurrently; the tests below look at what they sent.
    fixtures = Promise.all([
      runFixture(stack, { file: 'agent-app.cjs', preload: '--require', serviceName: cjsService }),
      runFixture(stack, { file: 'agent-app.mjs', preload: '--import', serviceName: esmService }),
    ]).then((r) => {
      stack.notes.push(`fixtures ran in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      return r;
    });
    fixtures.catch(() => {
      stack.failed = true;
    });
  });

  after(async () => {
    if (stack) await stopStack(stack);
  });

  test('CommonJS app (--require genai-otel/register): span tree in Jaeger', async (t) => {
    await guarded(stack, async () => {
      await fixtures;
      await assertAgentTrace(stack, cjsService);
    })(t);
  });

  test('ES module app (--import genai-otel/register): span tree in Jaeger', async (t) => {
    await guarded(stack, async () => {
      await fixtures;
      await assertAgentTrace(stack, esmService);
    })(t);
  });

  test('GenAI metrics and span metrics reach Prometheus', async (t) => {
    await guarded(stack, async () => {
      await fixtures;
      const duration = await waitForSeries(
        stack,
        `gen_ai_client_inference_duration_seconds_count{job="${cjsService}"}`,
      );
      assert.equal(duration[0].metric.gen_ai_operation_name, 'chat');
      assert.equal(duration[0].metric.gen_ai_provider_name, 'openai');
      assert.equal(duration[0].metric.gen_ai_request_model, 'gpt-4o-mini');
      assert.equal(Number(duration[0].value[1]), 1);

      const input = await waitForSeries(stack, `gen_ai_client_inference_usage_input_tokens_total{job="${cjsService}"}`);
      const output = await waitForSeries(
        stack,
        `gen_ai_client_inference_usage_output_tokens_total{job="${cjsService}"}`,
      );
      assert.deepEqual([Number(input[0].value[1]), Number(output[0].value[1])], [120, 40]);
      assert.equal(input[0].metric.gen_ai_token_modality, 'unknown');
      await waitForSeries(stack, `gen_ai_client_inference_operation_input_tokens_bucket{job="${cjsService}"}`);

      const tool = await waitForSeries(stack, `gen_ai_execute_tool_duration_seconds_count{job="${cjsService}"}`);
      assert.equal(tool[0].metric.gen_ai_tool_name, 'lookup_order');

      const cost = await waitForSeries(stack, `genai_otel_client_cost_USD_total{job="${cjsService}"}`);
      assert.ok(Number(cost[0].value[1]) > 0, 'cost counter is positive');

      // span_metrics connector -> prometheus exporter, per service, span name and kind.
      const calls = await waitForSeries(
        stack,
        `traces_span_metrics_calls_total{service_name="${cjsService}",span_name="chat gpt-4o-mini",span_kind="SPAN_KIND_CLIENT"}`,
      );
      assert.equal(calls[0].metric.gen_ai_request_model, 'gpt-4o-mini');
      await waitForSeries(stack, `traces_span_metrics_duration_milliseconds_bucket{service_name="${esmService}"}`);
    })(t);
  });

  test("Jaeger's Monitor tab (SPM) has data for the service", async (t) => {
    await guarded(stack, async () => {
      await fixtures;
      // A rate needs two samples of the counter: wait until Prometheus holds the
      // first value, then send a second agent turn so that the counter moves.
      await waitForSeries(
        stack,
        `traces_span_metrics_calls_total{service_name="${cjsService}",span_kind="SPAN_KIND_CLIENT"}`,
      );
      await runFixture(stack, { file: 'agent-app.cjs', preload: '--require', serviceName: cjsService });
      const q = (extra) =>
        new URLSearchParams({
          service: cjsService,
          spanKind: 'client',
          endTs: String(Date.now()),
          lookback: String(15 * 60_000),
          step: '5000',
          ratePer: '60000',
          ...extra,
        });
      const calls = await poll('SPM call rate', async () => {
        const body = await getJson(`${stack.jaeger}/api/metrics/calls?${q()}`);
        const points = body.metrics?.[0]?.metricPoints ?? [];
        return points.some((p) => Number(p.gaugeValue?.doubleValue) > 0) ? body : null;
      });
      assert.equal(calls.metrics[0].labels.find((l) => l.name === 'service_name')?.value, cjsService);
      const latencies = await getJson(`${stack.jaeger}/api/metrics/latencies?${q({ quantile: '0.95' })}`);
      assert.equal(latencies.name, 'service_latencies');
    })(t);
  });

  test('Prometheus loaded the alert rules and the cost budget, and knows Alertmanager', async (t) => {
    await guarded(stack, async () => {
      const rules = await getJson(`${stack.prometheus}/api/v1/rules`);
      const names = rules.data.groups.flatMap((g) => g.rules.map((r) => r.name));
      for (const alert of [
        'GenAIHighErrorRate',
        'GenAIHighLatencyP95',
        'GenAICostBudgetExceeded',
        'GenAIToolFailureRate',
      ]) {
        assert.ok(names.includes(alert), `rule ${alert} loaded (have: ${names.join(', ')})`);
      }
      const budget = await waitForSeries(stack, 'genai_otel:cost_budget_usd_per_hour');
      assert.equal(Number(budget[0].value[1]), 5);
      await poll('an active Alertmanager in Prometheus', async () => {
        const am = await getJson(`${stack.prometheus}/api/v1/alertmanagers`);
        return am.data.activeAlertmanagers.length > 0;
      });
    })(t);
  });

  test("logs pipeline: OTLP log records land in the file exporter's JSON-lines file", async (t) => {
    await guarded(stack, async () => {
      const marker = `e2e-log-${RUN_ID}`;
      const res = await fetch(`${stack.otlpHttp}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          resourceLogs: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: `e2e-logs-${RUN_ID}` } }] },
              scopeLogs: [
                {
                  scope: { name: 'e2e' },
                  logRecords: [
                    {
                      timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                      severityText: 'INFO',
                      eventName: 'gen_ai.client.inference.operation.details',
                      body: { stringValue: marker },
                    },
                  ],
                },
              ],
            },
          ],
        }),
      });
      assert.equal(res.status, 200, await res.text());
      const file = join(stack.runDir, 'collector', 'logs', 'genai-logs.jsonl');
      await poll(`${marker} in ${file}`, async () => existsSync(file) && readFileSync(file, 'utf8').includes(marker));
    })(t);
  });

  test('request/response records (GENAI_OTEL_LLM_LOGS) land in their own rotated file, other logs do not', async (t) => {
    await guarded(stack, async () => {
      const service = `e2e-records-${RUN_ID}`;
      await runFixture(stack, {
        file: 'llm-records-app.cjs',
        preload: '--require',
        serviceName: service,
        env: { GENAI_OTEL_LLM_LOGS: 'true' },
      });
      const recordsFile = join(stack.runDir, 'collector', 'logs', 'llm-records.jsonl');
      const generalFile = join(stack.runDir, 'collector', 'logs', 'genai-logs.jsonl');
      const linesOf = (file) =>
        existsSync(file)
          ? readFileSync(file, 'utf8')
              .split('\n')
              .filter(Boolean)
              .map((line) => JSON.parse(line))
          : [];
      const recordsOf = (file) =>
        linesOf(file).flatMap((batch) =>
          (batch.resourceLogs ?? [])
            .filter((rl) => attrs(rl.resource?.attributes)['service.name'] === service)
            .flatMap((rl) => (rl.scopeLogs ?? []).flatMap((sl) => sl.logRecords ?? [])),
        );
      const record = await poll('the request/response record in llm-records.jsonl', async () =>
        recordsOf(recordsFile).find((r) => r.eventName === 'genai_otel.llm.request_response'),
      );
      const fields = Object.fromEntries((record.body.kvlistValue?.values ?? []).map((kv) => [kv.key, kv.value]));
      assert.ok(
        fields.request && fields.response && fields.timestamp,
        `record body: ${JSON.stringify(record.body).slice(0, 400)}`,
      );
      const response = JSON.stringify(fields.response);
      assert.match(response, /chatcmpl-e2e-record/);
      assert.match(JSON.stringify(fields.request), /Where is my order\?/);
      assert.equal(fields.workload_id?.stringValue, 'support-chat');
      assert.ok(record.traceId, 'the record carries the trace id of its call');
      await poll('the ordinary log line in genai-logs.jsonl', async () =>
        recordsOf(generalFile).some((r) => JSON.stringify(r.body).includes('an ordinary log line')),
      );
      assert.ok(
        !recordsOf(generalFile).some((r) => r.eventName === 'genai_otel.llm.request_response'),
        'records are not in the general log file',
      );
      assert.ok(
        !recordsOf(recordsFile).some((r) => JSON.stringify(r.body).includes('an ordinary log line')),
        'ordinary logs are not in the records file',
      );
    })(t);
  });

  test("the collector's redaction safety net cleans spans from services without genai-otel", async (t) => {
    await guarded(stack, async () => {
      const service = `e2e-foreign-${RUN_ID}`;
      const id = (bytes) => randomBytes(bytes).toString('hex');
      const str = (key, value) => ({ key, value: { stringValue: value } });
      const now = BigInt(Date.now()) * 1_000_000n;
      const res = await fetch(`${stack.otlpHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          resourceSpans: [
            {
              resource: { attributes: [str('service.name', service)] },
              scopeSpans: [
                {
                  scope: { name: 'other-sdk' },
                  spans: [
                    {
                      traceId: id(16),
                      spanId: id(8),
                      name: 'POST /chat',
                      kind: 2,
                      startTimeUnixNano: String(now - 1_000_000n),
                      endTimeUnixNano: String(now),
                      attributes: [
                        str('http.request.header.authorization', 'Bearer abcdefghijklmnopqrstuvwxyz123456'),
                        str(
                          'app.note',
                          'contact jane.doe@example.com, key sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
                        ),
                        str('app.order', 'order 2024-11-23 #48213'),
                      ],
                    },
                  ],
                },
              ],
            },
          ],
        }),
      });
      assert.equal(res.status, 200, await res.text());
      const [span] = await poll('the foreign span in Jaeger', async () => {
        const found = await jaegerSpans(stack, service);
        return found.length > 0 ? found : null;
      });
      assert.equal(span.attributes['http.request.header.authorization'], undefined, 'credential headers are dropped');
      assert.equal(span.attributes['app.note'], 'contact [REDACTED:email], key [REDACTED:openai_key]');
      assert.equal(span.attributes['app.order'], 'order 2024-11-23 #48213', 'ordinary values pass unchanged');
    })(t);
  });

  test('Jaeger keeps the traces it stored across a restart (Badger in the run folder)', async (t) => {
    await guarded(stack, async () => {
      await fixtures;
      const key = (span) => `${span.traceId}/${span.spanId}`;
      // Every span of the service so far (the Monitor tab's test runs its app a second time).
      const stored = (
        await poll(`trace of ${cjsService} in Jaeger`, async () => {
          const found = await jaegerSpans(stack, cjsService);
          return found.length >= 4 ? found : null;
        })
      )
        .map(key)
        .sort();
      await stackCmd(stack, 'down', 'jaeger');
      const restarted = Date.now();
      await stackCmd(stack, 'up', 'jaeger');
      const readBack = await poll(`the ${stored.length} spans of ${cjsService} after the restart`, async () => {
        const found = await jaegerSpans(stack, cjsService);
        return found.length >= stored.length ? found : null;
      });
      assert.deepEqual(readBack.map(key).sort(), stored, 'the same spans, read back after the restart');
      t.diagnostic(
        `${stored.length} spans read back ${((Date.now() - restarted) / 1000).toFixed(1)}s after the restart began`,
      );
      const badger = join(stack.runDir, 'jaeger', 'badger');
      assert.ok(
        existsSync(join(badger, 'keys')) && existsSync(join(badger, 'values')),
        `Badger's folders in ${badger}`,
      );
      assert.equal(statSync(badger).mode & 0o777, 0o700, 'the Badger folder is private to the user');
    })(t);
  });

  test('a Jaeger restart (and a collector restart) loses no trace: persistent sending queue', async (t) => {
    await guarded(stack, async () => {
      await fixtures;
      const service = `e2e-restart-${RUN_ID}`;
      await stackCmd(stack, 'down', 'jaeger');
      // The collector accepts the spans and keeps them in its file-backed queue.
      await runFixture(stack, { file: 'agent-app.cjs', preload: '--require', serviceName: service });
      // Restart the collector too: what it holds must survive on disk.
      await stackCmd(stack, 'down', 'collector');
      await stackCmd(stack, 'up', 'collector');
      const restarted = Date.now();
      await stackCmd(stack, 'up', 'jaeger');
      await poll(
        `trace of ${service} after the restarts`,
        async () => (await jaegerSpans(stack, service)).length >= 4,
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      t.diagnostic(`queued trace delivered ${((Date.now() - restarted) / 1000).toFixed(1)}s after the restarts`);
      await assertAgentTrace(stack, service);
    })(t);
  });

  test('Jaeger does not trace itself: no "jaeger" service although its API answered every test above', async (t) => {
    await guarded(stack, async () => {
      await fixtures;
      // Each API call was a span for a self-tracing Jaeger (sent after 100 ms, OTEL_BSP_SCHEDULE_DELAY above). Make a
      // few more, then watch the service list for 30 times that delay; a marker service shows that ingest flows.
      for (let i = 0; i < 5; i++) await getJson(`${stack.jaeger}/api/v3/services`);
      const marker = `e2e-marker-${RUN_ID}`;
      const str = (key, value) => ({ key, value: { stringValue: value } });
      const now = BigInt(Date.now()) * 1_000_000n;
      const res = await fetch(`${stack.otlpHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          resourceSpans: [
            {
              resource: { attributes: [str('service.name', marker)] },
              scopeSpans: [
                {
                  scope: { name: 'e2e' },
                  spans: [
                    {
                      traceId: randomBytes(16).toString('hex'),
                      spanId: randomBytes(8).toString('hex'),
                      name: 'marker',
                      kind: 1,
                      startTimeUnixNano: String(now - 1_000_000n),
                      endTimeUnixNano: String(now),
                    },
                  ],
                },
              ],
            },
          ],
        }),
      });
      assert.equal(res.status, 200, await res.text());
      const watchUntil = Date.now() + 3000;
      let services = [];
      let own = [];
      await poll('the marker service, then 3 s of service lists', async () => {
        services = (await getJson(`${stack.jaeger}/api/v3/services`)).services ?? [];
        own = services.filter((name) => /jaeger/i.test(name));
        return own.length > 0 || (services.includes(marker) && Date.now() > watchUntil);
      });
      assert.deepEqual(own, [], 'Jaeger sent its own spans');
      t.diagnostic(`services: ${services.length}, none of them Jaeger`);
    })(t);
  });

  test("Prometheus's lifecycle API is off: a POST to /-/quit is refused and Prometheus keeps running", async (t) => {
    await guarded(stack, async () => {
      const res = await fetch(`${stack.prometheus}/-/quit`, { method: 'POST', signal: AbortSignal.timeout(5000) });
      const body = await res.text();
      assert.equal(res.status, 403, body);
      assert.match(body, /Lifecycle API is not enabled/);
      const reload = await fetch(`${stack.prometheus}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(5000) });
      assert.equal(reload.status, 403, await reload.text());
      const ready = await fetch(`${stack.prometheus}/-/ready`, { signal: AbortSignal.timeout(5000) });
      assert.equal(ready.status, 200);
      t.diagnostic(`POST /-/quit: ${res.status} ${body.trim()}`);
    })(t);
  });
});

describe('opt-in tail sampling (collector/tail-sampling.yaml)', { skip: SKIP }, () => {
  let stack;

  before(async () => {
    stack = await makeStack('tail', {
      STACK_TAIL_SAMPLING: '1',
      OTELCOL_TAIL_DECISION_WAIT: '1s',
      OTELCOL_TAIL_SAMPLE_PERCENT: '0',
      OTELCOL_TAIL_SLOW_LLM_MS: '5000',
      OTELCOL_TAIL_COST_USD: '0.5',
    });
    await startStack(stack);
  });

  after(async () => {
    if (stack) await stopStack(stack);
  });

  test('keeps errors, slow LLM calls and costly calls; drops the rest; span metrics still count all', async (t) => {
    await guarded(stack, async () => {
      const service = `e2e-tail-${RUN_ID}`;
      const now = BigInt(Date.now()) * 1_000_000n;
      const ms = 1_000_000n;
      const id = (bytes) => randomBytes(bytes).toString('hex');
      const str = (key, value) => ({ key, value: { stringValue: value } });
      const span = (name, { durationMs = 100n, error = false, cost } = {}) => ({
        traceId: id(16),
        spanId: id(8),
        name,
        kind: 3,
        startTimeUnixNano: String(now - durationMs * ms),
        endTimeUnixNano: String(now),
        attributes: [
          str('gen_ai.operation.name', 'chat'),
          str('gen_ai.provider.name', 'openai'),
          str('gen_ai.request.model', 'gpt-4o'),
          ...(cost === undefined ? [] : [{ key: 'genai_otel.cost.usd', value: { doubleValue: cost } }]),
        ],
        status: error ? { code: 2, message: 'rate limited' } : {},
      });
      const cases = {
        plain: span('chat plain'),
        cheap: span('chat cheap', { cost: 0.01 }),
        error: span('chat error', { error: true }),
        slow: span('chat slow', { durationMs: 6000n }),
        costly: span('chat costly', { cost: 1.25 }),
      };
      const res = await fetch(`${stack.otlpHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          resourceSpans: [
            {
              resource: { attributes: [str('service.name', service)] },
              scopeSpans: [{ scope: { name: 'e2e' }, spans: Object.values(cases) }],
            },
          ],
        }),
      });
      assert.equal(res.status, 200, await res.text());

      // All five traces arrived together, so their decisions were taken together:
      // once the kept ones are in Jaeger, the dropped ones were dropped.
      const kept = await poll('sampled traces in Jaeger', async () => {
        const names = new Set((await jaegerSpans(stack, service)).map((s) => s.name));
        return ['chat error', 'chat slow', 'chat costly'].every((n) => names.has(n)) ? names : null;
      });
      assert.ok(!kept.has('chat plain'), 'a plain trace is dropped (sampling percentage 0)');
      assert.ok(!kept.has('chat cheap'), 'a call under the cost threshold is dropped');

      // Span metrics are computed before sampling: every span is counted.
      const series = await waitForSeries(stack, `traces_span_metrics_calls_total{service_name="${service}"}`);
      await poll('span metrics for all five spans', async () => {
        const result = await promQuery(stack, `traces_span_metrics_calls_total{service_name="${service}"}`);
        return new Set(result.map((s) => s.metric.span_name)).size === 5;
      });
      assert.ok(series.length >= 1);
    })(t);
  });
});

describe(
  'alerting: a failing app makes Prometheus fire GenAIHighErrorRate through Alertmanager to a webhook',
  { skip: SKIP },
  () => {
    let stack;
    let webhook;

    before(async () => {
      webhook = await startAlertWebhook();
      stack = await makeStack('alerts', {
        ALERT_WEBHOOK_URL: webhook.url,
        ALERT_GROUP_WAIT: '1s',
        ALERT_GROUP_INTERVAL: '5s',
        STACK_ALERT_FOR: '0s',
      });
      await startStack(stack);
    });

    after(async () => {
      if (stack) await stopStack(stack);
      if (webhook) await webhook.close();
    });

    test('errors above 10 % reach the webhook receiver as a firing alert for the service', async (t) => {
      await guarded(stack, async () => {
        const service = `e2e-alert-${RUN_ID}`;
        await runFixture(stack, { file: 'failing-llm-app.cjs', preload: '--require', serviceName: service });
        const alert = await poll(
          'a GenAIHighErrorRate notification',
          async () => {
            for (const notification of webhook.notifications) {
              for (const item of notification.alerts ?? []) {
                if (
                  item.labels?.alertname === 'GenAIHighErrorRate' &&
                  item.labels?.job === service &&
                  item.status === 'firing'
                )
                  return item;
              }
            }
            return null;
          },
          { timeoutMs: 90_000, intervalMs: 500 },
        );
        assert.equal(alert.labels.gen_ai_provider_name, 'openai');
        assert.equal(alert.labels.severity, 'warning');
        assert.match(alert.annotations.summary, /LLM error rate above 10 %/);
        t.diagnostic(`alert received: ${alert.annotations.description}`);
      })(t);
    });
  },
);

describe('configuration checks: collector validate, promtool check/test rules, amtool, compose', { skip: SKIP }, () => {
  test('scripts/stack.sh check passes every check', async () => {
    const { stdout, stderr } = await execFileP('bash', [STACK, 'check'], {
      cwd: ROOT,
      timeout: 120_000,
      maxBuffer: 8 << 20,
    });
    const output = stdout + stderr;
    assert.match(output, /collector\/config\.yaml \(otelcol-genai validate\)/);
    assert.match(output, /ok: collector\/privacy\.yaml \+ scale\/agent\.yaml/);
    assert.match(output, /ok: collector\/tail-sampling\.yaml \+ scale\/gateway\.yaml/);
    assert.match(output, /promtool test rules/);
    assert.doesNotMatch(output, /FAIL/);
  });
});
