// genai-otel's bundle takes @opentelemetry/api through completeApi(): an app on OpenTelemetry JS 2.x has API 1.9.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as api from '@opentelemetry/api';
import { completeApi } from '../../../src/sdk/api-compat.ts';

test('an API that has the logs API (1.10 and later) is returned as it is', () => {
  assert.equal(completeApi(api), api);
});

test("an API 1.9 (no logs, SeverityNumber or createNoopLogger) gets stand-ins equal to 1.10's, and keeps the rest", () => {
  const { logs, SeverityNumber, createNoopLogger, ...older } = api;
  const completed = completeApi(older as typeof api);
  assert.deepEqual({ ...completed.SeverityNumber }, { ...SeverityNumber });
  assert.equal(completed.trace, api.trace);
  assert.equal(completed.createNoopLogger().enabled(), createNoopLogger().enabled());
  assert.equal(typeof logs.getLogger, typeof completed.logs.getLogger);
});

test('the stand-in logs API keeps the first provider, hands out its loggers, and forgets it on disable()', () => {
  const { logs: _logs, ...older } = api;
  const standIn = completeApi(older as typeof api).logs;
  const emitted: unknown[] = [];
  const provider = {
    getLogger: (name: string) => ({ emit: (record: unknown) => emitted.push([name, record]), enabled: () => true }),
  };
  try {
    assert.equal(standIn.setGlobalLoggerProvider(provider), true);
    assert.equal(standIn.setGlobalLoggerProvider({ getLogger: provider.getLogger }), false);
    standIn.getLogger('scope').emit({ body: 'hello' });
    assert.deepEqual(emitted, [['scope', { body: 'hello' }]]);
    // A second completion (the other module format's bundle) sees the same provider.
    assert.equal(completeApi(older as typeof api).logs.getLoggerProvider(), provider);
  } finally {
    standIn.disable();
  }
  assert.equal(standIn.getLogger('scope').enabled(), false);
});
