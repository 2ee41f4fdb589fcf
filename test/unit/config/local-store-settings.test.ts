// GENAI_OTEL_LOCAL_RETENTION and GENAI_OTEL_LOCAL_MAX_BYTES: durations and sizes, 0 for no limit; a bad value is
// reported with the variable and the accepted values, and the default is used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../../src/config/resolve.ts';
import { formatConfigProblem } from '../../../src/core/diagnostics.ts';

test('retention takes durations and 0; the size takes bytes and 0', () => {
  const cases: [Record<string, string>, number, number][] = [
    [{}, 7 * 86_400_000, 1024 ** 3],
    [{ GENAI_OTEL_LOCAL_RETENTION: '12h', GENAI_OTEL_LOCAL_MAX_BYTES: '5000000' }, 12 * 3_600_000, 5_000_000],
    [{ GENAI_OTEL_LOCAL_RETENTION: '2w' }, 14 * 86_400_000, 1024 ** 3],
    [{ GENAI_OTEL_LOCAL_RETENTION: '0', GENAI_OTEL_LOCAL_MAX_BYTES: '0' }, 0, 0],
    [{ GENAI_OTEL_LOCAL_RETENTION: 'none' }, 0, 1024 ** 3],
  ];
  for (const [env, retention, maxBytes] of cases) {
    const { config, problems } = resolveConfig(env);
    assert.deepEqual(problems, [], JSON.stringify(env));
    assert.equal(config.local.retentionMillis, retention);
    assert.equal(config.local.maxBytes, maxBytes);
  }
});

test('a bad value names the variable and the accepted values, and the default is used', () => {
  for (const value of ['7 days', '-1d', 'forever', '1.5y']) {
    const { config, problems } = resolveConfig({ GENAI_OTEL_LOCAL_RETENTION: value });
    assert.equal(config.local.retentionMillis, 7 * 86_400_000);
    assert.equal(problems.length, 1, value);
    const text = formatConfigProblem(problems[0]!);
    assert.match(text, /GENAI_OTEL_LOCAL_RETENTION/);
    assert.match(text, /12h, 7d or 4w .*0 for no limit; using 7d/);
  }
  const { config, problems } = resolveConfig({ GENAI_OTEL_LOCAL_MAX_BYTES: '1GB' });
  assert.equal(config.local.maxBytes, 1024 ** 3);
  assert.match(formatConfigProblem(problems[0]!), /GENAI_OTEL_LOCAL_MAX_BYTES.*whole numbers/);
});

test("'local' is an exporter for traces and logs", () => {
  const { config, problems } = resolveConfig({ OTEL_TRACES_EXPORTER: 'otlp,local', OTEL_LOGS_EXPORTER: 'local' });
  assert.deepEqual(problems, []);
  assert.deepEqual(config.traces.exporters, ['otlp', 'local']);
  assert.deepEqual(config.logs.exporters, ['local']);
});
