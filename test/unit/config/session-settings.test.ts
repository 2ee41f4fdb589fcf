// The settings of sessions, logs and request/response records: defaults, parsing, diagnostics, start options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../../src/config/resolve.ts';
import { formatConfigProblem } from '../../../src/core/diagnostics.ts';

const problemsOf = (env: Record<string, string>) => resolveConfig(env).problems.map(formatConfigProblem);

test('defaults: no baggage, no request/response records, pino and winston bridged, info logger on stdout', () => {
  const { config, problems } = resolveConfig({});
  assert.deepEqual(problems, []);
  assert.equal(config.genai.propagateBaggage, false);
  assert.equal(config.genai.llmLogs, false);
  assert.equal(config.genai.clientId, undefined);
  assert.equal(config.genai.workloadId, undefined);
  assert.deepEqual(config.logBridges, ['pino', 'winston']);
  assert.equal(config.genai.loggerLevel, 'info');
  assert.equal(config.genai.loggerStdout, true);
});

test('values are read and validated', () => {
  const { config } = resolveConfig({
    GENAI_OTEL_PROPAGATE_BAGGAGE: 'TRUE',
    GENAI_OTEL_LLM_LOGS: 'true',
    GENAI_OTEL_CLIENT_ID: ' support-bot ',
    GENAI_OTEL_WORKLOAD_ID: 'order-status',
    GENAI_OTEL_LOG_BRIDGES: 'winston',
    GENAI_OTEL_LOGGER_LEVEL: 'WARN',
    GENAI_OTEL_LOGGER_STDOUT: 'false',
  });
  assert.equal(config.genai.propagateBaggage, true);
  assert.equal(config.genai.llmLogs, true);
  assert.equal(config.genai.clientId, 'support-bot');
  assert.equal(config.genai.workloadId, 'order-status');
  assert.deepEqual(config.logBridges, ['winston']);
  assert.equal(config.genai.loggerLevel, 'warn');
  assert.equal(config.genai.loggerStdout, false);
  assert.deepEqual(resolveConfig({ GENAI_OTEL_LOG_BRIDGES: 'none' }).config.logBridges, []);
});

test('bad values name the variable and the accepted values, and fall back to the default', () => {
  assert.deepEqual(problemsOf({ GENAI_OTEL_LLM_LOGS: 'yes' }), [
    'GENAI_OTEL_LLM_LOGS="yes" is not valid: accepted values are true, false; using false',
  ]);
  assert.deepEqual(problemsOf({ GENAI_OTEL_LOGGER_LEVEL: 'trace' }), [
    'GENAI_OTEL_LOGGER_LEVEL="trace" is not valid: accepted values are debug, info, warn, error; using info',
  ]);
  assert.deepEqual(problemsOf({ GENAI_OTEL_LOG_BRIDGES: 'pino,bunyan' }), [
    'GENAI_OTEL_LOG_BRIDGES="pino,bunyan" is not valid: "bunyan" is not supported; accepted values are pino, winston, none',
  ]);
  assert.deepEqual(resolveConfig({ GENAI_OTEL_LOG_BRIDGES: 'pino,bunyan' }).config.logBridges, ['pino']);
  assert.match(problemsOf({ GENAI_OTEL_LLM_LOG: 'true' })[0]!, /did you mean GENAI_OTEL_LLM_LOGS\?/);
});

test('start options win over the environment', () => {
  const { config } = resolveConfig(
    { GENAI_OTEL_LLM_LOGS: 'false', GENAI_OTEL_CLIENT_ID: 'env' },
    { llmLogs: true, propagateBaggage: true, clientId: 'option' },
  );
  assert.equal(config.genai.llmLogs, true);
  assert.equal(config.genai.propagateBaggage, true);
  assert.equal(config.genai.clientId, 'option');
});
