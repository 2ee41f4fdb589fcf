// End-to-end test of the collector's trusted-redaction path with the real collector binary and collector/privacy.yaml + config.yaml:
// telemetry genai-otel redacted with its whole built-in rule set (resource attribute genai_otel.redaction.ruleset)
// skips the collector's pattern rules; telemetry from a plain OpenTelemetry SDK, from genai-otel with a rule switched
// off, or carrying a claim of another rule set, gets all of them.
//
//   scripts/stack.sh install && npm run build && GENAI_OTEL_E2E=1 node --test test/e2e/redaction-marker.e2e.test.mjs
//
// Only the collector runs: an overlay config sends its traces pipeline to a file instead of Jaeger.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, SKIP, freePorts, poll } from './support/stack.mjs';

const COLLECTOR = join(ROOT, '.stack', 'bin', 'otelcol-genai');
const FIXTURE = join(ROOT, 'test', 'e2e', 'fixtures', 'marker-app.mjs');
/** The card-shaped number genai-otel keeps (it fails the Luhn check) and the collector's pattern replaces. */
const NOT_A_CARD = '4111 1111 1111 1112';

describe(
  'collector: genai-otel-redacted telemetry skips the pattern safety net, other telemetry does not',
  { skip: SKIP },
  () => {
    let dir;
    let collector;
    let otlpHttp;
    let collectorLog = '';

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'genai-otel-e2e-marker-'));
      const [grpc, http, health, prom, metrics] = await freePorts(5);
      otlpHttp = `http://127.0.0.1:${http}`;
      const overlay = join(dir, 'overlay.yaml');
      writeFileSync(
        overlay,
        [
          'exporters:',
          '  file/e2e_traces:',
          `    path: ${join(dir, 'traces.jsonl')}`,
          '    flush_interval: 100ms',
          'service:',
          '  pipelines:',
          '    traces:',
          '      exporters: [file/e2e_traces, span_metrics]',
          '',
        ].join('\n'),
      );
      const env = {};
      for (const [k, v] of Object.entries(process.env)) if (!/^(OTELCOL_|GENAI_OTEL_|OTEL_)/.test(k)) env[k] = v;
      Object.assign(env, {
        OTELCOL_OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
        OTELCOL_OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
        OTELCOL_HEALTH_ENDPOINT: `127.0.0.1:${health}`,
        OTELCOL_PROMETHEUS_ENDPOINT: `127.0.0.1:${prom}`,
        OTELCOL_METRICS_HOST: '127.0.0.1',
        OTELCOL_METRICS_PORT: String(metrics),
        OTELCOL_JAEGER_ENDPOINT: '127.0.0.1:1',
        OTELCOL_STORAGE_DIR: join(dir, 'queue'),
        OTELCOL_LOGS_PATH: join(dir, 'logs.jsonl'),
        OTELCOL_LLM_RECORDS_PATH: join(dir, 'llm-records.jsonl'),
        OTELCOL_BATCH_TIMEOUT: '100ms',
      });
      collector = spawn(
        COLLECTOR,
        [
          '--config',
          join(ROOT, 'collector', 'privacy.yaml'),
          '--config',
          join(ROOT, 'collector', 'config.yaml'),
          '--config',
          overlay,
        ],
        { env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      collector.stdout.on('data', (d) => (collectorLog += d));
      collector.stderr.on('data', (d) => (collectorLog += d));
      await poll('the collector to be healthy', async () => (await fetch(`http://127.0.0.1:${health}/`)).ok, {
        timeoutMs: 30_000,
      }).catch((err) => {
        throw new Error(`${err.message}\n${collectorLog}`);
      });
    });

    after(async () => {
      if (collector && collector.exitCode === null) {
        const exited = new Promise((resolve) => collector.once('exit', resolve));
        collector.kill('SIGTERM');
        await exited;
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** Runs the fixture as `serviceName` and returns the attributes of its span as the collector exported it. */
    async function exported(serviceName, { preload, env: extra = {} }) {
      const env = {};
      for (const [k, v] of Object.entries(process.env)) if (!/^(OTELCOL_|GENAI_OTEL_|OTEL_)/.test(k)) env[k] = v;
      Object.assign(env, {
        OTEL_SERVICE_NAME: serviceName,
        OTEL_EXPORTER_OTLP_ENDPOINT: otlpHttp,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        FIXTURE_OTLP: otlpHttp,
        ...extra,
      });
      const args = preload ? ['--import', 'genai-otel/register', FIXTURE] : [FIXTURE];
      const output = await new Promise((resolve, reject) => {
        const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('error', reject);
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          if (code === 0 && out.includes('fixture done')) resolve(out);
          else reject(new Error(`fixture exited with ${code ?? signal}:\n${out}`));
        });
      });
      return poll(
        `the span of ${serviceName} in the collector's output`,
        () => {
          const file = join(dir, 'traces.jsonl');
          if (!existsSync(file)) return undefined;
          for (const line of readFileSync(file, 'utf8').split('\n')) {
            if (line.trim() === '') continue;
            for (const resourceSpans of JSON.parse(line).resourceSpans ?? []) {
              const resource = flatten(resourceSpans.resource?.attributes);
              if (resource['service.name'] !== serviceName) continue;
              const span = resourceSpans.scopeSpans?.[0]?.spans?.[0];
              if (span) return { resource, attributes: flatten(span.attributes) };
            }
          }
          return undefined;
        },
        { timeoutMs: 20_000 },
      ).catch((err) => {
        throw new Error(`${err.message}\nfixture output:\n${output}\ncollector:\n${collectorLog}`);
      });
    }

    test("a span genai-otel redacted with its whole rule set passes the collector's patterns as genai-otel left it", async () => {
      const { resource, attributes } = await exported('marker-genai-otel', { preload: true });
      assert.match(resource['genai_otel.redaction.ruleset'] ?? '', /^builtin-[0-9a-f]{16}$/);
      // genai-otel redacted the address; the number that fails the Luhn check is no card to it, and the collector left
      // it alone: the proof that the collector's pattern rules were skipped.
      assert.equal(attributes['order.contact'], 'mail [REDACTED:email]');
      assert.equal(attributes['order.note'], `card ${NOT_A_CARD} on file`);
    });

    test('a span from a plain OpenTelemetry SDK gets the full safety net', async () => {
      const { resource, attributes } = await exported('marker-plain', { preload: false, env: { FIXTURE_PLAIN: '1' } });
      assert.equal(resource['genai_otel.redaction.ruleset'], undefined);
      assert.equal(attributes['order.note'], 'card [REDACTED:card] on file');
      assert.equal(attributes['order.contact'], 'mail [REDACTED:email]');
    });

    test('a plain SDK claiming another rule set, and genai-otel with a rule switched off, get the full safety net', async () => {
      const forged = await exported('marker-forged', {
        preload: false,
        env: { FIXTURE_PLAIN: '1', FIXTURE_CLAIM: 'builtin-0000000000000000' },
      });
      assert.equal(forged.attributes['order.note'], 'card [REDACTED:card] on file');
      const partial = await exported('marker-partial', {
        preload: true,
        env: { GENAI_OTEL_REDACT_DISABLE: 'email', OTEL_RESOURCE_ATTRIBUTES: 'genai_otel.redaction.ruleset=builtin-0' },
      });
      // The claim set through OTEL_RESOURCE_ATTRIBUTES is removed: this process did not apply the whole rule set.
      assert.equal(partial.resource['genai_otel.redaction.ruleset'], undefined);
      assert.equal(partial.attributes['order.contact'], 'mail [REDACTED:email]');
      assert.equal(partial.attributes['order.note'], `card [REDACTED:card] on file`);
    });
  },
);

/** OTLP/JSON key-values as a plain object of their scalar values. */
function flatten(list = []) {
  const out = {};
  for (const { key, value } of list) out[key] = value?.stringValue ?? value?.intValue ?? value?.boolValue ?? value;
  return out;
}
