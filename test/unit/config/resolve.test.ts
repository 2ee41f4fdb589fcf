import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, telemetryDisabledByEnvironment } from '../../../src/config/resolve.ts';
import { formatConfigProblem } from '../../../src/core/diagnostics.ts';

const problemsOf = (env: Record<string, string>) => resolveConfig(env).problems.map(formatConfigProblem);

test('defaults: OTLP/HTTP protobuf to localhost:4318 for every signal, parent-based always-on sampling, 15 s metric interval', () => {
  const { config, problems } = resolveConfig({});
  assert.deepEqual(problems, []);
  assert.equal(config.disabled, false);
  assert.equal(config.traces.otlp.url, 'http://localhost:4318/v1/traces');
  assert.equal(config.metrics.otlp.url, 'http://localhost:4318/v1/metrics');
  assert.equal(config.logs.otlp.url, 'http://localhost:4318/v1/logs');
  assert.equal(config.traces.otlp.protocol, 'http/protobuf');
  assert.deepEqual(config.traces.exporters, ['otlp']);
  assert.equal(config.traces.sampler, 'parentbased_always_on');
  assert.equal(config.metrics.exportIntervalMillis, 15000);
  assert.equal(config.metrics.temporality, 'cumulative');
  assert.deepEqual(config.propagators, ['tracecontext', 'baggage']);
  assert.deepEqual(config.resourceDetectors, ['env', 'host', 'os', 'process', 'serviceinstance']);
  assert.equal(config.shutdownTimeoutMillis, 3000);
  assert.equal(config.genai.captureContent, 'none');
});

test('OTEL_EXPORTER_OTLP_ENDPOINT: signal paths appended (a trailing slash is fine); signal endpoints used as they are', () => {
  const { config } = resolveConfig({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com:4318/',
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'https://logs.example.com/ingest',
  });
  assert.equal(config.traces.otlp.url, 'https://otel.example.com:4318/v1/traces');
  assert.equal(config.logs.otlp.url, 'https://logs.example.com/ingest');
});

test('signal-specific protocol, compression, timeout and headers win over the common ones', () => {
  const { config } = resolveConfig({
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2500',
    OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=2',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'b=3',
  });
  assert.equal(config.traces.otlp.protocol, 'http/json');
  assert.equal(config.metrics.otlp.protocol, 'http/protobuf');
  assert.equal(config.logs.otlp.compression, 'gzip');
  assert.equal(config.traces.otlp.timeoutMillis, 2500);
  assert.equal(config.metrics.otlp.timeoutMillis, 10000);
  assert.deepEqual(config.traces.otlp.headers, { a: '1', b: '3' });
  assert.deepEqual(config.metrics.otlp.headers, { a: '1', b: '2' });
});

test('OTEL_RESOURCE_ATTRIBUTES: percent-decoded values, malformed pairs reported', () => {
  const { config, problems } = resolveConfig({ OTEL_RESOURCE_ATTRIBUTES: 'team=ai%20platform,broken,region=eu' });
  assert.deepEqual(config.resourceAttributes, { team: 'ai platform', region: 'eu' });
  assert.equal(problems.length, 1);
});

test('"none" in an exporter list turns the signal off', () => {
  const { config } = resolveConfig({ OTEL_TRACES_EXPORTER: 'console,none', OTEL_LOGS_EXPORTER: 'none' });
  assert.deepEqual(config.traces.exporters, []);
  assert.deepEqual(config.logs.exporters, []);
  assert.deepEqual(config.metrics.exporters, ['otlp']);
});

test('OTEL_TRACES_SAMPLER_ARG applies to the ratio samplers only, and must be 0..1', () => {
  assert.equal(
    resolveConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).config.traces.samplerRatio,
    0.25,
  );
  assert.equal(
    resolveConfig({ OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: '0.25' }).config.traces.samplerRatio,
    1,
  );
  assert.deepEqual(problemsOf({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }), [
    'OTEL_TRACES_SAMPLER_ARG="1.5" is not valid: accepted values are numbers from 0 to 1; using 1',
  ]);
});

