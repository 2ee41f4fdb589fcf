// One test per environment variable: what each setting does to a real app under the preload.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startOtlpReceiver, type OtlpReceiver } from '@genai-otel/mock-otlp-receiver';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';

let receiver: OtlpReceiver;
before(async () => {
  receiver = await startOtlpReceiver();
});
after(async () => {
  await receiver.close();
});

const run = (
  env: Record<string, string | undefined>,
  script = 'llm-call.cjs',
  nodeArgs = ['--require', 'genai-otel/register'],
) => runFixture(fixture(script), { nodeArgs, env: otelEnv(receiver.url, env) });
const spansOf = (service: string) => receiver.spans().filter((span) => span.resource['service.name'] === service);
const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

/** A loopback port nothing listens on (it was just released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('OTEL_SDK_DISABLED=true: nothing is exported, the app runs unchanged', async () => {
  const result = await run({ OTEL_SDK_DISABLED: 'true', OTEL_SERVICE_NAME: 'disabled' });
  assert.equal(result.code, 0);
  assert.equal(result.stdout.trim(), 'app finished');
  await settle();
  assert.equal(spansOf('disabled').length, 0);
  assert.equal(receiver.requests().filter((request) => String(request.body).includes('disabled')).length, 0);
});

test('OTEL_TRACES_SAMPLER=always_off: no spans, metrics still flow', async () => {
  await run({ OTEL_TRACES_SAMPLER: 'always_off', OTEL_SERVICE_NAME: 'sampled-off' });
  await receiver.waitFor(
    'metrics',
    (all) => all.some((metric) => metric.resource['service.name'] === 'sampled-off'),
    5000,
  );
  assert.equal(spansOf('sampled-off').length, 0);
});

test('OTEL_TRACES_SAMPLER_ARG=abc: one diagnostic naming the variable and the accepted values; the app runs and traces', async () => {
  const result = await run({
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: 'abc',
    OTEL_SERVICE_NAME: 'bad-ratio',
  });
  assert.equal(result.code, 0);
  const lines = result.stderr.trim().split('\n');
  assert.deepEqual(lines, [
    'genai-otel: OTEL_TRACES_SAMPLER_ARG="abc" is not valid: accepted values are numbers from 0 to 1; using 1',
  ]);
  await receiver.waitFor('spans', (all) => all.some((span) => span.resource['service.name'] === 'bad-ratio'), 5000);
});

test('OTEL_TRACES_SAMPLER=unknown: the diagnostic lists the samplers', async () => {
  const result = await run({ OTEL_TRACES_SAMPLER: 'sometimes', OTEL_SERVICE_NAME: 'bad-sampler' });
  assert.match(
    result.stderr,
    /OTEL_TRACES_SAMPLER="sometimes" is not valid: accepted values are always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio; using parentbased_always_on/,
  );
});

test('a misspelt GENAI_OTEL_ variable is reported with the closest known name, never with its value', async () => {
  const result = await run({
    GENAI_OTEL_SHUTDOWN_TIMEOUT: '5',
    GENAI_OTEL_USER_ID_HMAC_KY: 'hmac-secret-4c2f9e1d7b',
    OTEL_SERVICE_NAME: 'typo',
  });
  assert.equal(result.code, 0);
  assert.match(
    result.stderr,
    /GENAI_OTEL_SHUTDOWN_TIMEOUT="\[value hidden\]" is not a genai-otel variable and is ignored; did you mean GENAI_OTEL_SHUTDOWN_TIMEOUT_MS\?/,
  );
  assert.match(
    result.stderr,
    /GENAI_OTEL_USER_ID_HMAC_KY="\[value hidden\]" is not a genai-otel variable and is ignored; did you mean GENAI_OTEL_USER_ID_HMAC_KEY\?/,
  );
  assert.ok(!result.stderr.includes('hmac-secret'), result.stderr);
});

test('an endpoint with user:password@ and ?api_key= is printed without them when the collector is away', async () => {
  const closed = await closedPort();
  const result = await run({
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://otel-user:pa55w0rd-91c@127.0.0.1:${closed}`,
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `http://127.0.0.1:${closed}/v1/logs?api_key=key-77aa`,
    OTEL_SERVICE_NAME: 'secret-endpoint',
    GENAI_OTEL_SHUTDOWN_TIMEOUT_MS: '800',
    OTEL_LOG_LEVEL: 'debug',
  });
  assert.match(
    result.stderr,
    new RegExp(`the collector at http://127\\.0\\.0\\.1:${closed}/v1/(traces|metrics|logs) cannot take`),
  );
  assert.match(result.stderr, new RegExp(`OTLP http://127\\.0\\.0\\.1:${closed}/v1/traces\n`));
  assert.ok(!result.stderr.includes('pa55w0rd') && !result.stderr.includes('otel-user'), result.stderr);
  assert.ok(!result.stderr.includes('key-77aa'), result.stderr);
});

test('GENAI_OTEL_SHUTDOWN_TIMEOUT_MS=soon: the diagnostic names the accepted values', async () => {
  const result = await run({ GENAI_OTEL_SHUTDOWN_TIMEOUT_MS: 'soon', OTEL_SERVICE_NAME: 'bad-timeout' });
  assert.match(
    result.stderr,
    /GENAI_OTEL_SHUTDOWN_TIMEOUT_MS="soon" is not valid: accepted values are whole numbers from 0 to 600000; using 3000/,
  );
});

test('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: every documented value starts without a warning from the OpenAI instrumentation', async () => {
  for (const value of ['true', 'false', 'NO_CONTENT', 'SPAN_ONLY', 'EVENT_ONLY', 'SPAN_AND_EVENT', 'span_and_event']) {
    const result = await run(
      { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: value, OTEL_SERVICE_NAME: 'capture-values' },
      'openai-loaded.cjs',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), `openai loaded; capture=${value}`, 'the variable is back in place for the app');
    assert.doesNotMatch(result.stderr, /invalid boolean/, `${value}: ${result.stderr}`);
    assert.equal(result.stderr.trim(), '', `${value}: nothing at all is printed for a valid value`);
  }
  const esm = await run(
    { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'SPAN_AND_EVENT', OTEL_SERVICE_NAME: 'capture-values' },
    'openai-loaded.mjs',
    ['--import', 'genai-otel/register'],
  );
  assert.equal(esm.stdout.trim(), 'openai loaded; capture=SPAN_AND_EVENT');
  assert.doesNotMatch(esm.stderr, /invalid boolean/, esm.stderr);
});

test('OTEL_EXPORTER_OTLP_PROTOCOL=http/json: every signal is sent as OTLP/JSON', async () => {
  await run({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'json-protocol' });
  await receiver.waitFor('spans', (all) => all.some((span) => span.resource['service.name'] === 'json-protocol'), 5000);
  const fromService = receiver.requests().filter((request) => request.body.toString().includes('json-protocol'));
  assert.ok(fromService.length >= 2);
  for (const request of fromService) assert.equal(request.contentType, 'application/json');
});

test('the default protocol is http/protobuf', async () => {
  await run({ OTEL_SERVICE_NAME: 'proto-protocol' });
  await receiver.waitFor(
    'spans',
    (all) => all.some((span) => span.resource['service.name'] === 'proto-protocol'),
    5000,
  );
  const traces = receiver
    .requests()
    .filter((request) => request.signal === 'traces' && request.body.toString('latin1').includes('proto-protocol'));
  assert.ok(traces.length >= 1);
  assert.equal(traces[0]!.contentType, 'application/x-protobuf');
});

test('OTEL_EXPORTER_OTLP_PROTOCOL=grpc: reported, http/protobuf used', async () => {
  const result = await run({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_SERVICE_NAME: 'grpc-asked' });
  assert.match(
    result.stderr,
    /OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not valid: accepted values are http\/protobuf, http\/json; using http\/protobuf/,
  );
  await receiver.waitFor('spans', (all) => all.some((span) => span.resource['service.name'] === 'grpc-asked'), 5000);
});

test('OTEL_EXPORTER_OTLP_HEADERS and the signal-specific headers reach the collector', async () => {
  await run({
    OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=acme,authorization=Bearer%20secret',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-signal=traces',
    OTEL_SERVICE_NAME: 'headers',
  });
  await receiver.waitFor('spans', (all) => all.some((span) => span.resource['service.name'] === 'headers'), 5000);
  const traces = receiver
    .requests()
    .find((request) => request.signal === 'traces' && request.headers['x-tenant'] === 'acme');
  assert.ok(traces);
  assert.equal(traces.headers['authorization'], 'Bearer secret');
  assert.equal(traces.headers['x-signal'], 'traces');
  const metrics = receiver
    .requests()
    .find((request) => request.signal === 'metrics' && request.headers['x-tenant'] === 'acme');
  assert.equal(metrics?.headers['x-signal'], undefined);
});

test('a bad header entry is reported without printing header values', async () => {
  const result = await run({ OTEL_EXPORTER_OTLP_HEADERS: 'sk-live-123', OTEL_SERVICE_NAME: 'bad-header' });
  assert.match(
    result.stderr,
    /OTEL_EXPORTER_OTLP_HEADERS="\[value hidden\]" is not valid: "\[value hidden\]" is not of the form key=value/,
  );
  assert.ok(!result.stderr.includes('sk-live-123'));
});

test('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is for traces only', async () => {
  await run({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
    OTEL_SERVICE_NAME: 'traces-endpoint',
    GENAI_OTEL_SHUTDOWN_TIMEOUT_MS: '500',
  });
  await receiver.waitFor(
    'spans',
    (all) => all.some((span) => span.resource['service.name'] === 'traces-endpoint'),
    5000,
  );
  assert.equal(receiver.metrics().filter((metric) => metric.resource['service.name'] === 'traces-endpoint').length, 0);
});

test('OTEL_EXPORTER_OTLP_ENDPOINT=not-a-url: reported, the default endpoint used', async () => {
  const result = await run({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
    OTEL_SERVICE_NAME: 'bad-endpoint',
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
  });
  assert.match(
    result.stderr,
    /OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318" is not valid: accepted values are absolute http:\/\/ or https:\/\/ URLs/,
  );
});

test('OTEL_TRACES_EXPORTER=console prints spans to stdout; OTEL_METRICS_EXPORTER=none sends no metrics', async () => {
  const result = await run({
    OTEL_TRACES_EXPORTER: 'console',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_SERVICE_NAME: 'console-traces',
  });
  assert.match(result.stdout, /name: 'chat gpt-4o-mini'/);
  await settle();
  assert.equal(spansOf('console-traces').length, 0);
  assert.equal(receiver.metrics().filter((metric) => metric.resource['service.name'] === 'console-traces').length, 0);
});

test('OTEL_TRACES_EXPORTER=otlp,bogus: the unknown exporter is reported, otlp still works', async () => {
  const result = await run({ OTEL_TRACES_EXPORTER: 'otlp,bogus', OTEL_SERVICE_NAME: 'bogus-exporter' });
  assert.match(
    result.stderr,
    /OTEL_TRACES_EXPORTER="otlp,bogus" is not valid: "bogus" is not supported; accepted values are otlp, file, local, console, none/,
  );
  await receiver.waitFor(
    'spans',
    (all) => all.some((span) => span.resource['service.name'] === 'bogus-exporter'),
    5000,
  );
});

test('OTEL_LOG_LEVEL=debug shows what started; OTEL_LOG_LEVEL=none silences even bad settings', async () => {
  const debug = await run({ OTEL_LOG_LEVEL: 'debug', OTEL_SERVICE_NAME: 'debug-level' });
  assert.match(debug.stderr, /genai-otel: started: traces registered \(otlp\), metrics registered, logs registered/);
  assert.equal(debug.stdout.trim(), 'app finished', 'diagnostics never go to stdout');
  const silent = await run({
    OTEL_LOG_LEVEL: 'none',
    OTEL_TRACES_SAMPLER_ARG: 'abc',
    OTEL_SERVICE_NAME: 'silent-level',
  });
  assert.equal(silent.stderr, '');
});

test('OTEL_LOG_LEVEL=loud: reported with the accepted levels', async () => {
  const result = await run({ OTEL_LOG_LEVEL: 'loud', OTEL_SERVICE_NAME: 'bad-level' });
  assert.match(
    result.stderr,
    /OTEL_LOG_LEVEL="loud" is not valid: accepted values are none, error, warn, info, debug, verbose, all; using info/,
  );
});

test('OTEL_PROPAGATORS=b3multi: outgoing context uses B3 headers', async () => {
  const result = await runFixture(fixture('propagation.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env: otelEnv(receiver.url, { OTEL_PROPAGATORS: 'b3multi', OTEL_SERVICE_NAME: 'b3' }),
  });
  const carrier = JSON.parse(result.stdout.trim()) as Record<string, string>;
  assert.ok('x-b3-traceid' in carrier, JSON.stringify(carrier));
  assert.ok(!('traceparent' in carrier));
  const w3c = await runFixture(fixture('propagation.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env: otelEnv(receiver.url, { OTEL_SERVICE_NAME: 'w3c' }),
  });
  assert.ok('traceparent' in (JSON.parse(w3c.stdout.trim()) as Record<string, string>));
});

test('OTEL_METRIC_EXPORT_INTERVAL: a long-running app exports metrics on that interval, not only at exit', async () => {
  const result = await runFixture(fixture('server.cjs'), {
    nodeArgs: ['--require', 'genai-otel/register'],
    env: otelEnv(receiver.url, { OTEL_SERVICE_NAME: 'interval', OTEL_METRIC_EXPORT_INTERVAL: '150' }),
    onLine: {
      line: 'ready',
      then: (child) => {
        receiver
          .waitFor(
            'metrics',
            (all) =>
              all.some(
                (metric) =>
                  metric.resource['service.name'] === 'interval' &&
                  metric.name === 'gen_ai.client.inference.usage.input_tokens',
              ),
            5000,
          )
          .then(
            () => child.kill('SIGKILL'),
            () => child.kill('SIGKILL'),
          );
      },
    },
  });
  assert.equal(result.signal, 'SIGKILL', 'killed without a chance to flush');
  assert.ok(
    receiver
      .metrics()
      .some(
        (metric) =>
          metric.resource['service.name'] === 'interval' &&
          metric.name === 'gen_ai.client.inference.usage.input_tokens',
      ),
  );
});

test('OTEL_TRACES_EXPORTER=file (ES module app): OTLP/JSON lines in GENAI_OTEL_FILE_DIR, nothing sent, the CLI reads them', async () => {
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { spansOf: spansOfLine } = await import('../../src/cli/telemetry/otlp-json.ts');
  const { runCli } = await import('../support/support-agent.ts');
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-file-setting-'));
  const env = {
    OTEL_SERVICE_NAME: 'file-exporter',
    OTEL_TRACES_EXPORTER: 'file',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    GENAI_OTEL_FILE_DIR: directory,
  };
  const result = await run(env, 'llm-call.mjs', ['--import', 'genai-otel/register']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  const spans = readFileSync(join(directory, 'traces.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .flatMap((line) => spansOfLine(JSON.parse(line)));
  assert.deepEqual(spans.map((span) => span.name).sort(), [
    'chat gpt-4o-mini',
    'execute_tool lookup_order',
    'invoke_agent support-agent',
  ]);
  await settle();
  assert.equal(spansOf('file-exporter').length, 0, 'nothing went over OTLP');
  const tree = await runCli(['traces', '--source', 'files', '--dir', directory], otelEnv(receiver.url));
  assert.match(tree.stdout, /└─ invoke_agent support-agent .*\n {3}├─ chat gpt-4o-mini .*120→40 tokens/);
  rmSync(directory, { recursive: true });
});
