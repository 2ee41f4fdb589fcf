// Settings of the `file` exporter and of the CLI's backends, read with the rest of the configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveBackendUrls, resolveConfig } from '../../../src/config/resolve.ts';

test('OTEL_*_EXPORTER=file is accepted, next to otlp; its folder and size cap have defaults', () => {
  const { config, problems } = resolveConfig({
    OTEL_TRACES_EXPORTER: 'otlp,file',
    OTEL_METRICS_EXPORTER: 'file',
    OTEL_LOGS_EXPORTER: 'FILE',
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(
    [config.traces.exporters, config.metrics.exporters, config.logs.exporters],
    [['otlp', 'file'], ['file'], ['file']],
  );
  assert.deepEqual(config.file, { directory: '.genai-otel', maxBytes: 64 * 1024 * 1024 });
  assert.equal(
    resolveConfig({ GENAI_OTEL_FILE_DIR: '/var/tmp/telemetry' }).config.file.directory,
    '/var/tmp/telemetry',
  );
  assert.equal(resolveConfig({}, { fileDirectory: 'mine' }).config.file.directory, 'mine');
});

test('a bad exporter name or size is reported with the accepted values, and the default is used', () => {
  const { config, problems } = resolveConfig({ OTEL_TRACES_EXPORTER: 'files', GENAI_OTEL_FILE_MAX_BYTES: '12' });
  assert.deepEqual(config.traces.exporters, ['otlp']);
  assert.equal(config.file.maxBytes, 64 * 1024 * 1024);
  assert.match(
    problems.find((problem) => problem.variable === 'OTEL_TRACES_EXPORTER')!.message,
    /otlp, file, local, console, none/,
  );
  assert.match(
    problems.find((problem) => problem.variable === 'GENAI_OTEL_FILE_MAX_BYTES')!.message,
    /whole numbers from 1024/,
  );
});

test("the CLI finds Jaeger and Prometheus from GENAI_OTEL_JAEGER_URL / GENAI_OTEL_PROMETHEUS_URL, else the stack's defaults", () => {
  assert.deepEqual(resolveBackendUrls({}), {
    urls: { jaegerUrl: 'http://localhost:16686', prometheusUrl: 'http://localhost:9090' },
    problems: [],
  });
  const { urls, problems } = resolveBackendUrls({
    GENAI_OTEL_JAEGER_URL: 'http://jaeger:16686',
    GENAI_OTEL_PROMETHEUS_URL: 'prometheus:9090',
  });
  assert.deepEqual(urls, { jaegerUrl: 'http://jaeger:16686', prometheusUrl: 'http://localhost:9090' });
  assert.equal(problems[0]!.variable, 'GENAI_OTEL_PROMETHEUS_URL');
  // They are known variables: the preload does not report them as misspelt.
  assert.deepEqual(
    resolveConfig({ GENAI_OTEL_JAEGER_URL: 'http://jaeger:16686', GENAI_OTEL_PROMETHEUS_URL: 'http://p:9090' })
      .problems,
    [],
  );
});