test('each bad value gives one problem naming the variable and the accepted values, and a usable default', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [
      { OTEL_SDK_DISABLED: 'yes' },
      /^OTEL_SDK_DISABLED="yes" is not valid: accepted values are true, false; using false$/,
    ],
    [
      { OTEL_BSP_MAX_QUEUE_SIZE: '-5' },
      /^OTEL_BSP_MAX_QUEUE_SIZE="-5" is not valid: accepted values are whole numbers from 1 to 10000000; using 32768$/,
    ],
    [
      { OTEL_METRIC_EXPORT_INTERVAL: '1.5s' },
      /^OTEL_METRIC_EXPORT_INTERVAL="1.5s" is not valid: accepted values are whole numbers/,
    ],
    [
      { OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli' },
      /^OTEL_EXPORTER_OTLP_COMPRESSION="brotli" is not valid: accepted values are gzip, none; using none$/,
    ],
    [
      { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'sometimes' },
      /accepted values are cumulative, delta, lowmemory; using cumulative$/,
    ],
    [
      { OTEL_PROPAGATORS: 'tracecontext,xray' },
      /^OTEL_PROPAGATORS="tracecontext,xray" is not valid: "xray" is not supported; accepted values are tracecontext, baggage, b3, b3multi, none$/,
    ],
    [
      { OTEL_NODE_RESOURCE_DETECTORS: 'gcp' },
      /"gcp" is not supported; accepted values are env, host, os, process, serviceinstance, all, none/,
    ],
    [
      { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'maybe' },
      /accepted values are true, false, NO_CONTENT, SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT; content is not captured$/,
    ],
    [
      { OTEL_SEMCONV_STABILITY_OPT_IN: 'http,gen_ai_newest' },
      /"gen_ai_newest" is not a GenAI value; accepted: gen_ai_latest_experimental, gen_ai_latest_experimental\/dup, gen_ai_previous; using gen_ai_latest_experimental$/,
    ],
    [
      { GENAI_OTEL_MAX_CONTENT_LENGTH: 'big' },
      /^GENAI_OTEL_MAX_CONTENT_LENGTH="big" is not valid: accepted values are whole numbers from 16 to 100000000; using 16384$/,
    ],
    [
      { GENAI_OTEL_EXIT_HANDLERS: 'off' },
      /^GENAI_OTEL_EXIT_HANDLERS="off" is not valid: accepted values are true, false; using true$/,
    ],
    [{ GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS: '0' }, /^GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS="0" is not valid/],
    [{ GENAI_OTEL_PRICE_FILE: 'x.json' }, /did you mean GENAI_OTEL_PRICES_FILE\?/],
  ];
  for (const [env, expected] of cases) {
    const problems = problemsOf(env);
    assert.equal(problems.length, 1, `${JSON.stringify(env)} → ${JSON.stringify(problems)}`);
    assert.match(problems[0]!, expected);
  }
});

test('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT accepts the boolean and the named forms', () => {
  const mode = (value: string) =>
    resolveConfig({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: value }).config.genai.captureContent;
  assert.equal(mode('true'), 'span');
  assert.equal(mode('FALSE'), 'none');
  assert.equal(mode('NO_CONTENT'), 'none');
  assert.equal(mode('SPAN_ONLY'), 'span');
  assert.equal(mode('EVENT_ONLY'), 'event');
  assert.equal(mode('span_and_event'), 'span_and_event');
});

test('OTEL_SEMCONV_STABILITY_OPT_IN picks the GenAI names and leaves other groups alone', () => {
  const mode = (value: string | undefined) =>
    resolveConfig(value === undefined ? {} : { OTEL_SEMCONV_STABILITY_OPT_IN: value }).config.genai.semconv;
  assert.equal(mode(undefined), 'latest');
  assert.equal(mode('http,database'), 'latest');
  assert.equal(mode('gen_ai_latest_experimental'), 'latest');
  assert.equal(mode('http/dup, gen_ai_latest_experimental/dup'), 'both');
  assert.equal(mode('GEN_AI_PREVIOUS'), 'previous');
  assert.equal(mode('gen_ai_previous,gen_ai_latest_experimental'), 'both');
});

test('start options override the environment', () => {
  const { config } = resolveConfig(
    {
      OTEL_SERVICE_NAME: 'from-env',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://env-traces/v1/traces',
      OTEL_TRACES_SAMPLER: 'always_off',
    },
    {
      serviceName: 'from-options',
      endpoint: 'http://options:4318',
      sampler: 'traceidratio',
      samplerRatio: 0.5,
      captureContent: true,
      tracesExporter: 'console',
    },
  );
  assert.equal(config.serviceName, 'from-options');
  assert.equal(
    config.traces.otlp.url,
    'http://options:4318/v1/traces',
    'the endpoint option wins over signal-specific variables',
  );
  assert.equal(config.traces.sampler, 'traceidratio');
  assert.equal(config.traces.samplerRatio, 0.5);
  assert.equal(config.genai.captureContent, 'span');
  assert.deepEqual(config.traces.exporters, ['console']);
});

test('the batch size is clamped to the queue size', () => {
  const { config, problems } = resolveConfig({ OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '500' });
  assert.equal(config.traces.batch.maxExportBatchSize, 100);
  assert.equal(problems.length, 1);
});

test('blank values count as unset', () => {
  const { config, problems } = resolveConfig({ OTEL_TRACES_SAMPLER: '  ', OTEL_SERVICE_NAME: '' });
  assert.deepEqual(problems, []);
  assert.equal(config.traces.sampler, 'parentbased_always_on');
  assert.equal(config.serviceName, undefined);
});

test('the preload reads OTEL_SDK_DISABLED on its own exactly as the whole configuration does', () => {
  for (const value of [
    undefined,
    '',
    '  ',
    'true',
    'TRUE',
    ' True ',
    'false',
    'FALSE',
    'yes',
    '1',
    'on',
    'truee',
    '\ttrue\n',
  ]) {
    const env: Record<string, string> = value === undefined ? {} : { OTEL_SDK_DISABLED: value };
    assert.equal(telemetryDisabledByEnvironment(env), resolveConfig(env).config.disabled, JSON.stringify(value));
  }
});
